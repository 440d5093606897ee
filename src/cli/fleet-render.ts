// How a rollout looks to the operator: the live progress line, the final
// per-node table, and the JSON form. Pure functions of the engine's state.
import type { EngineState, NodeRecord } from "../fleet/rollout/engine.ts";
import { textTable } from "./text-table.ts";

/** Control characters from node names or reasons (they come from the network) must not drive the terminal. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

export interface Tally {
  applied: number;
  failed: number;
  rolledBack: number;
  pending: number;
  inFlight: number;
  total: number;
}

export function tallyOf(s: EngineState): Tally {
  const t: Tally = { applied: 0, failed: 0, rolledBack: 0, pending: 0, inFlight: 0, total: 0 };
  for (const r of Object.values(s.nodes)) {
    t.total++;
    if (r.failed) t.failed++;
    if (r.outcome === "applied") t.applied++;
    else if (r.outcome === "rolled-back") t.rolledBack++;
    if (r.phase === "pending") t.pending++;
    else if (r.phase !== "done") t.inFlight++;
  }
  return t;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** One line: "wave 2/4  applied 11  failed 0  pending 89  in flight 10  12.3s". */
export function progressLine(s: EngineState, t: Tally, now: number): string {
  const wave = s.wave < 0 ? "-" : `${s.wave + 1}/${s.spec.waves.length}`;
  const extra = s.status === "running" ? "" : `  ${s.status}`;
  return `wave ${wave}  applied ${t.applied}  failed ${t.failed}  pending ${t.pending}  in flight ${t.inFlight}${t.rolledBack ? `  rolled back ${t.rolledBack}` : ""}  ${secs(now - (s.startedAt ?? now))}${extra}`;
}

const RESULT: Record<string, string> = {
  applied: "applied", rejected: "rejected", "rolled-back-by-node": "rolled back by node", "timed-out": "timed out",
  unhealthy: "unhealthy", "rolled-back": "rolled back", "rollback-failed": "rollback failed", untouched: "untouched",
};

export function resultOf(r: NodeRecord): string {
  if (r.outcome) return RESULT[r.outcome] ?? r.outcome;
  return r.phase === "pending" ? "pending" : r.phase;
}

export function renderRollout(s: EngineState, now: number): string {
  const t = tallyOf(s);
  const started = s.startedAt ? new Date(s.startedAt).toISOString() : "not started";
  const took = s.startedAt ? `, ${secs((s.finishedAt ?? now) - s.startedAt)}` : "";
  const out = [
    `rollout ${clean(s.spec.id)}: serial ${s.spec.serial} to ${t.total} node(s) of fleet ${clean(s.spec.fleet)} in ${s.spec.waves.length} wave(s): ${s.status}${s.abortReason ? ` (${clean(s.abortReason)})` : ""}`,
    `started ${started}${took}; ${t.applied} applied, ${t.failed} failed, ${t.rolledBack} rolled back, ${t.pending} pending`,
  ];
  for (const n of s.spec.notes) out.push(`note: ${clean(n)}`);
  const rows = [["NODE", "WAVE", "RESULT", "REASON"]];
  s.spec.waves.forEach((w, i) => {
    for (const name of w) {
      const r = s.nodes[name]!;
      rows.push([clean(name), String(i + 1), resultOf(r), clean(r.reason ?? r.violation?.reason ?? "-")]);
    }
  });
  return `${out.join("\n")}\n\n${textTable(rows)}`;
}

/** The --json document: the state itself, with the tally and each node's result spelled out. */
export function rolloutJson(s: EngineState): unknown {
  const nodes = Object.fromEntries(Object.entries(s.nodes).map(([n, r]) => [n, { ...r, result: resultOf(r) }]));
  return { id: s.spec.id, tally: tallyOf(s), ...s, nodes };
}
