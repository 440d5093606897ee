// A vrrp_instance that cannot start yet: its interface is absent, down or without
// carrier, or it has no usable advert source address (an IPv6 link-local address
// still in duplicate address detection). It holds no socket; it is FAULT, with
// the reason, for `vigil status` and the fleet until one of the VRRP worker's
// attempts (start-retry.ts) starts it.
import type { InstancePlan } from "./plan.ts";
import { StartRetry } from "./start-retry.ts";
import type { InstanceStatus } from "./status-types.ts";
import { trackingStatus } from "./tracking-status.ts";

/** track_script results kept while waiting and replayed into the tracker at start: more than any sane rise/fall. */
const MAX_SCRIPT_RESULTS = 64;

export class WaitingInstance {
  readonly retry = new StartRetry();
  /** wall-clock ms when it began to wait */
  readonly since = Date.now();
  private readonly scripts: Array<[number, boolean]> = [];

  /**
   * @param plan unbound (configPlans)
   * @param faultReported the daemon already shows it FAULT (a transition said so)
   */
  constructor(readonly plan: InstancePlan, readonly startedWaitingAt: number, public faultReported: boolean) {}

  /** A track_script result for an instance with no tracker yet. */
  scriptResult(index: number, ok: boolean): void {
    this.scripts.push([index, ok]);
    if (this.scripts.length > MAX_SCRIPT_RESULTS) this.scripts.shift();
  }

  /** The results in arrival order, so the tracker's rise/fall counts come out as if it had run all along. */
  get scriptHistory(): ReadonlyArray<readonly [number, boolean]> {
    return this.scripts;
  }

  status(): InstanceStatus {
    const p = this.plan.params;
    return {
      name: this.plan.name,
      interface: this.plan.interface,
      vrid: p.vrid,
      family: p.family,
      version: p.version,
      state: "FAULT",
      priority: p.priority,
      effectivePriority: p.priority,
      masterAddress: "",
      since: this.since,
      vips: this.plan.vips.map((v) => `${v.address}/${v.prefix}`),
      counters: {},
      fault: this.retry.reason || "not started yet",
      waiting: true,
      tracking: trackingStatus(this.plan),
    };
  }
}
