// Checker scheduler: the sans-IO core that decides when each health check runs
// and what its results mean. Time comes in as an argument (milliseconds on any
// monotonic scale), randomness as an injected PRNG; actions come out. No clock,
// no sockets, no timers — the driver owns those.
//
// Semantics follow keepalived's checkers (check_tcp.c tcp_epilog, check_http.c
// epilog/timeout_epilog):
//  - the first run happens after a random delay in [0, warmup);
//  - success: retry counter reset, checker up, next run after delay_loop;
//  - failure while up: retried `retry` times, delay_before_retry apart; when
//    retries are exhausted the checker goes down and the next run is after
//    delay_loop;
//  - failure while already down: no retries (keepalived: "do not retry if
//    server is already known as dead"), next run after delay_loop;
//  - an attempt that outlives its deadline is a failure; its late result is
//    ignored (results carry the sequence number of the run they answer);
//  - a suspended check (ha_suspend, see ha-suspend.ts) starts no attempt: when
//    it falls due it is re-armed delay_loop later with its verdict and retry
//    count untouched, and an attempt already in flight finishes normally
//    (keepalived: the connect thread of a disabled checker only re-adds its
//    timer after delay_loop; `enabled` is read nowhere else).
import { LvsConfigError, LvsStateError } from "./errors.ts";
import { TimerHeap } from "./timer-heap.ts";

export interface CheckTiming {
  delayLoopMs: number;
  warmupMs: number;
  retry: number;
  delayBeforeRetryMs: number;
  /** deadline for one attempt, counted from its start */
  timeoutMs: number;
  /** initial state: true unless alpha */
  startUp: boolean;
}

export interface CheckOutcome {
  ok: boolean;
  /** MISC_CHECK misc_dynamic: new weight for the real server */
  weight?: number;
  /** why it failed, for logs and the fleet topic */
  reason?: string;
}

export type SchedulerAction =
  /** start attempt `seq` of check `id`; it must finish before `deadline` */
  | { type: "run"; id: number; seq: number; deadline: number }
  /** attempt `seq` passed its deadline: the driver should abort it */
  | { type: "abort"; id: number; seq: number }
  /** the checker's verdict changed (or its dynamic weight did) */
  | { type: "state"; id: number; up: boolean; weight?: number; reason?: string };

interface Entry {
  timing: CheckTiming;
  up: boolean;
  weight: number | undefined;
  retryIt: number;
  suspended: boolean;
  /** sequence of the attempt in flight, 0 = idle */
  running: number;
  seq: number;
  /** bumps whenever the pending timer changes, so stale heap entries are skipped */
  gen: number;
}

export class CheckScheduler {
  private readonly checks = new Map<number, Entry>();
  private readonly timers = new TimerHeap();

  /** `random` returns a float in [0, 1); pass a seeded PRNG to make runs reproducible. */
  constructor(private readonly random: () => number) {}

  add(id: number, timing: CheckTiming, now: number): void {
    if (this.checks.has(id)) throw new LvsStateError(`check ${id} is already scheduled`);
    validateTiming(id, timing);
    const e: Entry = { timing, up: timing.startUp, weight: undefined, retryIt: 0, suspended: false, running: 0, seq: 0, gen: 0 };
    this.checks.set(id, e);
    const warmup = timing.warmupMs > 0 ? Math.floor(this.random() * timing.warmupMs) : 0;
    this.arm(id, e, now + warmup);
  }

  remove(id: number): void {
    this.checks.delete(id);
  }

  has(id: number): boolean {
    return this.checks.has(id);
  }

  isUp(id: number): boolean | undefined {
    return this.checks.get(id)?.up;
  }

  /**
   * Suspends or resumes check `id`. Only future attempts are affected; a
   * resumed check runs at its next due time (at most delay_loop away), as in
   * keepalived, so resuming never bursts every check at once.
   */
  setSuspended(id: number, suspended: boolean): void {
    const e = this.checks.get(id);
    if (e) e.suspended = suspended;
  }

