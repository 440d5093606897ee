// RFC 1071 Internet checksum, computed in place over byte ranges so the advert
// path allocates nothing. Pseudo-header sums (RFC 8200 §8.1 for IPv6, RFC 5798 §5.2.8
// for VRRPv3 over IPv4) are added by the caller as a partial sum.

/** One's-complement 32-bit partial sum of buf[off, off+len) as big-endian 16-bit words. */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0): number {
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) acc += (buf[i] << 8) | buf[i + 1];
  if (i < end) acc += buf[i] << 8;
  return acc;
}

/** Folds a partial sum into the final 16-bit checksum (one's complement). */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

/** Partial sum of an IPv4 pseudo-header: src, dst, zero, protocol, length. */
export function pseudoSumV4(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, proto: number, length: number): number {
  return sum16(src, srcOff, 4, sum16(dst, dstOff, 4)) + proto + length;
}

/** Partial sum of an IPv6 pseudo-header (RFC 8200 §8.1): src, dst, upper-layer length, next header. */
export function pseudoSumV6(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, proto: number, length: number): number {
  return sum16(src, srcOff, 16, sum16(dst, dstOff, 16)) + (length >>> 16) + (length & 0xffff) + proto;
}
