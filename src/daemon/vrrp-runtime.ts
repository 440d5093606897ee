// One VRRP instance inside the advert worker: the pure core (codec, validator,
// FSM, priority tracker) joined to its kernel objects (raw VRRP socket, AF_PACKET
// socket for gratuitous ARP / unsolicited NA, VIP leases over rtnetlink). It
// performs the FSM's actions; it never decides anything itself.
import { IFA_F_NODAD } from "../sys/abi.ts";
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { PacketSocket } from "../sys/packet-socket.ts";
import { AddressLease } from "../sys/rtnetlink/address-lease.ts";
import { type AddressSpec, deleteAddress, listAddresses, replaceAddress, SCOPES } from "../sys/rtnetlink/address.ts";
import { VrrpSocket } from "../sys/vrrp-socket.ts";
import { ARP_FRAME_LEN, writeArpProbe, writeGratuitousArp } from "../net/arp.ts";
import { arpConflict, naConflict } from "../net/conflict.ts";
import { ETH_HEADER_LEN, ETHERTYPE_ARP } from "../net/ethernet.ts";
import { UNSOLICITED_NA_LEN, writeNeighborSolicitation, writeUnsolicitedNa } from "../net/ndisc.ts";
import { PACKET_OUTGOING } from "../sys/packet-socket.ts";
import { NaListener } from "../sys/na-listener.ts";
import { formatIP, formatMac, parseIP, parseIPv4, parseIPv6 } from "../net/ip-address.ts";
import { ActionKind, State, STATE_NAMES } from "../vrrp/actions.ts";
import { FAULT_SYNC_GROUP } from "../vrrp/fsm.ts";
import { formatAddress } from "../vrrp/addr.ts";
import { AddressVerdict, addressVerdict, appearedIsForeign, ClaimPolicy, ClaimVerdict } from "../vrrp/vip-conflict.ts";
import { VrrpInstance } from "../vrrp/instance.ts";
import { RxMeta } from "../vrrp/packet-validate.ts";
import { PriorityTracker } from "../vrrp/priority.ts";
import type { InstancePlan, VipPlan } from "./plan.ts";
import { ensureVmac, removeVmac, type VmacHandle } from "./vmac.ts";
import { getLink } from "../sys/rtnetlink/link.ts";
import type { InstanceStatus } from "./status-types.ts";
import { trackingStatus } from "./tracking-status.ts";
import { ffiBytes } from "../sys/ffi-memory.ts";
import { OwnedRoutes } from "./owned-routes.ts";

export interface RuntimeHooks {
  transition(rt: InstanceRuntime, from: State, to: State, now: number): void;
  log(level: "debug" | "info" | "warn" | "error", msg: string): void;
  event(kind: string, rt: InstanceRuntime, detail: string): void;
}

const MAX_RX_PER_WAKE = 256;
/** Split-brain rule 3: while master, re-probe the VIPs this often. */
export const PROBE_INTERVAL_MS = 10_000;

/** Refresh a VIP's lease this often (ms) while master: three renewals per lifetime, at most 1 s apart. */
export function leaseRefreshMs(lifetimeMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(lifetimeMs / 3)));
}

function vipSpec(v: VipPlan): AddressSpec {
  const spec: AddressSpec = { index: v.ifindex, address: v.address, prefixlen: v.prefix };
  if (v.family === 4 && v.label) spec.label = v.label;
  if (v.scope) spec.scope = SCOPES[v.scope];
  if (v.family === 4 && v.brd) spec.broadcast = v.brd;
  // RFC 4862 DAD would hold an IPv6 VIP "tentative" for a second after takeover; the
  // VRRP election has already settled who owns it.
  if (v.family === 6) spec.flags = IFA_F_NODAD;
  return spec;
}

/** `address` as bytes if decodeAddress would give exactly this text for them (addressChanged compares text), else null. */
function notifiedBytes(address: string): Uint8Array | null {
  try {
    const { bytes } = parseIP(address);
    return formatIP(bytes) === address ? bytes : null;
  } catch {
    return null;
  }
}

