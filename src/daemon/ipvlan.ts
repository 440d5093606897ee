// keepalived's `use_ipvlan`: an L2 ipvlan on the instance's interface carries the
// VIPs instead of use_vmac's macvlan. It shares the parent's MAC (no virtual router
// MAC, so no IGMP/MLD report redirection and no parent ARP sysctls), and keepalived
// (vrrp_vmac.c netlink_link_add_ipvlan) only turns IPv6 off on it for an IPv4
// instance without IPv6 VIPs, brings it up and puts the configured address on it.
// I/O only: the plan decides the name, type and address.
import { errorText } from "../error-text.ts";
import { IPVLAN_MODE_L2 } from "../sys/abi.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { replaceAddress } from "../sys/rtnetlink/address.ts";
import { setLinkUp } from "../sys/rtnetlink/link.ts";
import { createIpvlan } from "../sys/rtnetlink/ipvlan.ts";
import type { Sysctl } from "../sys/sysctl.ts";
import { adoptOrCreateLink } from "./leftover-link.ts";
import { setKnob } from "./sysctl-knob.ts";
import type { VmacHandle, VmacSpec } from "./vmac.ts";

type Warn = (msg: string) => void;

/** Creates the ipvlan, or adopts a leftover L2 one on the same parent (a crashed predecessor's), and brings it up. */
export function ensureIpvlan(nl: NetlinkSocket, spec: VmacSpec & { ipvlan: NonNullable<VmacSpec["ipvlan"]> }, warn: Warn, sys: Sysctl): VmacHandle {
  if (spec.name === spec.parentName) throw new Error(`use_ipvlan ${spec.name}: the ipvlan cannot have the name of its own interface`);
  const { link, adopted } = adoptOrCreateLink(nl, {
    name: spec.name, kind: "ipvlan", keyword: "use_ipvlan",
    // keepalived takes over an existing L2 ipvlan of that name
    fits: (l) => l.parent === spec.parent && l.ipvlanMode === IPVLAN_MODE_L2,
    replacing: (l) => `use_ipvlan ${spec.name}: existing ipvlan is on link ${l.parent} in mode ${l.ipvlanMode}; replacing it with an L2 one on ${spec.parentName}`,
    create: () => createIpvlan(nl, { name: spec.name, parent: spec.parent, type: spec.ipvlan.type }),
  }, warn);
  // keepalived link_set_ipv6: no IPv6 on an IPv4 instance's ipvlan unless IPv6 VIPs live there
  setKnob(sys, `net/ipv6/conf/${spec.name}/disable_ipv6`, spec.family === 4 && !spec.ipv6Vips ? "1" : "0", warn, "use_ipvlan");
  setLinkUp(nl, link.index, true);
  const a = spec.ipvlan.address;
  if (a) {
    const [address, prefix] = a.split("/");
    try {
      replaceAddress(nl, { index: link.index, address: address!, prefixlen: Number(prefix) });
    } catch (e) {
      // keepalived logs "Failed to add interface address" and carries on
      warn(`use_ipvlan ${spec.name}: cannot add its address ${a}: ${errorText(e)}`);
    }
  }
  return { spec, index: link.index, adopted };
}
