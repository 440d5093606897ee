// The VRRP advert worker (a Bun Worker thread). It owns every VRRP socket, the
// rtnetlink sockets and the instance FSMs, and waits in ppoll on absolute
// CLOCK_MONOTONIC deadlines under SCHED_FIFO, so adverts leave on time while the main
// thread parses configs, talks MQTT or runs checkers. The loop is synchronous; it
// yields to its event loop only when the main thread has signalled the eventfd,
// so the steady state (timers, adverts, receives) allocates nothing.
//
// Instances are bound to the interfaces here, when they start: one whose interface
// is absent, down, without carrier or without a usable source address waits
// (WaitingInstance, FAULT with the reason) and is tried again on the rtnetlink
// link/address notification that can fix it and on a backoff timer
// (start-retry.ts), as a board brings its interfaces up after vigil.
import { errorText } from "../error-text.ts";
import { monotonicNs, sleepUntil } from "../sys/clock.ts";
import { EventFd } from "../sys/eventfd.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { type Link, listLinks } from "../sys/rtnetlink/link.ts";
import { type RtEvent, type RtNoopFilter, RtMonitor } from "../sys/rtnetlink/monitor.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { lockMemory, setThreadFifo, setThreadNice } from "../sys/sched.ts";
import { ReadinessWaiter } from "../sys/readiness-waiter.ts";
import { State, STATE_NAMES } from "../vrrp/actions.ts";
import type { AddrInfo, InstancePlan, LinkInfo, SyncGroupPlan } from "./plan.ts";
import { bindPlan, linkProblem } from "./plan-bind.ts";
import type { WaitCause } from "./start-retry.ts";
import { AdvertReceiver, receiverKey } from "./advert-receiver.ts";
import { IPPROTO_AH } from "../vrrp/packet-ah.ts";
import { IPPROTO_VRRP } from "../vrrp/packet-layout.ts";
import { reconcileSyncGroups } from "./sync-groups.ts";
import { reloadDiff, retunedPlan } from "./reload-diff.ts";
import { InstanceRuntime, type RuntimeHooks } from "./vrrp-runtime.ts";
import { WaitingInstance } from "./waiting-instance.ts";
import { heapProbeRequested, markHeap, reportCells } from "./heap-probe.ts";
import { StaticNetwork } from "./static-network.ts";
import type { StaticPlan } from "./plan-routes.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.ts";

declare const self: Worker;

const NS_PER_MS = 1e6;
/** VIGIL_HEAP_PROBE=1: the allocation bench's heap mark and cell counts (heap-probe.ts) */
const heapProbe = heapProbeRequested();
/** Longest sleep without a deadline: bounds how stale the progress counter can get. */
const IDLE_WAKE_MS = 250;

function post(m: FromWorker): void {
  self.postMessage(m);
}

function nowMs(): number {
  return monotonicNs() / NS_PER_MS;
}

const hooks: RuntimeHooks = {
  transition(rt, from, to, now) {
    const f = rt.fsm;
    // an instance that waited was FAULT for the daemon and the fleet, not INIT
    const fromName = rt.reportFromFault && from === State.Initialize ? "FAULT" : STATE_NAMES[from];
    rt.reportFromFault = false;
    if (fromName === STATE_NAMES[to]) return;
    post({
      type: "transition", instance: rt.name, from: fromName, to: STATE_NAMES[to],
      priority: rt.plan.params.priority, effectivePriority: f.priority,
      master: rt.status().masterAddress, at: now,
      ...(to === State.Fault ? { reason: rt.faultCause() } : {}),
    });
  },
  log(level, msg) {
    post({ type: "log", level, msg });
  },
  event(kind, rt, detail) {
    post({ type: "event", kind, instance: rt.name, detail });
  },
  priority(rt) {
    post({ type: "priority", instance: rt.name, master: rt.fsm.state === State.Master, effectivePriority: rt.fsm.priority });
  },
  lowerPriority(rt) {
    post({ type: "lower-priority", instance: rt.name, effectivePriority: rt.fsm.priority });
  },
};

/** The IP protocol an instance's adverts arrive with: 51 with auth_type AH (the AH comes first), else 112. */
function advertProtocol(plan: InstancePlan): number {
  return plan.params.authType === "AH" && plan.params.authPass !== undefined ? IPPROTO_AH : IPPROTO_VRRP;
}

