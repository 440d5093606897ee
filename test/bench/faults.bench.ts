// Fault-injection bench (issue 5): seeded random faults against three routers
// running keepalived or vigil, printing duplicate-holder intervals and client
// recovery per fault kind. Root only (network namespaces).
//
//   bun test/bench/faults.bench.ts [--impl keepalived|vigil] [--faults 30] [--seed 1]
//       [--advert-int 0.1] [--max-seconds 900] [--kinds kill,stop,link,partition] [--json FILE] [--quiet]
import { writeFileSync } from "node:fs";
import { FAULT_KINDS, runFaults, table, type FaultKind } from "./faults.ts";
import type { Impl } from "../helpers/keepalived.ts";

function parseArgs(argv: string[]) {
  const o = { impl: "keepalived" as Impl, faults: 30, seed: 1, advertInt: 0.1, maxSeconds: 900, kinds: FAULT_KINDS, json: "", quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    const num = (lo: number, hi: number) => { const v = Number(val()); if (!(v >= lo && v <= hi)) throw new Error(`${a} must be ${lo}..${hi}`); return v; };
    if (a === "--impl") { const v = val(); if (v !== "keepalived" && v !== "vigil") throw new Error("--impl must be keepalived or vigil"); o.impl = v; }
    else if (a === "--faults") o.faults = Math.floor(num(1, 10000));
    else if (a === "--seed") o.seed = Math.floor(num(0, 2 ** 32 - 1));
    else if (a === "--advert-int") o.advertInt = num(0.01, 255);
    else if (a === "--max-seconds") o.maxSeconds = num(10, 86400);
    else if (a === "--kinds") {
      const ks = val().split(",");
      for (const k of ks) if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`unknown fault kind '${k}' (${FAULT_KINDS.join(", ")})`);
      o.kinds = ks as FaultKind[];
    } else if (a === "--json") o.json = val();
    else if (a === "--quiet") o.quiet = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  return o;
}

let opts: ReturnType<typeof parseArgs>;
try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`faults.bench: ${(e as Error).message}`); process.exit(2); }
const t = Date.now();
const results = await runFaults({ ...opts, log: opts.quiet ? undefined : (l) => console.error(l) });
console.log(`\nfaults.bench: impl=${opts.impl} faults=${results.length} seed=${opts.seed} advert_int=${opts.advertInt}s (VRRPv3, priorities 150/120/100) wall=${((Date.now() - t) / 1000).toFixed(0)} s\n`);
console.log(table(opts.impl, results));
if (opts.json) writeFileSync(opts.json, JSON.stringify({ opts, results }, null, 1));
