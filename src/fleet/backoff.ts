// Reconnect delays: exponential from base to max, with jitter (the upper half of each delay is random) so a fleet
// that lost its broker does not reconnect in lockstep when it comes back.
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 60_000 };

/** `random` in [0,1): injected so the schedule is testable. */
export function backoffDelay(attempt: number, b: Backoff, random: number): number {
  const cap = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(b.baseMs / 2, Math.floor(cap * (0.5 + random / 2)));
}
