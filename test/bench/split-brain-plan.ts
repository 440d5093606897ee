// The split-brain bench's two pure halves: one seeded random fault script that
// both implementations run unchanged, and the side-by-side table of their
// figures (issue 5's closing note).
import { FAULT_KINDS, type FaultKind, type FaultResult, percentile, rng } from "./faults.ts";

export interface PlannedFault { kind: FaultKind; target: number | "master"; holdMs: number }

export interface PlanOptions {
  faults: number;
  seed: number;
  kinds?: FaultKind[];
  /** share of holds drawn from `longMs` rather than `shortMs` */
  longShare?: number;
  /** short holds: around Master_Down_Interval, undone before any lease runs out */
  shortMs?: [number, number];
  /** long holds: beyond vip_lifetime + the kernel's 1 s tick, so a lease must end the duplicate */
  longMs?: [number, number];
}

/**
 * Faults mostly hit whoever is master at that moment (that is where split
 * brain happens), sometimes a fixed router, which may be a backup. Hold times
 * are mostly short to keep the run bounded; a share is long enough that only
 * a lease (not the undo) can end a stale VIP.
 */
export function makePlan(o: PlanOptions): PlannedFault[] {
  const rand = rng(o.seed);
  const kinds = o.kinds ?? FAULT_KINDS;
  const [sLo, sHi] = o.shortMs ?? [150, 1200];
  const [lLo, lHi] = o.longMs ?? [3200, 4000];
  const longShare = o.longShare ?? 0.2;
  const out: PlannedFault[] = [];
  for (let i = 0; i < o.faults; i++) {
    const kind = kinds[Math.floor(rand() * kinds.length)];
    const target = rand() < 0.7 ? "master" : 1 + Math.floor(rand() * 3);
    const [lo, hi] = rand() < longShare ? [lLo, lHi] : [sLo, sHi];
    out.push({ kind, target, holdMs: Math.round(lo + rand() * (hi - lo)) });
  }
  return out;
}

const fmt = (x: number) => (Number.isNaN(x) ? "-" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);

/** One row's figures for one implementation. */
function figures(g: FaultResult[]) {
  const dups = g.map((r) => r.dupMaxMs);
  const rec = g.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]));
  return {
    n: String(g.length),
    withDup: String(g.filter((r) => r.dupMaxMs > 0).length),
    untilUndo: String(g.filter((r) => r.dupToUndo).length),
    dupMax: fmt(max(dups)),
    dupP99: fmt(percentile(dups, 99)),
    afterUndo: fmt(max(g.map((r) => r.dupAfterUndoMs))),
    recP50: fmt(percentile(rec, 50)),
    recP99: fmt(percentile(rec, 99)),
    recMax: fmt(max(rec)),
    noRec: String(g.length - rec.length),
    unsettled: String(g.filter((r) => !r.settled).length),
  };
}

const COLS: Array<[keyof ReturnType<typeof figures>, string]> = [
  ["n", "n"], ["withDup", "faults with 2 holders"], ["untilUndo", "2 holders until undo"], ["dupMax", "dup max"], ["dupP99", "dup p99"],
  ["afterUndo", "dup after undo max"], ["recP50", "recovery p50"], ["recP99", "recovery p99"], ["recMax", "recovery max"], ["noRec", "no recovery"], ["unsettled", "unsettled"],
];

/**
 * Markdown table, one row per fault kind and target role (the master or a
 * backup at injection time), each cell "vigil / keepalived".
 */
export function sideBySide(a: { name: string; rs: FaultResult[] }, b: { name: string; rs: FaultResult[] }, opts: { masterOnly?: boolean } = {}): string {
  const groups: Array<[string, (r: FaultResult) => boolean]> = [];
  for (const k of FAULT_KINDS) {
    groups.push([`${k} (master)`, (r) => r.kind === k && r.targetWasMaster]);
    if (!opts.masterOnly) groups.push([`${k} (backup)`, (r) => r.kind === k && !r.targetWasMaster]);
  }
  groups.push(opts.masterOnly ? ["all (master)", (r) => r.targetWasMaster] : ["all", () => true]);
  const head = ["fault", ...COLS.map(([, h]) => h)];
  const rows: string[][] = [head];
  for (const [label, pick] of groups) {
    const ga = a.rs.filter(pick);
    const gb = b.rs.filter(pick);
    if (ga.length + gb.length === 0) continue;
    const fa = figures(ga);
    const fb = figures(gb);
    rows.push([label, ...COLS.map(([k]) => `${fa[k]} / ${fb[k]}`)]);
  }
  const w = head.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(w[c])).join(" | ")} |`;
  return [line(rows[0]), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}
