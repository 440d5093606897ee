// Gratuitous ARP / unsolicited NA schedule as a pure timer, keepalived semantics:
// on becoming master one burst of garp_master_repeat, a second burst after
// garp_master_delay, a burst of garp_master_refresh_repeat every garp_master_refresh,
// and vrrp_garp_interval / vrrp_gna_interval between single messages. A master
// hearing a lower priority sends garp_lower_prio_repeat at once and again
// garp_lower_prio_delay later, once per such advert (keepalived vrrp.c
// vrrp_state_master_rx arms one timer per advert and never cancels them).
import { ActionKind, type ActionList } from "./actions.ts";
import type { GarpParams } from "./params.ts";

/** delayed lower-priority bursts kept at once (one per lower advert heard within the delay) */
export const LOWER_PRIO_MAX = 1024;

export class GarpScheduler {
  /** next time fire() has work, or Infinity */
  deadline = Infinity;
  private readonly g: GarpParams;
  private readonly vipCount: number;
  /** messages still to send one by one (interval spacing only) */
  private pending = 0;
  private cursor = 0;
  private nextMsgAt = Infinity;
  private lastMsgAt = -Infinity;
  private secondBurstAt = Infinity;
  private refreshAt = Infinity;
  /**
   * due times of the delayed lower-priority bursts, oldest first: a ring, since one
   * delay after now keeps them in order. Bounded: a flood of lower adverts cannot
   * grow it past LOWER_PRIO_MAX (keepalived's timers are unbounded; the oldest due
   * bursts still go out, later ones are dropped once it is full).
   */
  private lowerPrioAt: Float64Array | null = null;
  private lowerPrioHead = 0;
  private lowerPrioLen = 0;

  constructor(g: GarpParams, vipCount: number) {
    this.g = g;
    this.vipCount = vipCount;
  }

  get active(): boolean {
    return this.deadline !== Infinity;
  }

  /** Becoming master: first burst now, then the delayed burst and the refresh cycle. */
  start(now: number, out: ActionList): void {
    this.reset();
    if (this.vipCount === 0) return;
    if (this.g.masterDelayMs > 0) this.secondBurstAt = now + this.g.masterDelayMs;
    if (this.g.masterRefreshMs > 0) this.refreshAt = now + this.g.masterRefreshMs;
    this.burst(now, this.g.masterRepeat, out);
  }

  /** An extra burst of `rounds` (e.g. a master reasserting itself). */
  burst(now: number, rounds: number, out: ActionList): void {
    if (this.vipCount === 0 || rounds <= 0) return;
    if (this.g.intervalMs === 0) {
      out.push(ActionKind.SendGratuitous, -1, rounds);
    } else {
      if (this.pending === 0) this.nextMsgAt = Math.max(now, this.lastMsgAt + this.g.intervalMs);
      this.pending += rounds * this.vipCount;
    }
    this.recompute();
  }

  /**
   * The master heard an advert of lower priority (keepalived vrrp_state_master_rx):
   * garp_lower_prio_repeat now and, with garp_lower_prio_delay, again that much later.
   * Neither without a repeat count: keepalived arms the delayed burst only then.
   * True when there was one (keepalived then has the sync group's other members announce too).
   */
  lowerPriorityHeard(now: number, out: ActionList): boolean {
    const rounds = this.g.lowerPrioRepeat ?? this.g.masterRepeat;
    if (rounds <= 0) return false;
    this.burst(now, rounds, out);
    const delay = this.g.lowerPrioDelayMs ?? this.g.masterDelayMs;
    if (delay <= 0 || this.vipCount === 0) return true;
    this.lowerPrioAt ??= new Float64Array(LOWER_PRIO_MAX);
    if (this.lowerPrioLen === LOWER_PRIO_MAX) return true;
    this.lowerPrioAt[(this.lowerPrioHead + this.lowerPrioLen++) % LOWER_PRIO_MAX] = now + delay;
    this.recompute();
    return true;
  }

  /** delayed lower-priority bursts still to come (status and tests) */
  get lowerPrioPending(): number {
    return this.lowerPrioLen;
  }

  stop(): void {
    this.reset();
  }

  /** Called when now >= deadline; emits what is due and moves the deadline. */
  fire(now: number, out: ActionList): void {
    if (this.secondBurstAt <= now) {
      this.secondBurstAt = Infinity;
      this.burst(now, this.g.masterRepeat, out);
    }
    if (this.refreshAt <= now) {
      // stay on the refresh grid unless we fell a whole period behind
      const next = this.refreshAt + this.g.masterRefreshMs;
      this.refreshAt = next > now ? next : now + this.g.masterRefreshMs;
      this.burst(now, this.g.masterRefreshRepeat, out);
    }
    // bounded: at most LOWER_PRIO_MAX are queued
    while (this.lowerPrioLen > 0 && this.lowerPrioAt![this.lowerPrioHead] <= now) {
      this.lowerPrioHead = (this.lowerPrioHead + 1) % LOWER_PRIO_MAX;
      this.lowerPrioLen--;
      this.burst(now, this.g.lowerPrioRepeat ?? this.g.masterRepeat, out);
    }
    if (this.pending > 0 && this.nextMsgAt <= now) {
      // one message per interval: spacing is the point of vrrp_garp_interval
      out.push(ActionKind.SendGratuitous, this.cursor, 1);
      this.cursor = (this.cursor + 1) % this.vipCount;
      this.pending--;
      this.lastMsgAt = now;
      this.nextMsgAt = this.pending > 0 ? now + this.g.intervalMs : Infinity;
    }
    this.recompute();
  }

  private reset(): void {
    this.pending = 0;
    this.cursor = 0;
    this.nextMsgAt = this.secondBurstAt = this.refreshAt = Infinity;
    this.lowerPrioHead = this.lowerPrioLen = 0;
    this.deadline = Infinity;
  }

  private recompute(): void {
    const lower = this.lowerPrioLen > 0 ? this.lowerPrioAt![this.lowerPrioHead] : Infinity;
    this.deadline = Math.min(this.pending > 0 ? this.nextMsgAt : Infinity, this.secondBurstAt, this.refreshAt, lower);
  }
}
