// IP address text <-> bytes for the VRRP core. Parsing happens once, when an
// instance is built; the packet path only compares byte ranges.

import { AddressError, formatIP, parseIPv4, parseIPv6 } from "../net/ip-address.ts";

export { AddressError, parseIPv4, parseIPv6 };

/** Parses an address of the given family, or passes bytes through after a length check. */
export function toAddressBytes(a: string | Uint8Array, family: 4 | 6): Uint8Array {
  const len = family === 4 ? 4 : 16;
  if (typeof a !== "string") {
    if (a.length !== len) throw new AddressError(`<${a.length} bytes>`, `IPv${family} address must be ${len} bytes`);
    return Uint8Array.from(a);
  }
  return family === 4 ? parseIPv4(a) : parseIPv6(a);
}

export function formatAddress(b: Uint8Array, off = 0, len = b.length - off): string {
  return formatIP(b, off, len);
}

/** Compares len bytes big-endian: <0, 0, >0 — the RFC 5798 §6.4.3 tie-break order. */
export function compareBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

export { bytesEqual } from "../net/ip-address.ts";
