// From the config model and the box's interfaces to what the VRRP worker runs:
// one InstancePlan per vrrp_instance, with the protocol parameters for the core and
// the kernel-facing details (interface, VIP attributes, lifetimes). Two stages, both
// pure: configPlans() decides everything the config decides, and bindPlan()
// (plan-bind.ts) adds what the box decides (ifindexes, MAC, the advert source) at
// the moment the instance starts; the caller reads links and addresses from
// rtnetlink and passes them in. The VRRP worker binds again whenever an instance
// that could not start yet is retried, so a board whose interfaces come up after
// vigil starts needs no restart.
import { staticTrackedInterfaces } from "../config/track-groups.ts";
import { errorText } from "../error-text.ts";
import {
  type Config, type InterfaceUpDownDelay, type VrrpInstance, type VirtualIpAddress,
  instanceFamily, instanceVipLifetimeMs,
} from "../config/model.ts";
import { memberTracking, syncGroupOf } from "../config/sync-group-tracking.ts";
import { resolveParams, type VrrpParams } from "../vrrp/params.ts";
import { paramsFromConfig } from "../vrrp/from-config.ts";
import type { TrackedScript } from "../vrrp/priority.ts";
import { vrrpMac } from "../vrrp/virtual-mac.ts";
import { ipFamily } from "../net/ip-address.ts";
import { addrVmacBase, assignAddrVmacs } from "./plan-addr-vmacs.ts";
import { addressOptions, type AddressOptions } from "./address-options.ts";
import { effectiveGarpExtraIf, type GarpExtraIf } from "../vrrp/garp-extra-if.ts";
import { paceLaneFor, type PaceLane } from "../vrrp/garp-pacing.ts";
import { bindPlan, type StartBlock } from "./plan-bind.ts";
import { type RoutePlan, routePlan, rulePlan, type RuleSpec, type StaticPlan, staticPlan } from "./plan-routes.ts";

export interface LinkInfo {
  index: number;
  name: string;
  mac: string;
  up: boolean;
  /** IFF_RUNNING: carrier (absent = assumed, for callers that do not know) */
  running?: boolean;
}

export interface AddrInfo {
  ifindex: number;
  family: 4 | 6;
  address: string;
  prefix: number;
  /** RT_SCOPE_*: 0 global, 253 link, 254 host */
  scope: number;
  /** IFA_F_* (tentative, dadfailed, optimistic...); absent = 0 */
  flags?: number;
}

