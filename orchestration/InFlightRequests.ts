/**
 * The agent requests being worked on in this thread, each with the AbortController its work
 * listens to. An agent actor handles one request at a time and its mailbox waits meanwhile, so a
 * cancellation cannot reach it as an ordinary message; it goes to this thread's
 * `CancellationRelay` actor instead, which aborts the controller registered here. Module state is
 * per thread (every worker imports its own copy), which is exactly the scope needed: an agent and
 * the relay of its worker share it.
 */

const running = new Map<string, AbortController>();
/** Cancellations that arrived before their request started (still queued in the agent's mailbox). */
const cancelledEarly = new Map<string, number>();
/** How long an early cancellation is remembered; a request queued longer than this is not expected. */
const EARLY_CANCEL_TTL_MS = 10 * 60_000;
const EARLY_CANCEL_MAX = 10_000;

export function requestKey(agentId: string, messageId: string): string {
  return `${agentId}\n${messageId}`;
}

/** Registers a request; undefined when it was cancelled before it started. */
export function beginRequest(key: string): AbortController | undefined {
  if (cancelledEarly.delete(key)) return undefined;
  const controller = new AbortController();
  running.set(key, controller);
  return controller;
}

export function endRequest(key: string): void {
  running.delete(key);
}

/** Aborts the request's work; remembers the cancellation when the request has not started yet. */
export function cancelRequest(key: string, reason: unknown): boolean {
  const controller = running.get(key);
  if (controller !== undefined) {
    controller.abort(reason);
    return true;
  }
  const now = Date.now();
  if (cancelledEarly.size >= EARLY_CANCEL_MAX) {
    for (const [k, at] of cancelledEarly) if (now - at > EARLY_CANCEL_TTL_MS || cancelledEarly.size >= EARLY_CANCEL_MAX) cancelledEarly.delete(k);
  }
  cancelledEarly.set(key, now);
  return false;
}

/** Requests in progress in this thread (for diagnostics and tests). */
export function runningRequests(): number {
  return running.size;
}