  isSuspended(id: number): boolean | undefined {
    return this.checks.get(id)?.suspended;
  }

  /** Earliest time at which tick() has something to do, or undefined when idle. */
  nextWakeup(): number | undefined {
    for (;;) {
      const at = this.timers.peekAt();
      if (at === undefined) return undefined;
      if (this.isLive(this.timers.peekId(), this.timers.peekGen())) return at;
      this.timers.pop();
    }
  }

  /** Starts every check that is due and expires every attempt past its deadline. */
  tick(now: number): SchedulerAction[] {
    const out: SchedulerAction[] = [];
    for (;;) {
      const at = this.timers.peekAt();
      if (at === undefined || at > now) break;
      const id = this.timers.peekId();
      const gen = this.timers.peekGen();
      this.timers.pop();
      if (!this.isLive(id, gen)) continue;
      const e = this.checks.get(id)!;
      if (e.running) {
        out.push({ type: "abort", id, seq: e.running });
        e.running = 0;
        this.settle(id, e, { ok: false, reason: "timeout" }, now, out);
      } else if (e.suspended) {
        this.arm(id, e, now + e.timing.delayLoopMs);
      } else {
        e.seq++;
        e.running = e.seq;
        const deadline = now + e.timing.timeoutMs;
        out.push({ type: "run", id, seq: e.seq, deadline });
        this.arm(id, e, deadline);
      }
    }
    return out;
  }

  /** Feeds the result of attempt `seq`; results of expired or unknown attempts are ignored. */
  result(id: number, seq: number, outcome: CheckOutcome, now: number): SchedulerAction[] {
    const e = this.checks.get(id);
    if (!e || e.running === 0 || e.running !== seq) return [];
    e.running = 0;
    const out: SchedulerAction[] = [];
    this.settle(id, e, outcome, now, out);
    return out;
  }

  private settle(id: number, e: Entry, o: CheckOutcome, now: number, out: SchedulerAction[]): void {
    const t = e.timing;
    if (o.ok) {
      e.retryIt = 0;
      const weightChanged = o.weight !== undefined && o.weight !== e.weight;
      if (o.weight !== undefined) e.weight = o.weight;
      if (!e.up || weightChanged) {
        e.up = true;
        out.push(e.weight === undefined ? { type: "state", id, up: true } : { type: "state", id, up: true, weight: e.weight });
      }
      this.arm(id, e, now + t.delayLoopMs);
      return;
    }
    if (e.up && e.retryIt < t.retry) {
      e.retryIt++;
      this.arm(id, e, now + t.delayBeforeRetryMs);
      return;
    }
    e.retryIt = 0;
    if (e.up) {
      e.up = false;
      out.push(o.reason === undefined ? { type: "state", id, up: false } : { type: "state", id, up: false, reason: o.reason });
    }
    this.arm(id, e, now + t.delayLoopMs);
  }

  private arm(id: number, e: Entry, at: number): void {
    e.gen++;
    this.timers.push(at, id, e.gen);
  }

  private isLive(id: number, gen: number): boolean {
    const e = this.checks.get(id);
    return e !== undefined && e.gen === gen;
  }
}

function validateTiming(id: number, t: CheckTiming): void {
  const fields: (keyof CheckTiming)[] = ["delayLoopMs", "warmupMs", "retry", "delayBeforeRetryMs", "timeoutMs"];
  for (const f of fields) {
    const v = t[f] as number;
    if (!Number.isInteger(v) || v < 0) throw new LvsConfigError(`check ${id}: ${f} must be a non-negative integer, got ${v}`);
  }
  if (t.delayLoopMs === 0) throw new LvsConfigError(`check ${id}: delayLoopMs must be > 0`);
  if (t.timeoutMs === 0) throw new LvsConfigError(`check ${id}: timeoutMs must be > 0`);
}
