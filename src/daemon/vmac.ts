// keepalived's `use_vmac`: a macvlan (private mode) on the instance's interface
// whose MAC is the RFC 5798 §7.3 virtual router MAC, so the VIPs it carries keep
// one MAC whichever router is master and clients' ARP/ND caches never change on
// failover. This adapter creates (or adopts) that link, sets the sysctls keepalived
// sets (vrrp_if_config.c), brings it up, and removes it again. I/O only: the plan
// decides names and MACs.
import { errorText } from "../error-text.ts";
import { procSysctl, type Sysctl } from "../sys/sysctl.ts";
import { IFA_F_NODAD } from "../sys/abi.ts";
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { replaceAddress } from "../sys/rtnetlink/address.ts";
import { deleteLink, getLink, setLinkUp } from "../sys/rtnetlink/link.ts";
import { createMacvlan, MACVLAN_MODES } from "../sys/rtnetlink/macvlan.ts";
import type { IpvlanType } from "../sys/rtnetlink/ipvlan.ts";
import { ensureIpvlan } from "./ipvlan.ts";
import { CountedSysctl } from "./counted-sysctl.ts";
import { adoptOrCreateLink } from "./leftover-link.ts";
import { setKnob } from "./sysctl-knob.ts";
import { VmacReportRedirect } from "./vmac-reports.ts";

export interface VmacSpec {
  /** the macvlan's name (use_vmac NAME, default vrrp.<VRID>) */
  name: string;
  /** 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6) */
  mac: string;
  /** the instance's own interface */
  parent: number;
  parentName: string;
  family: 4 | 6;
  /** IPv6 stays enabled on an IPv4 vmac only when IPv6 VIPs live on it */
  ipv6Vips: boolean;
  /** IPv6: the advert source (the parent's link-local address), added to the vmac as /64 */
  linkLocal?: string;
  /** use_ipvlan: an L2 ipvlan (the parent's MAC; `mac` unused) instead of a macvlan (ipvlan.ts) */
  ipvlan?: { type: IpvlanType; address?: string };
}

export { procSysctl, type Sysctl };

export interface VmacHandle {
  spec: VmacSpec;
  index: number;
  /** an existing link with the right MAC, parent and mode was taken over */
  adopted: boolean;
}

/**
 * What the parent of a vmac needs. arp_ignore 1 / arp_filter 1 are keepalived's
 * (vrrp_if_config.c): the parent must not answer ARP for VIPs that live on its vmacs.
 * arp_announce 2 is vigil's: replies from a VIP route out of the parent, and when the
 * parent ARPs for the client it would otherwise name the VIP as sender with the
 * parent's own MAC, re-pointing the client's entry for the VIP away from the virtual
 * MAC (measured in the lab: the client's entry flipped to the parent's MAC).
 */
const PARENT_ARP: ReadonlyArray<[string, string]> = [["arp_ignore", "1"], ["arp_filter", "1"], ["arp_announce", "2"]];

/**
 * The parents' ARP sysctls, counted per parent as keepalived does (reset_arp_config):
 * the last vmac on a parent puts back what the first one found (counted-sysctl.ts).
 */
const parentArp = new CountedSysctl("use_vmac");

type Warn = (msg: string) => void;

/** IGMP/MLD reports from our vmacs leave from their parents (see vmac-reports.ts). */
const reports = new VmacReportRedirect();

/** Number of vmacs whose membership reports are currently moved to their parent. */
export function redirectedVmacs(): number {
  return reports.size;
}

const set = (sys: Sysctl, path: string, value: string, warn: Warn) => setKnob(sys, path, value, warn, "use_vmac");

