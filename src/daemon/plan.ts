// From the config model and the box's interfaces to what the VRRP worker runs:
// one InstancePlan per vrrp_instance, with the protocol parameters for the core and
// the kernel-facing details (interface, VIP attributes, lifetimes). Pure: the
// caller reads links and addresses from rtnetlink and passes them in.
import {
  type Config, type VrrpInstance, type VirtualIpAddress,
  instanceFamily, instanceVipLifetimeMs,
} from "../config/model.ts";
import { RT_SCOPE_HOST } from "../sys/abi.ts";
import type { VrrpParams } from "../vrrp/params.ts";
import { paramsFromConfig } from "../vrrp/from-config.ts";
import type { TrackedScript } from "../vrrp/priority.ts";
import { vrrpMac } from "../sys/rtnetlink/macvlan.ts";

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
  /** RT_SCOPE_*: 0 global, 253 link, 254 host */
  scope: number;
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
  /** lives on the instance's vmac: ifindex is 0 here, the runtime fills it once the vmac exists */
  onVmac?: boolean;
}

/** keepalived `use_vmac`: the macvlan the instance's VIPs (and, unless xmitBase, its adverts) use. */
export interface VmacPlan {
  name: string;
  /** RFC 5798 §7.3 virtual router MAC */
  mac: string;
  parent: number;
  parentName: string;
  family: 4 | 6;
  /** adverts leave from the parent interface with its own MAC: vmac_xmit_base, and unicast mode (keepalived does the same) */
  xmitBase: boolean;
  /** an IPv4 instance keeps IPv6 on the vmac only for IPv6 VIPs placed there */
  ipv6Vips: boolean;
  /** IPv6: the advert source, also put on the vmac (keepalived does the same) */
  linkLocal?: string;
}

export interface InstancePlan {
  name: string;
  interface: string;
  ifindex: number;
  mac: string;
  params: VrrpParams;
  vips: VipPlan[];
  vmac?: VmacPlan;
  /** ms, or "permanent" for keepalived's behaviour */
  vipLifetimeMs: number | "permanent";
  /** track_interface entries resolved to ifindex */
  trackInterfaces: { name: string; ifindex: number; weight?: number }[];
  /** track_script entries with their vrrp_script: run by the main thread, results to the tracker */
  trackScripts: PlannedTrackScript[];
  /** the config entry it came from, for reload diffs and notify scripts */
  source: VrrpInstance;
}

export interface PlannedTrackScript extends TrackedScript {
  name: string;
  script: string;
  intervalMs: number;
  timeoutMs: number;
  /** vrrp_script `user USER [GROUP]` */
  user?: string;
  group?: string;
}

export interface SyncGroupPlan {
  name: string;
  members: string[];
}

export interface PlanResult {
  plans: InstancePlan[];
  syncGroups: SyncGroupPlan[];
  errors: string[];
}

/** Source address of adverts: configured, else the interface's first IPv4 / link-local IPv6 address. */
function primaryAddress(inst: VrrpInstance, family: 4 | 6, ifindex: number, addrs: AddrInfo[]): string | undefined {
  if (inst.srcIp) return inst.srcIp;
  const mine = addrs.filter((a) => a.ifindex === ifindex && a.family === family);
  // RFC 5798 §5.1.2.1: IPv6 adverts are sourced from the link-local address.
  const pick = family === 6 ? mine.find((a) => a.address.toLowerCase().startsWith("fe80:")) : mine.find((a) => a.scope !== RT_SCOPE_HOST);
  return pick?.address;
}

/**
 * keepalived's vmac name: the configured one, else vrrp.<VRID>; an IPv6 instance whose
 * VRID an IPv4 instance already uses (RFC 5798 §7.3 gives them different MACs) falls
 * back to vrrp6.<VRID>, as keepalived does.
 */
function vmacNameFor(inst: VrrpInstance, family: 4 | 6, taken: Set<string>): string {
  if (inst.useVmac) return inst.useVmac;
  const name = `vrrp.${inst.virtualRouterId}`;
  return family === 6 && taken.has(name) ? `vrrp6.${inst.virtualRouterId}` : name;
}

