// On demand: what VRRP instances cost in anonymous memory, and binaries compared on
// it in interleaved runs (issue 14, item 4; README "Memory: the 16 MB target").
// The shipped binary (or each of MEM_BINS) on router 1 with N VRRPv3 instances at
// advert_int 1 s (or, for a count written "1f", one instance at 20 ms: as many
// adverts a second as 50 instances at 1 s). MEM_SETTLE_S after the status socket
// answers, a status request; with MEM_LIVE=1 the daemon runs with
// VIGIL_HEAP_PROBE=live, so that request first collects both threads' heaps in full
// (garbage and GC timing are the largest run-to-run noise otherwise); 1.5 s later
// RssAnon and its mappings by kind (anon-mappings.ts) are read. Every binary runs
// every count once per round, binaries alternating.
//
//   bun test/bench/memory-instances.ts
//     MEM_COUNTS=1,10,25,50   MEM_ROUNDS=2   MEM_SETTLE_S=20   MEM_LIVE=1
//     MEM_BINS=label=path,label=path   (default: shipped=dist/vigil-linux-x64)
import { chmodSync, copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/board.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { anonByMapping, rssAnonKiB } from "./anon-mappings.ts";
import { instances, vrrpSpec } from "./board-configs.ts";
import { startBoardVigil, stateSummary } from "./board-idle.ts";
import { percentile } from "./faults.ts";

const counts = (process.env.MEM_COUNTS ?? "1,50").split(",");
const ROUNDS = Number(process.env.MEM_ROUNDS ?? 2);
const SETTLE_S = Number(process.env.MEM_SETTLE_S ?? 20);
const LIVE = process.env.MEM_LIVE === "1";
if (!counts.every((c) => /^([1-9]\d{0,2})f?$/.test(c) && Number.parseInt(c) <= 200)) { console.error("memory-instances: MEM_COUNTS is a list of 1..200 (a trailing f: advert_int 20 ms)"); process.exit(2); }
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1 && ROUNDS <= 10)) { console.error("memory-instances: MEM_ROUNDS must be 1..10"); process.exit(2); }
if (!(Number.isInteger(SETTLE_S) && SETTLE_S >= 5 && SETTLE_S <= 600)) { console.error("memory-instances: MEM_SETTLE_S must be 5..600"); process.exit(2); }

const lab = await Lab.create({ routers: 1 });
/** each binary copied into the lab's directory: a run must not see a later `make build` */
const bins = (process.env.MEM_BINS ?? `shipped=${join(ROOT, "dist", "vigil-linux-x64")}`).split(",").map((kv) => {
  const [label, path] = kv.split("=") as [string, string];
  const copy = join(lab.dir, `vigil-${label}`);
  copyFileSync(path, copy);
  chmodSync(copy, 0o755);
  return { label, path: copy };
});

function conf(count: string): string {
  const n = Number.parseInt(count);
  return keepalivedConf(count.endsWith("f") ? { routerId: "r1", instances: instances(n, 150).map((i) => ({ ...i, advertInt: 0.02 })) } : vrrpSpec(n));
}

interface Read { anon: number; arenas: number; jit: number; heap: number; workerHeap: number; states: string }
const reads = new Map<string, Read[]>();
const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim();
const la0 = loadavg();
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const b of bins) {
      for (const c of counts) {
        const argv = LIVE ? ["env", "VIGIL_HEAP_PROBE=live", b.path] : [b.path];
        const d = await startBoardVigil(lab, argv, conf(c), `m${c}`, 60_000);
        try {
          await sleep(SETTLE_S * 1000);
          const st = await d.status();
          await sleep(1500);
          const { rssAnon } = rssAnonKiB(d.proc.pid);
          const k = anonByMapping(d.proc.pid);
          const row = { anon: rssAnon / 1024, arenas: k["mimalloc arenas"] / 1024, jit: k["JIT code"] / 1024, heap: (st?.memory?.heapUsed ?? NaN) / 1048576, workerHeap: (st?.memory?.workerHeapUsed ?? NaN) / 1048576, states: stateSummary(st) };
          console.log(`round ${r} ${b.label} ${c}: RssAnon ${row.anon.toFixed(2)} MiB (arenas ${row.arenas.toFixed(2)}, JIT ${row.jit.toFixed(2)}; JS heaps ${row.heap.toFixed(2)} / ${row.workerHeap.toFixed(2)}) ${row.states}`);
          const key = `${b.label}\t${c}`;
          reads.set(key, [...(reads.get(key) ?? []), row]);
        } finally {
          lab.kill(1, "SIGTERM");
          await lab.reap(1, 8000);
        }
      }
    }
  }
} finally {
  await lab.cleanup();
}

const med = (rs: Read[], f: (r: Read) => number) => percentile(rs.map(f), 50).toFixed(2);
console.log(`\nRssAnon MiB ${SETTLE_S} s after the status socket answered${LIVE ? ", after a full collection of both heaps" : ""}; medians of ${ROUNDS} interleaved rounds (each run's figure after the slash list); loadavg ${la0} → ${loadavg()}\n`);
console.log("| binary | instances | RssAnon | runs | mimalloc arenas | JIT code | main JS heap | worker JS heap |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [key, rs] of reads) {
  const [label, c] = key.split("\t");
  console.log(`| ${label} | ${c!.endsWith("f") ? `${Number.parseInt(c!)} at 20 ms` : c} | ${med(rs, (r) => r.anon)} | ${rs.map((r) => r.anon.toFixed(2)).join(" / ")} | ${med(rs, (r) => r.arenas)} | ${med(rs, (r) => r.jit)} | ${med(rs, (r) => r.heap)} | ${med(rs, (r) => r.workerHeap)} |`);
}
