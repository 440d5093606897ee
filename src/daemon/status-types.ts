// What `vigil status` and the fleet reporter see of a running daemon.
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
}
