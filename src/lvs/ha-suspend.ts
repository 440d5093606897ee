// ha_suspend: the health checkers of a virtual server are suspended while this
// director does not hold the service's address, so a backup director does not
// probe real servers (and run their notify scripts) for a VIP that another box
// serves. Pure: the set of local addresses comes in, the suspended virtual
// servers come out; the address watching is an adapter
// (src/sys/rtnetlink/address-watch.ts).
//
// Semantics follow keepalived check_api.c:
//  - register_checkers_thread: a checker of an ha_suspend service whose address
//    is not local at start is created disabled;
//  - update_checker_activity: a netlink address event for the service's
//    address enables or disables it; the same address on several interfaces
//    keeps the checkers running until the last one goes (addr_count);
//  - a fwmark service has no address and is never suspended (keepalived skips
//    it, and the config validator warns that ha_suspend is ignored there).
// What suspension means for the checkers themselves (no attempt runs, verdicts
// and the IPVS table stay as they are) is the scheduler's part.
import { virtualServerName, type VirtualServer } from "../config/model.ts";
import { canonicalAddress } from "./reconcile-address.ts";

/** The canonical address whose presence gates this virtual server's checkers, or undefined when ha_suspend does not apply. */
export function haSuspendAddress(vs: VirtualServer): string | undefined {
  if (!vs.haSuspend || vs.fwmark !== undefined || vs.ip === undefined) return undefined;
  try {
    return canonicalAddress(vs.ip);
  } catch {
    // the config validator rejects bad addresses; an unparsable one here cannot match any local address
    return vs.ip;
  }
}

/** True when some virtual server's checkers depend on the local addresses (the daemon then watches them). */
export function usesHaSuspend(vss: readonly VirtualServer[]): boolean {
  return vss.some((vs) => haSuspendAddress(vs) !== undefined);
}

/**
 * Names (virtualServerName) of the virtual servers whose checkers are suspended,
 * given every address configured on a local interface in canonical text
 * (RFC 5952 for IPv6, as formatAddress writes it).
 */
export function suspendedServers(vss: readonly VirtualServer[], localAddresses: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const vs of vss) {
    const a = haSuspendAddress(vs);
    if (a !== undefined && !localAddresses.has(a)) out.add(virtualServerName(vs));
  }
  return out;
}