export interface VipPlan extends AddressOptions {
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
  /** garp_group / vrrp_garp_interval / vrrp_gna_interval: the lane its GARPs/NAs share with other instances' (vrrp/garp-pacing.ts); absent = not spaced */
  pace?: PaceLane;
  /** use_vmac_addr: lives on this address vmac (plan.addrVmacs; `dev` is its name): the runtime fills ifindex once it exists */
  vmacOf?: string;
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
  /** use_ipvlan: an L2 ipvlan of this type (and address) instead of the macvlan; `mac` is unused */
  ipvlan?: { type: "bridge" | "private" | "vepa"; address?: string };
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
  /** track_process entries: their up/down comes from the main thread's process tracker */
  trackProcesses: PlannedTrack[];
  /** track_file entries: their numbers come from the main thread's file watcher */
  trackFiles: PlannedTrack[];
  /**
   * keepalived notify_priority_changes (the instance's, else its sync group's, else
   * global_defs vrrp_notify_priority_changes): a change of effective priority is
   * reported, for the notify FIFOs' MASTER_PRIORITY / BACKUP_PRIORITY lines
   */
  notifyPriorityChanges: boolean;
  /**
   * an advert of lower priority heard as master is reported (keepalived runs
   * notify_master_rx_lower_pri and writes a MASTER_RX_LOWER_PRI line to the VRRP
   * notify FIFOs): only when the instance has that script or a FIFO gets the line
   */
  reportLowerPriority: boolean;
  /** keepalived log_unknown_vrids: its advert receiver logs adverts whose VRID no instance there runs */
  logUnknownVrids: boolean;
  /** keepalived interface_up_down_delays (top level, the same on every plan): link changes the instances see only once they lasted */
  linkDelays: InterfaceUpDownDelay[];
  /** keepalived garp_extra_if (else global_defs vrrp_garp_extra_if): periodic GARP/NA on VIP interfaces without adverts */
  garpExtraIf: GarpExtraIf;
  /** virtual_routes and virtual_rules: installed and removed with the VIPs */
  routes: RoutePlan[];
  rules: RuleSpec[];
  /** keepalived use_vmac_addr: vmacs of their own for VIPs on other interfaces or of the other family (plan-addr-vmacs.ts) */
  addrVmacs?: VmacPlan[];
  /** keepalived promote_secondaries: the interface whose net.ipv4.conf knob is 1 while it runs (a vmac has it anyway) */
  promoteSecondaries?: string;
  /** keepalived track_src_ip: FAULT while the configured source address is not on the interface */
  trackSrcIp?: true;
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

/** A tracked process or file as an instance weighs it. */
export interface PlannedTrack {
  name: string;
  weight: number;
  reverse: boolean;
}

export interface SyncGroupPlan {
  name: string;
  members: string[];
}

export interface WaitingPlan {
  /** unbound (see configPlans) */
  plan: InstancePlan;
  block: StartBlock;
}

export interface PlanResult {
  /** every instance the config can run, unbound: what the VRRP worker is given (it binds them itself) */
  templates: InstancePlan[];
  /** the instances that could start right now, bound to the interfaces given */
  plans: InstancePlan[];
  /** the instances that cannot start yet, and why */
  waiting: WaitingPlan[];
  syncGroups: SyncGroupPlan[];
  /** static_ipaddress/static_routes/static_rules */
  statics: StaticPlan;
  errors: string[];
}

export interface ConfigPlans {
  plans: InstancePlan[];
  syncGroups: SyncGroupPlan[];
  statics: StaticPlan;
  errors: string[];
}

/**
 * keepalived's vmac name: the configured one, else vrrp.<VRID>; an IPv6 instance whose
 * VRID an IPv4 instance already uses (RFC 5798 §7.3 gives them different MACs) falls
 * back to vrrp6.<VRID>, as keepalived does.
 */
function vmacNameFor(inst: VrrpInstance, family: 4 | 6, taken: Set<string>): string {
  if (inst.useVmac) return inst.useVmac;
  if (inst.useIpvlan?.name) return inst.useIpvlan.name;
  const name = `vrrp.${inst.virtualRouterId}`;
  return family === 6 && taken.has(name) ? `vrrp6.${inst.virtualRouterId}` : name;
}

/**
 * keepalived vrrp_ipvlan_handler: use_ipvlan's ADDRESS is the advert source when none
 * is configured. Taken for IPv4 multicast, where the source is only named to the
 * kernel (plan-bind.ts) and the address need not exist before the ipvlan does; an
 * IPv6 advert keeps the link-local source RFC 5798 §5.1.2.1 asks for.
 */
function ipvlanAdvertSource(inst: VrrpInstance, family: 4 | 6, vmac: VmacPlan | undefined): VrrpInstance {
  const a = vmac?.ipvlan?.address?.split("/")[0];
  if (!a || family !== 4 || ipFamily(a) !== 4 || inst.srcIp !== undefined || inst.unicastPeer.length > 0) return inst;
  return { ...inst, srcIp: a };
}

/** Placeholder source address for checking parameters before the interface is known. */
const UNBOUND_SOURCE = { 4: "0.0.0.0", 6: "::" } as const;

/**
 * Every vrrp_instance as the config alone decides it. What the box decides is left
 * unbound (ifindex 0, mac "", primary "" unless mcast_src_ip/unicast_src_ip is set,
 * VIP and track_interface ifindexes 0, vmac parent 0) for bindPlan(). A config
 * error (including one the core's parameter check finds) leaves the instance out,
 * named in `errors`: retrying would never fix it.
 */
/** The other interfaces an instance's VIPs, eVIPs and virtual routes use (`dev`), bar those marked no_track. */
export function vipTrackedInterfaces(inst: VrrpInstance): string[] {
  const out: string[] = [];
  for (const v of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded, ...inst.virtualRoutes]) {
    if (v.dev !== undefined && v.dev !== inst.interface && !v.noTrack && !out.includes(v.dev)) out.push(v.dev);
  }
  return out;
}

