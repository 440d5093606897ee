// bench-timeout: 400
// Where a late advert of vigil's VRRP worker comes from (issue 14, item 2): the shipped
// binary (dist/vigil-linux-x64) in two routers of one lab, each master of its own VRID at
// 10 ms, both cores busy (two shell busy loops, killed with their process tree), adverts
// captured on each sender's own eth0, while perf records
//   - the two vigil processes' futex / ppoll / sendto syscalls (does the SCHED_FIFO worker
//     ever wait on a lock held by another thread of its process: JSC's JIT or GC helpers,
//     the main thread, mimalloc? A futex wait with op FUTEX_WAIT* would say so), and
//   - every CPU's sched_switch / sched_wakeup (when was the worker woken, when did it run,
//     and did its CPU schedule anything at all in between).
// For every worker sleep longer than 15 ms it prints how long the worker stayed runnable
// before it ran, and the longest stretch in that sleep with no scheduling event at all on
// the worker's CPU and on the other one (a vCPU the hypervisor is not running records none).
//
//   make build && bun test/bench/advert-stall-trace.ts [--seconds 90]   (on demand, not in make bench)
import { spawn } from "bun";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedConf, type RouterSpec } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { startVigil } from "../helpers/vigil.ts";
import { killTree } from "./vrrp-daemon-lab.ts";

const argv = process.argv.slice(2);
let seconds = 90;
if (argv[0] === "--seconds" && Number.isInteger(Number(argv[1])) && Number(argv[1]) >= 10 && Number(argv[1]) <= 600) seconds = Number(argv[1]);
else if (argv.length) { console.error(`advert-stall-trace: bad arguments '${argv.join(" ")}'`); process.exit(2); }

const ROOT = join(import.meta.dir, "..", "..");
const BIN = join(ROOT, "dist", "vigil-linux-x64");
const spec = (r: number): RouterSpec => ({ routerId: `r${r}`, rtPriority: 10, instances: [{ vrid: 50 + r, priority: 150, advertInt: 0.01, version: 3, vips: [`198.18.0.${100 + r}`], garpMasterDelay: 0 }] });

function threads(pid: number): Array<{ tid: string; comm: string; policy: number; rtprio: number }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return { tid, comm: readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim(), policy: Number(f[38]), rtprio: Number(f[37]) };
  });
}

function perfScript(file: string, fields: string): string[] {
  const r = Bun.spawnSync(["perf", "script", "-i", file, "-F", fields], { stdout: "pipe", stderr: "ignore" });
  return r.stdout.toString().split("\n");
}

