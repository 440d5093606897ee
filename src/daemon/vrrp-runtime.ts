// One VRRP instance inside the advert worker: drives the pure core (validator,
// FSM, priority tracker) with received adverts, time and tracking, and performs
// the actions the FSM asks for through the instance's parts, one job each:
// advert-sender.ts (adverts out), vip-leases.ts (VIPs and their routes in the
// kernel), vip-announcer.ts (gratuitous ARP/NA, conflict probes and claims),
// vmac.ts (use_vmac's macvlan), runtime-status.ts (what status shows). The
// decisions are the core's: the FSM's (src/vrrp/fsm.ts), and what an address
// change or a foreign claim means (src/vrrp/vip-conflict.ts).
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import type { VrrpSocket } from "../sys/vrrp-socket.ts";
import { ActionKind, State, STATE_NAMES } from "../vrrp/actions.ts";
import { VrrpInstance } from "../vrrp/instance.ts";
import { RxMeta } from "../vrrp/packet-validate.ts";
import { PriorityTracker } from "../vrrp/priority.ts";
import { SourceAddressTrack } from "../vrrp/source-track.ts";
import { AddressVerdict, addressVerdict, appearedIsForeign } from "../vrrp/vip-conflict.ts";
import type { InstancePlan, VipPlan } from "./plan.ts";
import { ensureVmac, removeVmac, type VmacHandle, vmacPresent } from "./vmac.ts";
import type { InstanceStatus } from "./status-types.ts";
import { AdvertSender } from "./advert-sender.ts";
import { VipLeases } from "./vip-leases.ts";
import { VipAnnouncer } from "./vip-announcer.ts";
import type { OwnedRoutes } from "./owned-routes.ts";
import type { GarpPacer } from "../vrrp/garp-pacing.ts";
import { runtimeFaultCause, runtimeStatus } from "./runtime-status.ts";
import { holdPromoteSecondaries, releasePromoteSecondaries } from "./promote-secondaries.ts";

export interface RuntimeHooks {
  transition(rt: InstanceRuntime, from: State, to: State, now: number): void;
  log(level: "debug" | "info" | "warn" | "error", msg: string): void;
  event(kind: string, rt: InstanceRuntime, detail: string): void;
  /** the effective priority changed (told only when the plan asks: notify_priority_changes) */
  priority?(rt: InstanceRuntime, now: number): void;
  /** as master, an advert of lower priority was heard (told only when the plan asks) */
  lowerPriority?(rt: InstanceRuntime, now: number): void;
}

export class InstanceRuntime {
  plan: InstancePlan;
  readonly core: VrrpInstance;
  readonly tracker: PriorityTracker;
  readonly name: string;
  /** the plan's VIPs with the vmac's ifindex filled in (use_vmac) */
  readonly vips: VipPlan[];
  /** use_vmac: the macvlan this runtime created or adopted, removed again by close() */
  private vmac: VmacHandle | null = null;
  /** use_vmac_addr: the address vmacs this runtime created or adopted, removed again by close() */
  private readonly addrVmacs: VmacHandle[] = [];
  /** promote_secondaries: the interface whose knob this runtime holds ("" = none), released once by close() */
  private promoteHeld = "";
  readonly adverts: AdvertSender;
  readonly leases: VipLeases;
  readonly announcer: VipAnnouncer;
  private readonly meta = new RxMeta();
  /** the interface the instance runs on is up (a down link is FAULT, as in keepalived) */
  linkUp = true;
  /** what is wrong with that interface ("" while linkUp): the FAULT reason status and the fleet show */
  linkFault = "";
  /** track_src_ip: whether the configured source address is on the interface (null without track_src_ip) */
  readonly sourceTrack: SourceAddressTrack | null;
  /** it waited (FAULT) before it could start: its first transition is reported as from FAULT, not INIT */
  reportFromFault = false;
  vipRestores = 0;
  /** our VIPs that appeared on the box while we did not hold them (claims heard on the link: announcer.conflicts) */
  foreignVips = 0;
  sinceWall = Date.now();
  lastTransitionAt = 0;

