/**
 * The one seam between the orchestration logic and whatever actually runs an agent (an actor
 * `ask`, an HTTP call to a remote agent, a local model): everything here that calls an agent goes
 * through an injected `AgentInvoker`, so it runs the same against the actor runtime and in tests.
 */

export interface InvokeContext {
  /** Fires when the caller gives up (timeout, cancellation, a competitor won); stop work then. */
  signal: AbortSignal;
  /** The time left for this call, to hand on to anything the agent itself calls. */
  timeoutMs?: number;
}

export type AgentInvoker = (agentId: string, action: string, input: unknown, context: InvokeContext) => Promise<unknown>;

export type CallOutcome =
  | { ok: true; value: unknown; latencyMs: number }
  | { ok: false; reason: 'timeout' | 'aborted' | 'failed'; error: unknown; latencyMs: number };

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Calls an agent under a deadline and a cancellation signal and reports how it ended, never
 * throwing. The outcome is settled as soon as the deadline passes or the signal fires, even if the
 * invoker ignores its signal: an uncooperative agent cannot stall its caller.
 */
export function callAgent(
  invoke: AgentInvoker,
  agentId: string,
  action: string,
  input: unknown,
  options: CallOptions = {},
): Promise<CallOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.resolve({ ok: false, reason: 'aborted', error: signal.reason, latencyMs: 0 });

  const controller = new AbortController();
  return new Promise<CallOutcome>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const onParentAbort = (): void => {
      controller.abort(signal!.reason);
      finish({ ok: false, reason: 'aborted', error: signal!.reason, latencyMs: elapsed() });
    };
    const finish = (outcome: CallOutcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onParentAbort);
      resolve(outcome);
    };
    signal?.addEventListener('abort', onParentAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const error = new DOMException(`Agent ${agentId} did not answer ${action} within ${timeoutMs} ms`, 'TimeoutError');
        controller.abort(error);
        finish({ ok: false, reason: 'timeout', error, latencyMs: elapsed() });
      }, timeoutMs);
    }
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(invoke(agentId, action, input, { signal: controller.signal, timeoutMs }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => finish({ ok: true, value, latencyMs: elapsed() }),
      (error: unknown) => finish({ ok: false, reason: 'failed', error, latencyMs: elapsed() }),
    );
  });
}

/** A message for any thrown value, which need not be an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The stable code of a TroupeError (or any error carrying a string `code`), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
