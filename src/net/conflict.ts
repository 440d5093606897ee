// Recognises another host claiming one of our VIPs (split-brain defence, RFC 5227
// style): an ARP packet whose sender IP is the VIP from a MAC not ours, or an IPv6
// Neighbor Advertisement for the VIP whose target link-layer address is not ours.
// Pure byte checks on received buffers; returns the VIP index or -1.
import { ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from "./ethernet.ts";

/** ARP frame (Ethernet header included) claiming vips[i] from a foreign MAC → i, else -1. */
export function arpConflict(frame: Uint8Array, len: number, vips: readonly Uint8Array[], ourMac: Uint8Array): number {
  if (len < ETH_HEADER_LEN + 28) return -1;
  if (((frame[12] << 8) | frame[13]) !== ETHERTYPE_ARP) return -1;
  const b = ETH_HEADER_LEN;
  if (((frame[b + 2] << 8) | frame[b + 3]) !== ETHERTYPE_IPV4 || frame[b + 4] !== 6 || frame[b + 5] !== 4) return -1;
  let ours = true;
  for (let k = 0; k < 6; k++) if (frame[b + 8 + k] !== ourMac[k]) ours = false;
  if (ours) return -1;
  for (let i = 0; i < vips.length; i++) {
    const v = vips[i];
    if (v.length === 4 && frame[b + 14] === v[0] && frame[b + 15] === v[1] && frame[b + 16] === v[2] && frame[b + 17] === v[3]) return i;
  }
  return -1;
}

/** ICMPv6 NA message (no IP header) for vips[i] whose target LL address is foreign → i, else -1. */
export function naConflict(msg: Uint8Array, len: number, vips: readonly Uint8Array[], ourMac: Uint8Array): number {
  if (len < 24 || msg[0] !== 136 || msg[1] !== 0) return -1;
  let idx = -1;
  for (let i = 0; i < vips.length && idx < 0; i++) {
    const v = vips[i];
    if (v.length !== 16) continue;
    let eq = true;
    for (let k = 0; k < 16; k++) if (msg[8 + k] !== v[k]) eq = false;
    if (eq) idx = i;
  }
  if (idx < 0) return -1;
  // RFC 4861 §4.4 options: type 2 = Target Link-Layer Address; length in 8-octet units
  for (let o = 24; o + 8 <= len; ) {
    const type = msg[o], l = msg[o + 1] * 8;
    if (l === 0) break;
    if (type === 2 && l >= 8) {
      for (let k = 0; k < 6; k++) if (msg[o + 2 + k] !== ourMac[k]) return idx;
      return -1;
    }
    o += l;
  }
  // no TLLA option: the sender is someone else (our own NAs always carry it)
  return idx;
}