  /** `pacer`: the worker's GARP/NA lanes (garp_group, vrrp_garp_interval), shared by its instances */
  constructor(plan: InstancePlan, private readonly nl: NetlinkSocket, private readonly hooks: RuntimeHooks, pacer: GarpPacer | null = null) {
    this.plan = plan;
    this.name = plan.name;
    this.core = new VrrpInstance(plan.params);
    this.tracker = new PriorityTracker(
      plan.params.priority,
      plan.trackInterfaces.map((t) => ({ weight: t.weight ?? 0 })),
      plan.trackScripts,
      plan.trackProcesses,
      plan.trackFiles,
    );
    this.sourceTrack = plan.trackSrcIp && plan.source.srcIp !== undefined ? new SourceAddressTrack(plan.source.srcIp, plan.ifindex) : null;
    // use_vmac: the vmac exists before anything binds to it
    const vmac = plan.vmac ? ensureVmac(nl, plan.vmac, (m) => hooks.log("warn", `${plan.name}: ${m}`)) : null;
    this.vmac = vmac;
    if (vmac?.adopted) hooks.log("info", `${plan.name}: adopted existing vmac ${vmac.spec.name}`);
    // use_vmac_addr: the address vmacs (plan-addr-vmacs.ts), made the same way
    try {
      for (const m of plan.addrVmacs ?? []) this.addrVmacs.push(ensureVmac(nl, m, (msg) => hooks.log("warn", `${plan.name}: ${msg}`)));
    } catch (e) {
      this.dropVmac();
      throw e;
    }
    const addrIndex = new Map(this.addrVmacs.map((h) => [h.spec.name, h.index]));
    this.vips = plan.vips.map((v) => (v.onVmac && vmac ? { ...v, ifindex: vmac.index } : v.vmacOf !== undefined ? { ...v, ifindex: addrIndex.get(v.vmacOf) ?? 0 } : v));
    this.leases = new VipLeases(plan, this.vips, nl, (level, msg) => hooks.log(level, msg));
    // keepalived sends and receives adverts on the vmac (Ethernet source = virtual MAC)
    // unless vmac_xmit_base; GARPs/NAs for its VIPs always leave from the vmac.
    const advertIf = plan.vmac && !plan.vmac.xmitBase ? plan.vmac.name : plan.interface;
    try {
      this.adverts = new AdvertSender(plan, advertIf, this.core.encoder);
    } catch (e) {
      this.dropVmac();
      throw e;
    }
    try {
      this.announcer = new VipAnnouncer(
        this.vips, this.core.fsm, vmac ? vmac.spec.name : plan.interface, vmac ? vmac.index : plan.ifindex,
        (detail) => hooks.event("vip-conflict", this, detail),
        plan.garpExtraIf, plan.vmac?.xmitBase === true, pacer,
      );
    } catch (e) {
      this.adverts.close();
      this.dropVmac();
      throw e;
    }
    if (plan.promoteSecondaries) {
      holdPromoteSecondaries(plan.promoteSecondaries, (m) => hooks.log("warn", `${plan.name}: ${m}`));
      this.promoteHeld = plan.promoteSecondaries;
    }
  }

  get fsm() {
    return this.core.fsm;
  }

  /** the send socket: the worker groups instances by its interface for their AdvertReceiver */
  get sock(): VrrpSocket {
    return this.adverts.sock;
  }

  /** virtual_routes and virtual_rules */
  get routes(): OwnedRoutes {
    return this.leases.routes;
  }

  /** fds the worker polls for this instance, with their handlers (built once). */
  pollEntries(): Array<[number, (now: number) => void]> {
    return this.announcer.pollEntries();
  }

  /** `holdUntil`: the end of keepalived's vrrp_startup_delay (fsm.ts holdUntil), -Infinity = none */
  start(now: number, holdUntil = -Infinity): void {
    this.leases.removeStale();
    // a dead predecessor's virtual routes/rules (IPv4 ones and rules have no lifetime)
    if (!this.routes.empty) this.routes.remove();
    this.fsm.startup(now, holdUntil);
    this.perform(now);
  }