export class InstanceRuntime {
  plan: InstancePlan;
  readonly core: VrrpInstance;
  readonly tracker: PriorityTracker;
  readonly sock: VrrpSocket;
  readonly name: string;
  /** the plan's VIPs with the vmac's ifindex filled in (use_vmac) */
  readonly vips: VipPlan[];
  /** use_vmac: the macvlan this runtime created or adopted, removed again by close() */
  private vmac: VmacHandle | null = null;
  private readonly pkt: PacketSocket | null = null;
  private readonly frames: Uint8Array[] = [];
  /** the socket each frame (and probe) leaves on: the VIP's own interface, as keepalived does */
  private readonly frameSock: PacketSocket[] = [];
  /** send-only sockets for VIPs on interfaces other than the instance's (keepalived `dev`) */
  private readonly otherPkts = new Map<number, PacketSocket>();
  /** ARP/ND probes (RFC 5227 / RFC 4862 style), one per announced VIP */
  private readonly probes: Uint8Array[] = [];
  private readonly probeLens: number[] = [];
  /** announced VIPs as bytes, for conflict matching */
  private readonly vipBytes: Uint8Array[] = [];
  /** each of `vips` as bytes when its text is the one decodeAddress gives for them (else it never matches a notification) */
  private readonly vipNotified: Array<Uint8Array | null>;
  /** which foreign claims count, and the per-VIP report rate limit */
  private readonly claims: ClaimPolicy;
  /** IPv6 only: NAs for our VIPs come in here */
  private readonly naListener: NaListener | null = null;
  nextProbeAt = Infinity;
  private readonly frameLen: number;
  private readonly meta = new RxMeta();
  private readonly leases: AddressLease[] = [];
  private readonly lifetimeSec: number;
  readonly refreshEveryMs: number;
  nextRefreshAt = Infinity;
  vipsInstalled = false;
  /** virtual_routes and virtual_rules */
  readonly routes: OwnedRoutes;
  /** the interface the instance runs on is up (a down link is FAULT, as in keepalived) */
  linkUp = true;
  /** what is wrong with that interface ("" while linkUp): the FAULT reason status and the fleet show */
  linkFault = "";
  /** it waited (FAULT) before it could start: its first transition is reported as from FAULT, not INIT */
  reportFromFault = false;
  sendErrors = 0;
  garpsSent = 0;
  /** VIP leases renewed (each VIP added or its lifetime extended counts one) */
  vipRenewals = 0;
  vipRestores = 0;
  conflicts = 0;
  sinceWall = Date.now();
  lastTransitionAt = 0;

