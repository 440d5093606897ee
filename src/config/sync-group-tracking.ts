// What a vrrp_instance tracks once its vrrp_sync_group is taken into account, as
// keepalived 2.2.7 settles it at start (vrrp.c: vrrp_complete_instance, then
// sync_group_tracking_init). Pure: config in, the instance's effective track lists
// out, in the instance's own shapes, so the daemon runs them like its own.
//
// 1. Without sync_group_tracking_weight a member's own weights do not count (a
//    weighted priority would let one member of the group fall behind the others):
//    a weighted track_interface becomes unweighted (down = FAULT), a weighted
//    track_script is ignored, a track_file with the default weight 1 becomes
//    unweighted and one with another weight is ignored. keepalived 2.2.7 leaves
//    track_process alone. keepalived logs each; validation warns.
// 2. The group's own track_* are added to every member with the group's weights,
//    made unweighted when a member is the address owner (priority 255).
// 3. An object both the member and the group track is tracked once: with the
//    group's weight (and direction), unless the member's entry is unweighted.
import type { Config, SyncGroup, TrackInterface, TrackRef, TrackScript, VrrpInstance } from "./model.ts";
import { PRIORITY_OWNER } from "../vrrp/params.ts";

export type InstanceTracking = Pick<VrrpInstance, "trackInterface" | "trackScript" | "trackFile" | "trackProcess">;

/** The sync group an instance belongs to (the config allows one), if any. */
export function syncGroupOf(cfg: Config, instance: string): SyncGroup | undefined {
  return cfg.syncGroups.find((g) => g.group.includes(instance));
}

/** The instance's track lists with its sync group's rules applied (rules 1-3 above). */
export function memberTracking(cfg: Config, inst: VrrpInstance): InstanceTracking {
  const g = syncGroupOf(cfg, inst.name);
  if (!g) return { trackInterface: inst.trackInterface, trackScript: inst.trackScript, trackFile: inst.trackFile, trackProcess: inst.trackProcess };
  const scriptWeight = (t: TrackScript) => t.weight ?? cfg.scripts.find((s) => s.name === t.script)?.weight ?? 0;
  const fileWeight = (t: TrackRef) => t.weight ?? cfg.trackFiles.find((f) => f.name === t.name)?.weight ?? 1;
  const own = ownTracking(inst, g.trackingWeight, scriptWeight, fileWeight);
  const owner = cfg.instances.some((i) => g.group.includes(i.name) && i.priority === PRIORITY_OWNER);
  const unweighted = <T extends { weight?: number }>(t: T): T => (owner && t.weight !== undefined ? { ...t, weight: 0 } : t);

  const trackInterface = merge(own.trackInterface, g.trackInterface.map(unweighted), (t) => t.name, (t) => t.weight ?? 0);
  const trackScript = merge(own.trackScript, g.trackScript.map((t) => unweighted({ ...t, weight: scriptWeight(t) })), (t) => t.script, scriptWeight);
  const trackFile = merge(own.trackFile, g.trackFile.map((t) => unweighted({ ...t, weight: fileWeight(t) })), (t) => t.name, fileWeight);
  const procWeight = (t: TrackRef) => t.weight ?? cfg.trackProcesses.find((p) => p.name === t.name)?.weight ?? 0;
  const trackProcess = merge(own.trackProcess, g.trackProcess.map((t) => unweighted({ ...t, weight: procWeight(t) })), (t) => t.name, procWeight);
  return { trackInterface, trackScript, trackFile, trackProcess };
}

/** Rule 1: the member's own entries, weights dropped or entries ignored unless the group lets weights count. */
function ownTracking(inst: VrrpInstance, weightsCount: boolean, scriptWeight: (t: TrackScript) => number, fileWeight: (t: TrackRef) => number): InstanceTracking {
  if (weightsCount) return inst;
  return {
    trackInterface: inst.trackInterface.map((t): TrackInterface => (t.weight ? { name: t.name } : t)),
    trackScript: inst.trackScript.filter((t) => scriptWeight(t) === 0),
    trackFile: inst.trackFile.flatMap((t) => {
      const w = fileWeight(t);
      return w === 0 ? [t] : w === 1 ? [{ ...t, weight: 0 }] : [];
    }),
    trackProcess: inst.trackProcess,
  };
}

/** Rule 3: the group's entries after the member's; one the member has already takes the group's weight unless the member's is 0. */
function merge<T extends { weight?: number; reverse?: boolean }>(own: T[], group: T[], key: (t: T) => string, weight: (t: T) => number): T[] {
  const out = [...own];
  for (const t of group) {
    const i = out.findIndex((o) => key(o) === key(t));
    if (i < 0) out.push(t);
    else if (weight(out[i]!) !== 0) out[i] = t;
  }
  return out;
}

/**
 * What rule 1 does to a member's own entries, for validation to warn about as
 * keepalived logs it: one message per entry whose weight is dropped or which is ignored.
 */
export function ignoredMemberWeights(cfg: Config, inst: VrrpInstance): { path: (string | number)[]; message: string }[] {
  const g = syncGroupOf(cfg, inst.name);
  if (!g || g.trackingWeight) return [];
  const why = `in vrrp_sync_group '${g.name}' without sync_group_tracking_weight (as keepalived)`;
  const out: { path: (string | number)[]; message: string }[] = [];
  inst.trackInterface.forEach((t, k) => {
    if (t.weight) out.push({ path: ["trackInterface", k], message: `track_interface ${t.name}: weight ${t.weight} ignored ${why}: down is FAULT` });
  });
  inst.trackScript.forEach((t, k) => {
    const w = t.weight ?? cfg.scripts.find((s) => s.name === t.script)?.weight ?? 0;
    if (w) out.push({ path: ["trackScript", k], message: `track_script ${t.script} with weight ${w} is ignored ${why}` });
  });
  inst.trackFile.forEach((t, k) => {
    const w = t.weight ?? cfg.trackFiles.find((f) => f.name === t.name)?.weight ?? 1;
    if (w === 1) out.push({ path: ["trackFile", k], message: `track_file ${t.name}: weight 1 ignored ${why}: a non-zero number is FAULT (write weight 0)` });
    else if (w) out.push({ path: ["trackFile", k], message: `track_file ${t.name} with weight ${w} is ignored ${why}` });
  });
  return out;
}
