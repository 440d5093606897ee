// use_vmac's macvlan and use_ipvlan's ipvlan start the same way: a link of their
// name may be a crashed predecessor's (adopt or replace it) or a real interface
// that happens to carry the name (never touch it).
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { getLink, type Link } from "../sys/rtnetlink/link.ts";

/**
 * The link called `name` when it is of `kind`, null when there is none; throws
 * when an interface of that name is something else (`keyword` names the config
 * keyword in the message).
 */
export function leftoverLink(nl: NetlinkSocket, name: string, kind: "macvlan" | "ipvlan", keyword: string): Link | null {
  let link: Link;
  try {
    link = getLink(nl, name);
  } catch (e) {
    if (e instanceof SysError && e.errno === Errno.ENODEV) return null;
    throw e;
  }
  if (link.kind !== kind) {
    throw new Error(`${keyword} ${name}: an interface of that name exists and is not a${kind === "ipvlan" ? "n" : ""} ${kind} (${link.kind || "a plain device"}); vigil will not take it over`);
  }
  return link;
}
