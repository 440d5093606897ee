// use_vmac's macvlan and use_ipvlan's ipvlan start the same way: a link of their
// name may be a crashed predecessor's (adopt it when it fits, replace it when it does
// not) or a real interface that happens to carry the name (never touch it).
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { deleteLink, getLink, type Link } from "../sys/rtnetlink/link.ts";

type Warn = (msg: string) => void;

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

export interface LinkWanted {
  name: string;
  kind: "macvlan" | "ipvlan";
  keyword: string;
  /** whether a leftover link of the name is the one wanted (adopted as it is) */
  fits(link: Link): boolean;
  /** the warning when a leftover does not fit and is replaced */
  replacing(link: Link): string;
  create(): void;
}

/** The wanted link: a leftover that fits adopted, one that does not replaced (warned), none created. */
export function adoptOrCreateLink(nl: NetlinkSocket, w: LinkWanted, warn: Warn): { link: Link; adopted: boolean } {
  const left = leftoverLink(nl, w.name, w.kind, w.keyword);
  if (left && w.fits(left)) return { link: left, adopted: true };
  if (left) {
    warn(w.replacing(left));
    deleteLink(nl, left.index);
  }
  w.create();
  return { link: getLink(nl, w.name), adopted: false };
}