  constructor(plan: InstancePlan, private readonly nl: NetlinkSocket, private readonly hooks: RuntimeHooks) {
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
    this.lifetimeSec = plan.vipLifetimeMs === "permanent" ? 0 : Math.max(1, Math.ceil(plan.vipLifetimeMs / 1000));
    this.refreshEveryMs = plan.vipLifetimeMs === "permanent" ? Infinity : leaseRefreshMs(plan.vipLifetimeMs);
    // virtual_routes/virtual_rules follow the VIPs; IPv6 routes expire with the VIPs' lifetime
    this.routes = new OwnedRoutes(plan.routes, plan.rules, this.lifetimeSec, nl, (level, msg) => hooks.log(level, msg), plan.name);
    // use_vmac: the vmac exists before anything binds to it
    const vmac = plan.vmac ? ensureVmac(nl, plan.vmac, (m) => hooks.log("warn", `${plan.name}: ${m}`)) : null;
    this.vmac = vmac;
    if (vmac?.adopted) hooks.log("info", `${plan.name}: adopted existing vmac ${vmac.spec.name}`);
    this.vips = plan.vips.map((v) => (v.onVmac && vmac ? { ...v, ifindex: vmac.index } : v));
    this.vipNotified = this.vips.map((v) => notifiedBytes(v.address));
    // keepalived sends and receives adverts on the vmac (Ethernet source = virtual MAC)
    // unless vmac_xmit_base; GARPs/NAs for its VIPs always leave from the vmac.
    const advertIf = plan.vmac && !plan.vmac.xmitBase ? plan.vmac.name : plan.interface;
    const announceIf = vmac ? vmac.spec.name : plan.interface;
    const announceIndex = vmac ? vmac.index : plan.ifindex;
    try {
      this.sock = new VrrpSocket({
        family: plan.params.family,
        ifname: advertIf,
        // pin the source to the primary address: the v3 checksum's pseudo-header uses it
        source: String(plan.params.primary),
        unicastPeers: plan.source.unicastPeer,
        // adverts come in through the interface's shared AdvertReceiver
        receive: false,
      });
    } catch (e) {
      this.dropVmac();
      throw e;
    }
    try {
      const fam = plan.params.family;
      this.frameLen = fam === 4 ? ARP_FRAME_LEN : UNSOLICITED_NA_LEN;
      const ann = this.vips.filter((v) => v.family === fam);
      // IPv4: the ARP socket also hears conflicting claims. IPv6: protocol 0 sends only;
      // NAs arrive through the filtered ICMPv6 listener instead of every IPv6 frame.
      this.pkt = ann.length ? new PacketSocket(announceIf, fam === 4 ? ETHERTYPE_ARP : 0) : null;
      if (ann.length && fam === 6) this.naListener = new NaListener(announceIf);
      for (const v of ann) {
        const f = ffiBytes(this.frameLen);
        const probe = ffiBytes(128);
        const bytes = fam === 4 ? parseIPv4(v.address) : parseIPv6(v.address);
        // A VIP on another interface (a LAN-side VIP of a WAN-side instance) is announced
        // on that interface: its neighbours are the ones whose caches must move.
        let out = this.pkt!;
        if (v.ifindex !== announceIndex) {
          out = this.otherPkts.get(v.ifindex) ?? new PacketSocket(v.dev, 0);
          this.otherPkts.set(v.ifindex, out);
        }
        this.frameSock.push(out);
        if (fam === 4) {
          writeGratuitousArp(f, 0, out.mac, bytes);
          this.probeLens.push(writeArpProbe(probe, 0, out.mac, bytes));
        } else {
          writeUnsolicitedNa(f, 0, out.mac, bytes, true);
          // From our own address, not :: — a DAD-style probe makes a stale holder (a
          // frozen or dead ex-master whose lease has not run out) answer to ff02::1,
          // and that NA re-points every neighbour cache on the link back at it right
          // after our takeover NAs. Sourced, the answer is unicast to us only.
          this.probeLens.push(writeNeighborSolicitation(probe, 0, out.mac, bytes, this.core.p.primary));
        }
        this.frames.push(f);
        this.probes.push(probe);
        this.vipBytes.push(bytes);
      }
      for (const v of this.vips) {
        const spec = vipSpec(v);
        this.leases.push(new AddressLease({ ...spec, validLft: this.lifetimeSec || 1 }));
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.claims = new ClaimPolicy(this.vipBytes.length);
  }

  /** fds the worker polls for this instance, with their handlers (built once). */
  pollEntries(): Array<[number, (now: number) => void]> {
    const out: Array<[number, (now: number) => void]> = [];
    if (this.pkt && this.plan.params.family === 4) out.push([this.pkt.fd, (now) => this.receiveArp(now)]);
    if (this.naListener) out.push([this.naListener.fd, (now) => this.receiveNa(now)]);
    return out;
  }

  /** Split-brain rule 3: ask whether anyone else answers for our VIPs. */
  probe(now: number): void {
    if (!this.pkt) return;
    for (let i = 0; i < this.probes.length; i++) {
      if (this.frameSock[i].send(this.probes[i], this.probeLens[i]) < 0) this.sendErrors++;
    }
    this.nextProbeAt = now + PROBE_INTERVAL_MS;
  }

  private conflict(now: number, i: number, how: string): void {
    const verdict = this.claims.claim(now, this.fsm.state, i);
    if (verdict === ClaimVerdict.Ignore) return;
    this.conflicts++;
    if (verdict !== ClaimVerdict.Report) return;
    this.hooks.event("vip-conflict", this, `${formatAddress(this.vipBytes[i])} is also claimed by ${how} while we are MASTER`);
  }

  private receiveArp(now: number): void {
    const p = this.pkt!;
    for (let k = 0; k < MAX_RX_PER_WAKE; k++) {
      const n = p.recv();
      if (n < 0) break;
      if (p.rxPacketType === PACKET_OUTGOING) continue;
      const i = arpConflict(p.rxBuffer, n, this.vipBytes, p.mac);
      // ARP sender hardware address: Ethernet header + 8
      if (i >= 0) this.conflict(now, i, `MAC ${formatMac(p.rxBuffer, ETH_HEADER_LEN + 8, 6)} (ARP)`);
    }
  }

  private receiveNa(now: number): void {
    const l = this.naListener!;
    for (let k = 0; k < MAX_RX_PER_WAKE; k++) {
      const n = l.recv();
      if (n < 0) break;
      const i = naConflict(l.rxBuffer, n, this.vipBytes, this.pkt!.mac);
      if (i >= 0) this.conflict(now, i, `${formatAddress(l.rxSource)} (neighbor advertisement)`);
    }
  }

  get fsm() {
    return this.core.fsm;
  }

  /** Split-brain rule 2: on start, VIPs of this instance left on the box (by a dead predecessor) go. */
  removeStaleVips(): void {
    const present = listAddresses(this.nl);
    for (const v of this.vips) {
      if (present.some((a) => a.index === v.ifindex && a.address === v.address && a.prefixlen === v.prefix)) {
        this.deleteVip(v);
        this.hooks.log("warn", `${this.name}: removed stale VIP ${v.address}/${v.prefix} from ${v.dev} at start`);
      }
    }
  }

  start(now: number): void {
    this.removeStaleVips();
    // a dead predecessor's virtual routes/rules (IPv4 ones and rules have no lifetime)
    if (!this.routes.empty) this.routes.remove();
    this.fsm.startup(now);
    this.perform(now);
  }

  /** One packet the receive socket `s` just read: validated in place, fed to the FSM if valid. */
  receivePacket(now: number, s: VrrpSocket, n: number): void {
    const m = this.meta;
    m.src = s.rxSource;
    m.dst = s.rxDestination;
    m.ttl = s.rxTtl;
    m.ifindex = s.rxIfindex;
    this.core.receive(now, s.rxBuffer, s.rxPayloadOffset, n, m);
    this.perform(now);
  }

  tick(now: number): void {
    this.fsm.tick(now);
    this.perform(now);
    if (now >= this.nextRefreshAt) this.refreshVips(now);
    if (now >= this.nextProbeAt) {
      if (this.fsm.state === State.Master) this.probe(now);
      else this.nextProbeAt = Infinity;
    }
  }

  nextDeadline(): number {
    return Math.min(this.fsm.nextDeadline(), this.nextRefreshAt, this.nextProbeAt);
  }

  /** Performs and clears the FSM's pending actions. */
  perform(now: number): void {
    const acts = this.fsm.actions;
    for (let i = 0; i < acts.length; i++) {
      const a = acts.a[i];
      switch (acts.kind[i] as ActionKind) {
        case ActionKind.SendAdvert: {
          // RFC 5798 §5.2.8: the v3 checksum covers the destination address, so each
          // unicast peer needs its own encoding (encoder and socket list peers in config order).
          const enc = this.core.encoder;
          for (let d = 0; d < this.sock.destinations.length; d++) {
            const len = enc.encode(a, d);
            if (this.sock.sendTo(d, enc.buf, len) < 0) this.sendErrors++;
          }
          break;
        }
        case ActionKind.AddVips:
          this.installVips(now);
          break;
        case ActionKind.RemoveVips:
          this.removeVips();
          break;
        case ActionKind.SendGratuitous:
          this.sendGratuitous(a, acts.b[i]);
          break;
        case ActionKind.NotifyTransition:
          this.sinceWall = Date.now();
          this.lastTransitionAt = now;
          if ((acts.b[i] as State) === State.Master) this.probe(now);
          else this.nextProbeAt = Infinity;
          this.hooks.transition(this, a as State, acts.b[i] as State, now);
          break;
        default: // timers: the loop asks nextDeadline()
          break;
      }
    }
    acts.clear();
  }

  private installVips(now: number): void {
    for (const l of this.leases) {
      try {
        if (this.lifetimeSec) l.renew(this.nl, this.lifetimeSec);
        else replaceAddress(this.nl, { ...l.spec, validLft: undefined, preferredLft: undefined });
        this.vipRenewals++;
      } catch (e) {
        this.hooks.log("error", `${this.name}: ${e instanceof Error ? e.message : e}`);
      }
    }
    this.vipsInstalled = true;
    this.nextRefreshAt = now + this.refreshEveryMs;
    // after the VIPs: a route may use one as its source or reach its gateway through one
    if (!this.routes.empty) this.routes.install();
  }

  /** Split-brain rule 1: a healthy master keeps extending the VIPs' kernel lifetime. */
  refreshVips(now: number): void {
    if (!this.vipsInstalled || !this.lifetimeSec) {
      this.nextRefreshAt = Infinity;
      return;
    }
    for (const l of this.leases) {
      try {
        l.renew(this.nl, this.lifetimeSec);
        this.vipRenewals++;
      } catch (e) {
        this.hooks.log("error", `${this.name}: ${e instanceof Error ? e.message : e}`);
      }
    }
    this.routes.refresh();
    this.nextRefreshAt = now + this.refreshEveryMs;
  }

  private deleteVip(v: VipPlan): void {
    try {
      deleteAddress(this.nl, vipSpec(v));
    } catch (e) {
      // already gone (expired, or removed by hand) is the state we want
      if (!(e instanceof SysError && (e.errno === Errno.EADDRNOTAVAIL || e.errno === Errno.ENODEV))) {
        this.hooks.log("error", `${this.name}: ${e instanceof Error ? e.message : e}`);
      }
    }
  }

  removeVips(): void {
    if (this.routes.active) this.routes.remove();
    for (const v of this.vips) this.deleteVip(v);
    this.vipsInstalled = false;
    this.nextRefreshAt = Infinity;
  }

  private sendGratuitous(which: number, rounds: number): void {
    if (!this.pkt) return;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < this.frames.length; i++) {
        if (which >= 0 && i !== which) continue;
        if (this.frameSock[i].send(this.frames[i], this.frameLen) < 0) this.sendErrors++;
        else this.garpsSent++;
      }
    }
  }

