// bench-timeout: 720
// Where the anonymous memory of the daemon goes, against the floor of Bun's runtime
// (issue 14, item 4: target ≤ 16 MB anonymous for 50 instances + MQTT + 100 checkers).
//
// Floors (memory-floor.ts): tiny programs compiled with the Makefile's COMPILE flags:
// a hello that stays alive, + one idle Worker, + one Worker in a bun:ffi ppoll loop,
// vigil's daemon modules imported with nothing started, + the VRRP worker's modules,
// and `vigil run`'s static imports alone (no fleet, no LVS), ± the worker;
// each under Bun's defaults, MIMALLOC_PURGE_DELAY=0, BUN_OPTIONS=--smol and
// BUN_JSC_useDFGJIT=0, read 3 s after the program is ready.
//
// The daemon: the shipped binary (copied outside the checkout) on router 1, one
// setting after the other:
//   as shipped              vigil re-execs itself with MIMALLOC_PURGE_DELAY=0
//                           (src/sys/allocator-env.ts: freed pages go back at once)
//   MIMALLOC_PURGE_DELAY=-1 freed pages stay resident (the setting before)
//   BUN_OPTIONS=--smol      Bun's small-heap mode for the main thread
//   BUN_JSC_useDFGJIT=0     no optimising JIT (what JSC's DFG compiles cost)
// for 50 VRRPv3 instances at advert_int 1 s, and for the gateway load (50 instances
// + MQTT + 100 HTTP_GET checkers at delay_loop 1 s) with the first two. After SETTLE_S,
// three reads 5 s apart, medians: RssAnon (/proc/PID/status), its mappings by kind
// (anon-mappings.ts), the main thread's and the VRRP worker's JS heaps (`vigil status`
// memory), the thread count, and the daemon's CPU over those 10 s.
//
//   bun test/bench/memory.bench.ts        MEMORY_SETTLE_S=30  MEMORY_FLOORS=1 (0 skips them)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { shippedBinary } from "../helpers/board.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { BUN } from "../helpers/netns.ts";
import { ANON_KINDS, type AnonKind, anonByMapping, rssAnonKiB } from "./anon-mappings.ts";
import { fleetCheckersConf, vrrpSpec } from "./board-configs.ts";
import { startBoardVigil, stateSummary } from "./board-idle.ts";
import { startPeers } from "./board-peers.ts";
import { percentile } from "./faults.ts";
import { buildFloors, FLOOR_PROGRAMS, type FloorRow, measureFloor } from "./memory-floor.ts";

const SETTLE_S = Number(process.env.MEMORY_SETTLE_S ?? 30);
if (!Number.isInteger(SETTLE_S) || SETTLE_S < 5 || SETTLE_S > 600) { console.error("memory: MEMORY_SETTLE_S must be 5..600"); process.exit(2); }
const FLOORS = process.env.MEMORY_FLOORS !== "0";

const FLOOR_VARIANTS: Array<[string, Record<string, string>]> = [
  ["Bun defaults", {}],
  ["MIMALLOC_PURGE_DELAY=0", { MIMALLOC_PURGE_DELAY: "0" }],
  ["BUN_OPTIONS=--smol", { BUN_OPTIONS: "--smol" }],
  ["BUN_JSC_useDFGJIT=0", { BUN_JSC_useDFGJIT: "0" }],
];
const VARIANTS: Array<[string, string[]]> = [
  ["as shipped (purge delay 0)", []],
  ["MIMALLOC_PURGE_DELAY=-1", ["MIMALLOC_PURGE_DELAY=-1"]],
  ["BUN_OPTIONS=--smol", ["BUN_OPTIONS=--smol"]],
  ["BUN_JSC_useDFGJIT=0", ["BUN_JSC_useDFGJIT=0"]],
];

interface Row { variant: string; config: string; anonKiB: number; kinds: Record<AnonKind, number>; heapKiB: number; workerHeapKiB: number; threads: number; cpuPct: number; states: string }

/** utime + stime of the whole process, ms */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * (1000 / 100); // USER_HZ is 100 on Linux
}

