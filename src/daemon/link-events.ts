// Link, address, route and rule events in the VRRP worker, from its rtnetlink
// monitor: an instance's link state and tracked interfaces follow its links; a
// deleted interface sends its instances back to waiting; a deleted vmac
// restarts its instance; waiting instances watching an interface are tried
// again; VIPs, virtual routes and rules, and the static set deleted by someone
// else are put back. Also the link state from a dump (start, lost notifications).
import { type Link, listLinks } from "../sys/rtnetlink/link.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { type RtEvent, type RtNoopFilter, RtMonitor } from "../sys/rtnetlink/monitor.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { linkProblem } from "./plan-bind.ts";
import type { StaticNetworkSlot } from "./static-network.ts";
import type { InstanceRuntime } from "./vrrp-runtime.ts";
import type { WorkerInstances } from "./worker-instances.ts";
import { workerHooks as hooks } from "./worker-post.ts";
import { LinkDebounce } from "../vrrp/link-debounce.ts";

/**
 * Link state of every instance's own interface and tracked interfaces, from a
 * dump. Returns the runtimes whose interface is gone from it (deleted while the
 * notification was lost).
 */
export function syncLinks(runtimes: InstanceRuntime[], now: number, links: Link[]): InstanceRuntime[] {
  const gone: InstanceRuntime[] = [];
  for (const rt of runtimes) {
    const own = links.find((x) => x.index === rt.plan.ifindex);
    if (!own) gone.push(rt);
    rt.linkFault = own ? linkProblem(own, rt.plan.interface) : `interface ${rt.plan.interface} was deleted`;
    rt.linkUp = rt.linkFault === "";
    rt.plan.trackInterfaces.forEach((t, i) => {
      const l = links.find((x) => x.index === t.ifindex);
      rt.tracker.setInterface(i, !!l && l.up && l.running);
    });
    rt.applyTracking(now);
  }
  return gone;
}

export class LinkEvents implements RtNoopFilter {
  private monitor: RtMonitor;
  /** the monitor's events, reused from one read to the next (RtMonitor.drain) */
  private readonly rtEvents: RtEvent[] = [];
  /** interface_up_down_delays: every plan carries the same top-level list */
  private readonly debounce = new LinkDebounce((name) => this.instances.runtimes[0]?.plan.linkDelays.find((d) => d.interface === name));

  /** @param monitorRoutes the monitor also hears route and rule changes (only when routes or rules are owned) */
  constructor(
    private readonly nl: NetlinkSocket,
    private readonly instances: WorkerInstances,
    private readonly statics: StaticNetworkSlot,
    private monitorRoutes: boolean,
  ) {
    this.monitor = new RtMonitor({ routes: monitorRoutes });
    // what the instances see at start: a change from here on may wait for its delay
    for (const l of listLinks(nl)) this.debounce.seed(l.index, linkProblem(l, l.name) === "");
  }

  /** When a held-back link change (interface_up_down_delays) is due, or Infinity. */
  get nextAt(): number {
    return this.debounce.nextAt;
  }

  /** Shows the instances the link changes whose delay ran out, if the link is still that way. */
  tick(now: number): void {
    if (now < this.debounce.nextAt) return;
    const due = this.debounce.due(now);
    if (!due.length) return;
    const links = listLinks(this.nl);
    for (const [index, up] of due) {
      const l = links.find((x) => x.index === index);
      if (!l) continue;
      const problem = linkProblem(l, l.name);
      if ((problem === "") === up) this.showLink(now, index, problem);
    }
  }

  /** Instances on interface `index`, and those tracking it, see its state. */
  private showLink(now: number, index: number, problem: string): void {
    const up = problem === "";
    for (const rt of this.instances.runtimes) {
      let changed = false;
      if (rt.plan.ifindex === index) {
        rt.linkFault = problem;
        if (rt.linkUp !== up) {
          rt.linkUp = up;
          changed = true;
        }
      }
      rt.plan.trackInterfaces.forEach((t, i) => {
        if (t.ifindex === index && rt.tracker.setInterface(i, up)) changed = true;
      });
      if (changed) rt.applyTracking(now);
    }
  }

  /** The monitor's fd, for the worker's poll set (a new one after ensureRouteMonitor). */
  get fd(): number {
    return this.monitor.fd;
  }

  /** Subscribes the monitor to route/rule changes once something owns routes or rules. */
  ensureRouteMonitor(ownsRoutes: boolean): void {
    if (this.monitorRoutes || !ownsRoutes) return;
    this.monitor.close();
    this.monitor = new RtMonitor({ routes: true });
    this.monitorRoutes = true;
  }

