// bench-timeout: 600
// Where the anonymous memory of a 50-instance daemon goes, and what the allocator
// and runtime knobs change (issue 14, item 4). The shipped binary (copied outside the
// checkout) on router 1, one variant after the other:
//   default                 vigil re-execs itself with MIMALLOC_PURGE_DELAY=-1
//                           (src/sys/allocator-env.ts: freed pages stay resident)
//   MIMALLOC_PURGE_DELAY=0  freed pages go back at once (user-set: no re-exec)
//   MIMALLOC_PURGE_DELAY=10 mimalloc's own default
//   purge 0 + --smol        BUN_OPTIONS=--smol as well (Bun's smaller-heap mode)
// for 50 VRRPv3 instances at advert_int 1 s, and for the gateway load (50 instances
// + MQTT + 100 HTTP_GET checkers at delay_loop 1 s) with the first two. After SETTLE_S,
// three reads 5 s apart, medians: RssAnon (/proc/PID/status), the anonymous RSS of
// /proc/PID/smaps by kind of mapping (the ≥ 64 MiB reservations are mimalloc's arenas
// and JSC's heap and JIT regions), the main thread's JS heap (`vigil status`
// memory.heapUsed) and the thread count.
//
//   bun test/bench/memory.bench.ts        MEMORY_SETTLE_S=30
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { shippedBinary } from "../helpers/board.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { fleetCheckersConf, vrrpSpec } from "./board-configs.ts";
import { startBoardVigil, stateSummary } from "./board-idle.ts";
import { startPeers } from "./board-peers.ts";
import { percentile } from "./faults.ts";

const SETTLE_S = Number(process.env.MEMORY_SETTLE_S ?? 30);
if (!Number.isInteger(SETTLE_S) || SETTLE_S < 5 || SETTLE_S > 600) { console.error("memory: MEMORY_SETTLE_S must be 5..600"); process.exit(2); }

const VARIANTS: Array<[string, string[]]> = [
  ["default (purge delay -1)", []],
  ["MIMALLOC_PURGE_DELAY=0", ["MIMALLOC_PURGE_DELAY=0"]],
  ["MIMALLOC_PURGE_DELAY=10", ["MIMALLOC_PURGE_DELAY=10"]],
  ["purge 0 + BUN_OPTIONS=--smol", ["MIMALLOC_PURGE_DELAY=0", "BUN_OPTIONS=--smol"]],
];

/** anonymous RSS (KiB) of /proc/PID/smaps by kind of mapping */
function anonByKind(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let kind = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const kib = (parseInt(m[2]!, 16) - parseInt(m[1]!, 16)) / 1024;
      const name = m[3]!.trim();
      kind = name.startsWith("[") ? name : name ? "file-backed (private copies)" : kib >= 65536 ? "≥ 64 MiB reservations" : "smaller anonymous";
      continue;
    }
    const a = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (a && Number(a[1]) > 0) out[kind] = (out[kind] ?? 0) + Number(a[1]);
  }
  return out;
}

interface Row { variant: string; config: string; anonKiB: number; rssKiB: number; kinds: Record<string, number>; heapKiB: number; threads: number; states: string }

async function measure(lab: Lab, variant: string, env: string[], config: string, text: string): Promise<Row> {
  const vigil = shippedBinary("x64");
  const d = await startBoardVigil(lab, env.length ? ["env", ...env, vigil] : [vigil], text, "mem", 30_000);
  try {
    await sleep(SETTLE_S * 1000);
    const reads: Array<Omit<Row, "variant" | "config" | "states">> = [];
    let states = "";
    for (let i = 0; i < 3; i++) {
      if (i) await sleep(5000);
      const st = await d.status();
      states = stateSummary(st);
      const status = readFileSync(`/proc/${d.proc.pid}/status`, "utf8");
      const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
      reads.push({ anonKiB: kib("RssAnon"), rssKiB: kib("VmRSS"), kinds: anonByKind(d.proc.pid), heapKiB: st?.memory ? st.memory.heapUsed / 1024 : NaN, threads: readdirSync(`/proc/${d.proc.pid}/task`).length });
    }
    const med = (f: (r: (typeof reads)[number]) => number) => percentile(reads.map(f), 50);
    const kinds: Record<string, number> = {};
    for (const k of new Set(reads.flatMap((r) => Object.keys(r.kinds)))) kinds[k] = med((r) => r.kinds[k] ?? 0);
    return { variant, config, anonKiB: med((r) => r.anonKiB), rssKiB: med((r) => r.rssKiB), kinds, heapKiB: med((r) => r.heapKiB), threads: med((r) => r.threads), states };
  } finally {
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 8000);
  }
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim();
const la0 = loadavg();
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
console.log(`\nanonymous memory of the shipped daemon, ${SETTLE_S} s after its status socket answered, medians of 3 reads; MiB; loadavg ${la0} → ${loadavg()}\n`);
console.log("| config | variant | states | RssAnon | VmRSS | ≥ 64 MiB reservations (mimalloc arenas, JSC heap/JIT) | smaller anonymous | main-thread JS heap used | threads |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.config} | ${r.variant} | ${r.states} | ${mib(r.anonKiB)} | ${mib(r.rssKiB)} | ${mib(r.kinds["≥ 64 MiB reservations"] ?? 0)} | ${mib(r.kinds["smaller anonymous"] ?? 0)} | ${mib(r.heapKiB)} | ${r.threads} |`);
}
console.log("\nother anonymous RSS by mapping (first row):", Object.entries(rows[0]?.kinds ?? {}).filter(([k]) => !k.startsWith("≥") && k !== "smaller anonymous").map(([k, v]) => `${k} ${v} KiB`).join(", "));