const lab = await Lab.create({ routers: 2 });
// kept for `perf script -i`: build/bench/advert-stall-{sys,all}.perf
mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
const out = join(ROOT, "build", "bench", "advert-stall");
const lines: string[] = [];
try {
  const vs = [await startVigil(lab, 1, keepalivedConf(spec(1)), { command: [BIN] }), await startVigil(lab, 2, keepalivedConf(spec(2)), { command: [BIN] })];
  await sleep(2000);
  const workers = new Set<string>();
  for (const v of vs) for (const t of threads(v.proc.pid)) {
    if (t.policy === 1) workers.add(t.tid);
    lines.push(`  pid ${v.proc.pid} tid ${t.tid} ${t.comm}: ${t.policy === 1 ? `SCHED_FIFO ${t.rtprio}` : "SCHED_OTHER"}`);
  }
  const pids = vs.map((v) => v.proc.pid).join(",");
  const perfSys = spawn(["perf", "record", "-q", "-g", "-o", `${out}-sys.perf`, "-e", "syscalls:sys_enter_futex", "-e", "syscalls:sys_exit_futex", "-e", "syscalls:sys_enter_ppoll", "-e", "syscalls:sys_exit_ppoll", "-e", "syscalls:sys_enter_sendto", "-p", pids, "--", "sleep", String(seconds)], { stdout: "ignore", stderr: "inherit" });
  const perfAll = spawn(["perf", "record", "-q", "-a", "-o", `${out}-all.perf`, "-e", "sched:sched_switch", "-e", "sched:sched_wakeup", "--", "sleep", String(seconds)], { stdout: "ignore", stderr: "inherit" });
  const caps = [await lab.capture({ host: 1, filter: ["ip", "proto", "112"] }), await lab.capture({ host: 2, filter: ["ip", "proto", "112"] })];
  const busy = [0, 1].map(() => spawn(["timeout", "-s", "KILL", String(seconds + 30), "sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" }));
  try {
    await sleep(seconds * 1000);
  } finally {
    for (const b of busy) killTree(b.pid);
  }
  for (const [i, c] of caps.entries()) {
    const ts = adverts(await c.stop(), 51 + i).filter((a) => a.d.priority === 150).map((a) => a.t);
    const gaps = ts.slice(1).map((t, k) => t - ts[k]!);
    lines.push(`  r${i + 1} (own eth0): ${ts.length} adverts, ${gaps.filter((g) => g > 15).length} gaps > 15 ms, ${gaps.filter((g) => g > 36).length} > 36 ms, max ${Math.max(...gaps).toFixed(1)} ms`);
  }
  await perfSys.exited;
  await perfAll.exited;

  // a trace that dropped events would show false silences
  for (const f of ["sys", "all"]) {
    const st = Bun.spawnSync(["perf", "report", "-i", `${out}-${f}.perf`, "--stats"], { stdout: "pipe", stderr: "pipe" });
    const lost = /LOST(?:_SAMPLES)? events:\s+(\d+)/.exec(st.stdout.toString() + st.stderr.toString())?.[1] ?? "0";
    lines.push(`  perf ${f}: ${lost} lost-event records`);
  }
  // the workers' futex calls by operation (0x81 FUTEX_WAKE_PRIVATE; 0x80/0x89/0x189 are waits), and how long each wait took
  const ops = new Map<string, number>();
  const waitFrom = new Map<string, number>();
  const waits: string[] = [];
  for (const l of perfScript(`${out}-sys.perf`, "tid,time,event,trace")) {
    const m = /^\s*(\d+)\s+([\d.]+):\s+syscalls:sys_(enter|exit)_futex:\s*(?:.*op: (0x[0-9a-f]+))?/.exec(l);
    if (!m || !workers.has(m[1]!)) continue;
    const t = Number(m[2]) * 1000;
    if (m[3] === "enter") {
      ops.set(m[4]!, (ops.get(m[4]!) ?? 0) + 1);
      if (m[4] !== "0x00000081") waitFrom.set(m[1]!, t);
    } else if (waitFrom.has(m[1]!)) {
      waits.push(`${(t - waitFrom.get(m[1]!)!).toFixed(3)} ms`);
      waitFrom.delete(m[1]!);
    }
  }
  lines.push(`  workers' futex calls by op: ${[...ops].map(([op, n]) => `${op} × ${n}`).join(", ") || "none"}; waits took ${waits.join(", ") || "-"}`);

  // worker sleeps > 15 ms: runnable time before running, and scheduling silence per CPU
  const evAt: number[][] = [[], []];
  const outAt = new Map<string, number>();
  const wokeAt = new Map<string, number>();
  const late: Array<{ ms: number; from: number; to: number; tid: string; cpu: number; woke?: number }> = [];
  for (const l of perfScript(`${out}-all.perf`, "cpu,time,event,trace")) {
    const m = /^\s*\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)$/.exec(l);
    if (!m) continue;
    const cpu = Number(m[1]);
    const t = Number(m[2]) * 1000;
    evAt[cpu]?.push(t);
    if (m[3] === "sched:sched_wakeup") {
      const p = / pid=(\d+)/.exec(m[4]!)?.[1];
      if (p && workers.has(p)) wokeAt.set(p, t);
    } else if (m[3] === "sched:sched_switch") {
      const s = /prev_pid=(\d+) .*next_pid=(\d+)/.exec(m[4]!);
      if (!s) continue;
      if (workers.has(s[1]!)) { outAt.set(s[1]!, t); wokeAt.delete(s[1]!); }
      const from = outAt.get(s[2]!);
      if (workers.has(s[2]!) && from !== undefined) {
        if (t - from > 15) late.push({ ms: t - from, from, to: t, tid: s[2]!, cpu, woke: wokeAt.get(s[2]!) });
        outAt.delete(s[2]!);
        wokeAt.delete(s[2]!);
      }
    }
  }
  const silence = (cpu: number, a: number, b: number) => {
    const pts = [a, ...(evAt[cpu] ?? []).filter((t) => t > a && t < b), b];
    return Math.max(...pts.slice(1).map((t, i) => t - pts[i]!));
  };
  late.sort((a, b) => b.ms - a.ms);
  lines.push(`  worker sleeps > 15 ms (switch-out → switch-in, system-wide sched trace): ${late.length}`);
  for (const x of late.slice(0, 20)) {
    lines.push(`    ${x.ms.toFixed(1)} ms, tid ${x.tid} on cpu${x.cpu}: runnable ${x.woke !== undefined ? (x.to - x.woke).toFixed(1) : "?"} ms before it ran; no scheduling event on cpu${x.cpu} for ${silence(x.cpu, x.from, x.to).toFixed(1)} ms, on cpu${1 - x.cpu} for ${silence(1 - x.cpu, x.from, x.to).toFixed(1)} ms`);
  }
} finally {
  for (const r of [1, 2]) { lab.kill(r, "SIGTERM"); await lab.reap(r, 3000); }
  await lab.cleanup();
}
const steal = readFileSync("/proc/stat", "utf8").split("\n").filter((l) => /^cpu\d/.test(l)).map((l) => `${l.split(" ")[0]} ${Number(l.split(/\s+/)[8]) * 10} ms`);
console.log(`advert-stall-trace: two vigil workers at 10 ms, both cores busy, ${seconds} s\n${lines.join("\n")}\n  steal time since boot (/proc/stat): ${steal.join(", ")}`);
