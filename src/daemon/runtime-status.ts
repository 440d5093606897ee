// What `vigil status`, the data dump and the fleet see of one running VRRP
// instance: the core's snapshot, the plan's settings and the counters of the
// instance's parts. Allocates; never on the advert path.
import { State } from "../vrrp/actions.ts";
import { formatAddress } from "../vrrp/addr.ts";
import { FAULT_SYNC_GROUP } from "../vrrp/fsm.ts";
import type { InstanceStatus } from "./status-types.ts";
import { trackingStatus } from "./tracking-status.ts";
import type { InstanceRuntime } from "./vrrp-runtime.ts";

/** Why the instance is (or would be) FAULT, from what the FSM's fault sources say. */
export function runtimeFaultCause(rt: InstanceRuntime): string {
  if (!rt.linkUp) return rt.linkFault || `interface ${rt.plan.interface} is down`;
  if (rt.sourceTrack?.present === false) return `source address ${rt.plan.source.srcIp} is not on ${rt.plan.interface} (track_src_ip)`;
  if (rt.tracker.faulted) return "a tracked interface, script, process or file is in fault (weight 0 down, or a file's value at -254 or below)";
  if (rt.fsm.faults & FAULT_SYNC_GROUP) return "another member of its vrrp_sync_group is in FAULT or cannot start yet";
  return "fault";
}

export function runtimeStatus(rt: InstanceRuntime): InstanceStatus {
  const s = rt.core.status();
  const p = rt.plan.params;
  const f = rt.fsm;
  return {
    name: rt.name,
    interface: rt.plan.interface,
    vrid: p.vrid,
    family: p.family,
    version: p.version,
    state: s.state as InstanceStatus["state"],
    priority: p.priority,
    effectivePriority: s.effectivePriority,
    masterAddress: f.state === State.Master ? formatAddress(rt.core.p.primary) : (s.master ?? ""),
    since: rt.sinceWall,
    vips: rt.vips.map((v) => `${v.address}/${v.prefix}`),
    counters: {
      advertsSent: s.advertsSent,
      advertsReceived: s.counters.accepted ?? 0,
      transitions: s.transitions,
      sendErrors: rt.adverts.sendErrors + rt.announcer.sendErrors,
      garpsSent: rt.announcer.garpsSent,
      vipRenewals: rt.leases.renewals,
      becameMaster: f.becameMaster,
      releasedMaster: f.releasedMaster,
      priorityZeroReceived: f.priorityZeroReceived,
      priorityZeroSent: f.priorityZeroSent,
      vipRestores: rt.vipRestores,
      routeRestores: rt.routes.restores,
      conflicts: rt.announcer.conflicts + rt.foreignVips,
      ...Object.fromEntries(Object.entries(s.counters).filter(([k]) => k !== "accepted").map(([k, v]) => [`drop_${k}`, v])),
    },
    ...(f.state === State.Fault ? { fault: runtimeFaultCause(rt) } : {}),
    masterPriority: f.state === State.Master ? s.effectivePriority : s.masterPriority,
    tracking: trackingStatus(rt.plan, rt.tracker.snapshot()),
  };
}
