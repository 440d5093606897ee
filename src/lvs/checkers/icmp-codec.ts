// ICMP echo for PING_CHECK, pure: the request as a raw socket sends it and the
// judgement of what a raw socket receives. An echo reply (RFC 792 type 0,
// RFC 4443 §4.2 type 129) answers the request with the same identifier and
// sequence number; a destination unreachable or time exceeded (RFC 792 types
// 3/11, RFC 4443 §3.1/§3.3 types 1/3) quoting our request says it never got
// there. Raw IPv4 sockets deliver the IP header; raw ICMPv6 sockets do not, and
// the kernel fills in the ICMPv6 checksum (RFC 3542 §3.1).
import { fold, sum16 } from "../../net/checksum.ts";

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP6_DEST_UNREACH = 1;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

const ECHO_HEADER = 8;

/** keepalived check_ping.c sends 128 bytes of "keepalived check - " after the header. */
export const ECHO_PAYLOAD = (() => {
  const text = "keepalived check - ";
  const b = new Uint8Array(128);
  for (let i = 0; i < b.length; i++) b[i] = text.charCodeAt(i % text.length);
  return b;
})();

/** Writes an echo request into `out` (header + payload); returns its length. */
export function encodeEchoRequest(out: Uint8Array, family: 4 | 6, id: number, seq: number, payload: Uint8Array = ECHO_PAYLOAD): number {
  const len = ECHO_HEADER + payload.length;
  if (out.length < len) throw new Error(`echo buffer of ${out.length} bytes is too small for ${len}`);
  out[0] = family === 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[4] = id >>> 8;
  out[5] = id & 0xff;
  out[6] = seq >>> 8;
  out[7] = seq & 0xff;
  out.set(payload, ECHO_HEADER);
  if (family === 4) {
    // RFC 792: checksum over the ICMP message
    const c = fold(sum16(out, 0, len));
    out[2] = c >>> 8;
    out[3] = c & 0xff;
  }
  return len;
}

export type IcmpVerdict =
  | { kind: "reply"; id: number; seq: number }
  /** an error quoting our echo request to `quotedDst` (4 or 16 address bytes, a view into the packet) */
  | { kind: "error"; id: number; seq: number; quotedDst: Uint8Array; reason: string }
  | { kind: "ignore" };

const IGNORE: IcmpVerdict = { kind: "ignore" };

/**
 * Judges one datagram from a raw ICMP (family 4: IP header included) or
 * ICMPv6 socket. Foreign, truncated or unrelated messages are "ignore".
 */
export function judgeIcmp(family: 4 | 6, pkt: Uint8Array, len: number = pkt.length): IcmpVerdict {
  let off = 0;
  if (family === 4) {
    if (len < 20 || pkt[0]! >> 4 !== 4) return IGNORE;
    off = (pkt[0]! & 0x0f) * 4;
    if (off < 20) return IGNORE;
  }
  if (len - off < ECHO_HEADER) return IGNORE;
  const type = pkt[off]!;
  const code = pkt[off + 1]!;
  if (type === (family === 4 ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY)) {
    return { kind: "reply", id: u16(pkt, off + 4), seq: u16(pkt, off + 6) };
  }
  const unreach = family === 4 ? ICMP_DEST_UNREACH : ICMP6_DEST_UNREACH;
  const exceeded = family === 4 ? ICMP_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED;
  if (type !== unreach && type !== exceeded) return IGNORE;
  // the invoking packet follows the 8-byte error header
  const q = off + 8;
  let qIcmp: number;
  let dst: Uint8Array;
  if (family === 4) {
    if (len - q < 20 || pkt[q]! >> 4 !== 4 || pkt[q + 9] !== 1 /* ICMP */) return IGNORE;
    qIcmp = q + (pkt[q]! & 0x0f) * 4;
    dst = pkt.subarray(q + 16, q + 20);
  } else {
    if (len - q < 40 || pkt[q]! >> 4 !== 6 || pkt[q + 6] !== 58 /* ICMPv6 */) return IGNORE;
    qIcmp = q + 40;
    dst = pkt.subarray(q + 24, q + 40);
  }
  if (len - qIcmp < ECHO_HEADER || pkt[qIcmp] !== (family === 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST)) return IGNORE;
  return { kind: "error", id: u16(pkt, qIcmp + 4), seq: u16(pkt, qIcmp + 6), quotedDst: dst, reason: describe(family, type, code) };
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

const UNREACH4: Record<number, string> = {
  0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
  4: "fragmentation needed", 9: "network administratively prohibited", 10: "host administratively prohibited",
  13: "communication administratively prohibited",
};
const UNREACH6: Record<number, string> = {
  0: "no route to destination", 1: "administratively prohibited", 3: "address unreachable", 4: "port unreachable",
  5: "source address failed policy", 6: "reject route",
};

/** Reads like "ICMP host unreachable" / "ICMPv6 time exceeded (code 0)". */
export function describe(family: 4 | 6, type: number, code: number): string {
  const v = family === 4 ? "ICMP" : "ICMPv6";
  if (type === (family === 4 ? ICMP_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED)) return `${v} time exceeded`;
  const name = (family === 4 ? UNREACH4 : UNREACH6)[code];
  return name ? `${v} ${name}` : `${v} destination unreachable (code ${code})`;
}
