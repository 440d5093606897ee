// bench-timeout: 900
// The gateway's share of the daemon's anonymous memory, split by what adds it, and
// binaries compared in interleaved rounds (issue 14, item 4: ≤ 16 MB anonymous for
// 50 VRRP instances + MQTT + 100 HTTP_GET checkers; memory.bench.ts gives the totals).
//
// Loads, each on router 1 with the lab's mosquitto and 100 HTTP listeners across the bridge:
//   50        50 VRRPv3 instances at advert_int 1 s
//   mqtt      50 + the vigil_fleet link (signed push enabled)
//   chk       50 + 100 HTTP_GET checkers at delay_loop 1 s
//   all       50 + both (memory.bench's gateway row)
// Every binary runs every load once per round, binaries alternating, so a load on
// the host shifts all of them alike. After MEMORY_SETTLE_S, GW_READS reads 5 s apart,
// medians: RssAnon, its mappings by kind (anon-mappings.ts), both JS heaps.
// With GW_PROBE=live the daemon runs with VIGIL_HEAP_PROBE=live (each status request
// collects in full and writes the main thread's live cells by type) and the bench
// prints, per load, the cell types that grew most against the first load.
//
//   bun test/bench/memory-gateway.bench.ts
//     GW_BINS=label=path,label=path   binaries to compare (default: shipped=dist/vigil-linux-x64)
//     GW_LOADS=50,mqtt,chk,all        GW_ROUNDS=1   MEMORY_SETTLE_S=30   GW_READS=3   GW_PROBE=live
//     GW_ENV_<label>="K=V K=V"       environment for one binary's runs (a setting compared as a binary)
import { chmodSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { ANON_KINDS, type AnonKind, anonByMapping, rssAnonKiB } from "./anon-mappings.ts";
import { fleetCheckersConf, vrrpSpec } from "./board-configs.ts";
import { startBoardVigil } from "./board-idle.ts";
import { startPeers } from "./board-peers.ts";
import { percentile } from "./faults.ts";

const ROOT = join(import.meta.dir, "../..");
const SETTLE_S = Number(process.env.MEMORY_SETTLE_S ?? 30);
const ROUNDS = Number(process.env.GW_ROUNDS ?? 1);
const READS = Number(process.env.GW_READS ?? 3);
const PROBE = process.env.GW_PROBE === "live";
const LOADS = (process.env.GW_LOADS ?? "50,mqtt,chk,all").split(",");
const KNOWN_LOADS = ["50", "mqtt", "chk", "all"];
if (!Number.isInteger(SETTLE_S) || SETTLE_S < 5 || SETTLE_S > 600) { console.error("memory-gateway: MEMORY_SETTLE_S must be 5..600"); process.exit(2); }
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 10) { console.error("memory-gateway: GW_ROUNDS must be 1..10"); process.exit(2); }
if (!Number.isInteger(READS) || READS < 1 || READS > 60) { console.error("memory-gateway: GW_READS must be 1..60"); process.exit(2); }
for (const l of LOADS) if (!KNOWN_LOADS.includes(l)) { console.error(`memory-gateway: unknown load '${l}' (${KNOWN_LOADS.join(", ")})`); process.exit(2); }
const BINS = (process.env.GW_BINS ?? `shipped=${join(ROOT, "dist/vigil-linux-x64")}`).split(",").map((s) => {
  const at = s.indexOf("=");
  if (at < 1) { console.error(`memory-gateway: GW_BINS entry '${s}' is not label=path`); process.exit(2); }
  const label = s.slice(0, at);
  const env = (process.env[`GW_ENV_${label}`] ?? "").split(" ").filter(Boolean);
  return { label, path: s.slice(at + 1), env };
});

interface Read { anonKiB: number; kinds: Record<AnonKind, number>; heapKiB: number; workerHeapKiB: number }
interface Row extends Read { bin: string; load: string; round: number; la: string; cpuPct: number; cells?: Record<string, number> }

/** utime + stime of the whole process, ms */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * (1000 / 100); // USER_HZ is 100 on Linux
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).join(" ");

/** The last `<<vigil-heap-live main N {...}>>` in a daemon's log: its main thread's live cells by type. */
function lastLiveCells(log: string): Record<string, number> | undefined {
  const all = [...log.matchAll(/<<vigil-heap-live main \d+ (\{.*?\})>>/g)];
  return all.length ? (JSON.parse(all[all.length - 1]![1]!) as Record<string, number>) : undefined;
}

