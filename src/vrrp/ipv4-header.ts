// The IPv4 header keepalived puts on adverts when it sends with IP_HDRINCL:
// TOS 0xc0 (DSCP CS6, network control), DF clear, TTL 255 (RFC 5798 §5.1.1.3), protocol 112
// (51 with auth_type AH, packet-ah.ts).
import { sum16 } from "../net/checksum.ts";
import { IPPROTO_VRRP, VRRP_TTL } from "./packet-layout.ts";

export const IPV4_HEADER_LEN = 20;
export const TOS_NETWORK_CONTROL = 0xc0;
export const OFF_IP_ID = 4;
export const OFF_IP_CHECKSUM = 10;

/** Writes the constant fields (id 0, checksum 0); AdvertEncoder fills id and checksum. `protocol`: 112, or 51 for AH. */
export function writeIpv4HeaderTemplate(b: Uint8Array, off: number, src: Uint8Array, dst: Uint8Array, totalLength: number, protocol = IPPROTO_VRRP, ttl = VRRP_TTL): void {
  b[off] = 0x45; // version 4, IHL 5 words
  b[off + 1] = TOS_NETWORK_CONTROL;
  b[off + 2] = totalLength >>> 8;
  b[off + 3] = totalLength & 0xff;
  b[off + 4] = b[off + 5] = 0; // id
  b[off + 6] = b[off + 7] = 0; // flags + fragment offset: DF clear, as keepalived sends
  b[off + 8] = ttl;
  b[off + 9] = protocol;
  b[off + 10] = b[off + 11] = 0;
  b.set(src, off + 12);
  b.set(dst, off + 16);
}

/** Sum of the header words that do not change per advert (everything but id and checksum). */
export function ipv4HeaderPartialSum(src: Uint8Array, dst: Uint8Array, totalLength: number, protocol = IPPROTO_VRRP, ttl = VRRP_TTL): number {
  const tmp = new Uint8Array(IPV4_HEADER_LEN);
  writeIpv4HeaderTemplate(tmp, 0, src, dst, totalLength, protocol, ttl);
  return sum16(tmp, 0, IPV4_HEADER_LEN);
}