export function configPlans(cfg: Config): ConfigPlans {
  const errors: string[] = [];
  const vmacNames = new Set<string>();
  const plans: InstancePlan[] = [];
  const staticTracked = staticTrackedInterfaces(cfg);
  for (const inst of cfg.instances) {
    const family = instanceFamily(inst);
    // use_vmac: VIPs meant for the instance's interface go on the vmac instead (as keepalived places them)
    // use_ipvlan: the same placement on an L2 ipvlan (keepalived names it as a vmac, vrrp.<VRID> by default)
    const vmacName = inst.useVmac === undefined && inst.useIpvlan === undefined ? undefined : vmacNameFor(inst, family, vmacNames);
    const vips: VipPlan[] = [];
    const addVip = (v: VirtualIpAddress, advertised: boolean) => {
      const dev = v.dev ?? inst.interface;
      const vfam: 4 | 6 = v.address.includes(":") ? 6 : 4;
      // use_vmac_addr: another interface, or the other family, gets a vmac of its own (named below)
      const addrBase = addrVmacBase(inst, family, dev, vfam, v.useVmac);
      const onVmac = vmacName !== undefined && dev === inst.interface && addrBase === undefined;
      // keepalived paces the base interface of a vmac (IF_BASE_IFP)
      const pace = paceLaneFor(cfg, dev, vfam);
      vips.push({
        address: v.address, prefix: v.prefix, family: vfam, ifindex: 0, dev: onVmac ? vmacName : dev,
        ...(onVmac ? { onVmac: true } : {}),
        ...(addrBase !== undefined ? { vmacOf: `${addrBase}/${vfam}` } : {}),
        ...(v.label !== undefined ? { label: v.label } : {}),
        ...(v.scope !== undefined ? { scope: v.scope } : {}),
        ...(v.brd !== undefined ? { brd: v.brd } : {}),
        ...(pace ? { pace } : {}),
        ...addressOptions(v, vfam),
        advertised: advertised && vfam === family,
      });
    };
    for (const v of inst.virtualIpaddress) addVip(v, true);
    for (const v of inst.virtualIpaddressExcluded) addVip(v, false);
    // its vrrp_sync_group's tracking included, as keepalived applies it to every member
    const track = memberTracking(cfg, inst);
    const trackInterfaces: InstancePlan["trackInterfaces"] = track.trackInterface.map((t) => ({
      name: t.name, ifindex: 0, ...(t.weight !== undefined ? { weight: t.weight } : {}),
    }));
    // keepalived track_group: the interface of each static entry naming a group of this instance, tracked
    // as a track_interface of weight 0 (vrrp_static_track.c add_vrrp_to_interface): FAULT while it is down
    for (const name of staticTracked.get(inst.name) ?? []) {
      if (!trackInterfaces.some((t) => t.name === name && t.weight === undefined)) trackInterfaces.push({ name, ifindex: 0 });
    }
    // keepalived 2.2.7 vrrp_complete_instance: the interface (dev) of each VIP, eVIP and virtual route on
    // another interface than the instance's is tracked with weight 0, unless it says no_track
    // (measured: its link down puts keepalived's instance in FAULT, back up and it runs again)
    for (const name of vipTrackedInterfaces(inst)) {
      if (!trackInterfaces.some((t) => t.name === name && t.weight === undefined)) trackInterfaces.push({ name, ifindex: 0 });
    }
    const trackScripts: PlannedTrackScript[] = [];
    for (const t of track.trackScript) {
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
    const tracked = <T extends { name: string; weight: number }>(refs: VrrpInstance["trackFile"], list: T[], what: string, rev: (x: T) => boolean): PlannedTrack[] =>
      refs.flatMap((t) => {
        const x = list.find((l) => l.name === t.name);
        if (!x) {
          errors.push(`vrrp_instance ${inst.name}: ${what} ${t.name}: none of that name`);
          return [];
        }
        return [{ name: t.name, weight: t.weight ?? x.weight, reverse: t.reverse ?? rev(x) }];
      });
    const trackProcesses = tracked(track.trackProcess, cfg.trackProcesses, "track_process", (x) => x.weightReverse);
    const trackFiles = tracked(track.trackFile, cfg.trackFiles, "track_file", (x) => x.weightReverse);
    let vmac: VmacPlan | undefined;
    if (vmacName !== undefined) {
      if (vmacName === inst.interface || vmacNames.has(vmacName)) {
        errors.push(`vrrp_instance ${inst.name}: ${inst.useVmac === undefined ? "use_ipvlan" : "use_vmac"} ${vmacName} names ${vmacName === inst.interface ? "the instance's own interface" : "another instance's vmac"}`);
        continue;
      }
      vmacNames.add(vmacName);
      const ipv = inst.useVmac === undefined ? inst.useIpvlan : undefined;
      vmac = {
        name: vmacName, mac: ipv ? "" : vrrpMac(inst.virtualRouterId, family), parent: 0, parentName: inst.interface, family,
        // an ipvlan has the parent's MAC, so adverts from the parent carry the Ethernet source keepalived's do
        xmitBase: ipv !== undefined || inst.vmacXmitBase || inst.unicastPeer.length > 0, ipv6Vips: vips.some((v) => v.onVmac && v.family === 6),
        ...(ipv ? { ipvlan: { type: ipv.type ?? "bridge", ...(ipv.address !== undefined ? { address: ipv.address } : {}) } } : {}),
      };
    }
    const addrVmacs = assignAddrVmacs(inst.virtualRouterId, vips, vmacNames);
    const advertInst = ipvlanAdvertSource(inst, family, vmac);
    let params: VrrpParams;
    try {
      params = paramsFromConfig(cfg, advertInst, { primary: "", ifindex: 0 });
      // the runtime builds one GARP/NA frame per VIP of the instance's family, excluded ones included
      params.announceCount = vips.filter((v) => v.family === params.family).length;
      // the core's own checks now, so only the box (never the config) keeps an instance waiting
      resolveParams({ ...params, primary: params.primary || UNBOUND_SOURCE[family] });
    } catch (err) {
      errors.push(errorText(err));
      continue;
    }
    plans.push({
      name: inst.name, interface: inst.interface, ifindex: 0, mac: "", params, vips,
      ...(vmac ? { vmac } : {}),
      ...(addrVmacs.length ? { addrVmacs } : {}),
      vipLifetimeMs: instanceVipLifetimeMs(cfg, inst), trackInterfaces, trackScripts, trackProcesses, trackFiles,
      notifyPriorityChanges: inst.notifyPriorityChanges ?? syncGroupOf(cfg, inst.name)?.notifyPriorityChanges ?? cfg.global.vrrpNotifyPriorityChanges,
      reportLowerPriority: inst.notifyMasterRxLowerPri !== undefined || cfg.global.notifyFifo !== undefined || cfg.global.vrrpNotifyFifo !== undefined,
      logUnknownVrids: cfg.global.logUnknownVrids,
      garpExtraIf: effectiveGarpExtraIf(inst, cfg.global),
      linkDelays: cfg.interfaceUpDownDelays,
      routes: inst.virtualRoutes.map(routePlan), rules: inst.virtualRules.map(rulePlan),
      ...(inst.promoteSecondaries && !vmac ? { promoteSecondaries: inst.interface } : {}),
      // keepalived vrrp_complete_instance clears track_saddr without a configured source
      ...(inst.trackSrcIp && inst.srcIp !== undefined ? { trackSrcIp: true as const } : {}),
      source: advertInst,
    });
  }
  const planned = new Set(plans.map((p) => p.name));
  const syncGroups = cfg.syncGroups
    .map((g) => ({ name: g.name, members: g.group.filter((m) => planned.has(m)) }))
    .filter((g) => g.members.length > 0);
  return { plans, syncGroups, statics: staticPlan(cfg), errors };
}

/**
 * Why a pushed config cannot run here (empty: it can): a config error, or an
 * instance bound to an interface this box does not have (likely a typo). One
 * that is only down or still in DAD waits, as at boot. Daemon.applyConfig
 * refuses a pushed (strict) config with these reasons so the fleet link rolls back.
 */
export function pushBlockers(plan: PlanResult): string[] {
  const absent = plan.waiting.filter((w) => w.block.absent).map((w) => `vrrp_instance ${w.plan.name}: ${w.block.reason}`);
  return [...plan.errors, ...absent];
}

/**
 * configPlans() bound to the interfaces given: which instances could start now and
 * which wait (interface absent, no usable source address), and why. A missing
 * track_interface is reported (it counts as down) but keeps nobody waiting.
 */
export function planInstances(cfg: Config, links: LinkInfo[], addrs: AddrInfo[]): PlanResult {
  const c = configPlans(cfg);
  const errors = [...c.errors];
  const plans: InstancePlan[] = [];
  const waiting: WaitingPlan[] = [];
  const names = new Set(links.map((l) => l.name));
  for (const t of c.plans) {
    for (const x of t.trackInterfaces) {
      if (!names.has(x.name)) errors.push(`vrrp_instance ${t.name}: track_interface ${x.name} does not exist (treated as down)`);
    }
    const b = bindPlan(t, links, addrs);
    if ("wait" in b) waiting.push({ plan: t, block: b.wait });
    else plans.push(b.plan);
  }
  return { templates: c.plans, plans, waiting, syncGroups: c.syncGroups, statics: c.statics, errors };
}
