// Links (RTM_NEWLINK/GETLINK/DELLINK, struct ifinfomsg + IFLA_* attributes):
// list, look up, set up/down, delete.
import {
  AF_UNSPEC, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK,
  IFLA_IPVLAN_MODE, IFLA_LINKINFO, IFLA_MACVLAN_MODE, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, NLM_F_DUMP, NLM_F_REQUEST, OFFSETOF,
  RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, SIZEOF,
} from "../abi.ts";
import { Attrs, NetlinkDecodeError } from "../netlink/attr.ts";
import { MessageBuilder, type NlMessage } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { formatMac } from "./inet.ts";
import { ffiBytes } from "../ffi-memory.ts";

const I = OFFSETOF.ifinfomsg;

/** RFC 2863 ifOperStatus as the kernel reports it in IFLA_OPERSTATE. */
const OPERSTATES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"] as const;

export interface Link {
  index: number;
  name: string;
  /** raw IFF_* flags */
  flags: number;
  up: boolean;
  running: boolean;
  lowerUp: boolean;
  /** "aa:bb:..." or "" when the link has no hardware address */
  mac: string;
  mtu: number;
  /** IFLA_INFO_KIND ("macvlan", "veth", "bridge"...) or "" for plain devices */
  kind: string;
  /** parent link index (IFLA_LINK) for macvlan/vlan/veth, 0 if none */
  parent: number;
  master: number;
  operstate: string;
  /** IFLA_MACVLAN_MODE when kind is macvlan */
  macvlanMode?: number;
  /** IFLA_IPVLAN_MODE when kind is ipvlan (IPVLAN_MODE_L2 = 0) */
  ipvlanMode?: number;
}

/** Decodes one RTM_NEWLINK/RTM_DELLINK message. */
export function decodeLink(m: NlMessage): Link {
  const p = m.payload;
  if (p.length < SIZEOF.ifinfomsg) throw new NetlinkDecodeError("link message", `payload ${p.length} bytes, need ${SIZEOF.ifinfomsg} for ifinfomsg`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flags = dv.getUint32(I.ifi_flags, true);
  const a = new Attrs(p.subarray(SIZEOF.ifinfomsg), "link attributes");
  const info = a.nested(IFLA_LINKINFO);
  const kind = info?.string(IFLA_INFO_KIND) ?? "";
  const link: Link = {
    index: dv.getInt32(I.ifi_index, true),
    name: a.string(IFLA_IFNAME) ?? "",
    flags,
    up: (flags & IFF_UP) !== 0,
    running: (flags & IFF_RUNNING) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    mac: formatMac(a.get(IFLA_ADDRESS) ?? ffiBytes(0)),
    mtu: a.u32(IFLA_MTU) ?? 0,
    kind,
    parent: a.u32(IFLA_LINK) ?? 0,
    master: a.u32(IFLA_MASTER) ?? 0,
    operstate: OPERSTATES[a.u8(IFLA_OPERSTATE) ?? 0] ?? "unknown",
  };
  if (kind === "macvlan") {
    const data = info?.nested(IFLA_INFO_DATA);
    const mode = data?.u32(IFLA_MACVLAN_MODE);
    if (mode !== undefined) link.macvlanMode = mode;
  }
  if (kind === "ipvlan") {
    const mode = info?.nested(IFLA_INFO_DATA)?.u16(IFLA_IPVLAN_MODE);
    if (mode !== undefined) link.ipvlanMode = mode;
  }
  return link;
}

function linkRequest(b: MessageBuilder, type: number, flags: number, index: number): number {
  b.begin(type, NLM_F_REQUEST | flags);
  const off = b.struct(SIZEOF.ifinfomsg);
  b.view.setUint8(off + I.ifi_family, AF_UNSPEC);
  b.view.setInt32(off + I.ifi_index, index, true);
  return off;
}

export function listLinks(sock: NetlinkSocket): Link[] {
  const b = new MessageBuilder(64);
  linkRequest(b, RTM_GETLINK, NLM_F_DUMP, 0);
  return sock.query(b.finish(), "list links (RTM_GETLINK dump)").filter((m) => m.type === RTM_NEWLINK).map(decodeLink);
}

/** One link by name or index; SysError ENODEV if it does not exist. */
export function getLink(sock: NetlinkSocket, which: string | number): Link {
  const b = new MessageBuilder(64);
  linkRequest(b, RTM_GETLINK, 0, typeof which === "number" ? which : 0);
  if (typeof which === "string") b.string(IFLA_IFNAME, which);
  const replies = sock.query(b.finish(), `get link ${which}`).filter((m) => m.type === RTM_NEWLINK);
  if (replies.length !== 1) throw new NetlinkDecodeError(`get link ${which}`, `${replies.length} replies, expected 1`);
  return decodeLink(replies[0]);
}

/** `ip link set DEV up|down`: changes only IFF_UP (ifi_change masks the rest). */
export function setLinkUp(sock: NetlinkSocket, index: number, up: boolean): void {
  const b = new MessageBuilder(64);
  const off = linkRequest(b, RTM_NEWLINK, 0, index);
  b.view.setUint32(off + I.ifi_flags, up ? IFF_UP : 0, true);
  b.view.setUint32(off + I.ifi_change, IFF_UP, true);
  sock.request(b.finish(), `set link ${index} ${up ? "up" : "down"}`);
}

export function deleteLink(sock: NetlinkSocket, index: number): void {
  const b = new MessageBuilder(64);
  linkRequest(b, RTM_DELLINK, 0, index);
  sock.request(b.finish(), `delete link ${index}`);
}

export { linkRequest as beginLinkRequest };
