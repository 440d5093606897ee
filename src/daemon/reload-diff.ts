// Which VRRP instances survive a reload, decided from the plans alone (pure: no
// sockets, no clock). An instance whose plan is unchanged goes on untouched; one
// whose configured priority alone changed (1..254 on both sides) is retuned in
// place; every other one is stopped and started again from its new plan (or, gone
// from the config, just stopped). Plans compare as unbound plans (configPlans()),
// without `source` (the config text it came from): a reload that moves an instance
// in the file, or reformats it, changes nothing it runs with.
import { PRIORITY_OWNER } from "../vrrp/params.ts";
import type { InstancePlan } from "./plan.ts";

export interface ReloadDiff {
  /** running instances whose plan is unchanged: they keep state, VIPs and sockets */
  keep: Set<string>;
  /** running instances whose configured priority alone changed, with their new plan */
  retune: Map<string, InstancePlan>;
  /** instances waiting to start whose plan is unchanged: they keep their wait (reason, backoff) */
  keepWaiting: Set<string>;
  /** instances waiting to start that the new config no longer has */
  droppedWaiting: Set<string>;
}

/** Same plan for the runtime: everything but `source` (the config text it came from) equal. */
export function samePlan(a: InstancePlan, b: InstancePlan): boolean {
  return JSON.stringify({ ...a, source: undefined }) === JSON.stringify({ ...b, source: undefined });
}

/**
 * `next` differs from `old` in the configured priority only, and neither is the
 * address owner (RFC 5798 §5.2.4: becoming or ceasing to be the owner changes how
 * the instance starts, §6.4.1), so the FSM can take the new priority in place.
 */
export function priorityOnlyChange(old: InstancePlan, next: InstancePlan): boolean {
  const a = old.params.priority, b = next.params.priority;
  if (a === b || a === PRIORITY_OWNER || b === PRIORITY_OWNER) return false;
  return samePlan({ ...old, params: { ...old.params, priority: b } }, next);
}

/**
 * The reload's verdict on each instance. `old` holds the unbound plans the
 * instances now run from, by name; `running` and `waiting` name the instances
 * started and those still waiting for their interface; `next` is the new config's plans.
 */
export function reloadDiff(
  old: ReadonlyArray<InstancePlan>,
  running: Iterable<string>,
  waiting: ReadonlyArray<InstancePlan>,
  next: ReadonlyArray<InstancePlan>,
): ReloadDiff {
  const nextByName = new Map(next.map((p) => [p.name, p]));
  const oldByName = new Map(old.map((p) => [p.name, p]));
  const diff: ReloadDiff = { keep: new Set(), retune: new Map(), keepWaiting: new Set(), droppedWaiting: new Set() };
  for (const name of running) {
    const was = oldByName.get(name), now = nextByName.get(name);
    if (!was || !now) continue;
    if (samePlan(was, now)) diff.keep.add(name);
    else if (priorityOnlyChange(was, now)) diff.retune.set(name, now);
  }
  for (const w of waiting) {
    const now = nextByName.get(w.name);
    if (!now) diff.droppedWaiting.add(w.name);
    else if (samePlan(w, now)) diff.keepWaiting.add(w.name);
  }
  return diff;
}

/** A running instance's bound plan (ifindexes, MAC, source address kept) with the new configured priority. */
export function retunedPlan(bound: InstancePlan, next: InstancePlan): InstancePlan {
  return { ...bound, params: { ...bound.params, priority: next.params.priority }, source: next.source };
}
