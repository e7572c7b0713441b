/**
 * Why a child stopped, in OTP's terms. `normal`, `shutdown` and `{ shutdown: term }` are the
 * "expected" exits; anything carried as `{ error }` is abnormal. `{ shutdown: term }` exists because
 * OTP treats it like `shutdown` (a deliberate stop that carries a detail), and a supervisor that gives
 * up reports itself with such reasons.
 */
export type ExitReason = 'normal' | 'shutdown' | { readonly shutdown: unknown } | { readonly error: unknown };

/** OTP's rule for transient children: restart only on an exit other than normal, shutdown or {shutdown, _}. */
export function isAbnormalExit(reason: ExitReason): boolean {
  if (reason === 'normal' || reason === 'shutdown') return false;
  return 'error' in reason;
}
