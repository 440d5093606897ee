// IPv6 Neighbor Discovery frames (RFC 4861) built into caller-owned buffers: the
// unsolicited Neighbor Advertisement a new master sends for each IPv6 VIP, the
// Neighbor Solicitation used to probe whether someone else still holds a VIP, and a
// parser that validates replies as RFC 4861 §7.1 requires before trusting them.
import { fold, pseudoSumV6, sum16 } from "./checksum.ts";
import { ETH_HEADER_LEN, ETHERTYPE_IPV6, readEtherType, writeEthernetHeader, writeIPv6MulticastMac } from "./ethernet.ts";
import { bytesEqual } from "./ip-address.ts";

export const IPV6_HEADER_LEN = 40;
export const ICMPV6_NS = 135;
export const ICMPV6_NA = 136;
export const ND_OPT_SOURCE_LLADDR = 1;
export const ND_OPT_TARGET_LLADDR = 2;
/** RFC 4861 §4.4 flag bits in the first byte after the ICMPv6 checksum. */
export const NA_FLAG_ROUTER = 0x80;
export const NA_FLAG_SOLICITED = 0x40;
export const NA_FLAG_OVERRIDE = 0x20;
/** RFC 4861 §6.1.2/§7.1: ND messages are sent and accepted only with hop limit 255 (proves on-link origin). */
export const ND_HOP_LIMIT = 255;

const ND_BODY_LEN = 24; // type, code, checksum, flags/reserved, target
const LLADDR_OPT_LEN = 8; // type, length (in 8-octet units), 6-byte MAC

/** Unsolicited NA frame length: Ethernet + IPv6 + NA + target link-layer option (= keepalived's 86 bytes). */
export const UNSOLICITED_NA_LEN = ETH_HEADER_LEN + IPV6_HEADER_LEN + ND_BODY_LEN + LLADDR_OPT_LEN;

export const ALL_NODES = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
const UNSPECIFIED = new Uint8Array(16);

function writeIPv6Header(buf: Uint8Array, off: number, payloadLen: number, src: Uint8Array, dst: Uint8Array): void {
  buf[off] = 0x60; buf[off + 1] = 0; buf[off + 2] = 0; buf[off + 3] = 0; // version 6, traffic class 0, flow 0
  buf[off + 4] = payloadLen >>> 8; buf[off + 5] = payloadLen & 0xff;
  buf[off + 6] = 58; // next header ICMPv6
  buf[off + 7] = ND_HOP_LIMIT;
  buf.set(src.subarray(0, 16), off + 8);
  buf.set(dst.subarray(0, 16), off + 24);
}

/** RFC 4443 §2.3 checksum over the IPv6 pseudo-header (RFC 8200 §8.1) and the ICMPv6 message. */
function fillIcmp6Checksum(buf: Uint8Array, ip6: number, icmpLen: number): void {
  const icmp = ip6 + IPV6_HEADER_LEN;
  buf[icmp + 2] = 0; buf[icmp + 3] = 0;
  const c = fold(sum16(buf, icmp, icmpLen, pseudoSumV6(buf, ip6 + 8, buf, ip6 + 24, 58, icmpLen)));
  buf[icmp + 2] = c >>> 8; buf[icmp + 3] = c & 0xff;
}

/**
 * Unsolicited Neighbor Advertisement, RFC 4861 §7.2.6, laid out as keepalived 2.2.7
 * sends it: to all-nodes ff02::1 (33:33:00:00:00:01), source = target = the VIP,
 * Override set and Solicited clear (§4.4: unsolicited), Router set when the box
 * forwards IPv6, a Target Link-Layer Address option carrying our MAC, hop limit 255.
 */