/** The interfaces an instance needs (its vmac's name too: a link in the way goes): a change on any can let it start. */
function interfacesOf(plan: InstancePlan): string[] {
  return [...new Set([plan.interface, ...plan.vips.filter((v) => !v.onVmac).map((v) => v.dev), ...(plan.vmac ? [plan.vmac.name] : [])])];
}

interface KernelView {
  links: Link[];
  infos: LinkInfo[];
  addrs: AddrInfo[];
}

class Engine implements RtNoopFilter {
  runtimes: InstanceRuntime[] = [];
  /** instances that cannot start yet (FAULT), tried again on link/address changes and a backoff timer */
  private waiting: WaitingInstance[] = [];
  /** every instance of the config, unbound, in config order */
  private plans: InstancePlan[] = [];
  private groups: SyncGroupPlan[] = [];
  private waiter!: ReadinessWaiter;
  private readonly receivers = new Map<string, AdvertReceiver>();
  /** the wait each runtime started from (its backoff goes on if the runtime fails by itself) */
  private readonly startedFrom = new WeakMap<InstanceRuntime, WaitingInstance>();
  /** fd handlers in poll order after [wake, monitor] */
  private handlers: Array<[number, (now: number) => void]> = [];
  private readonly nl: NetlinkSocket;
  private monitor: RtMonitor;
  /** the monitor's events, reused from one read to the next (RtMonitor.drain) */
  private readonly rtEvents: RtEvent[] = [];
  /** the monitor also hears route and rule changes (only when routes or rules are owned) */
  private monitorRoutes = false;
  private statics: StaticNetwork | null = null;
  /** latest track_file numbers and track_process states by name, for runtimes started later */
  private readonly fileValues = new Map<string, number>();
  private readonly processUp = new Map<string, boolean>();
  private readonly wake: EventFd;
  stopping = false;
  private readonly progress: Int32Array;
  private stallUntil = 0;

  constructor(private readonly init: WorkerInit) {
    this.nl = openRtnetlink();
    this.monitorRoutes = ownsRoutes(init.plans, init.statics);
    this.monitor = new RtMonitor({ routes: this.monitorRoutes });
    this.wake = new EventFd(init.wakeFd);
    this.progress = new Int32Array(init.progress);
    for (const [n, v] of init.trackFiles) this.fileValues.set(n, v);
    for (const [n, up] of init.trackProcesses) this.processUp.set(n, up);
  }

  /** static_ipaddress/static_routes/static_rules: a changed set replaces the old one. */
  setStatics(plan: StaticPlan): void {
    if (this.statics && JSON.stringify(this.statics.plan) === JSON.stringify(plan)) return;
    this.statics?.remove();
    this.statics = new StaticNetwork(plan, this.nl, (level, msg) => hooks.log(level, msg));
    if (this.statics.empty) this.statics = null;
    else this.statics.install();
  }

  /** Subscribes the monitor to route/rule changes once something owns routes or rules. */
  ensureRouteMonitor(plans: InstancePlan[], statics: StaticPlan): void {
    if (this.monitorRoutes || !ownsRoutes(plans, statics)) return;
    this.monitor.close();
    this.monitor = new RtMonitor({ routes: true });
    this.monitorRoutes = true;
  }

  /** A runtime's tracker gets the track_file/track_process values known so far. */
  private seedTracking(rt: InstanceRuntime): void {
    rt.plan.trackFiles.forEach((t, i) => {
      const v = this.fileValues.get(t.name);
      if (v !== undefined) rt.tracker.setFile(i, v);
    });
    rt.plan.trackProcesses.forEach((t, i) => {
      const up = this.processUp.get(t.name);
      if (up !== undefined) rt.tracker.setProcess(i, up);
    });
  }

  /** Links and addresses as they are now, in the shapes the plan binder and the link sync read. */
  private kernelView(): KernelView {
    const links = listLinks(this.nl);
    return {
      links,
      infos: links.map((l) => ({ index: l.index, name: l.name, mac: l.mac, up: l.up, running: l.running })),
      addrs: listAddresses(this.nl).map((a) => ({ ifindex: a.index, family: a.family, address: a.address, prefix: a.prefixlen, scope: a.scope, flags: a.flags })),
    };
  }

