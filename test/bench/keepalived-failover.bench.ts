// Takeover overhead, from the wire: SIGKILL the master, then time from its last
// advert to the new master's first gratuitous ARP (IPv4 VIP), minus the backup's
// Master_Down_Interval (RFC 5798 §6.1: 3 × Master_Adver_Interval + Skew_Time,
// Skew_Time = (256 − priority) × Master_Adver_Interval / 256). What remains is the
// implementation's own delay.
//
// Side by side in one run (issue 14): the implementations take turns trial by
// trial, so every one sees the same host load; each pair of routers is started
// fresh for its trial. Both are run with and without realtime scheduling: vigil
// runs SCHED_FIFO 10 by default and keepalived only with vrrp_rt_priority, and on
// a loaded host a non-realtime backup waits for a core after its timer fires. The
// figures the README once carried (keepalived 18.9 / 80.3 ms against vigil 1.2 /
// 3.6 ms) came from separate runs of this bench, one implementation each, with
// vigil realtime and keepalived not: host load and scheduling class, not VRRP.
//
//   bun test/bench/keepalived-failover.bench.ts [--trials 10] [--advert-int 0.1] [--impls vigil,vigil-nort,keepalived,keepalived-rt]
// bench-timeout: 400
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { keepalivedConf, startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { Sampler } from "../helpers/sampler.ts";
import { startVigil } from "../helpers/vigil.ts";
import { percentile } from "./faults.ts";

const VIP = "198.18.0.100";
const PRIO = [150, 120];
const IMPLS = {
  vigil: "vigil (realtime, its default)",
  "vigil-nort": "vigil --no-realtime",
  keepalived: "keepalived (no realtime, its default)",
  "keepalived-rt": "keepalived vrrp_rt_priority 10",
} as const;
type ImplKey = keyof typeof IMPLS;

const o = { trials: 10, advertInt: 0.1, impls: Object.keys(IMPLS) as ImplKey[] };
const a = process.argv.slice(2);
for (let i = 0; i < a.length; i += 2) {
  const v = a[i + 1];
  if (a[i] === "--trials" && Number(v) >= 1 && Number(v) <= 1000) o.trials = Number(v);
  else if (a[i] === "--advert-int" && Number(v) >= 0.01 && Number(v) <= 10) o.advertInt = Number(v);
  else if (a[i] === "--impls" && v && v.split(",").every((x) => x in IMPLS)) o.impls = v.split(",") as ImplKey[];
  else { console.error(`keepalived-failover: bad argument '${a[i]} ${v ?? ""}'`); process.exit(2); }
}
const spec = (r: number, rt: boolean): RouterSpec => ({
  routerId: `r${r}`, rtPriority: rt ? 10 : undefined,
  instances: [{ vrid: 51, priority: PRIO[r - 1]!, advertInt: o.advertInt, version: 3, vips: [VIP], garpMasterDelay: 0 }],
});
const mdiMs = (3 + (256 - PRIO[1]!) / 256) * o.advertInt * 1000;

async function start(lab: Lab, r: number, impl: ImplKey): Promise<void> {
  if (impl === "vigil" || impl === "vigil-nort") await startVigil(lab, r, keepalivedConf(spec(r, false)), impl === "vigil-nort" ? { args: ["--no-realtime"] } : {});
  else await startRouter(lab, r, "keepalived", spec(r, impl === "keepalived-rt"));
}

/** One takeover: the gap last advert of r1 → first GARP of r2 (ms), or a reason it was not seen. */
async function trial(lab: Lab, impl: ImplKey): Promise<number | string> {
  await start(lab, 2, impl);
  await start(lab, 1, impl);
  const sampler = await Sampler.start(lab, VIP, { maxSeconds: 60, arp: false });
  try {
    if (!(await sampler.waitFor((h) => h.length === 1 && h[0] === 1, 10_000))) return "r1 not sole master";
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
    return took && last && first ? first.t - last.t : "takeover not seen on the wire";
  } finally {
    await sampler.stop();
    for (const r of [1, 2]) { lab.kill(r, "SIGKILL"); await lab.reap(r, 3000); }
  }
}

const loadavg = async () => (await Bun.file("/proc/loadavg").text()).trim();
const gaps = new Map<ImplKey, number[]>(o.impls.map((i) => [i, []]));
const failed = new Map<ImplKey, number>(o.impls.map((i) => [i, 0]));
const la0 = await loadavg();
const lab = await Lab.create({ routers: 2 });
try {
  for (let t = 0; t < o.trials; t++) {
    for (const impl of o.impls) {
      const g = await trial(lab, impl);
      if (typeof g === "string") { failed.set(impl, failed.get(impl)! + 1); console.error(`trial ${t} ${impl}: ${g}`); }
      else { gaps.get(impl)!.push(g); console.error(`trial ${t} ${impl}: last advert → first GARP ${g.toFixed(3)} ms (overhead ${(g - mdiMs).toFixed(3)} ms)`); }
    }
  }
} finally {
  await lab.cleanup();
}
const la1 = await loadavg();
const f = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : "-");
console.log(`\nfailover after SIGKILL, VRRPv3 advert_int ${o.advertInt} s, backup priority ${PRIO[1]}: Master_Down_Interval ${f(mdiMs)}; trials interleaved; loadavg ${la0} → ${la1}\n`);
console.log("| impl | trials | failed | overhead p50 | overhead p90 | overhead min | overhead max |");
console.log("|---|---|---|---|---|---|---|");
for (const impl of o.impls) {
  const over = gaps.get(impl)!.map((g) => g - mdiMs);
  console.log(`| ${IMPLS[impl]} | ${over.length} | ${failed.get(impl)} | ${f(percentile(over, 50))} | ${f(percentile(over, 90))} | ${f(over.length ? Math.min(...over) : NaN)} | ${f(over.length ? Math.max(...over) : NaN)} |`);
}