async function measure(lab: Lab, variant: string, env: string[], config: string, text: string): Promise<Row> {
  const vigil = shippedBinary("x64");
  const d = await startBoardVigil(lab, env.length ? ["env", ...env, vigil] : [vigil], text, "mem", 30_000);
  try {
    await sleep(SETTLE_S * 1000);
    const pid = d.proc.pid;
    const reads: Array<Omit<Row, "variant" | "config" | "states" | "cpuPct">> = [];
    let states = "";
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) {
      if (i) await sleep(5000);
      const st = await d.status();
      states = stateSummary(st);
      const { rssAnon, threads } = rssAnonKiB(pid);
      reads.push({ anonKiB: rssAnon, kinds: anonByMapping(pid), heapKiB: st?.memory ? st.memory.heapUsed / 1024 : NaN, workerHeapKiB: (st?.memory?.workerHeapUsed ?? NaN) / 1024, threads });
    }
    const cpuPct = ((cpuMs(pid) - c0) / (performance.now() - t0)) * 100;
    const med = (f: (r: (typeof reads)[number]) => number) => percentile(reads.map(f), 50);
    const kinds = Object.fromEntries(ANON_KINDS.map((k) => [k, med((r) => r.kinds[k])])) as Record<AnonKind, number>;
    return { variant, config, anonKiB: med((r) => r.anonKiB), kinds, heapKiB: med((r) => r.heapKiB), workerHeapKiB: med((r) => r.workerHeapKiB), threads: med((r) => r.threads), cpuPct, states };
  } finally {
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 8000);
  }
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim();
const la0 = loadavg();
const floors: FloorRow[] = [];
if (FLOORS) {
  const bins = buildFloors(BUN);
  for (const p of FLOOR_PROGRAMS) for (const [name, env] of FLOOR_VARIANTS) floors.push(await measureFloor(p, bins.get(p.name)!, name, env));
}
const la1 = loadavg();
const lab = await Lab.create({ routers: 1 });
const rows: Row[] = [];
try {
  for (const [name, env] of VARIANTS) rows.push(await measure(lab, name, env, "50 instances", keepalivedConf(vrrpSpec(50))));
  const peers = await startPeers(lab, 100, (2 * (SETTLE_S + 60) + 120) * 1000);
  try {
    const keys = join(lab.dir, "fleet");
    const kg = Bun.spawnSync([shippedBinary("x64"), "config", "keygen", "--out", keys], { stderr: "pipe" });
    if (kg.exitCode !== 0) throw new Error(`vigil config keygen: ${kg.stderr.toString()}`);
    const text = fleetCheckersConf({
      instances: 50, broker: peers.broker, fleet: "mem", node: "r1", trustKey: `${keys}.pub`, stateDir: join(lab.dir, "state"),
      realServer: peers.address, ports: peers.ports, perVirtualServer: 20, delayLoopS: 1,
    });
    for (const [name, env] of VARIANTS.slice(0, 2)) rows.push(await measure(lab, name, env, "50 instances + MQTT + 100 HTTP_GET", text));
  } finally {
    await peers.stop();
  }
} finally {
  await lab.cleanup();
}

const mib = (k: number) => (k / 1024).toFixed(1);
const kindCols = (k: Record<AnonKind, number>) => ANON_KINDS.map((n) => mib(k[n])).join(" | ");
if (floors.length) {
  console.log(`\nfloors: compiled programs (Makefile COMPILE flags), RssAnon MiB 3 s after ready; loadavg ${la0} → ${la1}\n`);
  console.log(`| program | setting | RssAnon | ${ANON_KINDS.join(" | ")} | threads |`);
  console.log(`|---|---|---|${ANON_KINDS.map(() => "---|").join("")}---|`);
  for (const f of floors) console.log(`| ${f.program} | ${f.variant} | ${mib(f.rssAnon)} | ${kindCols(f.kinds)} | ${f.threads} |`);
}
console.log(`\nthe shipped daemon, ${SETTLE_S} s after its status socket answered, medians of 3 reads 5 s apart; MiB; CPU over those 10 s; loadavg ${la1} → ${loadavg()}\n`);
console.log(`| config | setting | states | RssAnon | ${ANON_KINDS.join(" | ")} | main JS heap | worker JS heap | threads | CPU % |`);
console.log(`|---|---|---|---|${ANON_KINDS.map(() => "---|").join("")}---|---|---|---|`);
for (const r of rows) {
  console.log(`| ${r.config} | ${r.variant} | ${r.states} | ${mib(r.anonKiB)} | ${kindCols(r.kinds)} | ${mib(r.heapKiB)} | ${mib(r.workerHeapKiB)} | ${r.threads} | ${r.cpuPct.toFixed(1)} |`);
}
