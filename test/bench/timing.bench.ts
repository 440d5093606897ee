// Timing proof for the advert Worker design (issue 4; docs/architecture.md,
// "Timing"). Builds a veth pair in throwaway namespaces (198.18.6.0/24), then:
//  1. lateness of a 10 ms periodic raw-socket send from a Worker waiting on absolute
//     clock_nanosleep deadlines, SCHED_FIFO vs SCHED_OTHER, with 20 ms main-thread
//     bursts every 100 ms, without and with another process burning a core;
//  2. GC count over ≥1M sends with BUN_JSC_logGC=1, against an allocating control.
// Run: node_modules/.bin/bun test/bench/timing.bench.ts   (root; TIMING_TICKS=1000 default)
import { spawn, spawnSync } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Netns } from "../helpers/netns.ts";

const BUN = process.execPath;
const DIR = import.meta.dir;
const TICKS = Number(process.env.TIMING_TICKS ?? 1000);
const SENDS = Number(process.env.TIMING_SENDS ?? 1_000_000);
const FIFO_PRIORITY = 10;

const tmp = mkdtempSync(join(tmpdir(), "vigil-timing-"));
const baseline = join(tmp, "timing-baseline");
const a = new Netns("tma");
const b = new Netns("tmb");
const burners: number[] = [];

function run(argv: string[], env: Record<string, string> = {}): { out: string; err: string } {
  const r = spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} -> exit ${r.exitCode}: ${r.stderr.toString().slice(-2000)}`);
  return { out: r.stdout.toString(), err: r.stderr.toString() };
}

function countGcBetween(log: string, start: string, end: string): number {
  const from = log.indexOf(start);
  const to = log.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`markers ${start}/${end} missing from the GC log`);
  return (log.slice(from, to).match(/GC END!/g) ?? []).length;
}

try {
  a.exec(["ip", "link", "add", "tma0", "type", "veth", "peer", "name", "tmb0", "netns", b.name]);
  a.exec(["ip", "addr", "add", "198.18.6.1/24", "dev", "tma0"]);
  b.exec(["ip", "addr", "add", "198.18.6.2/24", "dev", "tmb0"]);
  a.exec(["ip", "link", "set", "tma0", "up"]);
  b.exec(["ip", "link", "set", "tmb0", "up"]);
  for (let i = 0; i < 100 && !a.exec(["ip", "-o", "link", "show", "tma0"]).includes("state UP"); i++) Bun.sleepSync(50);

  run(["cc", "-O2", "-Wall", "-o", baseline, `${DIR}/timing-baseline.c`]);
  console.log(`advert Worker, period 10 ms, ${TICKS} ticks per row; µs after the absolute deadline:`);
  console.log("  wake = clock_nanosleep returned, sent = sendto() of the advert returned; C = same loop in plain C (host floor)");
  console.log("policy    load                               wake p50   p99    max | sent p50   p99    max | >1ms missed");
  const f = (x: number) => x.toFixed(0).padStart(6);
  for (const burner of [false, true]) {
    if (burner) {
      const p = spawn(["sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" });
      burners.push(p.pid);
    }
    const load = `20ms bursts/100ms${burner ? " + core burner" : ""}`;
    for (const fifo of [FIFO_PRIORITY, 0]) {
      const { out } = run([...a.prefix(), BUN, `${DIR}/timing-run.ts`, "tma0", String(fifo), String(TICKS), "10", "bursts"]);
      const r = JSON.parse(out.trim().split("\n").pop()!);
      const policy = fifo ? `FIFO ${fifo}` : "OTHER";
      console.log(`${policy.padEnd(9)} ${load.padEnd(34)} ${f(r.wakeP50us)} ${f(r.wakeP99us)} ${f(r.wakeMaxUs)} | ${f(r.p50us)} ${f(r.p99us)} ${f(r.maxUs)} | ${String(r.over1ms).padStart(4)} ${String(r.missed).padStart(6)}`);
    }
    const c = JSON.parse(run([baseline, String(TICKS), String(FIFO_PRIORITY)]).out);
    console.log(`${"C FIFO".padEnd(9)} ${(burner ? "core burner (no bursts)" : "idle (no bursts)").padEnd(34)} ${f(c.p50us)} ${f(c.p99us)} ${f(c.maxUs)} |`);
  }
  for (const pid of burners.splice(0)) process.kill(pid, "SIGKILL");

  const { out, err } = run([...a.prefix(), BUN, `${DIR}/timing-alloc.ts`, "tma0", String(SENDS)], { BUN_JSC_logGC: "1" });
  const res = JSON.parse(out.trim().split("\n").pop()!);
  const gcSends = countGcBetween(err, "MARK sends-start", "MARK sends-end");
  const gcRecv = countGcBetween(err, "MARK recv-start", "MARK recv-end");
  const gcControl = countGcBetween(err, "MARK control-start", "MARK control-end");
  console.log(`\nload average while measuring: ${(await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")} (2 cores, shared)`);
  console.log(`allocation: ${res.sends} VrrpSocket.send calls → ${gcSends} GCs (control loop allocating ≈32 B/iter over the same count → ${gcControl} GCs)`);
  console.log(`allocation: ${res.sends} looped send+recv pairs (${res.received} received with TTL 255) → ${gcRecv} GCs`);
  console.log(`send rate: ${res.sendsPerSec} sends/s from the main thread (${res.errors} ENOBUFS-type errors under flood)`);
} finally {
  for (const pid of burners) { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } }
  a.delete();
  b.delete();
  rmSync(tmp, { recursive: true, force: true });
}
