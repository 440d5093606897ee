// Advert send lateness, vigil and keepalived side by side (issue 4 benchmarks).
// One lab: vigil is master of VRID 51 on r1, keepalived master of VRID 52 on r2,
// both VRRPv3 at the same advert_int, one tcpdump on the bridge timestamps both
// trains under the same load at the same time. Loads:
//   idle          nothing else running
//   main 20/100   20 ms of synchronous work every 100 ms on vigil's main thread
//                 (test/bench/advert-busy-main.ts via --preload; keepalived has
//                 no second thread to load, so its row there is an idle reference)
//   core burner   another process spinning on a core
// each with realtime off (vigil --no-realtime, keepalived's default) and on
// (vrrp_rt_priority 10 for both: vigil's default, keepalived's opt-in SCHED_RR).
//
// Lateness of advert k = (t_k − t_{k−1}) − advert_int: how late it left against
// the ideal time given the previous one (negative = early; a missed advert shows
// as one advert_int late). drift = mean period − advert_int: a timer re-armed from
// "now" drifts, one on absolute deadlines does not.
//
//   bun test/bench/advert-lateness.bench.ts [--n10ms 1000] [--n1s 15] [--quick]
// bench-timeout: 420
import { spawn } from "bun";
import { keepalivedConf, startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { killTree, percentile, spawnVigil, status } from "./vrrp-daemon-lab.ts";

const o = { n10ms: 1000, n1s: 15 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = argv[i + 1];
  if (argv[i] === "--n10ms" && Number(v) >= 50 && Number(v) <= 100_000) { o.n10ms = Number(v); i++; }
  else if (argv[i] === "--n1s" && Number(v) >= 5 && Number(v) <= 3600) { o.n1s = Number(v); i++; }
  else if (argv[i] === "--quick") { o.n10ms = 300; o.n1s = 8; }
  else { console.error(`advert-lateness: bad argument '${argv[i]}'`); process.exit(2); }
}

type Load = "idle" | "main 20/100" | "core burner";
interface Row { impl: string; int: string; load: Load; rt: string; n: number; p50: number; p99: number; max: number; min: number; late15: number; driftUs: number; note?: string }

const BUSY = `${import.meta.dir}/advert-busy-main.ts`;

function spec(r: number, vrid: number, advertInt: number, rt: boolean): RouterSpec {
  return { routerId: `r${r}`, rtPriority: rt ? 10 : undefined, instances: [{ vrid, priority: 150, advertInt, version: 3, vips: [`198.18.0.${100 + r}`], garpMasterDelay: 0 }] };
}

function stats(impl: string, ts: number[], advertInt: number, load: Load, rt: boolean): Row {
  const iv = advertInt * 1000;
  const late: number[] = [];
  for (let i = 1; i < ts.length; i++) late.push(ts[i] - ts[i - 1] - iv);
  const drift = ts.length > 1 ? ((ts.at(-1)! - ts[0]) / (ts.length - 1) - iv) * 1000 : NaN;
  return {
    impl, int: advertInt >= 1 ? `${advertInt} s` : `${advertInt * 1000} ms`, load, rt: rt ? "on (10)" : "off", n: late.length,
    p50: percentile(late, 50), p99: percentile(late, 99), max: Math.max(...late), min: Math.min(...late),
    late15: late.filter((x) => x > 0.5 * iv).length, driftUs: drift,
  };
}

async function measure(lab: Lab, advertInt: number, n: number, load: Load, rt: boolean): Promise<Row[]> {
  const vConf = keepalivedConf(spec(1, 51, advertInt, rt));
  const v = await spawnVigil(lab, 1, vConf, {
    preload: load === "main 20/100" ? BUSY : undefined,
    env: load === "main 20/100" ? { VIGIL_BENCH_BUSY_MAIN: "20/100" } : undefined,
    args: rt ? [] : ["--no-realtime"],
  });
  const k = await startRouter(lab, 2, "keepalived", spec(2, 52, advertInt, rt));
  const seconds = Math.ceil(advertInt * n) + 30;
  const burner = load === "core burner" ? spawn(["timeout", "-s", "KILL", String(seconds), "sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" }) : null;
  try {
    // both must be master before the capture starts (bounded; a row that never got there says so)
    const deadline = Date.now() + advertInt * 4000 + 15_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      await sleep(100);
      ready = (await status(v))?.instances[0]?.state === "MASTER" && /Entering MASTER STATE/.test(lab.logOf(k.proc));
    }
    if (!ready) console.error(`advert-lateness: not both master before the capture (${advertInt} s, ${load}, rt ${rt}); keepalived log tail:\n${lab.logOf(k.proc).split("\n").slice(-8).join("\n")}`);
    await sleep(advertInt * 1000 + 200);
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    await sleep(advertInt * 1000 * (n + 1) + 200);
    const frames = await cap.stop();
    if (k.proc.proc.exitCode !== null || k.proc.proc.signalCode !== null) console.error(`advert-lateness: keepalived exited during the run:\n${lab.logOf(k.proc).split("\n").slice(-8).join("\n")}`);
    const train = (vrid: number, src: string) => adverts(frames, vrid).filter((a) => a.d.src === src && a.d.priority === 150).map((a) => a.t);
    const kRow = stats("keepalived", train(52, "198.18.0.2"), advertInt, load, rt);
    // keepalived runs its realtime VRRP child under RLIMIT_RTTIME; when the kernel kills it, the parent respawns it
    const deaths = (lab.logOf(k.proc).match(/VRRP child process\(\d+\) died/g) ?? []).length;
    if (deaths) kRow.note = `VRRP child killed and respawned ${deaths}x${/rlimit_rttime/.test(lab.logOf(k.proc)) ? " (its log: 'has rlimit_rttime been exceeded?')" : ""}`;
    return [stats("vigil", train(51, "198.18.0.1"), advertInt, load, rt), kRow];
  } finally {
    if (burner) killTree(burner.pid);
    for (const r of [1, 2]) { lab.kill(r, "SIGTERM"); await lab.reap(r, 3000); }
  }
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
const lab = await Lab.create({ routers: 2 });
const rows: Row[] = [];
try {
  for (const [int, n] of [[0.01, o.n10ms], [1, o.n1s]] as const)
    for (const rt of [false, true])
      for (const load of ["idle", "main 20/100", "core burner"] as Load[]) {
        for (const r of await measure(lab, int, n, load, rt)) {
          rows.push(r);
          console.error(`${r.impl} ${r.int} ${r.load} rt ${r.rt}: n=${r.n} p50 ${f(r.p50)} p99 ${f(r.p99)} max ${f(r.max)} ms, drift ${f(r.driftUs)} µs/advert`);
        }
      }
} finally {
  await lab.cleanup();
}
console.log("\nadvert send lateness on the wire (tcpdump on the lab bridge), VRRPv3, vigil and keepalived at the same time");
console.log("lateness = gap to the previous advert − advert_int (ms); drift = mean period − advert_int (µs per advert)\n");
console.log("| advert_int | load | realtime | impl | gaps | p50 | p99 | max | min | gaps > 1.5x | drift µs | note |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const ref = r.impl === "keepalived" && r.load === "main 20/100" ? " (idle ref)" : "";
  console.log(`| ${r.int} | ${r.load} | ${r.rt} | ${r.impl}${ref} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.min)} | ${r.late15} | ${f(r.driftUs)} | ${r.note ?? ""} |`);
}