export function writeUnsolicitedNa(buf: Uint8Array, off: number, srcMac: Uint8Array, vip: Uint8Array, router: boolean): number {
  const ip6 = off + ETH_HEADER_LEN;
  const dstMac = new Uint8Array(6); // setup-time path (once per VIP), so a temporary is fine
  writeIPv6MulticastMac(dstMac, 0, ALL_NODES);
  writeEthernetHeader(buf, off, dstMac, srcMac, ETHERTYPE_IPV6);
  const icmpLen = ND_BODY_LEN + LLADDR_OPT_LEN;
  writeIPv6Header(buf, ip6, icmpLen, vip, ALL_NODES);
  const icmp = ip6 + IPV6_HEADER_LEN;
  buf[icmp] = ICMPV6_NA; buf[icmp + 1] = 0;
  buf[icmp + 4] = NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0);
  buf[icmp + 5] = 0; buf[icmp + 6] = 0; buf[icmp + 7] = 0;
  buf.set(vip.subarray(0, 16), icmp + 8);
  buf[icmp + 24] = ND_OPT_TARGET_LLADDR; buf[icmp + 25] = 1;
  buf.set(srcMac.subarray(0, 6), icmp + 26);
  fillIcmp6Checksum(buf, ip6, icmpLen);
  return UNSOLICITED_NA_LEN;
}

/** RFC 4291 §2.7.1 solicited-node multicast group ff02::1:ffXX:XXXX of `target`. */
export function solicitedNodeGroup(target: Uint8Array): Uint8Array {
  const g = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0);
  g.set(target.subarray(13, 16), 13);
  return g;
}

/**
 * Neighbor Solicitation probe for `target`, sent to its solicited-node group.
 * With `source` null it is a DAD-style probe (RFC 4862 §5.4.2: source ::, and per
 * RFC 4861 §7.2.2 no Source Link-Layer option); a holder answers with an NA to
 * ff02::1. With a source address the option is included and the answer is unicast.
 */
export function writeNeighborSolicitation(buf: Uint8Array, off: number, srcMac: Uint8Array, target: Uint8Array, source: Uint8Array | null): number {
  const group = solicitedNodeGroup(target);
  const dstMac = new Uint8Array(6);
  writeIPv6MulticastMac(dstMac, 0, group);
  writeEthernetHeader(buf, off, dstMac, srcMac, ETHERTYPE_IPV6);
  const icmpLen = ND_BODY_LEN + (source ? LLADDR_OPT_LEN : 0);
  const ip6 = off + ETH_HEADER_LEN;
  writeIPv6Header(buf, ip6, icmpLen, source ?? UNSPECIFIED, group);
  const icmp = ip6 + IPV6_HEADER_LEN;
  buf[icmp] = ICMPV6_NS; buf[icmp + 1] = 0;
  buf[icmp + 4] = 0; buf[icmp + 5] = 0; buf[icmp + 6] = 0; buf[icmp + 7] = 0;
  buf.set(target.subarray(0, 16), icmp + 8);
  if (source) {
    buf[icmp + 24] = ND_OPT_SOURCE_LLADDR; buf[icmp + 25] = 1;
    buf.set(srcMac.subarray(0, 6), icmp + 26);
  }
  fillIcmp6Checksum(buf, ip6, icmpLen);
  return ETH_HEADER_LEN + IPV6_HEADER_LEN + icmpLen;
}

export interface NdMessage {
  type: typeof ICMPV6_NS | typeof ICMPV6_NA;
  flags: number;
  srcMac: Uint8Array;
  srcIp: Uint8Array;
  dstIp: Uint8Array;
  target: Uint8Array;
  /** MAC from the Source (NS) or Target (NA) Link-Layer Address option, null when absent. */
  lladdr: Uint8Array | null;
}

export type NdParse = { ok: true; nd: NdMessage } | { ok: false; reason: string };

/**
 * Parses an Ethernet frame as an NS or NA and applies the validity checks of
 * RFC 4861 §7.1.1 (NS) and §7.1.2 (NA): hop limit 255, valid ICMPv6 checksum, code
 * 0, body ≥ 24 bytes, target not multicast, options of non-zero length, and for NA
 * "if the destination is multicast the Solicited flag is zero".
 */
