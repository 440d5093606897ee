// The VRRP worker's instances: which run (InstanceRuntime) and which wait to
// start (WaitingInstance, FAULT with the reason). Instances are bound to the
// interfaces when they start: one whose interface is absent, down, without
// carrier or without a usable source address waits, and is tried again on the
// rtnetlink link/address notification that can fix it (link-events.ts) and on a
// backoff timer (start-retry.ts), as a board brings its interfaces up after vigil.
import { errorText } from "../error-text.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { type Link, listLinks } from "../sys/rtnetlink/link.ts";
import type { AdvertReceivers } from "./advert-receivers.ts";
import { syncLinks } from "./link-events.ts";
import type { AddrInfo, InstancePlan, LinkInfo, SyncGroupPlan } from "./plan.ts";
import { bindPlan } from "./plan-bind.ts";
import type { WaitCause } from "./start-retry.ts";
import { showsFault } from "./state-report.ts";
import type { InstanceStatus } from "./status-types.ts";
import { reconcileSyncGroups } from "./sync-groups.ts";
import type { TrackingInputs } from "./tracking-inputs.ts";
import { InstanceRuntime } from "./vrrp-runtime.ts";
import { WaitingInstance } from "./waiting-instance.ts";
import { GarpPacer } from "../vrrp/garp-pacing.ts";
import { nowMs, post, postWaitingTransition, workerHooks as hooks } from "./worker-post.ts";

/** The interfaces an instance needs (its vmac's name too: a link in the way goes): a change on any can let it start. */
function interfacesOf(plan: InstancePlan): string[] {
  const addrVmacs = plan.addrVmacs ?? [];
  return [...new Set([
    plan.interface, ...plan.vips.filter((v) => !v.onVmac && v.vmacOf === undefined).map((v) => v.dev), ...(plan.vmac ? [plan.vmac.name] : []),
    ...addrVmacs.flatMap((m) => [m.parentName, m.name]),
  ])];
}

interface KernelView {
  links: Link[];
  infos: LinkInfo[];
  addrs: AddrInfo[];
}

export class WorkerInstances {
  runtimes: InstanceRuntime[] = [];
  /** instances that cannot start yet (FAULT), tried again on link/address changes and a backoff timer */
  waiting: WaitingInstance[] = [];
  /** every instance of the config, unbound, in config order */
  plans: InstancePlan[] = [];
  private groups: SyncGroupPlan[] = [];
  /**
   * keepalived vrrp_startup_delay: the worker's first start plus the delay (its
   * clock); every instance started before then, a reload's too, counts its
   * Master_Down_Timer from there (keepalived sets the time on the first start only)
   */
  startupHoldUntil = -Infinity;
  /** garp_group / vrrp_garp_interval / vrrp_gna_interval: GARP/NA lanes shared by every instance here */
  readonly garpPacer = new GarpPacer();
  /** the wait each runtime started from (its backoff goes on if the runtime fails by itself) */
  private readonly startedFrom = new WeakMap<InstanceRuntime, WaitingInstance>();