  /** One packet the receive socket `s` just read: validated in place, fed to the FSM if valid. */
  receivePacket(now: number, s: VrrpSocket, n: number): void {
    const m = this.meta;
    m.src = s.rxSource;
    m.dst = s.rxDestination;
    m.ttl = s.rxTtl;
    m.ifindex = s.rxIfindex;
    // an IPv4 raw socket delivers the IP header first (auth_type AH covers it)
    m.ipHeader = s.family === 4 ? 0 : -1;
    const lower = this.fsm.lowerPriorityHeard;
    const compat = this.core.validator.compat;
    const switched = compat.switched;
    this.core.receive(now, s.rxBuffer, s.rxPayloadOffset, n, m);
    // old_unicast_checksum auto-detection (unicast-checksum.ts): said once, as keepalived does
    if (compat.switched !== switched) this.hooks.log("info", `${this.name}: a unicast advert carried keepalived's pre-1.3.7 VRRPv3 checksum; setting the unicast checksum to the old version (old_unicast_checksum)`);
    // keepalived send_event_notify(MASTER_RX_LOWER_PRI): told only when the plan asks
    if (this.fsm.lowerPriorityHeard !== lower && this.plan.reportLowerPriority) this.hooks.lowerPriority?.(this, now);
    this.perform(now);
  }

  tick(now: number): void {
    this.fsm.tick(now);
    this.perform(now);
    if (now >= this.leases.nextRefreshAt) this.leases.refresh(now);
    const ann = this.announcer;
    if (now >= ann.nextProbeAt) {
      if (this.fsm.state === State.Master) ann.probe(now);
      else ann.stopProbing();
    }
    if (now >= ann.nextExtraAt) {
      if (this.fsm.state === State.Master) ann.sendExtra(now);
      else ann.stopProbing();
    }
  }

  nextDeadline(): number {
    return Math.min(this.fsm.nextDeadline(), this.leases.nextRefreshAt, this.announcer.nextProbeAt, this.announcer.nextExtraAt);
  }

  /** Performs and clears the FSM's pending actions. */
  perform(now: number): void {
    const acts = this.fsm.actions;
    for (let i = 0; i < acts.length; i++) {
      const a = acts.a[i];
      switch (acts.kind[i] as ActionKind) {
        case ActionKind.SendAdvert:
          this.adverts.send(a);
          break;
        case ActionKind.AddVips:
          this.leases.install(now);
          break;
        case ActionKind.RemoveVips:
          this.leases.remove();
          break;
        case ActionKind.SendGratuitous:
          this.announcer.sendGratuitous(a, acts.b[i], now);
          break;
        case ActionKind.NotifyTransition:
          this.sinceWall = Date.now();
          this.lastTransitionAt = now;
          if ((acts.b[i] as State) === State.Master) this.announcer.becameMaster(now);
          else this.announcer.stopProbing();
          this.hooks.transition(this, a as State, acts.b[i] as State, now);
          break;
        default: // timers: the loop asks nextDeadline()
          break;
      }
    }
    acts.clear();
  }

  removeVips(): void {
    this.leases.remove();
  }

  /**
   * An address change seen on rtnetlink; vip-conflict.ts's addressVerdict says
   * what it means. A VIP deleted behind a master's back is put back at once
   * (keepalived never restores it); a VIP appearing while we do not hold it means
   * someone else put it here: a conflict to report, and the address goes.
   */
  addressChanged(now: number, op: "new" | "del", index: number, address: string, prefix: number): void {
    // track_src_ip: the configured source leaving the interface is FAULT, its return ends it
    if (this.sourceTrack?.changed(op, index, address)) this.applyTracking(now);
    const v = this.leases.find(index, address, prefix);
    if (!v) return;
    const st = this.fsm.state;
    const verdict = addressVerdict(op, st, this.leases.installed);
    if (verdict === AddressVerdict.Restore) {
      // the vmac itself going takes its VIPs along: the worker recreates it (link event)
      if (v.onVmac && !(this.vmac && vmacPresent(this.nl, this.vmac))) return;
      const own = v.vmacOf !== undefined ? this.addrVmacs.find((h) => h.spec.name === v.vmacOf) : undefined;
      if (own && !vmacPresent(this.nl, own)) return;
      this.vipRestores++;
      this.hooks.event("vip-restored", this, `${address}/${prefix} on ${v.dev} was deleted while master; re-added`);
      this.leases.install(now);
    } else if (verdict === AddressVerdict.RemoveForeign) {
      this.foreignVips++;
      this.hooks.event("vip-conflict", this, `${address}/${prefix} appeared on ${v.dev} while ${STATE_NAMES[st]}; removed`);
      this.leases.delete(v);
    }
  }

