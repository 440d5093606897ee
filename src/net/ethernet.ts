// Ethernet II header (IEEE 802.3 §3.2.6 type field) shared by the ARP and ND frame builders.

export const ETH_HEADER_LEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export const MAC_BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** Writes dst MAC, src MAC and EtherType at buf[off]; returns the offset after the header. */
export function writeEthernetHeader(buf: Uint8Array, off: number, dst: Uint8Array, src: Uint8Array, etherType: number): number {
  buf.set(dst.subarray(0, 6), off);
  buf.set(src.subarray(0, 6), off + 6);
  buf[off + 12] = etherType >>> 8;
  buf[off + 13] = etherType & 0xff;
  return off + ETH_HEADER_LEN;
}

export function readEtherType(buf: Uint8Array, off: number): number {
  return (buf[off + 12] << 8) | buf[off + 13];
}

/** RFC 2464 §7: IPv6 multicast maps to 33:33 followed by the low 32 bits of the group. */
export function writeIPv6MulticastMac(out: Uint8Array, outOff: number, group: Uint8Array, groupOff = 0): void {
  out[outOff] = 0x33;
  out[outOff + 1] = 0x33;
  for (let i = 0; i < 4; i++) out[outOff + 2 + i] = group[groupOff + 12 + i];
}