  /**
   * An address change seen on rtnetlink. A VIP deleted behind a master's back is
   * put back at once (keepalived never restores it); a VIP appearing while we are
   * not master means someone else put it here: a conflict to report.
   */
  addressChanged(now: number, op: "new" | "del", index: number, address: string, prefix: number): void {
    const v = this.vips.find((x) => x.ifindex === index && x.address === address && x.prefix === prefix);
    if (!v) return;
    const st = this.fsm.state;
    const verdict = addressVerdict(op, st, this.vipsInstalled);
    if (verdict === AddressVerdict.Restore) {
      // the vmac itself going takes its VIPs along: the worker recreates it (link event)
      if (v.onVmac && !this.vmacPresent()) return;
      this.vipRestores++;
      this.hooks.event("vip-restored", this, `${address}/${prefix} on ${v.dev} was deleted while master; re-added`);
      this.installVips(now);
    } else if (verdict === AddressVerdict.RemoveForeign) {
      this.conflicts++;
      this.hooks.event("vip-conflict", this, `${address}/${prefix} appeared on ${v.dev} while ${STATE_NAMES[st]}; removed`);
      this.deleteVip(v);
    }
  }

  /**
   * Whether an RTM_NEWADDR for bytes[off, off + len) on `index` with `prefix` would
   * make addressChanged() act (one of our VIPs appearing while we do not hold it).
   * Allocation-free: the worker asks this of its own lease renewals' echoes.
   */
  newAddressActs(index: number, prefix: number, bytes: Uint8Array, off: number, len: number): boolean {
    if (!appearedIsForeign(this.fsm.state, this.vipsInstalled)) return false;
    for (let i = 0; i < this.vips.length; i++) {
      const v = this.vips[i];
      const b = this.vipNotified[i];
      if (b === null || v.ifindex !== index || v.prefix !== prefix || b.length !== len) continue;
      let same = true;
      for (let k = 0; k < len && same; k++) same = b[k] === bytes[off + k];
      if (same) return true;
    }
    return false;
  }