  /**
   * Puts `plans` (unbound, config order) into effect: `keep` runtimes go on
   * untouched, `keepWaiting` instances keep their wait (reason, backoff); every
   * other instance is bound to the interfaces as they are now and started, or
   * waits for them.
   */
  build(plans: InstancePlan[], groups: SyncGroupPlan[], keep: InstanceRuntime[] = [], keepWaiting: WaitingInstance[] = []): void {
    const now = nowMs();
    const before = this.waiting;
    this.plans = plans;
    this.groups = groups;
    const view = this.kernelView();
    const runtimes: InstanceRuntime[] = [];
    const started: InstanceRuntime[] = [];
    this.waiting = [];
    for (const plan of plans) {
      const old = keep.find((r) => r.name === plan.name);
      if (old) {
        runtimes.push(old);
        continue;
      }
      // a changed instance that was waiting is still FAULT for the daemon: no second INIT -> FAULT
      const w = keepWaiting.find((x) => x.plan.name === plan.name)
        ?? new WaitingInstance(plan, now, before.some((x) => x.plan.name === plan.name && x.faultReported));
      const rt = this.attempt(w, view, now);
      if (rt) {
        runtimes.push(rt);
        started.push(rt);
      } else {
        this.waiting.push(w);
      }
    }
    this.runtimes = runtimes;
    this.assemble(now, started, view.links);
  }

  /**
   * One try at starting a waiting instance: bind its plan to `view`, build its
   * sockets. On failure it stays waiting: the first failure tells the daemon it
   * is FAULT, a new reason is logged (and sent to the fleet) once.
   */
  private attempt(w: WaitingInstance, view: KernelView, now: number): InstanceRuntime | null {
    const b = bindPlan(w.plan, view.infos, view.addrs);
    let cause: WaitCause;
    if ("plan" in b) {
      try {
        const rt = new InstanceRuntime(b.plan, this.nl, hooks);
        rt.reportFromFault = w.faultReported;
        this.startedFrom.set(rt, w);
        for (const [i, ok] of w.scriptHistory) rt.tracker.scriptResult(i, ok);
        this.seedTracking(rt);
        if (w.retry.failures > 0 || w.faultReported) {
          hooks.log("info", `vrrp_instance ${w.plan.name}: starting on ${w.plan.interface} after waiting ${((now - w.startedWaitingAt) / 1000).toFixed(1)} s`);
        }
        return rt;
      } catch (e) {
        // the binder saw nothing missing, yet the kernel refused (a race, or something it does not check)
        cause = { reason: `cannot start yet: ${errorText(e)}`, interfaces: interfacesOf(w.plan) };
      }
    } else {
      cause = b.wait;
    }
    this.waitFailed(w, cause, view.links, now);
    return null;
  }

  /** A start failed: back off; the daemon hears FAULT once, and each new reason once (log and fleet event). */
  private waitFailed(w: WaitingInstance, cause: WaitCause, links: ReadonlyArray<{ index: number; name: string }>, now: number): void {
    const changed = w.retry.failed(now, cause, links);
    if (!w.faultReported) {
      w.faultReported = true;
      const p = w.plan.params;
      post({
        type: "transition", instance: w.plan.name, from: "INIT", to: "FAULT",
        priority: p.priority, effectivePriority: p.priority, master: "", at: now, reason: cause.reason,
      });
    }
    if (changed) {
      post({ type: "event", kind: "waiting", instance: w.plan.name, detail: `${cause.reason}; FAULT until it can start (retried when ${cause.interfaces.join(", ")} change${cause.interfaces.length > 1 ? "" : "s"})` });
    }
  }

  /** Waiting instances whose retry is due: attempt them; the ones that start join the loop. */
  private retryWaiting(now: number): void {
    // the common case (nothing due) allocates nothing: startDue's closures make JSC
    // allocate a scope on every call of it, before any early return
    if (this.waitingDue(now)) this.startDue(now);
  }

  private startDue(now: number): void {
    const due = this.waiting.filter((w) => w.retry.due(now));
    if (due.length === 0) return;
    const view = this.kernelView();
    const started: InstanceRuntime[] = [];
    for (const w of due) {
      const rt = this.attempt(w, view, now);
      if (rt) started.push(rt);
    }
    if (started.length === 0) return;
    const up = new Set(started.map((r) => r.name));
    this.waiting = this.waiting.filter((w) => !up.has(w.plan.name));
    const all = [...this.runtimes, ...started];
    // config order, as status lists them
    this.runtimes = this.plans.map((p) => all.find((r) => r.name === p.name)).filter((r): r is InstanceRuntime => !!r);
    this.assemble(now, started, view.links);
  }

