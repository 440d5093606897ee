// `vigil fleet rollout --dry-run`: the waves as planned and, for each target,
// what the blob would change against the config the node reports running —
// read with config/get (nodes whose running hash already is the blob's need no
// question). Nothing is published to any config/set.
import { readCbor } from "../config/config-cbor.ts";
import type { Config } from "../config/model.ts";
import { redactSecrets } from "../fleet/redact.ts";
import { describeChange, diffConfigs, type Change } from "../fleet/rollout/config-diff.ts";
import type { FleetState } from "../fleet/rollout/fleet-state.ts";
import type { Plan } from "../fleet/rollout/plan.ts";
import type { FleetSession } from "../fleet/rollout-session.ts";

export interface DryRunNode {
  node: string;
  wave: number;
  running?: { serial: number; hash: string };
  result: "no change" | "changes" | "unknown";
  changes?: Change[];
  why?: string;
}

/** How long a dry run waits for config/get answers (or --timeout, if shorter). */
export const DRY_RUN_WAIT_MS = 5000;

export async function dryRunReport(session: FleetSession, fleet: FleetState, plan: Plan, next: Config, hash: string, waitMs: number): Promise<DryRunNode[]> {
  const waveOf = new Map(plan.waves.flatMap((w, i) => w.map((n) => [n, i + 1] as const)));
  const targets = plan.waves.flat();
  const unchanged = new Set(targets.filter((n) => fleet.running(n).hash === hash));
  const replies = await session.fetchRunning(targets.filter((n) => !unchanged.has(n)), waitMs);
  const redactedNext = redactSecrets(next);
  return targets.map((node): DryRunNode => {
    const wave = waveOf.get(node)!;
    if (unchanged.has(node)) {
      const r = fleet.running(node);
      return { node, wave, running: { serial: r.serial ?? 0, hash }, result: "no change", changes: [] };
    }
    const rep = replies.get(node);
    if (!rep) return { node, wave, result: "unknown", why: `no answer to config/get within ${waitMs / 1000} s` };
    if ("error" in rep) return { node, wave, result: "unknown", why: rep.error };
    const running = { serial: rep.serial, hash: rep.hash };
    const parsed = readCbor(rep.config, `${node}'s running config`);
    if (!parsed.config) return { node, wave, running, result: "unknown", why: `its running config does not read: ${parsed.errors[0]?.message ?? "?"}` };
    const changes = diffConfigs(redactSecrets(parsed.config), redactedNext);
    return { node, wave, running, result: changes.length ? "changes" : "no change", changes };
  });
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

export function renderDryRun(serial: number, hash: string, plan: Plan, nodes: DryRunNode[]): string {
  const out = [`dry run: serial ${serial} (config sha256 ${hash.slice(0, 12)}) to ${nodes.length} node(s) in ${plan.waves.length} wave(s); nothing published`];
  plan.waves.forEach((w, i) => out.push(`wave ${i + 1}: ${w.map(clean).join(", ")}`));
  for (const n of plan.notes) out.push(`note: ${n}`);
  out.push("");
  for (const n of nodes) {
    const runs = n.running ? `, runs serial ${n.running.serial}` : "";
    if (n.result === "unknown") out.push(`${clean(n.node)} (wave ${n.wave}${runs}): unknown: ${clean(n.why ?? "")}`);
    else if (n.result === "no change") out.push(`${clean(n.node)} (wave ${n.wave}${runs}): no change`);
    else {
      out.push(`${clean(n.node)} (wave ${n.wave}${runs}): ${n.changes!.length} change(s)`);
      for (const c of n.changes!) out.push(`  ${clean(describeChange(c))}`);
    }
  }
  return `${out.join("\n")}\n`;
}
