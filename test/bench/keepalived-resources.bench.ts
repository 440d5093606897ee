// RSS and CPU at advert_int 10 ms with 1 and with 50 VRRP instances (issue 4
// benchmarks): one router alone in the lab (master of every instance), CPU
// time from /proc/PID/stat over a fixed window for the whole process tree, RSS
// summed over it, and the adverts on the wire to prove every instance runs.
//
//   bun test/bench/keepalived-resources.bench.ts [--impl keepalived|vigil] [--seconds 10]
import { readFileSync } from "node:fs";
import { Lab, processTree, sleep } from "../helpers/lab.ts";
import { startRouter, stopRouter, type Impl, type InstanceSpec } from "../helpers/keepalived.ts";
import { adverts } from "../helpers/pcap.ts";

const o = { impl: "keepalived" as Impl, seconds: 10 };
const a = process.argv.slice(2);
for (let i = 0; i < a.length; i += 2) {
  const v = a[i + 1];
  if (a[i] === "--impl" && (v === "keepalived" || v === "vigil")) o.impl = v;
  else if (a[i] === "--seconds" && Number(v) >= 1 && Number(v) <= 600) o.seconds = Number(v);
  else { console.error(`keepalived-resources: bad argument '${a[i]} ${v ?? ""}'`); process.exit(2); }
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

function usage(pids: number[]): { cpuMs: number; rssKiB: number } {
  let cpuMs = 0, rssKiB = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuMs += (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) rssKiB += Number(m[1]);
    } catch { /* exited */ }
  }
  return { cpuMs, rssKiB };
}

const rows: string[] = [];
const lab = await Lab.create({ routers: 1 });
try {
  for (const n of [1, 50]) {
    const instances: InstanceSpec[] = Array.from({ length: n }, (_, k) => ({ vrid: k + 1, priority: 150, advertInt: 0.01, version: 3, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0 }));
    const h = await startRouter(lab, 1, o.impl, { routerId: "r1", instances });
    await sleep(1000); // Master_Down_Interval is ~35 ms; give start-up work time to finish
    const pids = processTree(h.proc.pid);
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    const u0 = usage(pids);
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const u1 = usage(pids);
    const wall = performance.now() - t0;
    const frames = await cap.stop();
    const vrids = new Set(adverts(frames).map((f) => f.d.vrid));
    const cpuPct = ((u1.cpuMs - u0.cpuMs) / wall) * 100;
    const perSec = adverts(frames).length / (wall / 1000);
    console.error(`${n} instances: cpu ${cpuPct.toFixed(1)} % of a core, rss ${(u1.rssKiB / 1024).toFixed(1)} MiB (${pids.length} processes), ${vrids.size} vrids on the wire, ${perSec.toFixed(0)} adverts/s`);
    rows.push(`| ${o.impl} | ${n} | ${pids.length} | ${cpuPct.toFixed(1)} % | ${(u1.rssKiB / 1024).toFixed(1)} MiB | ${vrids.size} | ${perSec.toFixed(0)} |`);
    await stopRouter(lab, h);
  }
} finally {
  await lab.cleanup();
}
console.log(`\nresources at advert_int 10 ms (VRRPv3), ${o.seconds} s window; CPU = utime+stime of the process tree / wall\n`);
console.log("| impl | instances | processes | CPU (one core) | RSS | VRIDs seen | adverts/s |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