export function parseNdisc(frame: Uint8Array, len: number): NdParse {
  if (len > frame.length) return { ok: false, reason: `length ${len} exceeds buffer ${frame.length}` };
  if (len < ETH_HEADER_LEN + IPV6_HEADER_LEN + ND_BODY_LEN) return { ok: false, reason: `frame of ${len} bytes is too short for ND` };
  const et = readEtherType(frame, 0);
  if (et !== ETHERTYPE_IPV6) return { ok: false, reason: `EtherType 0x${et.toString(16)} is not IPv6 (0x86dd)` };
  const ip6 = ETH_HEADER_LEN;
  if (frame[ip6] >>> 4 !== 6) return { ok: false, reason: `IP version ${frame[ip6] >>> 4} is not 6` };
  const payloadLen = (frame[ip6 + 4] << 8) | frame[ip6 + 5];
  if (ip6 + IPV6_HEADER_LEN + payloadLen > len) return { ok: false, reason: `IPv6 payload length ${payloadLen} runs past the ${len}-byte frame` };
  if (frame[ip6 + 6] !== 58) return { ok: false, reason: `next header ${frame[ip6 + 6]} is not ICMPv6 (58)` };
  if (frame[ip6 + 7] !== ND_HOP_LIMIT) return { ok: false, reason: `hop limit ${frame[ip6 + 7]} is not 255 (RFC 4861 §7.1)` };
  const icmp = ip6 + IPV6_HEADER_LEN;
  const type = frame[icmp];
  if (type !== ICMPV6_NS && type !== ICMPV6_NA) return { ok: false, reason: `ICMPv6 type ${type} is neither NS (135) nor NA (136)` };
  if (frame[icmp + 1] !== 0) return { ok: false, reason: `ICMPv6 code ${frame[icmp + 1]} is not 0` };
  if (payloadLen < ND_BODY_LEN) return { ok: false, reason: `ND body of ${payloadLen} bytes is shorter than 24` };
  if (fold(sum16(frame, icmp, payloadLen, pseudoSumV6(frame, ip6 + 8, frame, ip6 + 24, 58, payloadLen))) !== 0) {
    return { ok: false, reason: "ICMPv6 checksum mismatch" };
  }
  if (frame[icmp + 8] === 0xff) return { ok: false, reason: "target address is multicast" };
  const flags = frame[icmp + 4];
  const dstMulticast = frame[ip6 + 24] === 0xff;
  if (type === ICMPV6_NA && dstMulticast && (flags & NA_FLAG_SOLICITED)) {
    return { ok: false, reason: "NA to a multicast destination has the Solicited flag set" };
  }
  const wantOpt = type === ICMPV6_NA ? ND_OPT_TARGET_LLADDR : ND_OPT_SOURCE_LLADDR;
  let lladdr: Uint8Array | null = null;
  let o = icmp + ND_BODY_LEN;
  const end = icmp + payloadLen;
  while (o < end) {
    if (o + 2 > end) return { ok: false, reason: `truncated option header at byte ${o - icmp}` };
    const optLen = frame[o + 1] * 8;
    if (optLen === 0) return { ok: false, reason: `option type ${frame[o]} has length 0` };
    if (o + optLen > end) return { ok: false, reason: `option type ${frame[o]} runs past the message` };
    if (frame[o] === wantOpt && optLen >= 8) lladdr = frame.slice(o + 2, o + 8);
    o += optLen;
  }
  const srcIp = frame.slice(ip6 + 8, ip6 + 24);
  if (type === ICMPV6_NS && lladdr && bytesEqual(srcIp, 0, UNSPECIFIED, 0, 16)) {
    return { ok: false, reason: "NS from the unspecified address carries a Source Link-Layer option (RFC 4861 §7.1.1)" };
  }
  return {
    ok: true,
    nd: {
      type: type as typeof ICMPV6_NS | typeof ICMPV6_NA,
      flags,
      srcMac: frame.slice(6, 12),
      srcIp,
      dstIp: frame.slice(ip6 + 24, ip6 + 40),
      target: frame.slice(icmp + 8, icmp + 24),
      lladdr,
    },
  };
}

/** A probe for `ip` found another holder: an NA for that target whose link-layer address (or frame source) is not ours. */
export function ndShowsConflict(nd: NdMessage, ip: Uint8Array, ourMac: Uint8Array): boolean {
  if (nd.type !== ICMPV6_NA || !bytesEqual(nd.target, 0, ip, 0, 16)) return false;
  const mac = nd.lladdr ?? nd.srcMac;
  return !bytesEqual(mac, 0, ourMac, 0, 6);
}
