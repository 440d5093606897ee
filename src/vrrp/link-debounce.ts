// keepalived interface_up_down_delays: a link that goes down (or up) changes the
// state its VRRP instances see only once it stayed that way for the interface's
// down (up) delay; a link that comes back before the delay ran out changes
// nothing (keepalived.conf(5): "no associated VRRP instance state transition will
// occur"). Interfaces without a delay pass straight through. Pure: time comes in.

export interface UpDownDelay {
  downDelayMs: number;
  upDelayMs: number;
}

interface Held {
  /** the state the instances see */
  shown: boolean;
  /** the state the link is in now, to be shown at `at` */
  pending: boolean;
  at: number;
}

export class LinkDebounce {
  private readonly held = new Map<number, Held>();
  /** earliest time a held change is due, or Infinity */
  nextAt = Infinity;

  /** `delayOf(name)`: the interface's delays, or undefined for none */
  constructor(private readonly delayOf: (name: string) => UpDownDelay | undefined) {}

  /** The instances' view of interface `index` is `up` (a dump, or a change they were told). */
  seed(index: number, up: boolean): void {
    this.held.set(index, { shown: up, pending: up, at: Infinity });
    this.recompute();
  }

  /**
   * A link notification: true when the instances should see `up` now, false
   * when it is held back (or changes nothing they see).
   */
  seen(now: number, index: number, name: string, up: boolean): boolean {
    const d = this.delayOf(name);
    const h = this.held.get(index);
    if (!d || !h) {
      this.held.set(index, { shown: up, pending: up, at: Infinity });
      return true;
    }
    if (up === h.shown) {
      // back before the delay ran out: nothing happened
      h.pending = up;
      h.at = Infinity;
      this.recompute();
      return false;
    }
    if (h.pending === up && h.at !== Infinity) return false; // already waiting for this change
    const delay = up ? d.upDelayMs : d.downDelayMs;
    if (delay <= 0) {
      h.shown = h.pending = up;
      h.at = Infinity;
      this.recompute();
      return true;
    }
    h.pending = up;
    h.at = now + delay;
    this.recompute();
    return false;
  }

  /** The link is gone: nothing to wait for. */
  forget(index: number): void {
    this.held.delete(index);
    this.recompute();
  }

  /** Changes whose delay ran out by `now`, as [index, up] pairs; they are now shown. */
  due(now: number): Array<[number, boolean]> {
    const out: Array<[number, boolean]> = [];
    if (now < this.nextAt) return out;
    for (const [index, h] of this.held) {
      if (h.at <= now) {
        h.shown = h.pending;
        h.at = Infinity;
        out.push([index, h.shown]);
      }
    }
    this.recompute();
    return out;
  }

  private recompute(): void {
    let next = Infinity;
    for (const h of this.held.values()) if (h.at < next) next = h.at;
    this.nextAt = next;
  }
}
