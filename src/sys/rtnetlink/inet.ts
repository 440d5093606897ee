// IP and MAC text for netlink attributes (IFA_LOCAL etc. carry raw network-order
// bytes). The parsers and formatters are the project's one set in src/net.
export {
  AddressError as AddressSyntaxError, formatIP, formatMac, parseIP, parseIPv4, parseIPv6, parseMac,
} from "../../net/ip-address.ts";

/** IPv4 directed broadcast of address/prefixlen (what `ip addr add ... brd +` computes). */
export function ipv4Broadcast(addr: Uint8Array, prefixlen: number): Uint8Array {
  const out = addr.slice();
  for (let bit = prefixlen; bit < 32; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}
