// The link-layer side of an instance's VIPs: gratuitous ARP
// (IPv4) / unsolicited NA (IPv6) that move the neighbours' caches to us, and the
// conflict probes and listeners that notice another host claiming a VIP while we
// are master (docs/split-brain.md, defence 4). Frames are written once, at construction, into
// FFI-stable buffers; sending one is a send() of a preallocated buffer. Which
// claims count and how often one is reported is vrrp/vip-conflict.ts's call.
import { PacketSocket, PACKET_OUTGOING } from "../sys/packet-socket.ts";
import { NEIGHBOR_ADVERTS } from "../sys/frame-filters.ts";
import { ffiBytes } from "../sys/ffi-memory.ts";
import { ARP_FRAME_LEN, writeArpProbe, writeGratuitousArp } from "../net/arp.ts";
import { ARP_SENDER_MAC_OFFSET, arpConflict, naClaimantMacOffset, naConflict } from "../net/conflict.ts";
import { ETHERTYPE_ARP, ETHERTYPE_IPV6 } from "../net/ethernet.ts";
import { UNSOLICITED_NA_LEN, writeNeighborSolicitation, writeUnsolicitedNa } from "../net/ndisc.ts";
import { formatMac, parseIPv4, parseIPv6 } from "../net/ip-address.ts";
import { formatAddress } from "../vrrp/addr.ts";
import type { VrrpFsm } from "../vrrp/fsm.ts";
import { ClaimPolicy, ClaimVerdict, handoverWindowMs, macNumber, NO_MAC, virtualRouterMac } from "../vrrp/vip-conflict.ts";
import type { AdvertSources } from "./advert-sources.ts";
import type { VipPlan } from "./plan.ts";
import { garpExtraIfFrames, type GarpExtraIf } from "../vrrp/garp-extra-if.ts";
import { State } from "../vrrp/actions.ts";
import type { GarpLane, GarpPacer, PacedMessage } from "../vrrp/garp-pacing.ts";

const MAX_RX_PER_WAKE = 256;
/** An Ethernet ARP frame is 42 bytes (60 padded) and arpConflict reads 42: a longer buffer per instance would only hold padding. */
const ARP_RX_BYTES = 64;

/** docs/split-brain.md defence 4: while master, re-probe the VIPs this often. */
export const PROBE_INTERVAL_MS = 10_000;

export class VipAnnouncer {
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
  /** which foreign claims count, and the per-VIP report rate limit */
  private readonly claims: ClaimPolicy;
  /** IPv6 only: NAs come in here (a filter passes nothing else) */
  private readonly naListener: PacketSocket | null = null;
  /**
   * who sent the adverts on our advert interface (set by the worker's
   * AdvertReceiver): the previous master when we take over (the handover rule)
   */
  advertSources: AdvertSources | null = null;
  private readonly frameLen: number;
  nextProbeAt = Infinity;
  /** keepalived garp_extra_if: the frames (one per interface) sent every extra.intervalMs while master */
  private readonly extraFrames: number[];
  nextExtraAt = Infinity;
  /** garp_group / vrrp_garp_interval: each frame's lane (null = not spaced) and its message there */
  private readonly lanes: (GarpLane | null)[] = [];
  private readonly paced: PacedMessage[] = [];
  private closed = false;
  sendErrors = 0;
  garpsSent = 0;
  conflicts = 0;

