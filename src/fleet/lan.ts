// The LAN an instance advertises on, as the node reports it in vrrp/<instance>:
// the subnet of the interface's own address of the instance's family — the
// first global one that is not a VIP (for IPv4 the primary address, whose
// subnet the adverts' source comes from; for IPv6 not the link-local address,
// which is fe80::/64 on every link and tells nothing). Routers whose instances
// of one VRID sit on the same LAN back each other up (src/fleet/rollout/segments.ts).
import { parseIP, formatIP } from "../net/ip-address.ts";

/** IFA_F_SECONDARY (linux/if_addr.h): an IPv4 alias of the primary address */
const IFA_F_SECONDARY = 0x01;
const RT_SCOPE_UNIVERSE = 0;

export interface InterfaceAddress {
  address: string;
  prefixlen: number;
  scope: number;
  flags: number;
}

/** "198.18.0.7", 24 -> "198.18.0.0/24" */
export function subnetOf(address: string, prefixlen: number): string {
  const { bytes } = parseIP(address);
  const net = bytes.slice();
  for (let i = 0; i < net.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixlen - i * 8));
    net[i] = net[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return `${formatIP(net)}/${prefixlen}`;
}

/** The LAN of an interface's addresses of one family, or undefined when it has no usable address. */
export function lanOf(addrs: InterfaceAddress[], family: 4 | 6, vips: string[]): string | undefined {
  const skip = new Set(vips);
  for (const a of addrs) {
    if (a.scope !== RT_SCOPE_UNIVERSE || skip.has(a.address)) continue;
    if (family === 4 && (a.flags & IFA_F_SECONDARY || a.address.includes(":"))) continue;
    if (family === 6 && (!a.address.includes(":") || /^fe[89ab]/i.test(a.address))) continue;
    return subnetOf(a.address, a.prefixlen);
  }
  return undefined;
}
