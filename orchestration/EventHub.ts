import type { Logger } from '../runtime/logger.js';

type Listener<T> = (payload: T) => void;

/**
 * Typed synchronous events. A listener that throws is logged and skipped: an observer's bug must
 * not abort the state transition it was told about, which has already been persisted.
 */
export class EventHub<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly logger: Logger) {}

  /** Returns the function that removes the listener. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[E]>)(payload);
      } catch (err) {
        this.logger.error({ err, event: String(event) }, 'event listener threw');
      }
    }
  }
}
