// bench-timeout: 1080
// Split-brain bench (issue 5 "Proof"): one seeded random script of faults
// (SIGKILL, SIGSTOP/SIGCONT, link down/up, partition/heal, a stalled advert
// thread), run against three vigil routers and then, unchanged, against three
// keepalived routers in the same lab, printed side by side: duplicate-holder
// intervals and client recovery per fault kind. Root only (network namespaces).
//
//   bun test/bench/split-brain.bench.ts [--faults 200] [--seed 1] [--advert-int 0.1]
//       [--lifetime 2] [--max-seconds 480] [--impls vigil,keepalived] [--json FILE] [--quiet]
//   bun test/bench/split-brain.bench.ts --from-json FILE     reprint the tables of a saved run
//
// --max-seconds bounds each implementation's run (injection stops, the table
// says how many faults ran). Interrupted (SIGTERM from the bench driver), it
// prints what it has before the lab tears itself down.
import { readFileSync, writeFileSync } from "node:fs";
import { type FaultResult, runFaults } from "./faults.ts";
import { makePlan, sideBySide } from "./split-brain-plan.ts";
import type { Impl } from "../helpers/keepalived.ts";

function parseArgs(argv: string[]) {
  const o = { faults: 200, seed: 1, advertInt: 0.1, lifetime: 2, maxSeconds: 480, impls: ["vigil", "keepalived"] as Impl[], json: "", fromJson: "", quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    const num = (lo: number, hi: number) => { const v = Number(val()); if (!(v >= lo && v <= hi)) throw new Error(`${a} must be ${lo}..${hi}`); return v; };
    if (a === "--faults") o.faults = Math.floor(num(1, 10000));
    else if (a === "--seed") o.seed = Math.floor(num(0, 2 ** 32 - 1));
    else if (a === "--advert-int") o.advertInt = num(0.01, 255);
    else if (a === "--lifetime") o.lifetime = Math.floor(num(1, 3600));
    else if (a === "--max-seconds") o.maxSeconds = num(10, 86400);
    else if (a === "--impls") {
      const xs = val().split(",");
      for (const x of xs) if (x !== "vigil" && x !== "keepalived") throw new Error(`unknown impl '${x}' (vigil, keepalived)`);
      o.impls = xs as Impl[];
    } else if (a === "--json") o.json = val();
    else if (a === "--from-json") o.fromJson = val();
    else if (a === "--quiet") o.quiet = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  return o;
}

let opts: ReturnType<typeof parseArgs>;
try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`split-brain.bench: ${(e as Error).message}`); process.exit(2); }

let plan = makePlan({ faults: opts.faults, seed: opts.seed });
let results: Record<Impl, FaultResult[]> = { vigil: [], keepalived: [] };
let wall: Partial<Record<Impl, number>> = {};

function report(note = "") {
  const hdr = `split-brain.bench: seed=${opts.seed} planned=${plan.length} faults, ran vigil=${results.vigil.length} keepalived=${results.keepalived.length}; ` +
    `VRRPv3 advert_int ${opts.advertInt} s, priorities 150/120/100, vigil vip_lifetime ${opts.lifetime} s, keepalived permanent VIPs; ` +
    `wall ${opts.impls.map((i) => `${i} ${wall[i] ?? "-"} s`).join(", ")}${note}`;
  console.log(`\n${hdr}\ncells: vigil / keepalived\n`);
  console.log(sideBySide({ name: "vigil", rs: results.vigil }, { name: "keepalived", rs: results.keepalived }));
  // Only a hold longer than the lease plus the kernel's expiry tick tells a
  // lease from a repair: there keepalived's duplicate lasts until the undo
  // (its length is the hold time, i.e. unbounded), vigil's must not.
  const long = (r: FaultResult) => r.holdMs > opts.lifetime * 1000 + 1000;
  console.log(`\nfaults held longer than vip_lifetime + 1 s (${opts.lifetime * 1000 + 1000} ms), on the master; cells: vigil / keepalived\n`);
  console.log(sideBySide({ name: "vigil", rs: results.vigil.filter(long) }, { name: "keepalived", rs: results.keepalived.filter(long) }, { masterOnly: true }));
  // issue 5's pass criterion for vigil, partitions aside (both sides hold by design until the heal)
  const bound = opts.lifetime * 1000 + 1000;
  const over = results.vigil.filter((r) => r.kind !== "partition" && r.dupMaxMs > bound);
  console.log(`\nvigil duplicates longer than vip_lifetime + 1 s (${bound} ms), partitions aside: ${over.length}${over.length ? ` (${over.map((r) => `#${r.i} ${r.kind} ${r.dupMaxMs.toFixed(0)} ms`).join(", ")})` : ""}`);
  if (opts.json && !opts.fromJson) writeFileSync(opts.json, JSON.stringify({ opts, plan, results, wall }, null, 1));
}

if (opts.fromJson) {
  const saved = JSON.parse(readFileSync(opts.fromJson, "utf8")) as { opts: typeof opts; plan: typeof plan; results: typeof results; wall: typeof wall };
  opts = { ...saved.opts, fromJson: opts.fromJson };
  ({ plan, results, wall } = saved);
  report(` (from ${opts.fromJson})`);
  process.exit(0);
}

// Registered before any Lab exists, so it runs before the lab's own teardown hook exits.
process.once("SIGTERM", () => report(" (interrupted)"));

for (const impl of opts.impls) {
  const t = Date.now();
  await runFaults({
    impl, faults: 0, seed: opts.seed, advertInt: opts.advertInt, maxSeconds: opts.maxSeconds, plan,
    vipLifetime: impl === "vigil" ? opts.lifetime : undefined,
    onResult: (r) => results[impl].push(r),
    log: opts.quiet ? undefined : (l) => console.error(`${impl}: ${l}`),
  });
  wall[impl] = Math.round((Date.now() - t) / 1000);
}
report();
