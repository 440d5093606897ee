// Binding an instance's plan to the box as it is right now: the interface's
// index and MAC, the VIP and track_interface indexes, and the advert source
// address. Pure: the caller passes a link and address dump. When something the
// instance needs is not there yet (a board still bringing its interfaces up),
// the answer is a StartBlock saying why, for `vigil status`, the log and the
// fleet, and which interfaces to watch for the change that can fix it.
import { IFA_F_DADFAILED, IFA_F_OPTIMISTIC, IFA_F_TENTATIVE, RT_SCOPE_HOST } from "../sys/abi.ts";
import { formatIP, isIPv6LinkLocal, parseIP } from "../net/ip-address.ts";
import type { AddrInfo, InstancePlan, LinkInfo } from "./plan.ts";

/** Why an instance cannot start yet. */
export interface StartBlock {
  /** one line for `vigil status`, the log and the fleet */
  reason: string;
  /** interfaces whose link or address changes may let it start */
  interfaces: string[];
  /** an interface it needs does not exist (a pushed config is refused for that: likely a typo) */
  absent: boolean;
}

export type Binding = { plan: InstancePlan } | { wait: StartBlock };

/** What is wrong with an instance's own link for VRRP ("" = up, with carrier). */
export function linkProblem(link: Pick<LinkInfo, "up" | "running"> | undefined, name: string): string {
  if (!link) return `interface ${name} does not exist`;
  if (!link.up) return `interface ${name} is down`;
  if (link.running === false) return `interface ${name} has no carrier`;
  return "";
}

/**
 * RFC 4862 §5.4: a tentative address is not assigned yet (bind() fails with
 * EADDRNOTAVAIL) unless it is optimistic (RFC 4429); one that failed DAD never is.
 */
export function addressUsable(flags = 0): boolean {
  if (flags & IFA_F_DADFAILED) return false;
  return !(flags & IFA_F_TENTATIVE) || (flags & IFA_F_OPTIMISTIC) !== 0;
}

function unusable(a: AddrInfo, ifname: string): string {
  return (a.flags ?? 0) & IFA_F_DADFAILED
    ? `${a.address} on ${ifname} failed duplicate address detection (another host uses it)`
    : `${a.address} on ${ifname} is tentative (duplicate address detection in progress)`;
}

function canonical(address: string): string | null {
  try {
    return formatIP(parseIP(address).bytes);
  } catch {
    return null;
  }
}

function blocked(reason: string, interfaces: string[], absent = false): { wait: StartBlock } {
  return { wait: { reason, interfaces, absent } };
}

/**
 * The advert source: the configured mcast_src_ip/unicast_src_ip, else the
 * interface's first usable IPv4 address, or for IPv6 its link-local address
 * (RFC 5798 §5.1.2.1). A source the socket binds to (IPv6 always, IPv4 in
 * unicast mode) must be on the box and usable; an IPv4 multicast source is only
 * named to the kernel (IP_MULTICAST_IF), so a configured one is taken as given.
 */
function advertSource(t: InstancePlan, link: LinkInfo, addrs: AddrInfo[]): string | { wait: StartBlock } {
  const fam = t.params.family;
  const ifname = t.interface;
  const watch = [ifname];
  const condition = linkProblem(link, ifname);
  const configured = t.source.srcIp;
  if (configured) {
    const unicast = (t.params.unicastPeers?.length ?? 0) > 0;
    // keepalived track_src_ip: the configured source must be on the instance's own interface
    if (t.trackSrcIp) {
      const want = canonical(configured);
      const mine = addrs.filter((a) => a.family === fam && a.ifindex === link.index && canonical(a.address) === want);
      if (mine.some((a) => addressUsable(a.flags))) return configured;
      if (mine.length > 0) return blocked(`source address ${unusable(mine[0], ifname)}`, watch);
      return blocked(`source address ${configured} is not on interface ${ifname} (track_src_ip)${condition ? ` (${condition})` : ""}`, watch);
    }
    if (fam === 4 && !unicast) return configured;
    const want = canonical(configured);
    const onLink = fam === 6 && want !== null && isIPv6LinkLocal(parseIP(want).bytes);
    const found = addrs.filter((a) => a.family === fam && canonical(a.address) === want && (!onLink || a.ifindex === link.index));
    if (found.some((a) => addressUsable(a.flags))) return configured;
    if (found.length > 0) return blocked(`source address ${unusable(found[0], ifname)}`, watch);
    return blocked(`source address ${configured} is not on ${onLink ? `interface ${ifname}` : "this box"}${condition ? ` (${condition})` : ""}`, watch);
  }
  const mine = addrs.filter((a) => a.ifindex === link.index && a.family === fam);
  const candidates = fam === 6
    ? mine.filter((a) => { const c = canonical(a.address); return c !== null && isIPv6LinkLocal(parseIP(c).bytes); })
    : mine.filter((a) => a.scope !== RT_SCOPE_HOST);
  const usable = candidates.find((a) => addressUsable(a.flags));
  if (usable) return usable.address;
  if (candidates.length > 0) return blocked(unusable(candidates[0], ifname), watch);
  const what = `no IPv${fam} ${fam === 6 ? "link-local " : ""}address to send adverts from`;
  return blocked(condition ? `${condition} (and ${what})` : `interface ${ifname} has ${what}`, watch);
}

/**
 * `t` (from configPlans) bound to the links and addresses given, or why it cannot
 * start yet. Binding an already bound plan again gives the same plan while the
 * box is unchanged: every kernel fact is re-read from the names.
 */
export function bindPlan(t: InstancePlan, links: LinkInfo[], addrs: AddrInfo[]): Binding {
  const byName = new Map(links.map((l) => [l.name, l]));
  const link = byName.get(t.interface);
  if (!link) return blocked(`interface ${t.interface} does not exist`, [t.interface], true);
  for (const v of t.vips) {
    if (!v.onVmac && v.vmacOf === undefined && !byName.has(v.dev)) return blocked(`interface ${v.dev} (of virtual address ${v.address}) does not exist`, [v.dev], true);
  }
  // use_vmac_addr: each address vmac's own interface must be there to carry it
  for (const m of t.addrVmacs ?? []) {
    if (!byName.has(m.parentName)) return blocked(`interface ${m.parentName} (of use_vmac_addr's ${m.name}) does not exist`, [m.parentName], true);
  }
  const src = advertSource(t, link, addrs);
  if (typeof src !== "string") return src;
  return {
    plan: {
      ...t,
      ifindex: link.index,
      mac: link.mac,
      // with a vmac the socket is bound to a link created later; the binding alone filters the ingress interface
      params: { ...t.params, primary: src, ifindex: t.vmac ? 0 : link.index },
      vips: t.vips.map((v) => (v.onVmac || v.vmacOf !== undefined ? v : { ...v, ifindex: byName.get(v.dev)!.index })),
      ...(t.addrVmacs ? { addrVmacs: t.addrVmacs.map((m) => ({ ...m, parent: byName.get(m.parentName)!.index })) } : {}),
      trackInterfaces: t.trackInterfaces.map((x) => ({ ...x, ifindex: byName.get(x.name)?.index ?? 0 })),
      ...(t.vmac ? { vmac: { ...t.vmac, parent: link.index, parentName: link.name, ...(t.params.family === 6 ? { linkLocal: src } : {}) } } : {}),
    },
  };
}
