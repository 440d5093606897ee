// The main thread's commands to the VRRP worker (worker-protocol.ts ToWorker),
// each handed to the part of the worker that does it. A reload performs
// reload-diff.ts's decision: which instances go on, which get a new priority,
// which stop and which start.
import type { BriefPublisher } from "./brief-publisher.ts";
import { heapProbeRequested, liveProbeRequested, reportCells, reportLiveCells } from "./heap-probe.ts";
import { ownsRoutes } from "./plan-routes.ts";
import { reloadDiff, retunedPlan } from "./reload-diff.ts";
import type { LinkEvents } from "./link-events.ts";
import type { StaticNetworkSlot } from "./static-network.ts";
import type { TrackingInputs } from "./tracking-inputs.ts";
import type { WorkerInstances } from "./worker-instances.ts";
import type { ToWorker } from "./worker-protocol.ts";
import { nowMs, post, postWaitingTransition, workerHooks as hooks } from "./worker-post.ts";

/** VIGIL_HEAP_PROBE=1: the allocation bench's cell counts (heap-probe.ts) */
const heapProbe = heapProbeRequested();
/** VIGIL_HEAP_PROBE=live: the soak's live cells per status request (heap-probe.ts) */
const liveProbe = liveProbeRequested();

/** What a command can reach: the worker's parts, and the loop's own switches (stall, stop). */
export interface CommandTarget {
  instances: WorkerInstances;
  tracking: TrackingInputs;
  statics: StaticNetworkSlot;
  linkEvents: LinkEvents;
  /** the debug hook's permission (WorkerInit.allowStall) */
  allowStall: boolean;
  /** the debug hook: the loop blocks until then (worker ms) */
  stallUntil: number;
  stopping: boolean;
  /** the counters the main thread reads without asking (brief-publisher.ts) */
  brief: BriefPublisher;
}

export function handleCommand(w: CommandTarget, m: ToWorker): void {
  const now = nowMs();
  const instances = w.instances;
  switch (m.type) {
    case "script":
      w.tracking.scriptResult(instances.runtimes, instances.waiting, m.instance, m.index, m.ok, now);
      break;
    case "track-file":
      w.tracking.fileChanged(instances.runtimes, m.name, m.value, now);
      break;
    case "track-process":
      w.tracking.processChanged(instances.runtimes, m.name, m.up, now);
      break;
    case "status":
      // the allocation bench's cell count, after the event loop turned (heap-probe.ts)
      if (heapProbe) reportCells("vrrp-worker", "status");
      if (liveProbe) reportLiveCells("vrrp-worker");
      post({ type: "status", id: m.id, instances: instances.status(), heapUsed: process.memoryUsage().heapUsed });
      break;
    case "reload":
      reload(w, m, now);
      break;
    case "stall":
      if (w.allowStall) {
        w.stallUntil = nowMs() + m.ms;
        hooks.log("warn", `worker stalled for ${m.ms} ms (debug hook)`);
      }
      break;
    case "shutdown":
      w.stopping = true;
      break;
    case "init":
      break;
  }
}

/** Which instances survive is reload-diff.ts's decision; this performs it. */
function reload(w: CommandTarget, m: Extract<ToWorker, { type: "reload" }>, now: number): void {
  const instances = w.instances;
  const diff = reloadDiff(instances.plans, instances.runtimes.map((r) => r.name), instances.waiting.map((x) => x.plan), m.plans);
  for (const r of instances.runtimes) {
    const next = diff.retune.get(r.name);
    // the runtime keeps its bound plan (ifindexes, source): only the priority is new
    if (next) r.retune(now, retunedPlan(r.plan, next));
  }
  const keep = instances.runtimes.filter((r) => diff.keep.has(r.name) || diff.retune.has(r.name));
  for (const r of instances.runtimes) {
    if (!keep.includes(r)) {
      r.stop(now);
      r.close();
    }
  }
  const keepWaiting = instances.waiting.filter((x) => diff.keepWaiting.has(x.plan.name));
  for (const x of instances.waiting) {
    // an instance the new config drops was FAULT: it stops, as a running one would
    if (x.faultReported && diff.droppedWaiting.has(x.plan.name)) postWaitingTransition(x, "FAULT", "INIT", now);
  }
  w.linkEvents.ensureRouteMonitor(ownsRoutes(m.plans, m.statics));
  w.statics.set(m.statics);
  instances.build(m.plans, m.syncGroups, keep, keepWaiting);
  w.brief.adopt(m.brief, m.plans);
  const started = instances.runtimes.length - keep.length;
  hooks.log("info", `reload: ${keep.length} instance(s) kept running (${diff.retune.size} with a new priority), ${started} (re)started, ${instances.waiting.length} waiting for their interface`);
}
