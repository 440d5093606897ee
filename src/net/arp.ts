// ARP frames (RFC 826) for Ethernet/IPv4, written into caller-owned buffers so the
// takeover path allocates nothing: the gratuitous ARP a new master sends and the
// RFC 5227 probe the split-brain check uses, plus a parser for what comes back.
import { bytesEqual } from "./ip-address.ts";
import { ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, MAC_BROADCAST, readEtherType, writeEthernetHeader } from "./ethernet.ts";

/** Ethernet header + 28-byte ARP body; keepalived sends exactly this, unpadded (the NIC pads to 60). */
export const ARP_FRAME_LEN = ETH_HEADER_LEN + 28;
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;

const ZERO4 = new Uint8Array(4);
const ZERO6 = new Uint8Array(6);

function writeArpBody(buf: Uint8Array, off: number, op: number, sha: Uint8Array, spa: Uint8Array, tha: Uint8Array, tpa: Uint8Array): void {
  buf[off] = 0; buf[off + 1] = 1; // htype Ethernet
  buf[off + 2] = ETHERTYPE_IPV4 >>> 8; buf[off + 3] = ETHERTYPE_IPV4 & 0xff;
  buf[off + 4] = 6; buf[off + 5] = 4;
  buf[off + 6] = op >>> 8; buf[off + 7] = op & 0xff;
  buf.set(sha.subarray(0, 6), off + 8);
  buf.set(spa.subarray(0, 4), off + 14);
  buf.set(tha.subarray(0, 6), off + 18);
  buf.set(tpa.subarray(0, 4), off + 24);
}

/**
 * Gratuitous ARP as keepalived 2.2.7 sends it on becoming master (see
 * test/fixtures/keepalived-2.2.7-wire.md): a broadcast ARP request with sender IP =
 * target IP = VIP and target MAC ff:ff:ff:ff:ff:ff. RFC 5227 §3 prefers requests
 * over replies for announcements because every host processes requests.
 */
export function writeGratuitousArp(buf: Uint8Array, off: number, srcMac: Uint8Array, vip: Uint8Array): number {
  const body = writeEthernetHeader(buf, off, MAC_BROADCAST, srcMac, ETHERTYPE_ARP);
  writeArpBody(buf, body, ARP_OP_REQUEST, srcMac, vip, MAC_BROADCAST, vip);
  return ARP_FRAME_LEN;
}

/**
 * RFC 5227 §2.1.1 ARP probe: sender IP 0.0.0.0 (so no peer's cache is polluted),
 * target MAC zero, target IP the address being checked. A host holding it answers
 * with a reply whose sender IP is that address.
 */
export function writeArpProbe(buf: Uint8Array, off: number, srcMac: Uint8Array, target: Uint8Array): number {
  const body = writeEthernetHeader(buf, off, MAC_BROADCAST, srcMac, ETHERTYPE_ARP);
  writeArpBody(buf, body, ARP_OP_REQUEST, srcMac, ZERO4, ZERO6, target);
  return ARP_FRAME_LEN;
}

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: Uint8Array;
  targetMac: Uint8Array;
  targetIp: Uint8Array;
}

export type ArpParse = { ok: true; arp: ArpPacket } | { ok: false; reason: string };

/** Parses an Ethernet frame as Ethernet/IPv4 ARP; every rejection says which field was wrong. */
export function parseArp(frame: Uint8Array, len: number): ArpParse {
  if (len > frame.length) return { ok: false, reason: `length ${len} exceeds buffer ${frame.length}` };
  if (len < ARP_FRAME_LEN) return { ok: false, reason: `frame of ${len} bytes is shorter than an ARP frame (${ARP_FRAME_LEN})` };
  const et = readEtherType(frame, 0);
  if (et !== ETHERTYPE_ARP) return { ok: false, reason: `EtherType 0x${et.toString(16)} is not ARP (0x0806)` };
  const b = ETH_HEADER_LEN;
  const htype = (frame[b] << 8) | frame[b + 1];
  if (htype !== 1) return { ok: false, reason: `hardware type ${htype} is not Ethernet (1)` };
  const ptype = (frame[b + 2] << 8) | frame[b + 3];
  if (ptype !== ETHERTYPE_IPV4) return { ok: false, reason: `protocol type 0x${ptype.toString(16)} is not IPv4` };
  if (frame[b + 4] !== 6 || frame[b + 5] !== 4) return { ok: false, reason: `address lengths ${frame[b + 4]}/${frame[b + 5]} are not 6/4` };
  const op = (frame[b + 6] << 8) | frame[b + 7];
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return { ok: false, reason: `opcode ${op} is neither request (1) nor reply (2)` };
  return {
    ok: true,
    arp: {
      op,
      senderMac: frame.slice(b + 8, b + 14),
      senderIp: frame.slice(b + 14, b + 18),
      targetMac: frame.slice(b + 18, b + 24),
      targetIp: frame.slice(b + 24, b + 28),
    },
  };
}

/**
 * RFC 5227 §2.1.1: after probing `ip`, a conflict is any ARP packet whose sender IP
 * is `ip` from a MAC other than ours (a reply or an announcement by the holder).
 */
export function arpShowsConflict(arp: ArpPacket, ip: Uint8Array, ourMac: Uint8Array): boolean {
  return bytesEqual(arp.senderIp, 0, ip, 0, 4) && !bytesEqual(arp.senderMac, 0, ourMac, 0, 6);
}