  /**
   * Whether an RTM_NEWADDR for bytes[off, off + len) on `index` with `prefix` would
   * make addressChanged() act (one of our VIPs appearing while we do not hold it, or
   * under track_src_ip an address on the interface while the source is missing).
   * Allocation-free: the worker asks this of its own lease renewals' echoes.
   */
  newAddressActs(index: number, prefix: number, bytes: Uint8Array, off: number, len: number): boolean {
    // track_src_ip: while the source is missing, any address on its interface may be it coming back
    if (this.sourceTrack !== null && !this.sourceTrack.present && index === this.plan.ifindex) return true;
    return appearedIsForeign(this.fsm.state, this.leases.installed) && this.leases.has(index, prefix, bytes, off, len);
  }

  /**
   * A reload that changed only the configured priority (1..254 either side,
   * reload-diff.ts): the instance keeps its state, VIPs and sockets and advertises
   * the new priority from its next advert; RFC 5798 §6.4 decides the rest (a
   * backup now higher preempts, a master now lower is preempted). Restarting it
   * would send a priority-0 advert and move the VIPs twice for a change of preference.
   */
  retune(now: number, plan: InstancePlan): void {
    this.plan = plan;
    this.fsm.setBasePriority(plan.params.priority);
    this.tracker.setBase(plan.params.priority);
    this.applyTracking(now);
  }

  /** Feeds tracker output to the FSM (own link down is FAULT as well). */
  applyTracking(now: number): void {
    const before = this.fsm.priority;
    this.fsm.applyTracking(now, this.tracker.effective, this.tracker.faulted || !this.linkUp || this.sourceTrack?.present === false);
    // keepalived vrrp_set_effective_priority: a change is a FIFO line when notify_priority_changes is on
    if (this.fsm.priority !== before && this.plan.notifyPriorityChanges) this.hooks.priority?.(this, now);
    this.perform(now);
  }

  stop(now: number): void {
    this.fsm.shutdown(now);
    this.perform(now);
    this.leases.remove();
  }

  close(): void {
    this.adverts.close();
    this.announcer.close();
    this.dropVmac();
    // after stop() removed the VIPs: keepalived resets the knob in shutdown_vrrp_instances, after vrrp_restore_interface
    if (this.promoteHeld) releasePromoteSecondaries(this.promoteHeld, (m) => this.hooks.log("warn", `${this.name}: ${m}`));
    this.promoteHeld = "";
  }

  /** ifindex of this instance's vmac, 0 without use_vmac */
  get vmacIndex(): number {
    return this.vmac?.index ?? 0;
  }

  /** ifindexes of every vmac of this instance (use_vmac's and use_vmac_addr's): one deleted behind our back restarts it */
  get vmacIndexes(): number[] {
    return [...(this.vmac ? [this.vmac.index] : []), ...this.addrVmacs.map((h) => h.index)];
  }

  /** keepalived deletes its vmacs on shutdown too (shutdown_vrrp_instances); the VIPs on them go with them. */
  private dropVmac(): void {
    const warn = (m: string) => this.hooks.log("warn", `${this.name}: ${m}`);
    for (const h of this.addrVmacs.splice(0)) removeVmac(this.nl, h, warn);
    if (!this.vmac) return;
    removeVmac(this.nl, this.vmac, warn);
    this.vmac = null;
  }

  /** Why the instance is (or would be) FAULT, from what the FSM's fault sources say. */
  faultCause(): string {
    return runtimeFaultCause(this);
  }

  status(): InstanceStatus {
    return runtimeStatus(this);
  }
}
