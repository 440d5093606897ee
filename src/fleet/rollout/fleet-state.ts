// The fleet as a rollout sees it: every node's retained (and live) reports
// folded into one structure — birth/status, VRRP instances, real servers and
// the last config result. Pure: messages in, state out. Missing or late
// retained messages (broker clusters, item 4 of the issue) are not an error:
// a node is known from whatever it reported, and every field may be absent.
import { decodeBody } from "../body-decode.ts";
import { ALL_NODES, decodeLevel, ROLLOUTS, ROOT } from "../topics.ts";
import type { ConfigResult } from "../config-result.ts";

export interface VrrpItem {
  state: string;
  vrid: number;
  family: 4 | 6;
  /** the VIP set key the split-brain witness compares ("v4:198.18.0.10/32,...") */
  segment?: string;
  /** subnet of the instance's interface (src/fleet/lan.ts) */
  lan?: string;
  interface?: string;
  /** the master it hears (BACKUP) or its own address (MASTER) */
  masterAddress?: string;
  unicastPeers?: string[];
  priority?: number;
  reason?: string;
}

/** config/state as nodes publish it: the reporter's ConfigResult, any field possibly missing on the wire */
export type ConfigStateMsg = Partial<ConfigResult>;

export interface NodeState {
  /** undefined: no status seen (retained state missing or late) */
  online?: boolean;
  version?: string;
  site?: string;
  configSerial?: number;
  configHash?: string;
  config?: ConfigStateMsg;
  vrrp: Map<string, VrrpItem>;
  /** "<vs>/<rs>" -> up */
  lvs: Map<string, boolean>;
}

export type FleetChange =
  /** cameBack: it was known to be offline and says online now */
  | { kind: "status"; node: string; cameBack: boolean }
  | { kind: "vrrp"; node: string; instance: string }
  | { kind: "lvs"; node: string }
  | { kind: "config"; node: string };

const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
const text = (x: unknown) => (typeof x === "string" && x !== "" ? x : undefined);

function vrrpItem(v: Record<string, unknown>): VrrpItem | null {
  const vrid = num(v.vrid);
  const state = text(v.state);
  if (vrid === undefined || !state) return null;
  const segment = text(v.segment);
  // Nodes from before `family` was reported: their witness segment starts with it.
  const family = v.family === 6 || (v.family === undefined && segment?.startsWith("v6:")) ? 6 : 4;
  const item: VrrpItem = { state, vrid, family };
  if (segment) item.segment = segment;
  for (const k of ["lan", "interface", "masterAddress", "reason"] as const) {
    const t = text(v[k]);
    if (t) item[k] = t;
  }
  const prio = num(v.priority);
  if (prio !== undefined) item.priority = prio;
  if (Array.isArray(v.unicastPeers)) item.unicastPeers = v.unicastPeers.filter((p): p is string => typeof p === "string");
  return item;
}

export class FleetState {
  readonly nodes = new Map<string, NodeState>();

  constructor(readonly fleet: string) {}

  private node(name: string): NodeState {
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = { vrrp: new Map(), lvs: new Map() }));
    return n;
  }

  /** Folds one message in; returns what changed, or null for topics that are not node reports. */
  apply(topic: string, body: Uint8Array): FleetChange | null {
    const p = topic.split("/");
    if (p.length < 5 || `${p[0]}/${p[1]}` !== ROOT || p[2] !== this.fleet) return null;
    const name = p[3]!;
    if (name === ALL_NODES || name === ROLLOUTS) return null;
    const rest = p.slice(4);
    const kind = rest[0];
    const known = kind === "status" && rest.length === 1 || kind === "vrrp" && rest.length === 2 || kind === "lvs" && rest.length === 3 || rest.join("/") === "config/state";
    if (!known) return null;
    let v: Record<string, unknown> | null = null;
    if (body.length > 0) {
      const d = decodeBody(body);
      if (!d.ok || typeof d.value !== "object" || d.value === null || Array.isArray(d.value)) return null;
      v = d.value as Record<string, unknown>;
    }
    const n = this.node(name);
    if (kind === "status") {
      const was = n.online;
      // An empty retained status was cleared: nothing is known any more.
      n.online = v ? v.status === "online" : undefined;
      if (v) {
        n.version = text(v.version) ?? n.version;
        n.site = text(v.site);
        n.configSerial = num(v.config_serial) ?? n.configSerial;
        n.configHash = text(v.config_hash) ?? n.configHash;
      }
      return { kind: "status", node: name, cameBack: was === false && n.online === true };
    }
    if (kind === "vrrp") {
      const instance = decodeLevel(rest[1]!);
      const item = v ? vrrpItem(v) : null;
      if (item) n.vrrp.set(instance, item);
      else n.vrrp.delete(instance);
      return { kind: "vrrp", node: name, instance };
    }
    if (kind === "lvs") {
      const key = `${decodeLevel(rest[1]!)}/${decodeLevel(rest[2]!)}`;
      if (v && typeof v.up === "boolean") n.lvs.set(key, v.up);
      else n.lvs.delete(key);
      return { kind: "lvs", node: name };
    }
    if (v) {
      n.config = v as ConfigStateMsg;
      const rs = num(v.running_serial);
      if (rs !== undefined) n.configSerial = rs;
      const rh = text(v.running_hash);
      if (rh) n.configHash = rh;
    }
    return { kind: "config", node: name };
  }

  /** What the node says it runs: config/state's running_* when it has them, else the birth. */
  running(name: string): { serial?: number; hash?: string } {
    const n = this.nodes.get(name);
    return n ? { serial: n.configSerial, hash: n.configHash } : {};
  }
}
