// Targets + what the fleet reports -> waves. Pure.
//
// `--waves 1,10%,50%,100%` lists cumulative sizes: by the end of each wave that
// many targets (a count, or a percentage rounded up) have been changed. The
// first wave is the canary. The last wave always takes the rest.
//
// The rule that matters: routers that back each other up (segments.ts: same
// site, family and VRID on the same segment) are never in the same wave, so a
// bad config can take down at most one router of a virtual router at a time.
// A wave that cannot be filled without breaking the rule leaves the nodes for
// the next one (which catches up, the sizes being cumulative), and waves are
// added at the end until every target is placed. One pass over the remaining
// targets per wave: O(targets · waves).
import type { FleetState } from "./fleet-state.ts";
import type { SegmentIndex } from "./segments.ts";

export type WaveStep = { count: number } | { percent: number };

export function parseWaves(spec: string): WaveStep[] {
  const parts = spec.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) throw new Error(`--waves '${spec}': expected sizes like 1,10%,50%,100%`);
  const steps = parts.map((p): WaveStep => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(p);
    if (pct) {
      const v = Number(pct[1]);
      if (!(v > 0 && v <= 100)) throw new Error(`--waves '${spec}': ${p} must be above 0% and at most 100%`);
      return { percent: v };
    }
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new Error(`--waves '${spec}': '${p}' is neither a count >= 1 nor a percentage`);
    return { count: Number(p) };
  });
  return steps;
}

/** Cumulative target counts per wave for `total` targets; non-decreasing, the last one is `total`. */
export function cumulativeSizes(steps: WaveStep[], total: number): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const s of steps) {
    const want = "count" in s ? s.count : Math.ceil((s.percent * total) / 100);
    const c = Math.min(total, Math.max(prev, want));
    if (c > prev) out.push(c);
    prev = c;
    if (c === total) break;
  }
  if (prev < total) out.push(total);
  return out;
}

export interface Plan {
  waves: string[][];
  /** what the planner had to do about the rule, in words */
  notes: string[];
}

/** The segments (by root) each target's instances are on. */
function segmentsOf(fleet: FleetState, seg: SegmentIndex, node: string): number[] {
  const out: number[] = [];
  const n = fleet.nodes.get(node);
  if (!n) return out;
  for (const instance of n.vrrp.keys()) {
    const id = seg.idOf(node, instance);
    if (id !== undefined) out.push(seg.root(id));
  }
  return out;
}

/** Real VRRP segments hold a few routers; more than this in one usually means sites that share addressing. */
export const CROWDED_SEGMENT = 4;

export function planWaves(targets: string[], steps: WaveStep[], fleet: FleetState, seg: SegmentIndex): Plan {
  const sizes = cumulativeSizes(steps, targets.length);
  const groups = new Map(targets.map((t) => [t, segmentsOf(fleet, seg, t)]));
  const waves: string[][] = [];
  const notes: string[] = [];
  const members = new Map<number, string[]>();
  for (const [t, roots] of groups) for (const r of new Set(roots)) (members.get(r) ?? members.set(r, []).get(r)!).push(t);
  const crowded = [...members.values()].filter((m) => m.length > CROWDED_SEGMENT).sort((a, b) => b.length - a.length);
  for (const m of crowded.slice(0, 3)) {
    notes.push(`${m.length} targets look like routers of one segment (${m.slice(0, 3).join(", ")}, ...): each gets a wave of its own. ` +
      "If they are separate sites that reuse addresses and VRIDs, set vigil_fleet site on each node");
  }
  let pending = targets;
  let placed = 0;
  const planned = sizes.length;
  for (let w = 0; pending.length > 0 && w < targets.length + planned; w++) {
    const goal = w < planned ? sizes[w]! : targets.length;
    const wave: string[] = [];
    const used = new Set<number>();
    const rest: string[] = [];
    for (const node of pending) {
      const g = groups.get(node)!;
      if (placed + wave.length < goal && g.every((r) => !used.has(r))) {
        wave.push(node);
        for (const r of g) used.add(r);
      } else rest.push(node);
    }
    if (wave.length === 0) continue; // cannot happen with goal > placed: the first pending node always fits an empty wave
    if (w < planned && placed + wave.length < goal && rest.length > 0) {
      notes.push(`wave ${waves.length + 1} has ${wave.length} node(s) instead of ${goal - placed}: the others back up a router already in it`);
    }
    waves.push(wave);
    placed += wave.length;
    pending = rest;
  }
  if (waves.length > planned) {
    notes.push(`${waves.length - planned} wave(s) added at the end: routers that back each other up are never changed in the same wave`);
  }
  return { waves, notes };
}
