// `vigil fleet rollout` command line -> options, with every mistake named.
import { parseArgs } from "node:util";
import { checkId } from "../fleet/topics.ts";
import { parseWaves, type WaveStep } from "../fleet/rollout/plan.ts";
import { parseTerm, type Term } from "../fleet/rollout/selector.ts";
import type { ConnectionRecord } from "../fleet/rollout/record.ts";
import { BROKER_OPTIONS, BROKER_USAGE, connectionOf } from "./broker-args.ts";

export const ROLLOUT_USAGE =
  "usage: vigil fleet rollout BLOB --broker URL --fleet F (--all | --node N... | --where KEY=VALUE...)\n" +
  "         [--waves 1,10%,50%,100%] [--soak S] [--timeout S] [--hold S] [--max-failed N|P%]\n" +
  "         [--rollback-on-abort --key PREFIX.key] [--dry-run] [--json] [--state FILE] [--settle-ms N]\n" +
  `         ${BROKER_USAGE}\n` +
  "       vigil fleet rollout --resume ID|FILE [--key PREFIX.key] [--json]\n";

export interface RolloutOptions {
  blob?: string;
  fleet?: string;
  connection?: ConnectionRecord;
  all: boolean;
  nodes?: string[];
  where: Term[];
  waves: WaveStep[];
  soakMs: number;
  timeoutMs: number;
  holdMs: number;
  maxFailed: { count: number } | { percent: number };
  rollbackOnAbort: boolean;
  signingKey?: string;
  dryRun: boolean;
  json: boolean;
  state?: string;
  settleMs: number;
  resume?: string;
}

function seconds(name: string, v: string | undefined, dflt: number, max = 86_400): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n <= max)) throw new Error(`--${name} expects seconds (0..${max}), got '${v}'`);
  return Math.round(n * 1000);
}

export function parseMaxFailed(v: string | undefined): { count: number } | { percent: number } {
  if (v === undefined) return { count: 0 };
  const p = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (p && Number(p[1]) <= 100) return { percent: Number(p[1]) };
  if (/^\d+$/.test(v)) return { count: Number(v) };
  throw new Error(`--max-failed expects a count (0 = none may fail) or a percentage, got '${v}'`);
}

/** Failures allowed for `targets` targets: a percentage of them, rounded down. */
export function maxFailedOf(m: { count: number } | { percent: number }, targets: number): number {
  return "count" in m ? m.count : Math.floor((m.percent * targets) / 100);
}

export function parseRolloutArgs(argv: string[]): RolloutOptions {
  const a = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      ...BROKER_OPTIONS, all: { type: "boolean" }, node: { type: "string", multiple: true },
      where: { type: "string", multiple: true }, waves: { type: "string" }, soak: { type: "string" }, timeout: { type: "string" },
      hold: { type: "string" }, "max-failed": { type: "string" }, "rollback-on-abort": { type: "boolean" }, key: { type: "string" },
      "dry-run": { type: "boolean" }, json: { type: "boolean" }, state: { type: "string" }, "settle-ms": { type: "string" },
      resume: { type: "string" },
    },
  });
  const v = a.values;
  const settle = v["settle-ms"] ?? "1500";
  if (!/^\d+$/.test(settle) || Number(settle) > 60_000) throw new Error(`--settle-ms expects 0..60000, got '${settle}'`);
  const common = { json: !!v.json, signingKey: v.key, settleMs: Number(settle) };
  if (v.resume !== undefined) {
    if (a.positionals.length || v.broker || v.fleet || v.all || v.node || v.where) throw new Error("--resume takes the rest from the rollout's state file");
    return { ...common, resume: v.resume, all: false, where: [], waves: [], soakMs: 0, timeoutMs: 0, holdMs: 0, maxFailed: { count: 0 }, rollbackOnAbort: false, dryRun: false };
  }
  if (a.positionals.length !== 1) throw new Error("one BLOB (a signed config from `vigil config sign`) is required");
  if (!v.broker || !v.fleet) throw new Error("--broker and --fleet are required");
  checkId("fleet", v.fleet);
  for (const n of v.node ?? []) checkId("node", n);
  if (v.all && v.node?.length) throw new Error("--all and --node exclude each other");
  if (!v.all && !v.node?.length && !v.where?.length) throw new Error("say which nodes: --all, --node N... or --where KEY=VALUE...");
  if (v["rollback-on-abort"] && !v.key) throw new Error("--rollback-on-abort needs --key PREFIX.key: a rollback request is signed like a config");
  return {
    ...common,
    blob: a.positionals[0],
    fleet: v.fleet,
    connection: { ...connectionOf(v), ...(v.key ? { signingKey: v.key } : {}) },
    all: !!v.all,
    ...(v.node?.length ? { nodes: v.node } : {}),
    where: (v.where ?? []).map(parseTerm),
    waves: parseWaves(v.waves ?? "1,10%,50%,100%"),
    soakMs: seconds("soak", v.soak, 10_000),
    timeoutMs: seconds("timeout", v.timeout, 60_000),
    holdMs: seconds("hold", v.hold, 3_000),
    maxFailed: parseMaxFailed(v["max-failed"]),
    rollbackOnAbort: !!v["rollback-on-abort"],
    dryRun: !!v["dry-run"],
    ...(v.state ? { state: v.state } : {}),
  };
}
