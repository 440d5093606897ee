// Advert send jitter (issue 4 benchmarks), measured on the wire: one master in
// the lab, tcpdump on the bridge, and the gap between consecutive adverts
// compared with advert_int. Idle and with another process burning a core,
// with keepalived's realtime knob (vrrp_rt_priority) off and on. Same harness
// for vigil (--impl vigil) once its daemon runs.
//
//   bun test/bench/keepalived-advert-jitter.bench.ts [--impl keepalived|vigil] [--n10ms 1000] [--n1s 20]
import { spawn } from "bun";
import { Lab, processTree, sleep } from "../helpers/lab.ts";
import { startRouter, stopRouter, type Impl } from "../helpers/keepalived.ts";
import { adverts } from "../helpers/pcap.ts";
import { percentile } from "./faults.ts";

const VIP = "198.18.0.100";

function args() {
  const o = { impl: "keepalived" as Impl, n10ms: 1000, n1s: 20 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    const v = a[i + 1];
    if (a[i] === "--impl" && (v === "keepalived" || v === "vigil")) o.impl = v;
    else if (a[i] === "--n10ms" && Number(v) >= 10 && Number(v) <= 100000) o.n10ms = Number(v);
    else if (a[i] === "--n1s" && Number(v) >= 3 && Number(v) <= 3600) o.n1s = Number(v);
    else { console.error(`keepalived-advert-jitter: bad argument '${a[i]} ${v ?? ""}'`); process.exit(2); }
  }
  return o;
}

interface Row { impl: Impl; interval: string; load: string; rt: string; n: number; p50: number; p99: number; max: number; late15: number }

async function measure(lab: Lab, impl: Impl, advertInt: number, n: number, burn: boolean, rt: boolean): Promise<Row> {
  const h = await startRouter(lab, 1, impl, { routerId: "r1", rtPriority: rt ? 50 : undefined, instances: [{ vrid: 51, priority: 150, advertInt, version: 3, vips: [VIP], garpMasterDelay: 0 }] });
  // A busy loop on the host (any core): the "another process burning a core" load.
  const burner = burn ? spawn(["timeout", "-s", "KILL", String(Math.ceil(advertInt * n) + 30), "sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" }) : null;
  try {
    // Become master first (Master_Down_Interval ≈ 3 × advert_int).
    await sleep(advertInt * 4000 + 300);
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    await sleep(advertInt * 1000 * (n + 1) + 200);
    const frames = await cap.stop();
    const ts = adverts(frames, 51).filter((a) => a.d.src === "198.18.0.1").map((a) => a.t);
    const dev: number[] = [];
    let late15 = 0;
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i] - ts[i - 1];
      dev.push(Math.abs(gap - advertInt * 1000));
      if (gap > 1.5 * advertInt * 1000) late15++;
    }
    return { impl, interval: advertInt >= 1 ? `${advertInt} s` : `${advertInt * 1000} ms`, load: burn ? "core burner" : "idle", rt: rt ? "vrrp_rt_priority 50" : "unset", n: dev.length, p50: percentile(dev, 50), p99: percentile(dev, 99), max: Math.max(...dev), late15 };
  } finally {
    if (burner) for (const p of processTree(burner.pid).reverse()) { try { process.kill(p, "SIGKILL"); } catch { /* gone */ } }
    await stopRouter(lab, h);
  }
}

const o = args();
const lab = await Lab.create({ routers: 1 });
const rows: Row[] = [];
try {
  for (const [int, n] of [[0.01, o.n10ms], [1, o.n1s]] as const)
    for (const burn of [false, true])
      for (const rt of [false, true]) {
        const r = await measure(lab, o.impl, int, n, burn, rt);
        console.error(`${r.interval} ${r.load} rt=${r.rt}: n=${r.n} p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms max ${r.max.toFixed(3)} ms >1.5x ${r.late15}`);
        rows.push(r);
      }
} finally {
  await lab.cleanup();
}
console.log("\nadvert gap |deviation| from advert_int, on the wire (tcpdump on the lab bridge), VRRPv3\n");
console.log("| impl | advert_int | load | vrrp_rt_priority | gaps | p50 | p99 | max | gaps > 1.5x |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.impl} | ${r.interval} | ${r.load} | ${r.rt} | ${r.n} | ${r.p50.toFixed(3)} ms | ${r.p99.toFixed(3)} ms | ${r.max.toFixed(3)} ms | ${r.late15} |`);
