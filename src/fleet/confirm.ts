// Commit-confirm: the rules a pushed config must pass on the node after it has
// run for `confirm_timeout` (apply-then-confirm, as OpenWrt/LuCI does for its
// network config). Pure: the node's health before the apply and at the end of
// the window, the conflicts seen meanwhile, and the two configs go in; the
// reasons it failed (none = confirmed) come out.
//
//   new-fault      an instance of the new config is FAULT and was not before
//   vip-conflict   another host claimed a VIP while we were MASTER, later than
//                  the handover grace after this instance became MASTER (the old
//                  master's ARP from before it heard us is not a conflict)
//   lost-peer      an instance that was BACKUP for a VRID is MASTER now without
//                  its priority having been raised: it no longer hears the
//                  router it heard (a BACKUP that hears no master takes over
//                  after Master_Down_Interval, RFC 5798 §6.4.2, so BACKUP means
//                  heard; a broken binding, auth, version or unicast list makes
//                  two masters)
//   checkers-down  a virtual server that had real servers up has none up
import { instanceFamily, virtualServerName, type Config } from "../config/model.ts";
import type { Conflict, HealthSnapshot } from "./node-health.ts";

/** Preemption handover: how long after becoming MASTER a conflicting claim is still the old master's. */
export const HANDOVER_GRACE_MS = 2000;

export interface ConfirmInput {
  before: HealthSnapshot;
  after: HealthSnapshot;
  oldConfig: Config;
  newConfig: Config;
  /** conflicts reported during the window */
  conflicts: Conflict[];
  becameMasterAt(instance: string): number | undefined;
  graceMs?: number;
}

const vridKey = (i: Config["instances"][number]) => `${instanceFamily(i)}/${i.virtualRouterId}`;

/** The reasons the new config failed its probation; empty when it is confirmed. */
export function judgeConfirm(x: ConfirmInput): string[] {
  const reasons: string[] = [];
  const faulted = new Set<string>();
  for (const inst of x.newConfig.instances) {
    const now = x.after.instances.get(inst.name);
    const was = x.before.instances.get(inst.name);
    if (now?.state === "FAULT" && was?.state !== "FAULT") {
      faulted.add(inst.name);
      reasons.push(`new-fault: ${inst.name} is FAULT${now.reason ? ` (${now.reason})` : ""}, was ${was?.state ?? "not running"}`);
    }
  }

  const names = new Set(x.newConfig.instances.map((i) => i.name));
  const grace = x.graceMs ?? HANDOVER_GRACE_MS;
  for (const c of x.conflicts) {
    if (!names.has(c.instance)) continue;
    const since = x.becameMasterAt(c.instance);
    if (since !== undefined && c.at - since < grace) continue;
    reasons.push(`vip-conflict: ${c.instance}: ${c.detail}`);
    break; // one is enough to fail; a flood would drown the other reasons
  }

  // By VRID: an instance renamed but serving the same virtual router still owes its peers.
  const oldByVrid = new Map(x.oldConfig.instances.map((i) => [vridKey(i), i]));
  for (const inst of x.newConfig.instances) {
    if (faulted.has(inst.name)) continue;
    const old = oldByVrid.get(vridKey(inst));
    if (!old) continue;
    const was = x.before.instances.get(old.name);
    // The address a BACKUP hears comes with its transition, often before the first
    // advert: BACKUP itself is the evidence, the address only names the peer.
    if (was?.state !== "BACKUP") continue;
    const now = x.after.instances.get(inst.name);
    if (!now || now.state === "BACKUP") continue;
    if (now.state === "MASTER" && inst.priority > old.priority) continue; // a raised priority preempts: intended
    reasons.push(`lost-peer: ${inst.name} (VRID ${inst.virtualRouterId}) no longer hears ${was.master || "the master it heard"}: ${now.state} now, BACKUP before`);
  }

  const newVs = new Set(x.newConfig.virtualServers.map(virtualServerName));
  for (const [vs, before] of x.before.realServers) {
    if (!newVs.has(vs)) continue;
    const upBefore = [...before.values()].filter(Boolean).length;
    const after = x.after.realServers.get(vs);
    if (upBefore === 0 || !after || after.size === 0) continue;
    if ([...after.values()].some(Boolean)) continue;
    reasons.push(`checkers-down: virtual server ${vs}: all ${after.size} real server(s) down, ${upBefore} were up`);
  }
  return reasons;
}
