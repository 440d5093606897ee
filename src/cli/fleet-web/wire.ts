// What the server pushes to the page (Server-Sent Events): one `snapshot` on
// connect, then `delta`s holding only the rows that changed since the last one
// (null = the row is gone) and the events that happened. Plain JSON, shared by
// the reducer (model.ts) and, by shape, the page (page/app.js).

export interface NodeRow {
  name: string;
  /** true: birth seen; false: `offline` (graceful stop or Last Will); null: no status yet */
  online: boolean | null;
  /** server clock (ms) of the last message from this node */
  lastSeen: number;
  version?: string;
  /** node clock (ms) when the daemon started: uptime = now - bootTime */
  bootTime?: number;
  serial?: number;
  hash?: string;
  site?: string;
  /** fleet events the node dropped while its broker was away (events-dropped) */
  drops: number;
  config?: { state?: string; serial?: number; reason?: string; message?: string };
  /** one entry per VRRP instance the node reports */
  vrrp: Array<{ instance: string; state: string }>;
}

export interface GroupRouter {
  node: string;
  instance: string;
  state: string;
  priority?: number;
  effectivePriority?: number;
  /** false when the node's status says offline: its MASTER does not count */
  online: boolean;
  /** node clock (ms) when it entered `state` */
  since?: number;
  masterAddress?: string;
  reason?: string;
}

export type GroupStatus = "ok" | "split-brain" | "no-master";

export interface GroupRow {
  key: string;
  vrid: number;
  /** what the split-brain witness compares: the family and VIP set ("v4:198.18.0.100/24") */
  segment: string;
  routers: GroupRouter[];
  /** nodes whose live instance says MASTER */
  masters: string[];
  /** no node is MASTER but a BACKUP hears this address: a master outside the fleet */
  outsideMaster?: string;
  status: GroupStatus;
  /** server clock (ms) since when `status` is not ok */
  problemSince?: number;
  /** nodes whose split-brain witness raised the alarm for this group, with the peers they name */
  witness: Array<{ node: string; peers: string[] }>;
  /** node clock (ms) of the latest transition of any of its routers */
  lastTransition?: number;
  /** node clock (ms) of each time a router became MASTER within the last hour */
  flips: number[];
}

export interface RealServerRow {
  key: string;
  node: string;
  vs: string;
  rs: string;
  up: boolean;
  weight?: number;
  lastCheck?: string;
  latencyMs?: number;
  /** server clock (ms) of the report */
  at: number;
}

export interface VirtualServerRow {
  key: string;
  node: string;
  vs: string;
  quorumUp: boolean;
  weight?: number;
  sorryActive: boolean;
  sorryServer?: string;
}

export interface EventRow {
  seq: number;
  /** ms: the node's clock when it said so, else the server's */
  at: number;
  node: string;
  type: string;
  level: "info" | "warn" | "alarm";
  text: string;
}

export interface RolloutRow {
  id: string;
  serial: number;
  status: string;
  /** 1-based current wave, 0 before the start */
  wave: number;
  waves: number;
  abortReason?: string;
  startedAt?: number;
  finishedAt?: number;
  tally: { applied: number; failed: number; rolledBack: number; pending: number; inFlight: number; total: number };
  /** per wave: node -> result (applied, rejected, timed out...) and reason */
  nodes: Array<{ node: string; wave: number; result: string; reason?: string }>;
}

export interface Meta {
  fleet: string;
  broker: string;
  /** the server's MQTT session is up */
  connected: boolean;
  /** server clock when this message was made, for the page's clock offset */
  now: number;
  /** messages that could not be decoded (bad CBOR/JSON), counted */
  undecodable: number;
}

export interface Delta {
  meta?: Meta;
  nodes?: Record<string, NodeRow | null>;
  groups?: Record<string, GroupRow | null>;
  rs?: Record<string, RealServerRow | null>;
  vs?: Record<string, VirtualServerRow | null>;
  rollouts?: Record<string, RolloutRow | null>;
  events?: EventRow[];
}
