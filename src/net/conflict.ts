// Recognises another host claiming one of our VIPs (split-brain defence, RFC 5227
// style): an ARP packet whose sender IP is the VIP from a MAC not ours, or an IPv6
// Neighbor Advertisement for the VIP whose target link-layer address (else
// Ethernet source) is not ours. Pure byte checks on received Ethernet frames;
// returns the VIP index or -1, and says where the claimant's MAC is.
import { ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "./ethernet.ts";
import { ND_HOP_LIMIT } from "./ndisc.ts";

/** Where the claimant's MAC is in an ARP frame: the sender hardware address. */
export const ARP_SENDER_MAC_OFFSET = ETH_HEADER_LEN + 8;


/** ARP frame (Ethernet header included) claiming vips[i] from a foreign MAC → i, else -1. */
export function arpConflict(frame: Uint8Array, len: number, vips: readonly Uint8Array[], ourMac: Uint8Array): number {
  if (len < ETH_HEADER_LEN + 28) return -1;
  if (((frame[12] << 8) | frame[13]) !== ETHERTYPE_ARP) return -1;
  const b = ETH_HEADER_LEN;
  if (((frame[b + 2] << 8) | frame[b + 3]) !== ETHERTYPE_IPV4 || frame[b + 4] !== 6 || frame[b + 5] !== 4) return -1;
  let ours = true;
  for (let k = 0; k < 6; k++) if (frame[ARP_SENDER_MAC_OFFSET + k] !== ourMac[k]) ours = false;
  if (ours) return -1;
  for (let i = 0; i < vips.length; i++) {
    const v = vips[i];
    if (v.length === 4 && frame[b + 14] === v[0] && frame[b + 15] === v[1] && frame[b + 16] === v[2] && frame[b + 17] === v[3]) return i;
  }
  return -1;
}

const IPV6_HEADER_LEN = 40;
const NA = ETH_HEADER_LEN + IPV6_HEADER_LEN;
/** RFC 4861 §4.4: type, code, checksum, flags, target address; options follow */
const NA_FIXED_LEN = 24;

/**
 * Where the claimant's MAC is in an NA frame: the Target Link-Layer Address
 * option (RFC 4861 §4.6.1) if the NA carries one, else the Ethernet source
 * (RFC 4861 §7.2.4 lets a solicited NA to a unicast address omit the option).
 * `frame` is a frame naConflict accepted.
 */
export function naClaimantMacOffset(frame: Uint8Array, len: number): number {
  const end = Math.min(len, NA + ((frame[ETH_HEADER_LEN + 4] << 8) | frame[ETH_HEADER_LEN + 5]));
  for (let o = NA + NA_FIXED_LEN; o + 8 <= end; ) {
    const type = frame[o], l = frame[o + 1] * 8;
    if (l === 0) break; // RFC 4861 §4.6: a zero-length option makes the rest unparseable
    if (type === 2) return o + 2;
    o += l;
  }
  return 6;
}

/**
 * Ethernet frame holding an IPv6 Neighbor Advertisement (no extension headers)
 * for vips[i] whose claimant MAC (naClaimantMacOffset) is not ours → i, else -1.
 */
export function naConflict(frame: Uint8Array, len: number, vips: readonly Uint8Array[], ourMac: Uint8Array): number {
  if (len < NA + NA_FIXED_LEN || ((frame[12] << 8) | frame[13]) !== ETHERTYPE_IPV6) return -1;
  // RFC 4861 §7.1.2: ICMPv6 right after the header, hop limit 255 (no router forwarded it)
  if (frame[ETH_HEADER_LEN + 6] !== 58 || frame[ETH_HEADER_LEN + 7] !== ND_HOP_LIMIT) return -1;
  if (frame[NA] !== 136 || frame[NA + 1] !== 0) return -1;
  let idx = -1;
  for (let i = 0; i < vips.length && idx < 0; i++) {
    const v = vips[i];
    if (v.length !== 16) continue;
    let eq = true;
    for (let k = 0; k < 16; k++) if (frame[NA + 8 + k] !== v[k]) eq = false;
    if (eq) idx = i;
  }
  if (idx < 0) return -1;
  const m = naClaimantMacOffset(frame, len);
  for (let k = 0; k < 6; k++) if (frame[m + k] !== ourMac[k]) return idx;
  return -1;
}
