// keepalived 2.2.7's address options as RTM_NEWADDR puts them (vrrp_ipaddress.c
// netlink_ipaddress, checked against `ip -d addr` under keepalived 2.2.7):
// IPv6 addresses are added nodad unless `-nodad`, with home / mngtmpaddr if given,
// and a preferred lifetime: `preferred_lft N|forever`, else 0 (deprecated, so not
// picked as a source address) for a /128 and forever otherwise. IPv4 addresses
// take only noprefixroute and autojoin. keepalived sets the preferred lifetime once,
// with valid_lft forever; vigil's VIPs have a valid lifetime it renews
// (docs/split-brain.md), so the preferred one counts down from when the address
// was added and never exceeds the valid one (the kernel refuses preferred > valid).
import type { VirtualIpAddress } from "../config/model.ts";
import { IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, INFINITY_LIFE_TIME } from "../sys/abi.ts";

export interface AddressOptions {
  /** IFA_F_* for RTM_NEWADDR */
  ifaFlags: number;
  /** IPv6 only: seconds from when the address is added, or forever; absent = forever */
  preferredLft?: number | "forever";
  /** keepalived `peer`: IFA_ADDRESS (the address itself is IFA_LOCAL); added, renewed and deleted with it */
  peer?: string;
}

export function addressOptions(v: VirtualIpAddress, family: 4 | 6): AddressOptions {
  const peer = v.peer !== undefined ? { peer: v.peer } : {};
  let flags = (v.noprefixroute ? IFA_F_NOPREFIXROUTE : 0) | (v.autojoin ? IFA_F_MCAUTOJOIN : 0);
  if (family === 4) return { ifaFlags: flags, ...peer };
  // RFC 4862 §5.4 DAD would hold the VIP tentative after a takeover; VRRP has settled who owns it
  if (!v.dad) flags |= IFA_F_NODAD;
  if (v.home) flags |= IFA_F_HOMEADDRESS;
  if (v.mngtmpaddr) flags |= IFA_F_MANAGETEMPADDR;
  const preferredLft = v.preferredLft ?? (v.prefix === 128 ? 0 : undefined);
  return preferredLft === undefined || preferredLft === "forever" ? { ifaFlags: flags, ...peer } : { ifaFlags: flags, preferredLft, ...peer };
}

/**
 * The preferred lifetime (s) to give an address added at `addedAtMs` when (re)adding
 * it at `nowMs` with valid lifetime `validSec` (INFINITY_LIFE_TIME: forever).
 */
export function preferredSeconds(o: AddressOptions, validSec: number, addedAtMs: number, nowMs: number): number {
  if (o.preferredLft === undefined || o.preferredLft === "forever") return validSec;
  const left = Math.max(0, Math.ceil((addedAtMs + o.preferredLft * 1000 - nowMs) / 1000));
  return validSec === INFINITY_LIFE_TIME ? Math.min(left, INFINITY_LIFE_TIME - 1) : Math.min(left, validSec);
}
