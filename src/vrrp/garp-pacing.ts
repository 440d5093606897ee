// Spacing of gratuitous ARPs / unsolicited NAs per interface across instances,
// keepalived 2.2.7 semantics (vrrp_arp.c send_gratuitous_arp / queue_garp,
// vrrp_scheduler.c vrrp_arp_thread, vrrp_if.c set_default_garp_delay):
// - an interface in a garp_group shares the group's garp_interval (IPv4) /
//   gna_interval (IPv6) with the group's other interfaces; any other interface
//   takes the global vrrp_garp_interval / vrrp_gna_interval for itself alone;
// - a message is sent at once when its lane's previous one is at least the interval
//   old, else it waits its turn; a VIP already waiting is not queued twice (its
//   pending flag), so a burst of repeats leaves each VIP once;
// - a waiting message of an instance no longer MASTER is dropped (its VIPs are gone).
// Pure: time comes in; the adapter (daemon/vip-announcer.ts) sends.
import type { Config } from "../config/model.ts";

/** Which lane a VIP's messages take and how far apart: undefined = not spaced. */
export interface PaceLane {
  /** the group (or lone interface) and family: messages with the same key share one spacing */
  key: string;
  intervalMs: number;
}

/**
 * The lane of a message for `family` leaving `ifname` (for a VIP on a vmac, its
 * base interface: keepalived paces IF_BASE_IFP). A garp_group's interface without
 * the family's interval is not spaced for it; the globals do not fill in.
 */
export function paceLaneFor(cfg: Config, ifname: string, family: 4 | 6): PaceLane | undefined {
  const gi = cfg.garpGroups.findIndex((g) => g.interfaces.includes(ifname));
  const g = gi >= 0 ? cfg.garpGroups[gi]! : undefined;
  const ms = g ? (family === 4 ? g.garpIntervalMs : g.gnaIntervalMs) : family === 4 ? cfg.global.vrrpGarpIntervalMs : cfg.global.vrrpGnaIntervalMs;
  if (!ms) return undefined;
  return { key: `${g ? `group#${gi + 1}` : `if:${ifname}`}/${family}`, intervalMs: ms };
}

/** One message a lane may hold back: the adapter's, allocated once per VIP frame. */
export interface PacedMessage {
  /** waiting in a lane (keepalived garp_gna_pending) */
  queued: boolean;
  /** send it now; false when it is no longer wanted (the instance left MASTER or closed) */
  send(): boolean;
}

/** Most messages one lane holds back: one per VIP of every instance on it is far below. */
export const LANE_MAX = 4096;

export class GarpLane {
  /** keepalived garp_next_time: no message before this */
  nextAt = -Infinity;
  private readonly queue: PacedMessage[] = [];

  constructor(public intervalMs: number) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** A message wants out at `now`: sent now if the lane allows, else queued once. */
  offer(now: number, m: PacedMessage): void {
    if (now >= this.nextAt) {
      if (m.send()) this.nextAt = now + this.intervalMs;
      return;
    }
    if (m.queued || this.queue.length >= LANE_MAX) return;
    m.queued = true;
    this.queue.push(m);
  }

  /** A message that went out without asking (garp_extra_if): the next one waits for it too. */
  sentAt(now: number): void {
    this.nextAt = now + this.intervalMs;
  }

  /** Sends the next waiting message if its turn came; dropped ones give their turn on. */
  fire(now: number): void {
    while (this.queue.length > 0 && now >= this.nextAt) {
      const m = this.queue.shift()!;
      m.queued = false;
      if (m.send()) this.nextAt = now + this.intervalMs;
    }
  }

  /** when fire() has work next, Infinity = nothing waits */
  get deadline(): number {
    return this.queue.length > 0 ? this.nextAt : Infinity;
  }
}

/** The lanes of one worker, by key (a reload's plans find the same lanes and their history). */
export class GarpPacer {
  private readonly byKey = new Map<string, GarpLane>();
  /** the same lanes as a list: the worker's loop walks it on every pass without allocating */
  private readonly lanes: GarpLane[] = [];

  lane(l: PaceLane): GarpLane {
    let lane = this.byKey.get(l.key);
    if (!lane) {
      lane = new GarpLane(l.intervalMs);
      this.byKey.set(l.key, lane);
      this.lanes.push(lane);
    } else lane.intervalMs = l.intervalMs;
    return lane;
  }

  fire(now: number): void {
    for (let i = 0; i < this.lanes.length; i++) if (this.lanes[i].deadline <= now) this.lanes[i].fire(now);
  }

  get deadline(): number {
    let d = Infinity;
    for (let i = 0; i < this.lanes.length; i++) {
      const x = this.lanes[i].deadline;
      if (x < d) d = x;
    }
    return d;
  }
}
