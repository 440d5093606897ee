// When a VRRP instance that could not start yet is tried again (pure: the VRRP
// worker feeds it times and rtnetlink changes, and does the I/O). A board brings
// its interfaces up while vigil starts: an interface appears, gets carrier, its
// IPv6 link-local address leaves duplicate address detection. Each of those is a
// link or address notification naming the interface, and that is when a waiting
// instance is tried at once. A backoff timer (100 ms doubling to 5 s) is the
// safety net for a change that comes without a notification we recognise (a
// failure the kernel reports only on bind()), so no instance waits forever
// on a lost event.

export interface RetryPolicy {
  /** delay after the first failed attempt */
  firstMs: number;
  /** the delay doubles up to this */
  maxMs: number;
}

export const START_RETRY: Readonly<RetryPolicy> = { firstMs: 100, maxMs: 5000 };

/** Delay before the next attempt after `failures` consecutive failed ones (>= 1). */
export function retryDelayMs(failures: number, policy: Readonly<RetryPolicy> = START_RETRY): number {
  const doublings = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(policy.maxMs, policy.firstMs * 2 ** doublings);
}

/** What an rtnetlink notification is about: link messages carry the name, address messages only the index. */
export interface RtChange {
  kind: "link" | "address";
  index: number;
  /** link messages only */
  name?: string;
}

/** Why it waits, and what to watch: the interfaces' names (and their current indexes, which address messages carry). */
export interface WaitCause {
  reason: string;
  interfaces: string[];
}

export class StartRetry {
  /** why the last attempt failed ("" before the first) */
  reason = "";
  failures = 0;
  /** monotonic ms of the next attempt the timer makes */
  nextAt = Infinity;
  private names: string[] = [];
  private indexes: number[] = [];

  constructor(private readonly policy: Readonly<RetryPolicy> = START_RETRY) {}

  /**
   * An attempt at `now` failed for `cause`; `links` is the dump the attempt used
   * (to learn the watched interfaces' indexes). Returns whether the reason differs
   * from the previous attempt's: a new reason is worth a log line and a fleet event,
   * the same one repeated every few seconds is not.
   */
  failed(now: number, cause: WaitCause, links: ReadonlyArray<{ index: number; name: string }>): boolean {
    this.failures++;
    this.nextAt = now + retryDelayMs(this.failures, this.policy);
    this.names = cause.interfaces;
    this.indexes = links.filter((l) => cause.interfaces.includes(l.name)).map((l) => l.index);
    const changed = cause.reason !== this.reason;
    this.reason = cause.reason;
    return changed;
  }

  /**
   * Can this change let the instance start? A link message for a watched name
   * (created, renamed to it, up, carrier) or index (going, changing), or an
   * address message on a watched interface (added, left DAD, removed).
   */
  concerns(c: RtChange): boolean {
    if (this.watchesIndex(c.index)) return true;
    return c.kind === "link" && c.name !== undefined && this.names.includes(c.name);
  }

  /** An address message on interface `index` concerns this instance (what concerns() answers for one, without building it). */
  watchesIndex(index: number): boolean {
    return this.indexes.includes(index);
  }

  /** Something relevant changed (or notifications were lost): try at the next pass, and restart the backoff. */
  wake(now: number): void {
    this.failures = 0;
    this.nextAt = now;
  }

  due(now: number): boolean {
    return now >= this.nextAt;
  }
}