  /**
   * After runtimes came or went: receivers, sync groups, link state, then the
   * new ones start, and the poll set is rebuilt.
   */
  private assemble(now: number, started: InstanceRuntime[], links: Link[]): void {
    // an interface gone from the dump (deleted, its notification not read yet): wait for it again
    for (const rt of this.runtimes.filter((r) => !links.some((l) => l.index === r.plan.ifindex))) {
      const fresh = started.indexOf(rt);
      if (fresh >= 0) started.splice(fresh, 1);
      this.unbind(rt, now);
    }
    for (const [rt, why] of this.syncReceivers(this.runtimes)) {
      // an instance that cannot hear its peers must not run: it would take over from a live master
      const fresh = started.indexOf(rt);
      if (fresh >= 0) started.splice(fresh, 1);
      else rt.stop(now);
      this.toWaiting(rt, now, { reason: why, interfaces: interfacesOf(rt.plan) }, links);
    }
    reconcileSyncGroups(this.groups, this.runtimes, now);
    this.syncLinks(now, links);
    // RFC 5798 §6.4.1: Master_Down_Timer starts when the instance starts listening (its
    // receive socket is open by now), not when this build began: building many
    // instances (sockets, vmacs) takes longer than a 10 ms advert's Master_Down_Interval.
    for (const rt of started) if (this.runtimes.includes(rt)) rt.start(nowMs());
    this.handlers = [
      ...[...this.receivers.values()].flatMap((r) => r.pollEntries()),
      ...this.runtimes.flatMap((r) => r.pollEntries()),
    ];
    this.waiter = new ReadinessWaiter([this.wake.fd, this.monitor.fd, ...this.handlers.map(([fd]) => fd)]);
  }

  /**
   * A runtime that can no longer run waits to start again. Its interface went (no
   * `cause`): tried at once, a new interface of that name may be there. It failed
   * by itself (`cause`: it cannot hear adverts): the wait it started from goes on,
   * backoff included, so a failure that repeats on every start is not a busy loop.
   */
  private toWaiting(rt: InstanceRuntime, now: number, cause?: WaitCause, links: ReadonlyArray<{ index: number; name: string }> = []): void {
    rt.close();
    this.runtimes = this.runtimes.filter((r) => r !== rt);
    const plan = this.plans.find((p) => p.name === rt.name);
    if (!plan) return;
    const prev = this.startedFrom.get(rt);
    const w = cause && prev?.plan === plan ? prev : new WaitingInstance(plan, now, false);
    // FAULT now (its link went), or it waited before and never got to report another state
    w.faultReported = rt.fsm.state === State.Fault || rt.reportFromFault;
    if (cause) this.waitFailed(w, cause, links, now);
    else w.retry.wake(now);
    this.waiting.push(w);
  }

  /**
   * The instance's interface was deleted. Its sockets are bound to an ifindex that
   * will not come back (a re-created interface gets a new one), so it goes back to
   * waiting and is bound afresh when an interface of that name appears. It is
   * FAULT already (the link event said so) and its VIPs went with the link.
   */
  private unbind(rt: InstanceRuntime, now: number): void {
    hooks.log("warn", `vrrp_instance ${rt.name}: interface ${rt.plan.interface} (ifindex ${rt.plan.ifindex}) was deleted; waiting for it to come back`);
    if (rt.linkUp) {
      // its deletion was learnt from a dump, not a link event: FAULT (reported) now
      rt.linkUp = false;
      rt.linkFault = `interface ${rt.plan.interface} was deleted`;
      rt.applyTracking(now);
    }
    rt.removeVips();
    this.toWaiting(rt, now);
  }

