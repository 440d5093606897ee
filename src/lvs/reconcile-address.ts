// Canonical text for IPv4/IPv6 addresses in the IPVS table. The kernel reports
// addresses as 16 raw bytes; the config may spell an IPv6 address many ways
// ("fd00:0::1", "FD00::1"). Comparing tables needs one spelling: RFC 5952 §4
// (lower case, longest zero run compressed, no leading zeros). Parsing is the
// project's one grammar, src/net/ip-address.ts.
import { familyOf, formatIPv4, formatIPv6, parseAddress } from "../net/ip-address.ts";

/** 4 or 16 bytes (the first 4 of a 16-byte nf_inet_addr for IPv4) → canonical text. */
export function formatAddress(b: Uint8Array, family: 4 | 6): string {
  return family === 4 ? formatIPv4(b) : formatIPv6(b);
}

// inet_pton's IPv4 grammar: 0-255 without a leading zero, so a match is already canonical
const CANONICAL_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function canonicalAddress(s: string): string {
  // fast path: reconciling thousands of dests must not parse every IPv4 address
  if (CANONICAL_V4.test(s)) return s;
  return formatAddress(parseAddress(s), familyOf(s));
}
