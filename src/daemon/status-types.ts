// What `vigil status` and the fleet reporter see of a running daemon.
import type { FifoStats } from "./notify-fifo.ts";
/** One VRRP instance as `vigil status` and the fleet show it (runtime-status.ts builds it from the core's CoreStatus; waiting-instance.ts for one not started yet). */
export interface InstanceStatus {
  name: string;
  interface: string;
  vrid: number;
  family: 4 | 6;
  version: 2 | 3;
  state: "INIT" | "BACKUP" | "MASTER" | "FAULT" | "STOP";
  priority: number;
  effectivePriority: number;
  /** address of the current master as last seen ("" when unknown) */
  masterAddress: string;
  /** wall-clock ms of the last transition */
  since: number;
  vips: string[];
  counters: Record<string, number>;
  /** why the instance is FAULT (interface down, no carrier, tracking, waiting to start) */
  fault?: string;
  /** it has not started yet (interface absent, no usable source address): no sockets, retried on link/address changes */
  waiting?: boolean;
  /** priority the current master advertises (0 when unknown, our own when we are master) */
  masterPriority?: number;
  /** every tracked interface, script, process and file, in config order, as the tracker reads it now */
  tracking?: TrackedStatus[];
  /** VIPs as the kernel holds them now (filled in by the main thread from an address dump) */
  vipsInKernel?: VipStatus[];
  /** what the config asks of the instance (filled in by the main thread) */
  settings?: InstanceSettings;
}

/** The configured behaviour keepalived's data dump shows next to the state. */
export interface InstanceSettings {
  advertIntMs: number;
  preempt: boolean;
  preemptDelayMs: number;
  accept: boolean;
  unicastPeers: string[];
  /** the vmac's name with use_vmac */
  vmac?: string;
  authType: "none" | "PASS" | "AH";
  /** VIP kernel lifetime, ms or "permanent" */
  vipLifetime: number | "permanent";
  syncGroup?: string;
  /** virtual_ipaddress_excluded: installed with the VIPs, not advertised */
  excludedVips: string[];
}

/** One track_interface / track_script / track_process / track_file entry of an instance. */
export interface TrackedStatus {
  kind: "interface" | "script" | "process" | "file";
  name: string;
  weight: number;
  reverse?: boolean;
  /** interface link up, script result, process quorum; null = not known yet (adds nothing) */
  up?: boolean | null;
  /** track_file: the number the file holds */
  value?: number;
}

/** A VIP of an instance as the kernel has it. */
export interface VipStatus {
  address: string;
  prefix: number;
  dev: string;
  /** seconds the kernel keeps it without a refresh ("forever" for keepalived's permanent addresses) */
  validLifetime: number | "forever";
}

export interface SyncGroupStatus {
  name: string;
  members: string[];
  /** the group's state as its notify scripts see it (null while members differ) */
  state: "MASTER" | "BACKUP" | "FAULT" | "STOP" | null;
}

/** One checker type of a real server (several of one type share a line): its last attempt and totals. */
export interface CheckerStatus {
  type: string;
  attempts: number;
  failures: number;
  lastResult?: "ok" | "fail";
  reason?: string;
  /** latency of the last attempt */
  latencyMs?: number;
  /** wall-clock ms of the last attempt */
  at?: number;
}

export interface VirtualServerDetail {
  virtualServer: string;
  quorumUp: boolean;
  suspended?: boolean;
  realServers: Array<{ realServer: string; alive: boolean; weight: number; checkers: CheckerStatus[] }>;
}

export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: number;
  configFile: string;
  configSerial?: number;
  instances: InstanceStatus[];
  lvs?: unknown[];
  fleet?: unknown;
  mail?: unknown;
  syncGroups?: SyncGroupStatus[];
  /** every virtual server with its real servers as the checkers judge them (the `lvs` table shows what is programmed) */
  virtualServers?: VirtualServerDetail[];
  ipvs?: { operations: number; applyErrors: number; fault?: string };
  notifyFifos?: FifoStats[];
  /** the Prometheus endpoint, ADDRESS:PORT */
  metricsListen?: string;
  /** why vipsInKernel is missing (the kernel's addresses could not be read) */
  kernelError?: string;
  /**
   * JavaScript heaps (bytes), what a soak watches for growth: the main thread's
   * (process.memoryUsage()) and the VRRP worker's heapUsed, read as it answered this status.
   */
  memory?: { heapUsed: number; heapTotal: number; external: number; workerHeapUsed?: number };
}
