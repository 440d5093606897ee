// What the observability side costs (issue 13: metrics, notify FIFO, status
// detail must never slow the VRRP path).
//  1. In-process: one check report into the statistics (every check pays it,
//     always on since `vigil status` shows each checker's last result), one
//     notify FIFO line with a reader, and rendering /metrics for 25 instances and
//     2 000 real servers (a scrape's main-thread work).
//  2. Lab: a master at advert_int 10 ms with metrics_listen, advert lateness on
//     the wire idle and under a scrape storm (8 clients scraping back to back),
//     plus the daemon's CPU per scrape. The storm reaches the worker as one
//     status request per 500 ms at most (metrics-server.ts), so the two rows
//     should match.
//   bun test/bench/observability.bench.ts [--adverts 1000]
// bench-timeout: 240
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { CheckStats } from "../../src/daemon/metrics-checks.ts";
import { renderMetrics } from "../../src/daemon/metrics.ts";
import { NotifyFifo } from "../../src/daemon/notify-fifo.ts";
import type { DaemonStatus, InstanceStatus } from "../../src/daemon/status-types.ts";
import { DROP_NAMES } from "../../src/vrrp/drop-reasons.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { BUN, cpuMs, percentile, spawnVigil, status } from "./vrrp-daemon-lab.ts";

let ADVERTS = 1000;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = Number(argv[i + 1]);
  if (argv[i] === "--adverts" && v >= 100 && v <= 100_000) { ADVERTS = v; i++; }
  else { console.error(`observability: bad argument '${argv[i]}'`); process.exit(2); }
}
const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-");

/** ns per call of `fn` over `n` calls, as p50/p99 of 20 batches */
function perCall(n: number, fn: (i: number) => void): { p50: number; p99: number } {
  const batch = Math.max(1, Math.floor(n / 20));
  const per: number[] = [];
  for (let b = 0; b < 20; b++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < batch; i++) fn(b * batch + i);
    per.push((Bun.nanoseconds() - t0) / batch);
  }
  return { p50: percentile(per, 50), p99: percentile(per, 99) };
}

// ---- 1. in-process
const RS = 2000;
const stats = new CheckStats();
const names = Array.from({ length: RS }, (_, k) => ({ vs: `198.18.${k >> 8}.${k & 255}:80/TCP`, rs: `127.0.0.1:${10_000 + k}` }));
const reports = names.map((x, k) => ({ vs: x.vs, rs: x.rs, checker: "HTTP_GET", outcome: k % 10 ? { ok: true } : { ok: false, reason: "timeout" }, latencyMs: (k % 97) * 0.37 }));
for (const r of reports) stats.record(r); // every checker seen once, as after the first delay_loop
const rec = perCall(1_000_000, (i) => stats.record(reports[i % RS]!));

const instances: InstanceStatus[] = Array.from({ length: 25 }, (_, k) => {
  const counters: Record<string, number> = { advertsSent: 1e6, advertsReceived: 1e6, transitions: 3, vipRenewals: 1e5, becameMaster: 1, releasedMaster: 1, priorityZeroReceived: 0, priorityZeroSent: 1, sendErrors: 0, garpsSent: 10, vipRestores: 0, routeRestores: 0, conflicts: 0 };
  for (const r of DROP_NAMES.slice(1)) counters[`drop_${r}`] = k;
  return {
    name: `VI_${k}`, interface: "eth0", vrid: k + 1, family: 4, version: 3, state: "MASTER", priority: 100, effectivePriority: 100, masterAddress: "198.18.0.1",
    since: Date.now(), vips: [`198.18.1.${k}/32`], counters, masterPriority: 100, tracking: [{ kind: "script", name: "chk", weight: 5, up: true }],
    vipsInKernel: [{ address: `198.18.1.${k}`, prefix: 32, dev: "eth0", validLifetime: 3 }],
  };
});
const st: DaemonStatus = {
  version: "bench", pid: 1, startedAt: Date.now(), configFile: "/x", instances,
  virtualServers: Array.from({ length: RS / 20 }, (_, v) => ({ virtualServer: names[v * 20]!.vs, quorumUp: true, realServers: names.slice(v * 20, v * 20 + 20).map((n) => ({ realServer: n.rs, alive: true, weight: 1, checkers: [] })) })),
  ipvs: { operations: 1, applyErrors: 0 },
};
const entries = stats.entries();
const body = renderMetrics(st, entries);
const render = perCall(40, () => renderMetrics(st, stats.entries()));