  /** Feeds tracker output to the FSM (own link down is FAULT as well). */
  /**
   * A reload that changed only the configured priority (1..254 either side): the
   * instance keeps its state, VIPs and sockets and advertises the new priority
   * from its next advert; RFC 5798 §6.4 decides the rest (a backup now higher
   * preempts, a master now lower is preempted). Restarting it would send a
   * priority-0 advert and move the VIPs twice for a change of preference.
   */
  retune(now: number, plan: InstancePlan): void {
    this.plan = plan;
    this.fsm.setBasePriority(plan.params.priority);
    this.tracker.setBase(plan.params.priority);
    this.applyTracking(now);
  }

  applyTracking(now: number): void {
    this.fsm.applyTracking(now, this.tracker.effective, this.tracker.faulted || !this.linkUp);
    this.perform(now);
  }

  stop(now: number): void {
    this.fsm.shutdown(now);
    this.perform(now);
    this.removeVips();
  }

  close(): void {
    this.sock.close();
    this.pkt?.close();
    for (const p of this.otherPkts.values()) p.close();
    this.naListener?.close();
    this.dropVmac();
  }

  private vmacPresent(): boolean {
    if (!this.vmac) return false;
    try {
      getLink(this.nl, this.vmac.index);
      return true;
    } catch {
      return false;
    }
  }