  /**
   * `vips` of the instance's family are announced on `announceIf` (the vmac with
   * use_vmac) or, for a VIP on another interface, on that one. `report` gets a
   * conflict worth an event (rate-limited). `extra` is garp_extra_if, and
   * `xmitBase` says the adverts leave from the vmac's base interface.
   */
  constructor(
    vips: readonly VipPlan[],
    private readonly fsm: VrrpFsm,
    announceIf: string,
    announceIndex: number,
    private readonly report: (detail: string) => void,
    private readonly extra: GarpExtraIf,
    xmitBase: boolean,
    pacer: GarpPacer | null = null,
  ) {
    const fam = fsm.p.family;
    this.frameLen = fam === 4 ? ARP_FRAME_LEN : UNSOLICITED_NA_LEN;
    const ann = vips.filter((v) => v.family === fam);
    try {
      // IPv4: the ARP socket also hears conflicting claims. IPv6: protocol 0 sends only;
      // NAs arrive through a socket whose kernel filter drops every other IPv6 frame.
      this.pkt = ann.length ? (fam === 4 ? new PacketSocket(announceIf, ETHERTYPE_ARP, undefined, ARP_RX_BYTES) : new PacketSocket(announceIf, 0)) : null;
      if (ann.length && fam === 6) this.naListener = new PacketSocket(announceIf, ETHERTYPE_IPV6, NEIGHBOR_ADVERTS);
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
        const i = this.lanes.length;
        this.lanes.push(v.pace && pacer ? pacer.lane(v.pace) : null);
        this.paced.push({ queued: false, send: () => this.sendPaced(i) });
        if (fam === 4) {
          writeGratuitousArp(f, 0, out.mac, bytes);
          this.probeLens.push(writeArpProbe(probe, 0, out.mac, bytes));
        } else {
          writeUnsolicitedNa(f, 0, out.mac, bytes, true);
          // From our own address, not :: — a DAD-style probe makes a stale holder (a
          // frozen or dead ex-master whose lease has not run out) answer to ff02::1,
          // and that NA re-points every neighbour cache on the link back at it right
          // after our takeover NAs. Sourced, the answer is unicast to us only.
          this.probeLens.push(writeNeighborSolicitation(probe, 0, out.mac, bytes, fsm.p.primary));
        }
        this.frames.push(f);
        this.probes.push(probe);
        this.vipBytes.push(bytes);
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.extraFrames = garpExtraIfFrames(ann.map((v) => ({ ifindex: v.ifindex, onVmac: v.onVmac === true || v.vmacOf !== undefined })), announceIndex, xmitBase, extra);
    this.claims = new ClaimPolicy(this.vipBytes.length, virtualRouterMac(fam, fsm.p.vrid));
  }

  /** fds the worker polls for claims on our VIPs, with their handlers (built once). */
  pollEntries(): Array<[number, (now: number) => void]> {
    const out: Array<[number, (now: number) => void]> = [];
    if (this.pkt && this.fsm.p.family === 4) out.push([this.pkt.fd, (now) => this.receiveArp(now)]);
    if (this.naListener) out.push([this.naListener.fd, (now) => this.receiveNa(now)]);
    return out;
  }

  /**
   * Gratuitous ARP / unsolicited NA: `rounds` of them for VIP `which`, or for every
   * VIP when -1; a VIP with a lane (garp_group, vrrp_garp_interval) waits its turn there.
   */
  sendGratuitous(which: number, rounds: number, now: number): void {
    if (!this.pkt) return;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < this.frames.length; i++) {
        if (which >= 0 && i !== which) continue;
        const lane = this.lanes[i];
        if (lane) lane.offer(now, this.paced[i]);
        else this.sendFrame(i);
      }
    }
  }

  private sendFrame(i: number): void {
    if (this.frameSock[i].send(this.frames[i], this.frameLen) < 0) this.sendErrors++;
    else this.garpsSent++;
  }

  /** Its turn in the lane came: keepalived vrrp_arp_thread sends only for a master that still holds the VIPs. */
  private sendPaced(i: number): boolean {
    if (this.closed || this.fsm.state !== State.Master) return false;
    this.sendFrame(i);
    return true;
  }

  /** docs/split-brain.md defence 4: ask whether anyone else answers for our VIPs. */
  probe(now: number): void {
    if (!this.pkt) return;
    for (let i = 0; i < this.probes.length; i++) {
      if (this.frameSock[i].send(this.probes[i], this.probeLens[i]) < 0) this.sendErrors++;
    }
    this.nextProbeAt = now + PROBE_INTERVAL_MS;
  }

  /**
   * We just became master: the previous master gets one Master_Down_Interval to
   * step down (claims from it until then are the handover), and we probe at once.
   */
  becameMaster(now: number): void {
    const f = this.fsm;
    this.claims.becameMaster(now, handoverWindowMs(f.p.version, f.priority, f.masterAdverIntMs));
    this.probe(now);
    // keepalived vrrp_state_become_master: the first extra round one interval after the takeover burst
    if (this.extraFrames.length) this.nextExtraAt = now + this.extra.intervalMs;
  }

  /** garp_extra_if: one gratuitous ARP/NA on each interface that carries VIPs but no adverts. */
  sendExtra(now: number): void {
    for (const i of this.extraFrames) {
      this.sendFrame(i);
      // keepalived send_gratuitous_arp_immediate: the lane's next message waits for this one too
      this.lanes[i]?.sentAt(now);
    }
    this.nextExtraAt = now + this.extra.intervalMs;
  }

  /** No probing and no extra announcements outside MASTER. */
  stopProbing(): void {
    this.nextProbeAt = Infinity;
    this.nextExtraAt = Infinity;
  }

  /** A claim on VIP `i` by the MAC at frame[macAt]; `how` names the frame. Formats text only for a report. */
  private conflict(now: number, i: number, frame: Uint8Array, macAt: number, how: string): void {
    const previousMaster = this.advertSources ? this.advertSources.lastMac(this.fsm.p.vrid) : NO_MAC;
    const verdict = this.claims.claim(now, this.fsm.state, i, macNumber(frame, macAt), previousMaster);
    if (verdict === ClaimVerdict.Ignore) return;
    if (verdict === ClaimVerdict.Handover) {
      // does it outlive the handover? ask again when the window closes
      this.nextProbeAt = Math.min(this.nextProbeAt, this.claims.handoverEndsAt);
      return;
    }
    this.conflicts++;
    if (verdict !== ClaimVerdict.Report) return;
    this.report(`${formatAddress(this.vipBytes[i])} is also claimed by MAC ${formatMac(frame, macAt, 6)} (${how}) while we are MASTER`);
  }

  private receiveArp(now: number): void {
    const p = this.pkt!;
    for (let k = 0; k < MAX_RX_PER_WAKE; k++) {
      const n = p.recv();
      if (n < 0) break;
      if (p.rxPacketType === PACKET_OUTGOING) continue;
      const i = arpConflict(p.rxBuffer, n, this.vipBytes, p.mac);
      if (i >= 0) this.conflict(now, i, p.rxBuffer, ARP_SENDER_MAC_OFFSET, "ARP");
    }
  }

  private receiveNa(now: number): void {
    const l = this.naListener!;
    for (let k = 0; k < MAX_RX_PER_WAKE; k++) {
      const n = l.recv();
      if (n < 0) break;
      if (l.rxPacketType === PACKET_OUTGOING) continue;
      const i = naConflict(l.rxBuffer, n, this.vipBytes, this.pkt!.mac);
      if (i >= 0) this.conflict(now, i, l.rxBuffer, naClaimantMacOffset(l.rxBuffer, n), "neighbor advertisement");
    }
  }

  close(): void {
    this.closed = true; // what still waits in a lane is dropped at its turn
    this.pkt?.close();
    for (const p of this.otherPkts.values()) p.close();
    this.naListener?.close();
  }
}
