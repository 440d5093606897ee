// Takeover overhead (issue 4 benchmarks), from the wire: SIGKILL the master,
// then time from its last advert to the new master's first gratuitous ARP
// (IPv4 VIP), minus the backup's Master_Down_Interval (RFC 5798 §6.1:
// 3 × Master_Adver_Interval + Skew_Time, Skew_Time = (256 − priority) ×
// Master_Adver_Interval / 256). What remains is the implementation's own delay.
//
//   bun test/bench/keepalived-failover.bench.ts [--impl keepalived|vigil] [--trials 20] [--advert-int 0.1]
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { startRouter, type Impl, type RouterSpec } from "../helpers/keepalived.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { Sampler } from "../helpers/sampler.ts";
import { percentile } from "./faults.ts";

const VIP = "198.18.0.100";
const PRIO = [150, 120];

const o = { impl: "keepalived" as Impl, trials: 20, advertInt: 0.1 };
const a = process.argv.slice(2);
for (let i = 0; i < a.length; i += 2) {
  const v = a[i + 1];
  if (a[i] === "--impl" && (v === "keepalived" || v === "vigil")) o.impl = v;
  else if (a[i] === "--trials" && Number(v) >= 1 && Number(v) <= 1000) o.trials = Number(v);
  else if (a[i] === "--advert-int" && Number(v) >= 0.01 && Number(v) <= 10) o.advertInt = Number(v);
  else { console.error(`keepalived-failover: bad argument '${a[i]} ${v ?? ""}'`); process.exit(2); }
}
const spec = (r: number): RouterSpec => ({ routerId: `r${r}`, instances: [{ vrid: 51, priority: PRIO[r - 1], advertInt: o.advertInt, version: 3, vips: [VIP], garpMasterDelay: 0 }] });
const mdiMs = (3 + (256 - PRIO[1]) / 256) * o.advertInt * 1000;

const lab = await Lab.create({ routers: 2 });
const gaps: number[] = [];
let failed = 0;
try {
  await startRouter(lab, 2, o.impl, spec(2));
  await startRouter(lab, 1, o.impl, spec(1));
  const sampler = await Sampler.start(lab, VIP, { maxSeconds: o.trials * 30 + 60, arp: false });
  for (let t = 0; t < o.trials; t++) {
    if (!(await sampler.waitFor((h) => h.length === 1 && h[0] === 1, 10_000))) { failed++; console.error(`trial ${t}: r1 not sole master`); continue; }
    await sleep(o.advertInt * 3000);
    const cap = await lab.capture({ filter: ["ip", "proto", "112", "or", "arp"] });
    await sleep(o.advertInt * 3000);
    const tKill = nowMs();
    lab.kill(1, "SIGKILL");
    const took = await sampler.waitFor((h) => h.includes(2), 10_000);
    await sleep(50);
    const frames = await cap.stop();
    // The killed master's last advert is the last one before the takeover, not
    // before tKill: one sent just before the kill can carry a capture stamp
    // just after it, and picking the one before would add a whole interval.
    const first = garps(frames, VIP).find((g) => g.srcMac === lab.mac(2) && g.t > tKill);
    const last = first && adverts(frames, 51).filter((f) => f.d.src === "198.18.0.1" && f.t < first.t).at(-1);
    if (!took || !last || !first) { failed++; console.error(`trial ${t}: takeover not seen on the wire`); }
    else {
      gaps.push(first.t - last.t);
      console.error(`trial ${t}: last advert → first GARP ${(first.t - last.t).toFixed(3)} ms (overhead ${(first.t - last.t - mdiMs).toFixed(3)} ms)`);
    }
    // keepalived deletes leftover VIPs at start, so the restarted r1 comes back clean and preempts.
    await lab.reap(1, 2000);
    await startRouter(lab, 1, o.impl, spec(1));
  }
  await sampler.stop();
} finally {
  await lab.cleanup();
}
const over = gaps.map((g) => g - mdiMs);
const f = (x: number) => `${x.toFixed(3)} ms`;
console.log(`\nfailover after SIGKILL, VRRPv3 advert_int ${o.advertInt} s, backup priority ${PRIO[1]}: Master_Down_Interval ${f(mdiMs)}\n`);
console.log("| impl | trials | failed | gap p50 | gap p99 | overhead p50 | overhead p99 | overhead min | overhead max |");
console.log("|---|---|---|---|---|---|---|---|---|");
console.log(`| ${o.impl} | ${gaps.length} | ${failed} | ${f(percentile(gaps, 50))} | ${f(percentile(gaps, 99))} | ${f(percentile(over, 50))} | ${f(percentile(over, 99))} | ${f(Math.min(...over))} | ${f(Math.max(...over))} |`);
