// VRRP groups as the fleet page shows them: every (segment, VRID) with the
// routers that serve it, judged the way an operator reads it — exactly one
// MASTER among the live routers is healthy; two or more is a split brain, none
// means nobody answers for the VIPs. Pure: routers, alarms and the clock in,
// a row out.
//
// Two MASTERs are normal for an instant (a preemption, or a dead master whose
// Last Will reaches the broker after its successor's report), and so is none
// (between a master's death and Master_Down_Interval on the backup). Like the
// node's split-brain witness (src/fleet/witness.ts), the page raises only what
// lasted HOLD_MS; a witness alarm (a node saying another is MASTER with it) is
// shown at once: it has already waited its own hold-down.
import { DEFAULT_SPLIT_BRAIN_HOLD_DOWN_MS } from "../../fleet/reporter.ts";
import type { GroupRouter, GroupRow, GroupStatus } from "./wire.ts";

export const HOLD_MS = DEFAULT_SPLIT_BRAIN_HOLD_DOWN_MS;
/** how far back the sparkline of MASTER changes reaches */
export const FLIP_WINDOW_MS = 3_600_000;
/** flips kept per group: enough for a pair flapping every 10 s for an hour */
const MAX_FLIPS = 400;

export const groupKey = (segment: string, vrid: number) => `${vrid}|${segment}`;

export interface GroupState {
  key: string;
  vrid: number;
  segment: string;
  /** "<node>\0<instance>" -> router */
  routers: Map<string, GroupRouter>;
  /** witness node -> peers it names (active alarms only) */
  witness: Map<string, string[]>;
  /** server clock when the first witness alarm came */
  witnessSince: number;
  /** what the routers alone say is wrong, and since when (server clock) */
  condition: GroupStatus;
  conditionSince: number;
  /** node-clock times a router became MASTER, ascending, deduplicated per router */
  flips: number[];
  flipSeen: Set<string>;
}

export function newGroup(segment: string, vrid: number): GroupState {
  return { key: groupKey(segment, vrid), vrid, segment, routers: new Map(), witness: new Map(), witnessSince: 0, condition: "ok", conditionSince: 0, flips: [], flipSeen: new Set() };
}

/**
 * What the live routers alone say: one MASTER is ok. None is ok too when a live
 * BACKUP hears a master the fleet does not know (a keepalived peer, say: the
 * rollout's gate counts it the same way), named by the address it hears.
 */
export function conditionOf(routers: Iterable<GroupRouter>): { condition: GroupStatus; masters: string[]; outside?: string } {
  const masters: string[] = [];
  const heard: string[] = [];
  // a MASTER reports its own address: a router of the fleet, even offline, is not "outside"
  const own = new Set<string>();
  for (const r of routers) {
    if (r.state === "MASTER" && r.masterAddress) own.add(r.masterAddress);
    if (!r.online) continue;
    if (r.state === "MASTER" && !masters.includes(r.node)) masters.push(r.node);
    if (r.state === "BACKUP" && r.masterAddress) heard.push(r.masterAddress);
  }
  masters.sort();
  const outside = heard.find((a) => !own.has(a));
  if (masters.length === 0 && outside) return { condition: "ok", masters, outside };
  return { condition: masters.length === 1 ? "ok" : masters.length > 1 ? "split-brain" : "no-master", masters };
}

/** Re-reads the routers at `now`; keeps conditionSince while the condition stays the same. */
export function refreshCondition(g: GroupState, now: number): void {
  const { condition } = conditionOf(g.routers.values());
  if (condition !== g.condition) {
    g.condition = condition;
    g.conditionSince = now;
  }
}

/** A router's report with `since` when it became MASTER: one point on the sparkline (once per router and time). */
export function noteMaster(g: GroupState, routerKey: string, since: number | undefined, now: number): void {
  if (since === undefined || since < now - FLIP_WINDOW_MS) return;
  const id = `${routerKey}@${since}`;
  if (g.flipSeen.has(id)) return;
  g.flipSeen.add(id);
  let i = g.flips.length;
  while (i > 0 && g.flips[i - 1]! > since) i--;
  g.flips.splice(i, 0, since);
  if (g.flips.length > MAX_FLIPS) g.flips.splice(0, g.flips.length - MAX_FLIPS);
}

/** Drops flips older than the window (and their dedup ids once the set grows). */
export function pruneFlips(g: GroupState, now: number): boolean {
  const from = now - FLIP_WINDOW_MS;
  let k = 0;
  while (k < g.flips.length && g.flips[k]! < from) k++;
  if (k === 0) return false;
  g.flips.splice(0, k);
  if (g.flipSeen.size > 4 * MAX_FLIPS) g.flipSeen.clear();
  return true;
}

/** The status the page shows: a witness alarm at once, the routers' own condition once it lasted HOLD_MS. */
export function statusOf(g: GroupState, now: number): GroupStatus {
  if (g.witness.size > 0) return "split-brain";
  if (g.condition !== "ok" && now - g.conditionSince >= HOLD_MS) return g.condition;
  return "ok";
}

/** When a pending condition will have lasted HOLD_MS (re-judge then), or Infinity. */
export function deadlineOf(g: GroupState, now: number): number {
  if (g.witness.size > 0 || g.condition === "ok") return Infinity;
  const at = g.conditionSince + HOLD_MS;
  return at > now ? at : Infinity;
}

export function groupRow(g: GroupState, now: number): GroupRow {
  const routers = [...g.routers.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.instance < b.instance ? -1 : 1));
  const { masters, outside } = conditionOf(routers);
  const status = statusOf(g, now);
  let last: number | undefined;
  for (const r of routers) if (r.since !== undefined && (last === undefined || r.since > last)) last = r.since;
  return {
    key: g.key, vrid: g.vrid, segment: g.segment, routers, masters, status,
    ...(outside ? { outsideMaster: outside } : {}),
    ...(status !== "ok" ? { problemSince: g.condition !== "ok" ? g.conditionSince : g.witnessSince } : {}),
    witness: [...g.witness].sort(([a], [b]) => (a < b ? -1 : 1)).map(([node, peers]) => ({ node, peers })),
    ...(last !== undefined ? { lastTransition: last } : {}),
    flips: [...g.flips],
  };
}
