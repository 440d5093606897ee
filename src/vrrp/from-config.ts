// Maps the config model (src/config/model.ts) onto the core's plain parameters.
// Pure: what needs the kernel (the interface's own address and index) is passed in.
import {
  instanceFamily, instanceStrict, instanceVersion, type Config, type VrrpInstance,
} from "../config/model.ts";
import { memberTracking } from "../config/sync-group-tracking.ts";
import { VrrpParamsError, type VrrpParams } from "./params.ts";
import { PriorityTracker, type TrackedItem, type TrackedScript } from "./priority.ts";

export interface InterfaceFacts {
  /** source address of adverts when the config has no mcast_src_ip/unicast_src_ip */
  primary: string;
  ifindex?: number;
}

export function paramsFromConfig(cfg: Config, inst: VrrpInstance, iface: InterfaceFacts): VrrpParams {
  const g = cfg.global;
  const family = instanceFamily(inst);
  const fail = (m: string): never => { throw new VrrpParamsError(inst.name, m); };
  const version = instanceVersion(cfg, inst);
  // keepalived strict_mode, else global vrrp_strict (vrrp_complete_instance)
  const strict = instanceStrict(cfg, inst);
  // keepalived ignores authentication in VRRPv3 (RFC 5798 §9), under vrrp_strict, and AH over IPv6 (validation says so)
  const auth = version === 2 && !strict && !(inst.authentication?.type === "AH" && family === 6) ? inst.authentication : undefined;
  const ah = auth?.type === "AH";
  const initialMaster = inst.state === "MASTER" && !ah && (!strict || inst.priority === 255);
  // keepalived vrrp_complete_instance: nopreempt is reset for the address owner and for an
  // instance that starts MASTER; preempt_delay too, and under strict mode or nopreempt
  const preempt = !inst.nopreempt || initialMaster || inst.priority === 255;
  const preemptDelayMs = strict || initialMaster || !preempt ? 0 : inst.preemptDelayMs;
  const vips = inst.virtualIpaddress.map((v) => {
    if (v.address.includes(":") !== (family === 6)) {
      fail(`virtual_ipaddress ${v.address} is not IPv${family} like the instance; move it to virtual_ipaddress_excluded`);
    }
    return v.address;
  });
  return {
    name: inst.name,
    vrid: inst.virtualRouterId,
    version,
    family,
    priority: inst.priority,
    advertIntMs: inst.advertIntMs,
    preempt,
    preemptDelayMs,
    // keepalived: accept defaults to off under vrrp_strict, on otherwise
    accept: inst.accept ?? !strict,
    // keepalived: "Initial state master is incompatible with AH authentication - clearing"
    // and in strict mode "State MASTER must match being address owner" (validation warns)
    initialState: initialMaster ? "master" : "backup",
    ...(auth ? { authPass: auth.pass, authType: auth.type } : {}),
    vips,
    primary: inst.srcIp ?? iface.primary,
    unicastPeers: inst.unicastPeer,
    ifindex: iface.ifindex,
    garp: {
      masterDelayMs: inst.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs,
      masterRepeat: inst.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
      masterRefreshMs: inst.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
      masterRefreshRepeat: inst.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
      // keepalived vrrp_complete_init/vrrp_complete_instance: absent = the global vrrp_garp_lower_prio_*,
      // whose own default is the global vrrp_garp_master_* (not the instance's); vrrp_strict sends none
      lowerPrioRepeat: strict ? 0 : inst.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat,
      lowerPrioDelayMs: strict ? 0 : inst.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs ?? g.vrrpGarpMasterDelayMs,
      // vigil's own per-instance garp_interval / gna_interval; the global vrrp_garp_interval /
      // vrrp_gna_interval and garp_group space an interface across instances (garp-pacing.ts)
      intervalMs: (family === 4 ? inst.garpIntervalMs : inst.gnaIntervalMs) ?? 0,
    },
    skipCheckAdvAddr: inst.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    checkUnicastSrc: inst.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    // keepalived vrrp_complete_instance: vrrp_strict turns lower_prio_no_advert on and higher_prio_send_advert off
    lowerPrioNoAdvert: strict ? true : inst.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: strict ? false : inst.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false,
    ...(inst.unicastTtl !== undefined ? { unicastTtl: inst.unicastTtl } : {}),
    strict,
    ...(inst.downTimerAdverts !== undefined ? { downTimerAdverts: inst.downTimerAdverts } : {}),
    ...(inst.oldUnicastChecksum !== undefined ? { oldUnicastChecksum: inst.oldUnicastChecksum } : {}),
    ...((family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6) !== undefined ? { mcastGroup: (family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6)! } : {}),
  };
}

/** The instance's tracker: track_interface entries first, then track_script, in config order (its sync group's included). */
export function trackerFromConfig(cfg: Config, inst: VrrpInstance): PriorityTracker {
  const track = memberTracking(cfg, inst);
  const ifaces: TrackedItem[] = track.trackInterface.map((t) => ({ weight: t.weight ?? 0 }));
  const scripts: TrackedScript[] = track.trackScript.map((t) => {
    const s = cfg.scripts.find((x) => x.name === t.script);
    if (!s) throw new VrrpParamsError(inst.name, `track_script ${t.script}: no vrrp_script of that name`);
    return { weight: t.weight ?? s.weight, reverse: s.weightReverse, rise: s.rise, fall: s.fall, initFail: s.initFail };
  });
  return new PriorityTracker(inst.priority, ifaces, scripts);
}