/** Creates the vmac, or adopts a leftover one (a crashed predecessor's), sets its sysctls and brings it up. */
export function ensureVmac(nl: NetlinkSocket, spec: VmacSpec, warn: Warn, sys: Sysctl = procSysctl): VmacHandle {
  if (spec.ipvlan) return ensureIpvlan(nl, { ...spec, ipvlan: spec.ipvlan }, warn, sys);
  if (spec.name === spec.parentName) throw new Error(`use_vmac ${spec.name}: the vmac cannot have the name of its own interface`);
  const { link, adopted } = adoptOrCreateLink(nl, {
    name: spec.name, kind: "macvlan", keyword: "use_vmac",
    fits: (l) => l.mac === spec.mac && l.parent === spec.parent && l.macvlanMode === MACVLAN_MODES.private,
    // keepalived (vrrp_vmac.c) also replaces a vmac with the wrong MAC or parent
    replacing: (l) => `use_vmac ${spec.name}: existing macvlan has MAC ${l.mac} on link ${l.parent}; replacing it with ${spec.mac} on ${spec.parentName}`,
    create: () => createMacvlan(nl, { name: spec.name, parent: spec.parent, mac: spec.mac, mode: "private" }),
  }, warn);
  const v4 = `net/ipv4/conf/${spec.name}`;
  const v6 = `net/ipv6/conf/${spec.name}`;
  if (spec.family === 4) {
    // Why each knob (keepalived vrrp_if_config.c): the vmac must not answer ARP for the
    // parent's addresses (arp_ignore), must hear other routers' adverts although it has
    // no address of its own (rp_filter 0, accept_local 1); a deleted primary VIP must not
    // take the others with it (promote_secondaries).
    set(sys, `${v4}/arp_ignore`, "1", warn);
    set(sys, `${v4}/accept_local`, "1", warn);
    set(sys, `${v4}/rp_filter`, "0", warn);
    set(sys, `${v4}/promote_secondaries`, "1", warn);
    // No IPv6 (MLD reports, router solicitations) from a backup's vmac: frames from
    // the virtual MAC would pull the switch's MAC table away from the master.
    set(sys, `${v6}/disable_ipv6`, spec.ipv6Vips ? "0" : "1", warn);
    raiseParentArp(spec.parentName, sys, warn);
  } else {
    // RFC 5798 §7.4: no EUI-64 link-local from the virtual MAC; the advert source is the parent's link-local
    set(sys, `${v6}/disable_ipv6`, "0", warn);
    set(sys, `${v6}/addr_gen_mode`, "1", warn);
    // a vmac learns no routes, so it sends no router solicitations from the virtual MAC
    set(sys, `${v6}/accept_ra`, "0", warn);
  }
  if (spec.family === 6 && spec.linkLocal) {
    replaceAddress(nl, { index: link.index, address: spec.linkLocal, prefixlen: 64, flags: IFA_F_NODAD });
  }
  // before the link is up and anything joins a group on it
  try {
    reports.add(link.index, spec.parent);
  } catch (e) {
    warn(`use_vmac ${spec.name}: cannot move IGMP/MLD reports to ${spec.parentName} (nf_tables): ${errorText(e)}; membership reports will carry the virtual MAC`);
  }
  setLinkUp(nl, link.index, true);
  return { spec, index: link.index, adopted };
}

function raiseParentArp(parent: string, sys: Sysctl, warn: Warn): void {
  for (const [knob, want] of PARENT_ARP) parentArp.hold(`net/ipv4/conf/${parent}/${knob}`, want, warn, sys);
}

function restoreParentArp(parent: string, sys: Sysctl, warn: Warn): void {
  for (const [knob] of PARENT_ARP) parentArp.release(`net/ipv4/conf/${parent}/${knob}`, warn, sys);
}

/**
 * Deletes the vmac (its VIPs go with it) and puts the parent's ARP sysctls back once
 * no vmac of ours uses it. After a crash the next run finds them already raised and
 * has nothing to restore (keepalived behaves the same).
 */
export function removeVmac(nl: NetlinkSocket, h: VmacHandle, warn: Warn, sys: Sysctl = procSysctl): void {
  // an ipvlan raised no parent ARP sysctls and moved no reports (ipvlan.ts)
  if (h.spec.family === 4 && !h.spec.ipvlan) restoreParentArp(h.spec.parentName, sys, warn);
  try {
    reports.remove(h.index);
  } catch (e) {
    warn(`use_vmac ${h.spec.name}: cannot remove its nf_tables report redirection: ${errorText(e)}`);
  }
  try {
    // only our own macvlan: the index could have been reused if it was deleted by hand
    const l = getLink(nl, h.index);
    if (l.kind !== (h.spec.ipvlan ? "ipvlan" : "macvlan") || l.name !== h.spec.name) return;
    deleteLink(nl, h.index);
  } catch (e) {
    if (e instanceof SysError && e.errno === Errno.ENODEV) return;
    warn(`use_vmac ${h.spec.name}: cannot remove: ${errorText(e)}`);
  }
}

/** Whether the vmac's link is still there (someone may have deleted it behind our back). */
export function vmacPresent(nl: NetlinkSocket, h: VmacHandle): boolean {
  try {
    getLink(nl, h.index);
    return true;
  } catch {
    return false;
  }
}
