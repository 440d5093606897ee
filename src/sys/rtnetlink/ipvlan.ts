// ipvlan links for keepalived's `use_ipvlan`: an interface on the instance's one that
// shares its MAC and carries the VIPs. keepalived 2.2.7 (vrrp_vmac.c
// netlink_link_add_ipvlan) always asks for L2 mode, where the ipvlan receives frames
// (ARP, multicast) like a device of its own, and passes bridge/private/vepa as
// IFLA_IPVLAN_FLAGS (0 = bridge, the kernel's default).
import {
  IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_IPVLAN_FLAGS, IFLA_IPVLAN_MODE, IFLA_LINK, IFLA_LINKINFO,
  IPVLAN_F_PRIVATE, IPVLAN_F_VEPA, IPVLAN_MODE_L2, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK,
} from "../abi.ts";
import { MessageBuilder } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { beginLinkRequest } from "./link.ts";

export const IPVLAN_FLAGS = { bridge: 0, private: IPVLAN_F_PRIVATE, vepa: IPVLAN_F_VEPA } as const;
export type IpvlanType = keyof typeof IPVLAN_FLAGS;

export interface IpvlanSpec {
  name: string;
  parent: number;
  type: IpvlanType;
}

/** The RTM_NEWLINK request of `ip link add NAME link PARENT type ipvlan mode l2 TYPE` (created down). */
export function encodeCreateIpvlan(spec: IpvlanSpec): Uint8Array {
  if (spec.name.length === 0 || spec.name.length > 15) throw new RangeError(`ipvlan name ${JSON.stringify(spec.name)} must be 1-15 bytes (IFNAMSIZ)`);
  const b = new MessageBuilder(128);
  beginLinkRequest(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
  b.string(IFLA_IFNAME, spec.name);
  b.u32(IFLA_LINK, spec.parent);
  b.nest(IFLA_LINKINFO, (li) => {
    li.string(IFLA_INFO_KIND, "ipvlan");
    li.nest(IFLA_INFO_DATA, (d) => d.u16(IFLA_IPVLAN_MODE, IPVLAN_MODE_L2).u16(IFLA_IPVLAN_FLAGS, IPVLAN_FLAGS[spec.type]));
  });
  return b.finish();
}

export function createIpvlan(sock: NetlinkSocket, spec: IpvlanSpec): void {
  sock.request(encodeCreateIpvlan(spec), `create ipvlan ${spec.name} on link ${spec.parent} mode l2 ${spec.type}`);
}
