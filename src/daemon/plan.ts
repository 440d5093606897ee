// From the config model and the box's interfaces to what the VRRP worker runs:
// one InstancePlan per vrrp_instance, with the protocol parameters for the core and
// the kernel-facing details (interface, VIP attributes, lifetimes). Pure: the
// caller reads links and addresses from rtnetlink and passes them in.
import {
  type Config, type VrrpInstance, type VirtualIpAddress,
  instanceFamily, instanceVersion, instanceVipLifetimeMs,
} from "../config/model.ts";
import type { VrrpParams } from "../vrrp/params.ts";

export interface LinkInfo {
  index: number;
  name: string;
  mac: string;
  up: boolean;
}

export interface AddrInfo {
  ifindex: number;
  family: 4 | 6;
  address: string;
  prefix: number;
  scope: string;
}

export interface VipPlan {
  address: string;
  prefix: number;
  family: 4 | 6;
  ifindex: number;
  dev: string;
  label?: string;
  scope?: VirtualIpAddress["scope"];
  brd?: string;
  /** carried in adverts (false for virtual_ipaddress_excluded and other-family VIPs) */
  advertised: boolean;
}

export interface InstancePlan {
  name: string;
  interface: string;
  ifindex: number;
  mac: string;
  params: VrrpParams;
  vips: VipPlan[];
  /** ms, or "permanent" for keepalived's behaviour */
  vipLifetimeMs: number | "permanent";
  /** track_interface entries resolved to ifindex */
  trackInterfaces: { name: string; ifindex: number; weight?: number }[];
  /** the config entry it came from, for reload diffs and notify scripts */
  source: VrrpInstance;
}

export interface PlanResult {
  plans: InstancePlan[];
  errors: string[];
}

/** Source address of adverts: configured, else the interface's first IPv4 / link-local IPv6 address. */
function primaryAddress(inst: VrrpInstance, family: 4 | 6, ifindex: number, addrs: AddrInfo[]): string | undefined {
  if (inst.srcIp) return inst.srcIp;
  const mine = addrs.filter((a) => a.ifindex === ifindex && a.family === family);
  // RFC 5798 §5.1.2.1: IPv6 adverts are sourced from the link-local address.
  const pick = family === 6 ? mine.find((a) => a.address.toLowerCase().startsWith("fe80:")) : mine.find((a) => a.scope !== "host");
  return pick?.address;
}

export function planInstances(cfg: Config, links: LinkInfo[], addrs: AddrInfo[]): PlanResult {
  const errors: string[] = [];
  const plans: InstancePlan[] = [];
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const inst of cfg.instances) {
    const link = byName.get(inst.interface);
    if (!link) {
      errors.push(`vrrp_instance ${inst.name}: interface ${inst.interface} does not exist`);
      continue;
    }
    const family = instanceFamily(inst);
    // keepalived runs IPv6 instances as VRRPv3 whatever vrrp_version says (RFC 3768 is IPv4 only).
    const version = family === 6 ? 3 : instanceVersion(cfg, inst);
    const primary = primaryAddress(inst, family, link.index, addrs);
    if (!primary) {
      errors.push(`vrrp_instance ${inst.name}: interface ${inst.interface} has no IPv${family} ${family === 6 ? "link-local " : ""}address to send adverts from`);
      continue;
    }
    const vips: VipPlan[] = [];
    const vipError = (v: VirtualIpAddress, advertised: boolean) => {
      const dev = v.dev ?? inst.interface;
      const l = byName.get(dev);
      if (!l) {
        errors.push(`vrrp_instance ${inst.name}: virtual address ${v.address} on missing interface ${dev}`);
        return;
      }
      const vfam: 4 | 6 = v.address.includes(":") ? 6 : 4;
      vips.push({
        address: v.address, prefix: v.prefix, family: vfam, ifindex: l.index, dev,
        ...(v.label !== undefined ? { label: v.label } : {}),
        ...(v.scope !== undefined ? { scope: v.scope } : {}),
        ...(v.brd !== undefined ? { brd: v.brd } : {}),
        advertised: advertised && vfam === family,
      });
    };
    for (const v of inst.virtualIpaddress) vipError(v, true);
    for (const v of inst.virtualIpaddressExcluded) vipError(v, false);
    const trackInterfaces: InstancePlan["trackInterfaces"] = [];
    for (const t of inst.trackInterface) {
      const l = byName.get(t.name);
      if (!l) errors.push(`vrrp_instance ${inst.name}: track_interface ${t.name} does not exist (treated as down)`);
      trackInterfaces.push({ name: t.name, ifindex: l?.index ?? 0, ...(t.weight !== undefined ? { weight: t.weight } : {}) });
    }
    const g = cfg.global;
    const garpInterval = family === 6 ? (inst.gnaIntervalMs ?? g.vrrpGnaIntervalMs) : (inst.garpIntervalMs ?? g.vrrpGarpIntervalMs);
    const params: VrrpParams = {
      name: inst.name,
      vrid: inst.virtualRouterId,
      version,
      family,
      priority: inst.priority,
      advertIntMs: inst.advertIntMs,
      preempt: !inst.nopreempt,
      preemptDelayMs: inst.preemptDelayMs,
      // keepalived: accept mode is on unless vrrp_strict turns it off
      accept: inst.accept ?? !g.vrrpStrict,
      initialState: inst.state === "MASTER" ? "master" : "backup",
      ...(inst.authentication?.type === "PASS" && version === 2 ? { authPass: inst.authentication.pass } : {}),
      vips: vips.filter((v) => v.advertised).map((v) => v.address),
      primary,
      unicastPeers: inst.unicastPeer,
      ifindex: link.index,
      garp: {
        masterDelayMs: inst.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs,
        masterRepeat: inst.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
        masterRefreshMs: inst.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
        masterRefreshRepeat: inst.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
        intervalMs: garpInterval,
      },
      skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
      strict: g.vrrpStrict,
    };
    plans.push({
      name: inst.name, interface: inst.interface, ifindex: link.index, mac: link.mac, params, vips,
      vipLifetimeMs: instanceVipLifetimeMs(cfg, inst), trackInterfaces, source: inst,
    });
  }
  return { plans, errors };
}