export function planInstances(cfg: Config, links: LinkInfo[], addrs: AddrInfo[]): PlanResult {
  const errors: string[] = [];
  const vmacNames = new Set<string>();
  const plans: InstancePlan[] = [];
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const inst of cfg.instances) {
    const link = byName.get(inst.interface);
    if (!link) {
      errors.push(`vrrp_instance ${inst.name}: interface ${inst.interface} does not exist`);
      continue;
    }
    const family = instanceFamily(inst);
    const primary = primaryAddress(inst, family, link.index, addrs);
    if (!primary) {
      errors.push(`vrrp_instance ${inst.name}: interface ${inst.interface} has no IPv${family} ${family === 6 ? "link-local " : ""}address to send adverts from`);
      continue;
    }
    // use_vmac: VIPs meant for the instance's interface go on the vmac instead (as keepalived places them)
    const vmacName = inst.useVmac === undefined ? undefined : vmacNameFor(inst, family, vmacNames);
    const vips: VipPlan[] = [];
    const vipError = (v: VirtualIpAddress, advertised: boolean) => {
      const dev = v.dev ?? inst.interface;
      const l = byName.get(dev);
      if (!l) {
        errors.push(`vrrp_instance ${inst.name}: virtual address ${v.address} on missing interface ${dev}`);
        return;
      }
      const vfam: 4 | 6 = v.address.includes(":") ? 6 : 4;
      const onVmac = vmacName !== undefined && dev === inst.interface;
      vips.push({
        address: v.address, prefix: v.prefix, family: vfam, ifindex: onVmac ? 0 : l.index, dev: onVmac ? vmacName : dev,
        ...(onVmac ? { onVmac: true } : {}),
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
    const trackScripts: PlannedTrackScript[] = [];
    for (const t of inst.trackScript) {
      const sc = cfg.scripts.find((x) => x.name === t.script);
      if (!sc) {
        errors.push(`vrrp_instance ${inst.name}: track_script ${t.script}: no vrrp_script of that name`);
        continue;
      }
      trackScripts.push({
        name: sc.name, script: sc.script, intervalMs: sc.intervalMs, timeoutMs: sc.timeoutMs ?? sc.intervalMs,
        weight: t.weight ?? sc.weight, reverse: sc.weightReverse, rise: sc.rise, fall: sc.fall, initFail: sc.initFail,
        ...(sc.user !== undefined ? { user: sc.user } : {}),
        ...(sc.group !== undefined ? { group: sc.group } : {}),
      });
    }
    let vmac: VmacPlan | undefined;
    if (vmacName !== undefined) {
      if (vmacName === inst.interface || vmacNames.has(vmacName)) {
        errors.push(`vrrp_instance ${inst.name}: use_vmac ${vmacName} names ${vmacName === inst.interface ? "the instance's own interface" : "another instance's vmac"}`);
        continue;
      }
      vmacNames.add(vmacName);
      vmac = {
        name: vmacName, mac: vrrpMac(inst.virtualRouterId, family), parent: link.index, parentName: link.name, family,
        xmitBase: inst.vmacXmitBase || inst.unicastPeer.length > 0, ipv6Vips: vips.some((v) => v.onVmac && v.family === 6),
        ...(family === 6 ? { linkLocal: primary } : {}),
      };
    }
    let params: VrrpParams;
    try {
      // with a vmac the socket is bound to a link created later; the binding alone filters the ingress interface
      params = paramsFromConfig(cfg, inst, { primary, ifindex: vmac ? 0 : link.index });
      // the runtime builds one GARP/NA frame per VIP of the instance's family, excluded ones included
      params.announceCount = vips.filter((v) => v.family === params.family).length;
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    plans.push({
      name: inst.name, interface: inst.interface, ifindex: link.index, mac: link.mac, params, vips,
      ...(vmac ? { vmac } : {}),
      vipLifetimeMs: instanceVipLifetimeMs(cfg, inst), trackInterfaces, trackScripts, source: inst,
    });
  }
  const planned = new Set(plans.map((p) => p.name));
  const syncGroups = cfg.syncGroups
    .map((g) => ({ name: g.name, members: g.group.filter((m) => planned.has(m)) }))
    .filter((g) => g.members.length > 0);
  return { plans, syncGroups, errors };
}