  /** ifindex of this instance's vmac, 0 without use_vmac */
  get vmacIndex(): number {
    return this.vmac?.index ?? 0;
  }

  /** keepalived deletes its vmac on shutdown too; the VIPs on it go with it. */
  private dropVmac(): void {
    if (!this.vmac) return;
    removeVmac(this.nl, this.vmac, (m) => this.hooks.log("warn", `${this.name}: ${m}`));
    this.vmac = null;
  }

  /** Why the instance is (or would be) FAULT, from what the FSM's fault sources say. */
  faultCause(): string {
    if (!this.linkUp) return this.linkFault || `interface ${this.plan.interface} is down`;
    if (this.tracker.faulted) return "a tracked interface, script, process or file is in fault (weight 0 down, or a file's value at -254 or below)";
    if (this.fsm.faults & FAULT_SYNC_GROUP) return "another member of its vrrp_sync_group is in FAULT or cannot start yet";
    return "fault";
  }

  status(): InstanceStatus {
    const s = this.core.status();
    const p = this.plan.params;
    return {
      name: this.name,
      interface: this.plan.interface,
      vrid: p.vrid,
      family: p.family,
      version: p.version,
      state: s.state as InstanceStatus["state"],
      priority: p.priority,
      effectivePriority: s.effectivePriority,
      masterAddress: this.fsm.state === State.Master ? formatAddress(this.core.p.primary) : (s.master ?? ""),
      since: this.sinceWall,
      vips: this.vips.map((v) => `${v.address}/${v.prefix}`),
      counters: {
        advertsSent: s.advertsSent,
        advertsReceived: s.counters.accepted ?? 0,
        transitions: s.transitions,
        sendErrors: this.sendErrors,
        garpsSent: this.garpsSent,
        vipRenewals: this.vipRenewals,
        becameMaster: this.fsm.becameMaster,
        releasedMaster: this.fsm.releasedMaster,
        priorityZeroReceived: this.fsm.priorityZeroReceived,
        priorityZeroSent: this.fsm.priorityZeroSent,
        vipRestores: this.vipRestores,
        routeRestores: this.routes.restores,
        conflicts: this.conflicts,
        ...Object.fromEntries(Object.entries(s.counters).filter(([k]) => k !== "accepted").map(([k, v]) => [`drop_${k}`, v])),
      },
      ...(this.fsm.state === State.Fault ? { fault: this.faultCause() } : {}),
      masterPriority: this.fsm.state === State.Master ? s.effectivePriority : s.masterPriority,
      tracking: trackingStatus(this.plan, this.tracker.snapshot()),
    };
  }
}

