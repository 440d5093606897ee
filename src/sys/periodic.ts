// Fixed-rate schedule on absolute CLOCK_MONOTONIC deadlines for the advert Worker:
// each deadline is start + k·period, so wake-up latency never accumulates as drift
// (setInterval drifts +278 ms per 20 s, docs/architecture.md "Timing"). Pure arithmetic plus
// one blocking sleep; no allocation per tick.
import { monotonicNs, sleepUntil } from "./clock.ts";

export class PeriodicSchedule {
  /** The next deadline, ns on CLOCK_MONOTONIC. */
  deadline: number;
  /** Slots skipped because the thread woke more than a whole period late. */
  missed = 0;

  constructor(public periodNs: number, startNs = monotonicNs() + periodNs) {
    if (!(periodNs > 0)) throw new RangeError(`period ${periodNs} ns must be positive`);
    this.deadline = startNs;
  }

  /**
   * Sleeps until the current deadline, advances to the next one and returns how
   * late the wake-up was (ns ≥ 0). When more than a period late, the missed slots are
   * counted and skipped rather than sent back to back: a burst of stale adverts
   * would tell backups nothing new.
   */
  waitNext(): number {
    const due = this.deadline;
    sleepUntil(due);
    const now = monotonicNs();
    this.deadline = due + this.periodNs;
    if (now >= this.deadline) {
      const behind = Math.floor((now - due) / this.periodNs);
      this.missed += behind;
      this.deadline = due + (behind + 1) * this.periodNs;
    }
    return now - due;
  }

  /** Changes the period (e.g. a new advert_int); the next deadline is one new period after `fromNs`. */
  reschedule(periodNs: number, fromNs = monotonicNs()): void {
    if (!(periodNs > 0)) throw new RangeError(`period ${periodNs} ns must be positive`);
    this.periodNs = periodNs;
    this.deadline = fromNs + periodNs;
  }
}
