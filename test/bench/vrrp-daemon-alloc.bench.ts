// Allocation on the running daemon's advert path (issue 4 benchmarks; DESIGN:
// "zero JS allocations per advert"). heapStats cannot show per-call allocation,
// so the daemon runs with BUN_JSC_logGC=1 and the collections it logs are
// counted over ≥ 100 000 adverts after warm-up — sent on the master, received
// and validated on the backup. K instances at advert_int 10 ms make 100 000
// adverts take K/100 × less time than one instance would.
//
// Control: the same count over a window of status requests (which allocate) must
// show collections, or the counter is not wired to this process.
// Also CPU per advert, vigil and keepalived, master and backup, from
// /proc/PID/stat over a capture window (adverts counted on the wire).
//
//   bun test/bench/vrrp-daemon-alloc.bench.ts [--instances 50] [--adverts 100000]
import { readFileSync } from "node:fs";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { keepalivedConf, startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { cpuMs, gcHeaps, spawnVigil, status, tallyGc, type BenchVigil, type GcTally } from "./vrrp-daemon-lab.ts";

const o = { instances: 50, adverts: 100_000, cpuSeconds: 5 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const v = Number(argv[i + 1]);
  if (argv[i] === "--instances" && Number.isInteger(v) && v >= 1 && v <= 200) o.instances = v;
  else if (argv[i] === "--adverts" && Number.isInteger(v) && v >= 1000 && v <= 10_000_000) o.adverts = v;
  else { console.error(`vrrp-daemon-alloc: bad argument '${argv[i]} ${argv[i + 1] ?? ""}'`); process.exit(2); }
}

const spec = (r: number, prio: number): RouterSpec => ({
  routerId: `r${r}`,
  instances: Array.from({ length: o.instances }, (_, k) => ({ vrid: k + 1, priority: prio, advertInt: 0.01, version: 3 as const, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0 })),
});

const logLen = (lab: Lab, h: BenchVigil) => readFileSync(h.proc.log).length;
const logSlice = (lab: Lab, h: BenchVigil, from: number) => readFileSync(h.proc.log).subarray(from).toString();
async function sums(h: BenchVigil) {
  const s = await status(h);
  if (!s) throw new Error(`vigil on r${h.router} does not answer`);
  return { sent: s.instances.reduce((a, i) => a + (i.counters.advertsSent ?? 0), 0), recv: s.instances.reduce((a, i) => a + (i.counters.advertsReceived ?? 0), 0), states: s.instances.map((i) => i.state) };
}

/** CPU ms per 1000 adverts for master (r1) and backup (r2) over a capture window. */
async function cpuPerAdvert(lab: Lab, pids: [number, number]) {
  const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
  const c0 = pids.map(cpuMs);
  await sleep(o.cpuSeconds * 1000);
  const c1 = pids.map(cpuMs);
  const all = adverts(await cap.stop());
  const n = all.filter((a) => a.d.src === "198.18.0.1").length;
  const other = all.length - n;
  if (other > 0) console.error(`vrrp-daemon-alloc: ${other} adverts not from the master (r1) in the CPU window`);
  return { adverts: n, masterMsPer1k: ((c1[0] - c0[0]) / n) * 1000, backupMsPer1k: ((c1[1] - c0[1]) / n) * 1000 };
}

const lab = await Lab.create({ routers: 2 });
const out: string[] = [];
try {
  // ---- vigil ----
  const env = { BUN_JSC_logGC: "1" };
  const m = await spawnVigil(lab, 1, keepalivedConf(spec(1, 150)), { env });
  const b = await spawnVigil(lab, 2, keepalivedConf(spec(2, 100)), { env });
  let settled = false;
  for (let i = 0; i < 100 && !settled; i++) {
    await sleep(200);
    const [sm, sb] = [await sums(m), await sums(b)];
    settled = sm.states.every((s) => s === "MASTER") && sb.states.every((s) => s === "BACKUP");
  }
  if (!settled) throw new Error("vigil instances did not settle to MASTER/BACKUP");
  await sleep(3000); // warm-up: JIT tiers, first collections of start-up garbage
  const l0 = [logLen(lab, m), logLen(lab, b)];
  const s0 = [await sums(m), await sums(b)];
  const t0 = performance.now();
  // No polling inside the window (a status request allocates): sleep for the expected
  // time plus a margin, then check the count was reached.
  await sleep((o.adverts / (o.instances * 100)) * 1100 + 1000);
  const s1 = [await sums(m), await sums(b)];
  const secs = (performance.now() - t0) / 1000;
  const sent = s1[0].sent - s0[0].sent;
  const recv = s1[1].recv - s0[1].recv;
  if (sent < o.adverts) console.error(`vrrp-daemon-alloc: only ${sent} adverts sent in the window (wanted ${o.adverts})`);
  const row = (who: string, h: BenchVigil, from: number, n: number, what: string) => {
    const text = logSlice(lab, h, from);
    const [main, ...workers] = gcHeaps(readFileSync(h.proc.log).toString());
    const gw = workers.map((w) => tallyGc(text, w)).reduce((a, t) => ({ collections: a.collections + t.collections, eden: a.eden + t.eden, full: a.full + t.full, allocatedKiB: a.allocatedKiB + t.allocatedKiB, timerOnly: a.timerOnly + t.timerOnly }));
    const gmn = tallyGc(text, main);
    const line = (thread: string, g: GcTally) =>
      `| ${who}: ${thread} | ${n} ${what} | ${g.collections} (${g.eden}/${g.full}) | ${g.timerOnly} | ${g.allocatedKiB} | ${((g.allocatedKiB * 1024) / n).toFixed(3)} |`;
    return [line("VRRP worker", gw), line("main thread", gmn)];
  };
  const rowsM = row("master (sends)", m, l0[0], sent, "sent");
  const rowsB = row("backup (receives)", b, l0[1], recv, "received");
  // control: 500 status requests (each builds and serialises a status document)
  const lc = logLen(lab, m);
  for (let i = 0; i < 500; i++) await queryStatus(m.socket, "status", 3000);
  const gc = tallyGc(logSlice(lab, m, lc));
  const cpuV = await cpuPerAdvert(lab, [m.proc.pid, b.proc.pid]);
  for (const r of [1, 2]) { lab.kill(r, "SIGTERM"); await lab.reap(r, 4000); }

  out.push(`\nvigil daemon, ${o.instances} VRRPv3 instances at 10 ms, BUN_JSC_logGC=1, after 3 s warm-up, ${secs.toFixed(1)} s window (status read only at its ends)\n`);
  out.push("| process / thread | adverts in window | GCs (eden/full) | of them with a=0 (timer) | KiB allocated (sum of a=) | bytes per advert |");
  out.push("|---|---|---|---|---|---|");
  out.push(...rowsM, ...rowsB);
  out.push(`| control: master, 500 status requests | — | ${gc.collections} (${gc.eden}/${gc.full}) | ${gc.timerOnly} | ${gc.allocatedKiB} | — |`);
  out.push("\na= is JSC's count of bytes allocated since the previous collection, logged at each collection; allocation after the last");
  out.push("collection of the window is not seen, so 'no collection with a>0' over the window is the claim, not the byte figure alone.");

  // ---- keepalived, same instances ----
  const km = await startRouter(lab, 1, "keepalived", spec(1, 150));
  const kb = await startRouter(lab, 2, "keepalived", spec(2, 100));
  // every instance on r1 master (bounded), then the same 3 s of settling as vigil got
  for (let i = 0; i < 150 && (lab.logOf(km.proc).match(/Entering MASTER STATE/g) ?? []).length < o.instances; i++) await sleep(100);
  await sleep(3000);
  const cpuK = await cpuPerAdvert(lab, [km.proc.pid, kb.proc.pid]);
  out.push(`\nCPU per 1000 adverts (utime+stime of the process tree over ${o.cpuSeconds} s; adverts counted on the wire), ${o.instances} instances at 10 ms\n`);
  out.push("| impl | adverts | master ms / 1000 sent | backup ms / 1000 received |");
  out.push("|---|---|---|---|");
  for (const [impl, c] of [["vigil", cpuV], ["keepalived", cpuK]] as const) out.push(`| ${impl} | ${c.adverts} | ${c.masterMsPer1k.toFixed(1)} | ${c.backupMsPer1k.toFixed(1)} |`);
} finally {
  await lab.cleanup();
}
console.log(out.join("\n"));