  /**
   * @param pollSetChanged called after runtimes or receivers came or went: the
   *   worker's loop rebuilds the fds it waits on
   */
  constructor(
    private readonly nl: NetlinkSocket,
    readonly receivers: AdvertReceivers,
    private readonly tracking: TrackingInputs,
    private readonly pollSetChanged: () => void,
  ) {}

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
        const rt = new InstanceRuntime(b.plan, this.nl, hooks, this.garpPacer);
        rt.reportFromFault = w.faultReported;
        this.startedFrom.set(rt, w);
        for (const [i, ok] of w.scriptHistory) rt.tracker.scriptResult(i, ok);
        this.tracking.seed(rt);
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
      postWaitingTransition(w, "INIT", "FAULT", now, cause.reason);
    }
    if (changed) {
      post({ type: "event", kind: "waiting", instance: w.plan.name, detail: `${cause.reason}; FAULT until it can start (retried when ${cause.interfaces.join(", ")} change${cause.interfaces.length > 1 ? "" : "s"})` });
    }
  }

  /** Waiting instances whose retry is due: attempt them; the ones that start join the loop. */
  retryWaiting(now: number): void {
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

  /** Whether a waiting instance's retry is due. Allocation-free (the loop asks on every pass). */
  waitingDue(now: number): boolean {
    for (let i = 0; i < this.waiting.length; i++) if (this.waiting[i].retry.due(now)) return true;
    return false;
  }

  /**
   * After runtimes came or went: receivers, sync groups, link state, then the
   * new ones start, and the poll set is rebuilt.
   */
  assemble(now: number, started: InstanceRuntime[], links: Link[]): void {
    // an interface gone from the dump (deleted, its notification not read yet): wait for it again
    for (const rt of this.runtimes.filter((r) => !links.some((l) => l.index === r.plan.ifindex))) {
      const fresh = started.indexOf(rt);
      if (fresh >= 0) started.splice(fresh, 1);
      this.unbind(rt, now);
    }
    for (const [rt, why] of this.receivers.sync(this.runtimes)) {
      // an instance that cannot hear its peers must not run: it would take over from a live master
      const fresh = started.indexOf(rt);
      if (fresh >= 0) started.splice(fresh, 1);
      else rt.stop(now);
      this.toWaiting(rt, now, { reason: why, interfaces: interfacesOf(rt.plan) }, links);
    }
    reconcileSyncGroups(this.groups, this.runtimes, now);
    syncLinks(this.runtimes, now, links);
    // RFC 5798 §6.4.1: Master_Down_Timer starts when the instance starts listening (its
    // receive socket is open by now), not when this build began: building many
    // instances (sockets, vmacs) takes longer than a 10 ms advert's Master_Down_Interval.
    for (const rt of started) if (this.runtimes.includes(rt)) rt.start(nowMs(), this.startupHoldUntil);
    this.pollSetChanged();
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
    w.faultReported = showsFault(rt.fsm.state, rt.reportFromFault);
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
  unbind(rt: InstanceRuntime, now: number): void {
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
   * use_vmac: someone deleted the instance's vmac. Its sockets are bound to a link
   * that is gone, so the instance restarts on a new vmac (keepalived recreates it too);
   * a sync group it belongs to is formed again around the new instance.
   */
  recreate(rt: InstanceRuntime, now: number): void {
    hooks.event("vmac-lost", rt, `${rt.plan.vmac?.name ?? "vmac"} was deleted outside vigil; recreating it and restarting the instance`);
    try {
      rt.stop(now);
    } catch (e) {
      hooks.log("warn", `${rt.name}: stop: ${errorText(e)}`);
    }
    this.toWaiting(rt, now);
    this.assemble(now, [], listLinks(this.nl));
  }

  /** Instances up on their interfaces, and those FAULT until their interface is usable (not started, or link down). */
  counts(): { running: number; waiting: number } {
    const down = this.runtimes.filter((r) => !r.linkUp).length;
    return { running: this.runtimes.length - down, waiting: this.waiting.length + down };
  }

  /** Every instance's status, running or waiting, in config order. */
  status(): InstanceStatus[] {
    return this.plans.flatMap((p) => {
      const rt = this.runtimes.find((r) => r.name === p.name);
      if (rt) return [rt.status()];
      const w = this.waiting.find((x) => x.plan.name === p.name);
      return w ? [w.status()] : [];
    });
  }

  /** Stops every instance (RFC 5798 §6.4.3: priority 0 advert, then the VIPs go); a waiting one the daemon saw FAULT stops too. */
  shutdown(now: number): void {
    for (const rt of this.runtimes) {
      try {
        rt.stop(now);
      } catch (e) {
        hooks.log("error", `${rt.name}: stop: ${errorText(e)}`);
      }
      rt.close();
    }
    for (const w of this.waiting) {
      // the daemon and the fleet saw it FAULT: it stops like the others
      if (!w.faultReported) continue;
      postWaitingTransition(w, "FAULT", "INIT", now);
    }
  }
}