  /**
   * RtNoopFilter for the monitor: a master's every VIP lease renewal comes back as an
   * RTM_NEWADDR, and decoding it allocated (25 masters: ≈ 2 100 cells a second,
   * measured by vrrp-daemon-alloc.bench). One that onMonitor would do
   * nothing with (no waiting instance watches the interface, no instance that does
   * not hold that VIP has it) is dropped undecoded. Allocation-free.
   */
  newAddressIsNoop(index: number, prefixlen: number, bytes: Uint8Array, off: number, len: number): boolean {
    const waiting = this.instances.waiting;
    const runtimes = this.instances.runtimes;
    for (let i = 0; i < waiting.length; i++) if (waiting[i].retry.watchesIndex(index)) return false;
    for (let i = 0; i < runtimes.length; i++) if (runtimes[i].newAddressActs(index, prefixlen, bytes, off, len)) return false;
    return true;
  }

  /** onMonitor acts on route and rule deletions only (an owned one is put back) */
  readonly newRoutesAreNoops = true;

  /** The monitor's fd is readable. */
  onMonitor(now: number): void {
    const n = this.monitor.drain(this.rtEvents, this);
    // nothing but no-op notifications (our own lease renewals' echoes): nothing else to do.
    // (applyEvents is a function of its own: its closures make JSC allocate a scope
    // for every call of the function that declares them, early return or not.)
    if (n > 0) this.applyEvents(this.rtEvents.slice(0, n), now);
    else this.instances.retryWaiting(now);
  }

  private applyEvents(events: RtEvent[], now: number): void {
    const instances = this.instances;
    const statics = this.statics.current;
    let resync = false;
    // links deleted in this batch: their addresses' deletions are no VIP to restore
    const gone = new Set<number>();
    for (const ev of events) if (ev.kind === "link" && ev.op === "del") gone.add(ev.link.index);
    const lost = instances.runtimes.filter((rt) => gone.has(rt.plan.ifindex));
    const vmacLost = instances.runtimes.filter((rt) => rt.vmacIndexes.some((i) => gone.has(i)) && !lost.includes(rt));
    for (const ev of events) {
      if (ev.kind === "link") {
        const l = ev.link;
        const problem = ev.op === "del" ? `interface ${l.name} was deleted` : linkProblem(l, l.name);
        const up = problem === "";
        // interface_up_down_delays: a bounce shorter than the delay is never shown
        if (ev.op === "del") this.debounce.forget(l.index);
        if (ev.op === "del" || this.debounce.seen(now, l.index, l.name, up)) this.showLink(now, l.index, problem);
        for (const w of instances.waiting) if (w.retry.concerns({ kind: "link", index: l.index, name: l.name })) w.retry.wake(now);
        if (ev.op === "new" && up) statics?.linkChanged();
      } else if (ev.kind === "address") {
        const a = ev.address;
        for (const w of instances.waiting) if (w.retry.concerns({ kind: "address", index: a.index })) w.retry.wake(now);
        if (gone.has(a.index)) continue;
        if (ev.op === "del") statics?.addressDeleted(a.index, a.address, a.prefixlen);
        for (const rt of instances.runtimes) rt.addressChanged(now, ev.op, a.index, a.address, a.prefixlen);
      } else if (ev.kind === "route") {
        if (ev.op === "del" && !gone.has(ev.route.oif ?? -1) && !statics?.routeDeleted(ev.route)) {
          for (const rt of instances.runtimes) if (rt.routes.routeDeleted(ev.route)) hooks.event("route-restored", rt, `a virtual route was deleted while MASTER; put back`);
        }
      } else if (ev.kind === "rule") {
        if (ev.op === "del" && !statics?.ruleDeleted(ev.rule)) {
          for (const rt of instances.runtimes) if (rt.routes.ruleDeleted(ev.rule)) hooks.event("route-restored", rt, `a virtual rule was deleted while MASTER; put back`);
        }
      } else if (ev.kind === "overrun") {
        resync = true;
      }
    }
    if (resync) {
      // notifications were lost: re-read, and let every waiting instance try again
      for (const rt of syncLinks(instances.runtimes, now, listLinks(this.nl))) if (!lost.includes(rt)) lost.push(rt);
      // track_src_ip: a source address deleted or re-added while notifications were lost
      if (instances.runtimes.some((rt) => rt.sourceTrack)) {
        const addrs = listAddresses(this.nl);
        for (const rt of instances.runtimes) if (rt.sourceTrack?.resync(addrs)) rt.applyTracking(now);
      }
      for (const w of instances.waiting) w.retry.wake(now);
    }
    for (const rt of lost) instances.unbind(rt, now);
    if (lost.length) instances.assemble(now, [], listLinks(this.nl));
    for (const rt of vmacLost) instances.recreate(rt, now);
    instances.retryWaiting(now);
  }

  close(): void {
    this.monitor.close();
  }
}