const dir = mkdtempSync(join(tmpdir(), "vigil-obs-bench-"));
let fifoLine = { p50: NaN, p99: NaN };
try {
  const path = join(dir, "n.fifo");
  const fifo = new NotifyFifo({ path }, () => {});
  const null_ = openSync("/dev/null", "w");
  const reader = spawn(["cat", path], { stdout: null_, stderr: "ignore" });
  closeSync(null_);
  await sleep(100);
  // batches that fit the pipe, the reader draining between them (untimed): the cost of a line actually written
  const per: number[] = [];
  for (let b = 0; b < 200; b++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < 1000; i++) fifo.write(`INSTANCE "VI_${i % 25}" MASTER 100\n`);
    per.push((Bun.nanoseconds() - t0) / 1000);
    for (let k = 0; k < 100 && fifo.stats().queued > 0; k++) await sleep(5);
    await sleep(2);
  }
  fifoLine = { p50: percentile(per, 50), p99: percentile(per, 99) };
  const s = fifo.stats();
  await fifo.close();
  reader.kill();
  if (s.dropped) console.error(`observability: the reader fell behind: ${s.dropped} lines dropped`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---- 2. lab: advert lateness idle and under a scrape storm
interface Row { load: string; n: number; p50: number; p99: number; max: number; scrapes: number; cpuPerScrapeMs: number }
const lab = await Lab.create({ routers: 1 });
const rows: Row[] = [];
try {
  const conf = keepalivedConf({ routerId: "r1", instances: [{ vrid: 51, priority: 150, advertInt: 0.01, version: 3, vips: ["198.18.0.101"], garpMasterDelay: 0 }] })
    .replace("global_defs {", "global_defs {\n  metrics_listen 127.0.0.1:9650");
  const v = await spawnVigil(lab, 1, conf);
  for (let i = 0; i < 100 && (await status(v))?.instances[0]?.state !== "MASTER"; i++) await sleep(100);
  for (const load of ["idle", "scrape storm (8 clients back to back)"]) {
    const stormMs = ADVERTS * 10 + 1500;
    const storm = load === "idle" ? null : spawn(["ip", "netns", "exec", lab.router(1).ns, BUN, "-e", `
      let n = 0; const end = Date.now() + ${stormMs};
      await Promise.all(Array.from({ length: 8 }, async () => { while (Date.now() < end) { await (await fetch("http://127.0.0.1:9650/metrics")).text(); n++; } }));
      process.stdout.write(String(n));`], { stdout: "pipe", stderr: "inherit" });
    await sleep(500);
    const c0 = cpuMs(v.proc.pid);
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    await sleep(ADVERTS * 10 + 200);
    const frames = await cap.stop();
    const cpu = cpuMs(v.proc.pid) - c0;
    const scrapes = storm ? Number(await new Response(storm.stdout).text()) : 0;
    const ts = adverts(frames, 51).filter((a) => a.d.priority === 150).map((a) => a.t);
    const late: number[] = [];
    for (let i = 1; i < ts.length; i++) late.push(ts[i]! - ts[i - 1]! - 10);
    rows.push({ load, n: late.length, p50: percentile(late, 50), p99: percentile(late, 99), max: Math.max(...late), scrapes, cpuPerScrapeMs: scrapes ? cpu / scrapes : NaN });
  }
} finally {
  await lab.cleanup();
}

console.log("\nobservability costs (issue 13), this host, Bun", Bun.version);
console.log(`\n| what | p50 | p99 |\n|---|---|---|`);
console.log(`| check report into the statistics (${RS} checkers) | ${f(rec.p50, 0)} ns | ${f(rec.p99, 0)} ns |`);
console.log(`| notify FIFO line written (reader: cat) | ${f(fifoLine.p50 / 1000, 2)} µs | ${f(fifoLine.p99 / 1000, 2)} µs |`);
console.log(`| /metrics rendered, 25 instances + ${RS} real servers (${(body.length / 1024).toFixed(0)} KiB, ${body.split("\n").length} lines) | ${f(render.p50 / 1e6, 1)} ms | ${f(render.p99 / 1e6, 1)} ms |`);
console.log("\nadvert lateness on the wire at advert_int 10 ms, vigil with metrics_listen (ms; gap to the previous advert − 10 ms)\n");
console.log("| load | gaps | p50 | p99 | max | scrapes | daemon CPU per scrape |\n|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.load} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.scrapes} | ${r.scrapes ? `${f(r.cpuPerScrapeMs, 2)} ms` : "-"} |`);
