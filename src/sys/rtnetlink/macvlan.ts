// macvlan links for VRRP's virtual MAC (keepalived `use_vmac`): RFC 5798 §7.3
// gives IPv4 VRIDs the MAC 00:00:5e:00:01:{VRID} and IPv6 00:00:5e:00:02:{VRID}.
import {
  IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_MACVLAN_MODE,
  MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PASSTHRU, MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA, NLM_F_CREATE, NLM_F_EXCL,
  RTM_NEWLINK,
} from "../abi.ts";
import { MessageBuilder } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { parseMac } from "./inet.ts";
import { beginLinkRequest } from "./link.ts";

export const MACVLAN_MODES = {
  private: MACVLAN_MODE_PRIVATE,
  vepa: MACVLAN_MODE_VEPA,
  bridge: MACVLAN_MODE_BRIDGE,
  passthru: MACVLAN_MODE_PASSTHRU,
} as const;
export type MacvlanMode = keyof typeof MACVLAN_MODES;

export interface MacvlanSpec {
  name: string;
  parent: number;
  mac: string;
  mode: MacvlanMode;
}

/** `ip link add NAME link PARENT address MAC type macvlan mode MODE` (created down). */
export function createMacvlan(sock: NetlinkSocket, spec: MacvlanSpec): void {
  if (spec.name.length === 0 || spec.name.length > 15) throw new RangeError(`macvlan name ${JSON.stringify(spec.name)} must be 1-15 bytes (IFNAMSIZ)`);
  const mac = parseMac(spec.mac);
  // the kernel's bare EADDRNOTAVAIL for this is no help to whoever typed the MAC
  if (mac[0] & 1) throw new RangeError(`macvlan ${spec.name}: MAC ${spec.mac} is multicast; a link address must be unicast`);
  const b = new MessageBuilder(128);
  beginLinkRequest(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
  b.string(IFLA_IFNAME, spec.name);
  b.u32(IFLA_LINK, spec.parent);
  b.bytes(IFLA_ADDRESS, mac);
  b.nest(IFLA_LINKINFO, (li) => {
    li.string(IFLA_INFO_KIND, "macvlan");
    li.nest(IFLA_INFO_DATA, (d) => d.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES[spec.mode]));
  });
  sock.request(b.finish(), `create macvlan ${spec.name} on link ${spec.parent} mac ${spec.mac} mode ${spec.mode}`);
}
