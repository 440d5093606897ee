// A rollout's retained record (vigil/v1/<fleet>/rollout/<id>) as one row of
// the page: waves, tally, each node's result and reason, abort reason.
import type { EngineState } from "../../fleet/rollout/engine.ts";
import { resultOf, tallyOf } from "../fleet-render.ts";
import type { RolloutRow } from "./wire.ts";

export function rolloutRow(s: EngineState): RolloutRow {
  const nodes: RolloutRow["nodes"] = [];
  s.spec.waves.forEach((w, i) => {
    for (const node of w) {
      const r = s.nodes[node];
      if (!r) continue;
      const reason = r.reason ?? r.violation?.reason;
      nodes.push({ node, wave: i + 1, result: resultOf(r), ...(reason ? { reason } : {}) });
    }
  });
  return {
    id: s.spec.id, serial: s.spec.serial, status: s.status, wave: s.wave + 1, waves: s.spec.waves.length,
    ...(s.abortReason ? { abortReason: s.abortReason } : {}),
    ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
    ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
    tally: tallyOf(s), nodes,
  };
}
