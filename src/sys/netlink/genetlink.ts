// Generic netlink (linux/genetlink.h): messages carry a 4-byte genlmsghdr
// {u8 cmd, u8 version, u16 reserved} after nlmsghdr, and families (e.g. "IPVS")
// get their message type at run time from the "nlctrl" controller.
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_VERSION, CTRL_CMD_GETFAMILY, GENL_ID_CTRL,
  NETLINK_GENERIC, NLM_F_REQUEST, OFFSETOF, SIZEOF,
} from "../abi.ts";
import { Attrs, NetlinkDecodeError } from "./attr.ts";
import { MessageBuilder, type NlMessage } from "./message.ts";
import { NetlinkSocket, type NetlinkSocketOptions } from "./socket.ts";

export const GENL_HDRLEN = SIZEOF.genlmsghdr;
const G = OFFSETOF.genlmsghdr;

export interface GenlFamily {
  name: string;
  /** nlmsg_type to use for this family's requests */
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  /** multicast group name → group id (for NetlinkSocket.join) */
  groups: Map<string, number>;
}

export interface GenlMessage {
  cmd: number;
  version: number;
  attrs: Attrs;
}

/** Starts a generic netlink request in `b`: nlmsghdr + genlmsghdr; append attributes, then b.finish(). */
export function beginGenl(b: MessageBuilder, familyId: number, cmd: number, version: number, flags = NLM_F_REQUEST): MessageBuilder {
  b.begin(familyId, flags | NLM_F_REQUEST);
  const off = b.struct(GENL_HDRLEN);
  b.view.setUint8(off + G.cmd, cmd);
  b.view.setUint8(off + G.version, version);
  return b;
}

/** Splits a generic netlink message into its header and attributes (NetlinkDecodeError if malformed). */
export function parseGenl(m: NlMessage, where = "genetlink message", familyHdrLen = 0): GenlMessage {
  const p = m.payload;
  if (p.length < GENL_HDRLEN + familyHdrLen) {
    throw new NetlinkDecodeError(where, `payload ${p.length} bytes, need ${GENL_HDRLEN + familyHdrLen} for genlmsghdr`);
  }
  const start = GENL_HDRLEN + ((familyHdrLen + 3) & ~3);
  return { cmd: p[G.cmd], version: p[G.version], attrs: new Attrs(p.subarray(Math.min(start, p.length)), where) };
}

/** Decodes one CTRL_CMD_NEWFAMILY reply. */
export function decodeFamily(m: NlMessage): GenlFamily {
  const { attrs } = parseGenl(m, "nlctrl family");
  const id = attrs.u16(CTRL_ATTR_FAMILY_ID);
  const name = attrs.string(CTRL_ATTR_FAMILY_NAME);
  if (id === undefined || name === undefined) throw new NetlinkDecodeError("nlctrl family", "reply lacks CTRL_ATTR_FAMILY_ID or CTRL_ATTR_FAMILY_NAME");
  const groups = new Map<string, number>();
  const mcast = attrs.nested(CTRL_ATTR_MCAST_GROUPS);
  // each group is a nested attribute indexed 1..n holding a name and an id
  for (const g of mcast?.list ?? []) {
    const ga = new Attrs(g.data, "nlctrl mcast group");
    const gname = ga.string(CTRL_ATTR_MCAST_GRP_NAME);
    const gid = ga.u32(CTRL_ATTR_MCAST_GRP_ID);
    if (gname !== undefined && gid !== undefined) groups.set(gname, gid);
  }
  return {
    name,
    id,
    version: attrs.u32(CTRL_ATTR_VERSION) ?? 0,
    hdrsize: attrs.u32(CTRL_ATTR_HDRSIZE) ?? 0,
    maxattr: attrs.u32(CTRL_ATTR_MAXATTR) ?? 0,
    groups,
  };
}

/** Resolves a family by name. A family the kernel lacks (module not loaded) throws SysError ENOENT naming it. */
export function resolveFamily(sock: NetlinkSocket, name: string): GenlFamily {
  const b = new MessageBuilder(128);
  beginGenl(b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
  b.string(CTRL_ATTR_FAMILY_NAME, name);
  const replies = sock.query(b.finish(), `genetlink resolve family ${JSON.stringify(name)}`);
  for (const m of replies) {
    if (m.type !== GENL_ID_CTRL) continue;
    const f = decodeFamily(m);
    if (f.name === name) return f;
  }
  throw new NetlinkDecodeError(`genetlink resolve family ${JSON.stringify(name)}`, "controller replied without that family");
}

/** A NETLINK_GENERIC socket. */
export function openGenetlink(opts: NetlinkSocketOptions = {}): NetlinkSocket {
  return new NetlinkSocket(NETLINK_GENERIC, opts);
}
