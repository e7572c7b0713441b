/**
 * Label values kept to a small, stable set: Prometheus stores one series per label combination, so a
 * label must never carry an id or free text.
 */

/** `file:///…/module.js#Analyst` → `Analyst`; '' (system actors) → `system`. */
export function behaviourName(key: string | undefined): string {
  if (key === undefined || key === '') return 'system';
  const hash = key.lastIndexOf('#');
  return hash >= 0 ? key.slice(hash + 1) : key;
}

/**
 * Dead-letter reasons may carry detail after a colon (`task-failed: division by zero`,
 * `mailbox-full:dropped-newest`); the label keeps the kind only.
 */
export function deadLetterReason(reason: string): string {
  const cut = reason.search(/[:\s]/);
  return (cut > 0 ? reason.slice(0, cut) : reason) || 'unknown';
}

/** The name of the error carried by a system event's `cause`, or `Error`. */
export function causeName(cause: unknown): string {
  if (typeof cause === 'object' && cause !== null && typeof (cause as { name?: unknown }).name === 'string') {
    return (cause as { name: string }).name;
  }
  return 'Error';
}