  /**
   * One AdvertReceiver per (advert interface, family) in use; kept across reloads,
   * closed when unused. Returns the runtimes whose receiver cannot be opened, with why.
   */
  private syncReceivers(runtimes: InstanceRuntime[]): Array<[InstanceRuntime, string]> {
    const failed: Array<[InstanceRuntime, string]> = [];
    const groups = new Map<string, InstanceRuntime[]>();
    for (const rt of runtimes) {
      const k = receiverKey(rt.sock.ifindex, rt.plan.params.family, advertProtocol(rt.plan));
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(rt);
    }
    for (const [k, r] of this.receivers) {
      if (!groups.has(k)) {
        r.close();
        this.receivers.delete(k);
      }
    }
    for (const [k, members] of groups) {
      let r = this.receivers.get(k);
      if (!r) {
        try {
          r = new AdvertReceiver(members[0].sock.ifname, members[0].plan.params.family, (m) => hooks.log("warn", m), advertProtocol(members[0].plan));
        } catch (e) {
          for (const m of members) failed.push([m, `cannot receive adverts on ${m.sock.ifname}: ${errorText(e)}`]);
          continue;
        }
        this.receivers.set(k, r);
      }
      r.setMembers(members);
    }
    return failed;
  }

  /**
   * Link state of every instance's own interface and tracked interfaces, from a
   * dump. Returns the runtimes whose interface is gone from it (deleted while the
   * notification was lost).
   */
  private syncLinks(now: number, links: Link[]): InstanceRuntime[] {
    const gone: InstanceRuntime[] = [];
    for (const rt of this.runtimes) {
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

  /**
   * RtNoopFilter for the monitor: a master's every VIP lease renewal comes back as an
   * RTM_NEWADDR, and decoding it allocated (25 masters: ≈ 2 100 cells a second,
   * measured by vrrp-daemon-alloc.bench). One that onMonitor would do
   * nothing with (no waiting instance watches the interface, no instance that does
   * not hold that VIP has it) is dropped undecoded. Allocation-free.
   */
  newAddressIsNoop(index: number, prefixlen: number, bytes: Uint8Array, off: number, len: number): boolean {
    for (let i = 0; i < this.waiting.length; i++) if (this.waiting[i].retry.watchesIndex(index)) return false;
    for (let i = 0; i < this.runtimes.length; i++) if (this.runtimes[i].newAddressActs(index, prefixlen, bytes, off, len)) return false;
    return true;
  }

  /** onMonitor acts on route and rule deletions only (an owned one is put back) */
  readonly newRoutesAreNoops = true;

  private onMonitor(now: number): void {
    const n = this.monitor.drain(this.rtEvents, this);
    // nothing but no-op notifications (our own lease renewals' echoes): nothing else to do.
    // (applyEvents is a function of its own: its closures make JSC allocate a scope
    // for every call of the function that declares them, early return or not.)
    if (n > 0) this.applyEvents(this.rtEvents.slice(0, n), now);
    else this.retryWaiting(now);
  }

  private applyEvents(events: RtEvent[], now: number): void {
    let resync = false;
    // links deleted in this batch: their addresses' deletions are no VIP to restore
    const gone = new Set<number>();
    for (const ev of events) if (ev.kind === "link" && ev.op === "del") gone.add(ev.link.index);
    const lost = this.runtimes.filter((rt) => gone.has(rt.plan.ifindex));
    const vmacLost = this.runtimes.filter((rt) => rt.vmacIndex !== 0 && gone.has(rt.vmacIndex) && !lost.includes(rt));
    for (const ev of events) {
      if (ev.kind === "link") {
        const l = ev.link;
        const problem = ev.op === "del" ? `interface ${l.name} was deleted` : linkProblem(l, l.name);
        const up = problem === "";
        for (const rt of this.runtimes) {
          let changed = false;
          if (rt.plan.ifindex === l.index) {
            rt.linkFault = problem;
            if (rt.linkUp !== up) {
              rt.linkUp = up;
              changed = true;
            }
          }
          rt.plan.trackInterfaces.forEach((t, i) => {
            if (t.ifindex === l.index && rt.tracker.setInterface(i, up)) changed = true;
          });
          if (changed) rt.applyTracking(now);
        }
        for (const w of this.waiting) if (w.retry.concerns({ kind: "link", index: l.index, name: l.name })) w.retry.wake(now);
        if (ev.op === "new" && up) this.statics?.linkChanged();
      } else if (ev.kind === "address") {
        const a = ev.address;
        for (const w of this.waiting) if (w.retry.concerns({ kind: "address", index: a.index })) w.retry.wake(now);
        if (gone.has(a.index)) continue;
        if (ev.op === "del") this.statics?.addressDeleted(a.index, a.address, a.prefixlen);
        for (const rt of this.runtimes) rt.addressChanged(now, ev.op, a.index, a.address, a.prefixlen);
      } else if (ev.kind === "route") {
        if (ev.op === "del" && !gone.has(ev.route.oif ?? -1) && !this.statics?.routeDeleted(ev.route)) {
          for (const rt of this.runtimes) if (rt.routes.routeDeleted(ev.route)) hooks.event("route-restored", rt, `a virtual route was deleted while MASTER; put back`);
        }
      } else if (ev.kind === "rule") {
        if (ev.op === "del" && !this.statics?.ruleDeleted(ev.rule)) {
          for (const rt of this.runtimes) if (rt.routes.ruleDeleted(ev.rule)) hooks.event("route-restored", rt, `a virtual rule was deleted while MASTER; put back`);
        }
      } else if (ev.kind === "overrun") {
        resync = true;
      }
    }
    if (resync) {
      // notifications were lost: re-read, and let every waiting instance try again
      for (const rt of this.syncLinks(now, listLinks(this.nl))) if (!lost.includes(rt)) lost.push(rt);
      for (const w of this.waiting) w.retry.wake(now);
    }
    for (const rt of lost) this.unbind(rt, now);
    if (lost.length) this.assemble(now, [], listLinks(this.nl));
    for (const rt of vmacLost) this.recreate(rt, now);
    this.retryWaiting(now);
  }

  /**
   * use_vmac: someone deleted the instance's vmac. Its sockets are bound to a link
   * that is gone, so the instance restarts on a new vmac (keepalived recreates it too);
   * a sync group it belongs to is formed again around the new instance.
   */
  private recreate(rt: InstanceRuntime, now: number): void {
    hooks.event("vmac-lost", rt, `${rt.plan.vmac?.name ?? "vmac"} was deleted outside vigil; recreating it and restarting the instance`);
    try {
      rt.stop(now);
    } catch (e) {
      hooks.log("warn", `${rt.name}: stop: ${errorText(e)}`);
    }
    this.toWaiting(rt, now);
    this.assemble(now, [], listLinks(this.nl));
  }

  /** One pass: read queued input if a Master_Down timer is due, fire due timers, sleep until the next deadline or readiness. */
  step(): boolean {
    let now = nowMs();
    if (now < this.stallUntil) {
      // debug hook (fault suite): a frozen worker blocks — no adverts, no refreshes, no
      // progress for the watchdog. Waiting on the fds instead spun at SCHED_FIFO on
      // every unread advert or netlink event, and each spin counted as progress.
      sleepUntil(this.stallUntil * NS_PER_MS);
      now = nowMs();
    }
    let woke = false;
    // RFC 5798 §6.4.2: an advert with priority >= ours resets Master_Down_Timer, so the
    // timer has expired at `now` only if no advert arrived before `now`. When it is due,
    // whatever is queued is read first, at this `now` (taken before the read), and only
    // then do timers fire. Otherwise a worker that lost the CPU between its last read
    // and this pass (SIGSTOP, starvation, the stall hook, a long start-up or pass) woke
    // with an expired timer and the master's adverts unread: it took over for one advert
    // interval (VIP added, GARP that pulls the clients), then read them and stepped down.
    // Only this timer makes a new holder; a master's advert timer needs no extra poll.
    if (this.masterDownDue(now)) woke = this.handleInput(this.waiter.waitUntil(0), now);
    // the backoff safety net for instances waiting to start (link/address events try them at once)
    if (this.waitingDue(now)) this.retryWaiting(now);
    let deadline = now + IDLE_WAKE_MS;
    for (let i = 0; i < this.runtimes.length; i++) {
      const rt = this.runtimes[i];
      rt.tick(now);
      const d = rt.nextDeadline();
      if (d < deadline) deadline = d;
    }
    for (let i = 0; i < this.waiting.length; i++) {
      const d = this.waiting[i].retry.nextAt;
      if (d < deadline) deadline = d;
    }
    Atomics.add(this.progress, 0, 1);
    // the main thread's command was read above (its eventfd is drained): run it before sleeping
    if (woke) return true;
    return this.handleInput(this.waiter.waitUntil(deadline * NS_PER_MS), nowMs());
  }

  private masterDownDue(now: number): boolean {
    for (let i = 0; i < this.runtimes.length; i++) if (this.runtimes[i].fsm.masterDownAt <= now) return true;
    return false;
  }

  private waitingDue(now: number): boolean {
    for (let i = 0; i < this.waiting.length; i++) if (this.waiting[i].retry.due(now)) return true;
    return false;
  }

  /** Handles whatever the last wait found readable; true when the main thread woke us. */
  private handleInput(rc: number, now: number): boolean {
    if (rc <= 0) return false;
    const waiter = this.waiter;
    for (let i = 0; i < this.handlers.length; i++) {
      if (waiter.ready(i + 2)) this.handlers[i][1](now);
    }
    if (waiter.ready(1)) this.onMonitor(now);
    // the monitor may have rebuilt the poll set: the wake-up is read from the wait that saw it
    if (waiter.ready(0)) {
      this.wake.drain();
      if (heapProbe) reportCells("vrrp-worker", "wake"); // before the event loop turns (heap-probe.ts)
      return true;
    }
    return false;
  }

  /** Instances up on their interfaces, and those FAULT until their interface is usable (not started, or link down). */
  counts(): { running: number; waiting: number } {
    const down = this.runtimes.filter((r) => !r.linkUp).length;
    return { running: this.runtimes.length - down, waiting: this.waiting.length + down };
  }

  handle(m: ToWorker): void {
    const now = nowMs();
    switch (m.type) {
      case "script": {
        const rt = this.runtimes.find((r) => r.name === m.instance);
        if (rt && rt.tracker.scriptResult(m.index, m.ok)) rt.applyTracking(now);
        if (!rt) this.waiting.find((w) => w.plan.name === m.instance)?.scriptResult(m.index, m.ok);
        break;
      }
      case "track-file": {
        this.fileValues.set(m.name, m.value);
        for (const rt of this.runtimes) {
          let changed = false;
          rt.plan.trackFiles.forEach((t, i) => {
            if (t.name === m.name && rt.tracker.setFile(i, m.value)) changed = true;
          });
          if (changed) rt.applyTracking(now);
        }
        break;
      }
      case "track-process": {
        this.processUp.set(m.name, m.up);
        for (const rt of this.runtimes) {
          let changed = false;
          rt.plan.trackProcesses.forEach((t, i) => {
            if (t.name === m.name && rt.tracker.setProcess(i, m.up)) changed = true;
          });
          if (changed) rt.applyTracking(now);
        }
        break;
      }
      case "status":
        // the allocation bench's cell count, after the event loop turned (heap-probe.ts)
        if (heapProbe) reportCells("vrrp-worker", "status");
        post({
          type: "status", id: m.id,
          instances: this.plans.flatMap((p) => {
            const rt = this.runtimes.find((r) => r.name === p.name);
            if (rt) return [rt.status()];
            const w = this.waiting.find((x) => x.plan.name === p.name);
            return w ? [w.status()] : [];
          }),
        });
        break;
      case "reload": {
        // which instances survive is reload-diff.ts's decision; this performs it
        const diff = reloadDiff(this.plans, this.runtimes.map((r) => r.name), this.waiting.map((w) => w.plan), m.plans);
        for (const r of this.runtimes) {
          const next = diff.retune.get(r.name);
          // the runtime keeps its bound plan (ifindexes, source): only the priority is new
          if (next) r.retune(now, retunedPlan(r.plan, next));
        }
        const keep = this.runtimes.filter((r) => diff.keep.has(r.name) || diff.retune.has(r.name));
        for (const r of this.runtimes) {
          if (!keep.includes(r)) {
            r.stop(now);
            r.close();
          }
        }
        const keepWaiting = this.waiting.filter((w) => diff.keepWaiting.has(w.plan.name));
        for (const w of this.waiting) {
          // an instance the new config drops was FAULT: it stops, as a running one would
          if (w.faultReported && diff.droppedWaiting.has(w.plan.name)) {
            const p = w.plan.params;
            post({ type: "transition", instance: w.plan.name, from: "FAULT", to: "INIT", priority: p.priority, effectivePriority: p.priority, master: "", at: now });
          }
        }
        this.ensureRouteMonitor(m.plans, m.statics);
        this.setStatics(m.statics);
        this.build(m.plans, m.syncGroups, keep, keepWaiting);
        const started = this.runtimes.length - keep.length;
        hooks.log("info", `reload: ${keep.length} instance(s) kept running (${diff.retune.size} with a new priority), ${started} (re)started, ${this.waiting.length} waiting for their interface`);
        break;
      }
      case "stall":
        if (this.init.allowStall) {
          this.stallUntil = nowMs() + m.ms;
          hooks.log("warn", `worker stalled for ${m.ms} ms (debug hook)`);
        }
        break;
      case "shutdown":
        this.stopping = true;
        break;
      case "init":
        break;
    }
  }

  shutdown(): void {
    const now = nowMs();
    for (const rt of this.runtimes) {
      try {
        rt.stop(now); // RFC 5798 §6.4.3: priority 0 advert, then the VIPs go
      } catch (e) {
        hooks.log("error", `${rt.name}: stop: ${errorText(e)}`);
      }
      rt.close();
    }
    for (const w of this.waiting) {
      // the daemon and the fleet saw it FAULT: it stops like the others
      if (!w.faultReported) continue;
      const p = w.plan.params;
      post({ type: "transition", instance: w.plan.name, from: "FAULT", to: "INIT", priority: p.priority, effectivePriority: p.priority, master: "", at: now });
    }
    try {
      this.statics?.remove(); // keepalived removes static addresses, routes and rules on exit (measured)
    } catch (e) {
      hooks.log("error", `static: ${errorText(e)}`);
    }
    for (const r of this.receivers.values()) r.close();
    this.monitor.close();
    this.nl.close();
  }
}

/** Whether anything owns routes or rules (the monitor then hears their deletions). */
function ownsRoutes(plans: InstancePlan[], statics: StaticPlan): boolean {
  return statics.routes.length > 0 || statics.rules.length > 0 || plans.some((p) => p.routes.length > 0 || p.rules.length > 0);
}

let engine: Engine | null = null;
const pending: ToWorker[] = [];

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (e.data.type === "init" && !engine) {
    void run(e.data);
  } else {
    pending.push(e.data);
  }
};

/**
 * Lets the worker's event loop deliver queued postMessage commands. setImmediate runs
 * once the loop has dispatched the messages already queued, and the main thread posts
 * before it signals the eventfd that woke us; setTimeout(0) waited Bun's 1 ms timer
 * floor on every command (~1.1 ms of each `vigil status`, test/bench/cold-start.bench.ts).
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** The slower turn of the loop, for a wake-up whose message was not there yet. */
function yieldToTimers(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

async function run(init: WorkerInit): Promise<void> {
  // the allocation bench's proof of which GC log lines are this thread's heap
  if (heapProbe) markHeap("vrrp-worker");
  let realtime = false;
  let rtError: string | undefined;
  if (init.rtPriority > 0) {
    try {
      setThreadFifo(init.rtPriority);
      realtime = true;
    } catch (e) {
      rtError = errorText(e);
    }
  }
  const tune = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      hooks.log("warn", `${what}: ${errorText(e)}`);
    }
  };
  if (init.nice !== undefined) tune("vrrp_priority", () => setThreadNice(init.nice!));
  if (init.noSwap) tune("vrrp_no_swap", lockMemory);
  try {
    engine = new Engine(init);
    engine.setStatics(init.statics);
    engine.build(init.plans, init.syncGroups);
  } catch (e) {
    post({ type: "fatal", msg: errorText(e) });
    return;
  }
  post({ type: "ready", realtime, ...(rtError ? { rtError } : {}), ...engine.counts() });
  const eng = engine;
  while (!eng.stopping) {
    let woke = false;
    try {
      woke = eng.step();
    } catch (e) {
      hooks.log("error", `vrrp worker: ${e instanceof Error ? e.stack ?? e.message : e}`);
    }
    if (woke || pending.length) {
      await yieldToEventLoop();
      // woken but nothing delivered: give the loop one timer turn rather than sleep on it
      if (woke && !pending.length) await yieldToTimers();
      while (pending.length) {
        try {
          eng.handle(pending.shift()!);
        } catch (e) {
          hooks.log("error", `vrrp worker command: ${errorText(e)}`);
        }
      }
    }
  }
  eng.shutdown();
  post({ type: "stopped" });
}
