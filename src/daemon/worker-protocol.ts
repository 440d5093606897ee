// Messages between the main thread and the VRRP worker. Commands travel by
// postMessage; because the worker sleeps in ppoll, the main thread also signals
// the worker's eventfd so it wakes and lets its event loop deliver them.
import type { InstancePlan, SyncGroupPlan } from "./plan.ts";
import type { StaticPlan } from "./plan-routes.ts";
import type { InstanceStatus } from "./status-types.ts";

export interface WorkerInit {
  type: "init";
  /** unbound (configPlans): the worker binds each to the interfaces as they are when it starts */
  plans: InstancePlan[];
  syncGroups: SyncGroupPlan[];
  /** static_ipaddress/static_routes/static_rules: the worker installs and keeps them */
  statics: StaticPlan;
  /** track_file numbers and track_process states known at start, by name */
  trackFiles: Array<[string, number]>;
  trackProcesses: Array<[string, boolean]>;
  /** SCHED_FIFO priority of the worker thread; 0 = stay SCHED_OTHER */
  rtPriority: number;
  /** keepalived vrrp_priority: nice of the worker thread when not realtime */
  nice?: number;
  /** keepalived vrrp_startup_delay (ms, 0 = none): no instance takes over before this long after the worker starts */
  startupDelayMs: number;
  /** keepalived vrrp_no_swap: mlockall before the first advert */
  noSwap: boolean;
  wakeFd: number;
  /** debug hook for the split-brain fault suite: the worker stops refreshing and sending */
  allowStall: boolean;
  /** Int32 slot the worker bumps on every loop pass: the watchdog's proof of life */
  progress: SharedArrayBuffer;
  /** the brief board (brief-board.ts) for these plans: counters the main thread reads for the status file */
  brief?: SharedArrayBuffer;
}

export type ToWorker =
  | WorkerInit
  | { type: "script"; instance: string; index: number; ok: boolean }
  | { type: "status"; id: number }
  | { type: "reload"; plans: InstancePlan[]; syncGroups: SyncGroupPlan[]; statics: StaticPlan; brief?: SharedArrayBuffer }
  /** a track_file's number changed (main thread's watcher) */
  | { type: "track-file"; name: string; value: number }
  /** a vrrp_track_process gained or lost its quorum (main thread's process tracker) */
  | { type: "track-process"; name: string; up: boolean }
  | { type: "stall"; ms: number }
  | { type: "shutdown" };

export interface TransitionReport {
  type: "transition";
  instance: string;
  from: string;
  to: string;
  priority: number;
  effectivePriority: number;
  master: string;
  at: number;
  /** to FAULT: why (the fleet's vrrp/<instance> state carries it) */
  reason?: string;
}

export type FromWorker =
  /** running: instances up on their interfaces; waiting: those FAULT until their interface is usable */
  | { type: "ready"; realtime: boolean; rtError?: string; running: number; waiting: number }
  | TransitionReport
  /** the effective priority changed while MASTER or not (keepalived notify_priority_changes) */
  | { type: "priority"; instance: string; master: boolean; effectivePriority: number }
  /** as master, an advert of lower priority was heard (keepalived MASTER_RX_LOWER_PRI) */
  | { type: "lower-priority"; instance: string; effectivePriority: number }
  /** heapUsed: the worker's own JS heap (bytes, its process.memoryUsage()), for the status memory field */
  | { type: "status"; id: number; instances: InstanceStatus[]; heapUsed: number }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; msg: string }
  | { type: "event"; kind: string; instance: string; detail: string }
  | { type: "stopped" }
  | { type: "fatal"; msg: string };
