// The tracked items of an instance (track_interface, track_script, track_process,
// track_file) as `vigil status` and the data dump show them: named and weighted
// as the plan has them, with what the instance's tracker reads now.
import type { PriorityTracker } from "../vrrp/priority.ts";
import type { InstancePlan } from "./plan.ts";
import type { TrackedStatus } from "./status-types.ts";

/** The tracker's view of each tracked item, named and weighted as the plan has them (null reads: not known yet). */
export function trackingStatus(plan: InstancePlan, now?: ReturnType<PriorityTracker["snapshot"]>): TrackedStatus[] {
  return [
    ...plan.trackInterfaces.map((t, i): TrackedStatus => ({ kind: "interface", name: t.name, weight: t.weight ?? 0, up: now ? now.interfaces[i]! : null })),
    ...plan.trackScripts.map((t, i): TrackedStatus => ({ kind: "script", name: t.name, weight: t.weight, ...(t.reverse ? { reverse: true } : {}), up: now ? now.scripts[i]! : null })),
    ...plan.trackProcesses.map((t, i): TrackedStatus => ({ kind: "process", name: t.name, weight: t.weight, ...(t.reverse ? { reverse: true } : {}), up: now ? now.processes[i]! : null })),
    ...plan.trackFiles.map((t, i): TrackedStatus => ({ kind: "file", name: t.name, weight: t.weight, ...(t.reverse ? { reverse: true } : {}), ...(now ? { value: now.files[i]! } : {}) })),
  ];
}