const lab = await Lab.create({ routers: 1 });
const rows: Row[] = [];
try {
  // the binaries run from outside the checkout, as on a board
  const bins = BINS.map((b) => {
    if (!existsSync(b.path)) throw new Error(`${b.path} is missing`);
    const dst = join(lab.dir, `vigil-${b.label}`);
    copyFileSync(b.path, dst);
    chmodSync(dst, 0o755);
    return { label: b.label, path: dst, env: b.env };
  });
  const perRun = SETTLE_S + 5 * READS + 10;
  const peers = await startPeers(lab, 100, (ROUNDS * LOADS.length * bins.length * perRun + 120) * 1000);
  try {
    const keys = join(lab.dir, "fleet");
    const kg = Bun.spawnSync([bins[0]!.path, "config", "keygen", "--out", keys], { stderr: "pipe" });
    if (kg.exitCode !== 0) throw new Error(`vigil config keygen: ${kg.stderr.toString()}`);
    const full = fleetCheckersConf({
      instances: 50, broker: peers.broker, fleet: "mem", node: "r1", trustKey: `${keys}.pub`, stateDir: join(lab.dir, "state"),
      realServer: peers.address, ports: peers.ports, perVirtualServer: 20, delayLoopS: 1,
    });
    const vrrpOnly = keepalivedConf(vrrpSpec(50)).trimEnd();
    const fleetBlock = /\nvigil_fleet \{[^}]*\}\n/.exec(full)![0];
    const checkers = full.slice(full.indexOf("\nvirtual_server "));
    const texts: Record<string, string> = { 50: vrrpOnly + "\n", mqtt: vrrpOnly + "\n" + fleetBlock, chk: vrrpOnly + "\n" + checkers, all: full };
    for (let round = 0; round < ROUNDS; round++) {
      for (const load of LOADS) {
        // alternate which binary goes first, so neither always follows the other
        const order = round % 2 ? [...bins].reverse() : bins;
        for (const b of order) {
          const env = [...b.env, ...(PROBE ? ["VIGIL_HEAP_PROBE=live"] : [])];
          const argv = env.length ? ["env", ...env, b.path] : [b.path];
          const la = loadavg();
          const d = await startBoardVigil(lab, argv, texts[load]!, `gw-${b.label}-${load}`, 30_000);
          try {
            await sleep(SETTLE_S * 1000);
            const reads: Read[] = [];
            const c0 = cpuMs(d.proc.pid);
            const t0 = performance.now();
            for (let i = 0; i < READS; i++) {
              if (i) await sleep(5000);
              const st = await d.status();
              reads.push({
                anonKiB: rssAnonKiB(d.proc.pid).rssAnon, kinds: anonByMapping(d.proc.pid),
                heapKiB: st?.memory ? st.memory.heapUsed / 1024 : NaN, workerHeapKiB: (st?.memory?.workerHeapUsed ?? NaN) / 1024,
              });
            }
            const cpuPct = ((cpuMs(d.proc.pid) - c0) / (performance.now() - t0)) * 100;
            const med = (f: (r: Read) => number) => percentile(reads.map(f), 50);
            const kinds = Object.fromEntries(ANON_KINDS.map((k) => [k, med((r) => r.kinds[k])])) as Record<AnonKind, number>;
            rows.push({
              bin: b.label, load, round, la, kinds, cpuPct,
              anonKiB: med((r) => r.anonKiB), heapKiB: med((r) => r.heapKiB), workerHeapKiB: med((r) => r.workerHeapKiB),
              cells: PROBE ? lastLiveCells(lab.logOf(d.proc)) : undefined,
            });
            const r = rows[rows.length - 1]!;
            console.error(`round ${round} ${load} ${b.label}: RssAnon ${(r.anonKiB / 1024).toFixed(1)} MiB, main heap ${(r.heapKiB / 1024).toFixed(1)} (loadavg ${la})`);
          } finally {
            lab.kill(1, "SIGTERM");
            await lab.reap(1, 8000);
          }
        }
      }
    }
  } finally {
    await peers.stop();
  }
} finally {
  await lab.cleanup();
}

const mib = (k: number) => (k / 1024).toFixed(1);
console.log(`\nRssAnon by load and binary, ${SETTLE_S} s after the status socket answered, medians of ${READS} reads 5 s apart, one row per run; MiB; CPU % of one core over those reads\n`);
console.log(`| load | binary | round | loadavg | RssAnon | ${ANON_KINDS.join(" | ")} | main JS heap | worker JS heap | CPU % |`);
console.log(`|---|---|---|---|---|${ANON_KINDS.map(() => "---|").join("")}---|---|---|`);
for (const r of rows) {
  console.log(`| ${r.load} | ${r.bin} | ${r.round} | ${r.la} | ${mib(r.anonKiB)} | ${ANON_KINDS.map((k) => mib(r.kinds[k])).join(" | ")} | ${mib(r.heapKiB)} | ${mib(r.workerHeapKiB)} | ${r.cpuPct.toFixed(1)} |`);
}
console.log(`\nmedians over rounds: RssAnon (main JS heap), MiB\n`);
console.log(`| load | ${BINS.map((b) => b.label).join(" | ")} |`);
console.log(`|---|${BINS.map(() => "---|").join("")}`);
for (const load of LOADS) {
  const cell = (bin: string) => {
    const rs = rows.filter((r) => r.load === load && r.bin === bin);
    return rs.length ? `${mib(percentile(rs.map((r) => r.anonKiB), 50))} (${mib(percentile(rs.map((r) => r.heapKiB), 50))})` : "—";
  };
  console.log(`| ${load} | ${BINS.map((b) => cell(b.label)).join(" | ")} |`);
}
if (PROBE) {
  console.log(`\nmain thread's live cells after a full collection (last status read), the types that differ most from the first load's\n`);
  for (const b of BINS) {
    const base = rows.find((r) => r.bin === b.label && r.load === LOADS[0])?.cells ?? {};
    for (const load of LOADS.slice(1)) {
      const c = rows.filter((r) => r.bin === b.label && r.load === load).at(-1)?.cells;
      if (!c) continue;
      const diff = Object.keys({ ...c, ...base }).map((k) => [k, (c[k] ?? 0) - (base[k] ?? 0)] as const).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, 15);
      console.log(`${b.label} ${load} − ${LOADS[0]}: ${diff.map(([k, v]) => `${k} ${v > 0 ? "+" : ""}${v}`).join(", ")}`);
    }
  }
}
