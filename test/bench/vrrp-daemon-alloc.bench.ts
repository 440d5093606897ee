// Allocation on the running daemon's advert path (issue 4 benchmarks; DESIGN:
// "zero JS allocations per advert"). heapStats cannot show per-call allocation,
// so both daemons run with BUN_JSC_logGC=1 and the collections they log are
// counted per heap (the VRRP Worker has its own), over ≥ 100 000 adverts after
// warm-up: sent by the master (r1), received and validated by the backup (r2).
//
// A collection also happens without allocation (Bun's GC timer), so the advert
// window is read against a baseline window of the same length with the same
// instances at a 10× longer advert_int (10× fewer adverts): allocation that
// scales with adverts shows as the difference. A control window of status
// requests (which allocate in both threads) shows the counter moves when something allocates.
// Then CPU per advert for vigil and keepalived, master and backup.
//
//   bun test/bench/vrrp-daemon-alloc.bench.ts [--instances 25] [--adverts 100000]
// bench-timeout: 300
import { readFileSync } from "node:fs";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { keepalivedConf, startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { type BenchVigil, cpuMs, type GcTally, gcHeaps, parseGc, spawnVigil, status, tallyGc } from "./vrrp-daemon-lab.ts";

// 25 instances: the backup's 25 sockets each read every advert (62 500 reads/s), well within one core.
const o = { instances: 25, adverts: 100_000, cpuSeconds: 5 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const v = Number(argv[i + 1]);
  if (argv[i] === "--instances" && Number.isInteger(v) && v >= 1 && v <= 100) o.instances = v;
  else if (argv[i] === "--adverts" && Number.isInteger(v) && v >= 1000 && v <= 10_000_000) o.adverts = v;
  else { console.error(`vrrp-daemon-alloc: bad argument '${argv[i]} ${argv[i + 1] ?? ""}'`); process.exit(2); }
}

const spec = (r: number, prio: number, advertInt: number): RouterSpec => ({
  routerId: `r${r}`,
  instances: Array.from({ length: o.instances }, (_, k) => ({ vrid: k + 1, priority: prio, advertInt, version: 3 as const, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0 })),
});

async function sums(h: BenchVigil) {
  const s = await status(h);
  if (!s) throw new Error(`vigil on r${h.router} does not answer`);
  return { sent: s.instances.reduce((a, i) => a + (i.counters.advertsSent ?? 0), 0), recv: s.instances.reduce((a, i) => a + (i.counters.advertsReceived ?? 0), 0), states: s.instances.map((i) => i.state) };
}

const logBytes = (h: BenchVigil) => readFileSync(h.proc.log).length;

interface Side { worker: GcTally; main: GcTally; adverts: number }
interface Window { label: string; seconds: number; master: Side; backup: Side; control?: Side }

function sides(h: BenchVigil, from: number, to: number, n: number): Side {
  const events = parseGc(readFileSync(h.proc.log).toString());
  const [main, ...workers] = gcHeaps(events);
  return { worker: tallyGc(events, workers, from, to), main: tallyGc(events, main ? [main] : [], from, to), adverts: n };
}

/** Starts master + backup at advertInt, settles, warms up, then measures `seconds` without touching the daemons. */
async function window(lab: Lab, label: string, advertInt: number, seconds: number, withControl: boolean): Promise<Window> {
  const env = { BUN_JSC_logGC: "1" };
  const m = await spawnVigil(lab, 1, keepalivedConf(spec(1, 150, advertInt)), { env });
  const b = await spawnVigil(lab, 2, keepalivedConf(spec(2, 100, advertInt)), { env });
  try {
    let settled = false;
    for (let i = 0; i < 150 && !settled; i++) {
      await sleep(200);
      const [sm, sb] = [await sums(m), await sums(b)];
      settled = sm.states.every((s) => s === "MASTER") && sb.states.every((s) => s === "BACKUP");
    }
    if (!settled) throw new Error(`${label}: instances did not settle to MASTER/BACKUP`);
    await sleep(3000); // warm-up: JIT tiers, start-up garbage collected
    const s0 = [await sums(m), await sums(b)];
    const l0 = [logBytes(m), logBytes(b)];
    const t0 = performance.now();
    await sleep(seconds * 1000); // no status requests inside the window: they allocate
    const l1 = [logBytes(m), logBytes(b)];
    const s1 = [await sums(m), await sums(b)];
    const secs = (performance.now() - t0) / 1000;
    const w: Window = {
      label, seconds: secs,
      master: sides(m, l0[0], l1[0], s1[0].sent - s0[0].sent),
      backup: sides(b, l0[1], l1[1], s1[1].recv - s0[1].recv),
    };
    if (withControl) {
      const lc = logBytes(m);
      // each request makes the Worker build K status objects and the main thread serialise them
      for (let i = 0; i < 2000; i++) await queryStatus(m.socket, "status", 3000);
      w.control = sides(m, lc, Infinity, 0);
    }
    return w;
  } finally {
    for (const r of [1, 2]) { lab.kill(r, "SIGTERM"); await lab.reap(r, 4000); }
  }
}

/** CPU ms per 1000 adverts for master (r1) and backup (r2) over a capture window. */
async function cpuPerAdvert(lab: Lab, pids: [number, number]) {
  const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
  const c0 = pids.map(cpuMs);
  await sleep(o.cpuSeconds * 1000);
  const c1 = pids.map(cpuMs);
  const all = adverts(await cap.stop());
  const n = all.filter((a) => a.d.src === "198.18.0.1").length;
  return { adverts: n, fromBackup: all.length - n, masterMsPer1k: ((c1[0] - c0[0]) / n) * 1000, backupMsPer1k: ((c1[1] - c0[1]) / n) * 1000 };
}

const lab = await Lab.create({ routers: 2 });
const out: string[] = [];
try {
  const seconds = Math.ceil(o.adverts / (o.instances * 100)) + 1;
  const fast = await window(lab, "advert_int 10 ms", 0.01, seconds, true);
  const slow = await window(lab, "baseline: advert_int 100 ms", 0.1, seconds, false);
  if (fast.master.adverts < o.adverts) console.error(`vrrp-daemon-alloc: only ${fast.master.adverts} adverts sent in the window (wanted ${o.adverts})`);

  const g = (t: GcTally) => `${t.collections} (${t.eden}/${t.full})`;
  out.push(`\nvigil daemon, ${o.instances} VRRPv3 instances, BUN_JSC_logGC=1, 3 s warm-up, ${seconds} s windows; GCs as total (eden/full), allocation estimated from the GC log (see vrrp-daemon-lab.ts)\n`);
  out.push("| window | side | adverts | worker GCs | worker alloc KiB | main-thread GCs | main alloc KiB |");
  out.push("|---|---|---|---|---|---|---|");
  for (const w of [fast, slow]) for (const [side, s] of [["master (sent)", w.master], ["backup (received)", w.backup]] as const) {
    out.push(`| ${w.label} | ${side} | ${s.adverts} | ${g(s.worker)} | ${s.worker.allocatedKiB} | ${g(s.main)} | ${s.main.allocatedKiB} |`);
  }
  if (fast.control) out.push(`| control: 2000 status requests | master | — | ${g(fast.control.worker)} | ${fast.control.worker.allocatedKiB} | ${g(fast.control.main)} | ${fast.control.main.allocatedKiB} |`);
  for (const [side, f, s] of [["master", fast.master, slow.master], ["backup", fast.backup, slow.backup]] as const) {
    const dn = f.adverts - s.adverts;
    const dk = f.worker.allocatedKiB - s.worker.allocatedKiB;
    const dg = f.worker.collections - s.worker.collections;
    out.push(`\n${side}: ${dn} more adverts in the 10 ms window than in the baseline → worker GCs ${dg >= 0 ? "+" : ""}${dg}, worker allocation ${dk >= 0 ? "+" : ""}${dk} KiB = ${((Math.max(0, dk) * 1024) / dn).toFixed(2)} bytes per advert (estimate; 0 = nothing that scales with adverts)`);
  }

  // ---- CPU per advert, vigil then keepalived, same instances at 10 ms ----
  const vm = await spawnVigil(lab, 1, keepalivedConf(spec(1, 150, 0.01)));
  const vb = await spawnVigil(lab, 2, keepalivedConf(spec(2, 100, 0.01)));
  await sleep(4000);
  const cpuV = await cpuPerAdvert(lab, [vm.proc.pid, vb.proc.pid]);
  for (const r of [1, 2]) { lab.kill(r, "SIGTERM"); await lab.reap(r, 4000); }
  const km = await startRouter(lab, 1, "keepalived", spec(1, 150, 0.01));
  const kb = await startRouter(lab, 2, "keepalived", spec(2, 100, 0.01));
  for (let i = 0; i < 150 && (lab.logOf(km.proc).match(/Entering MASTER STATE/g) ?? []).length < o.instances; i++) await sleep(100);
  await sleep(3000);
  const cpuK = await cpuPerAdvert(lab, [km.proc.pid, kb.proc.pid]);
  const respawns = (lab.logOf(km.proc).match(/VRRP child process\(\d+\) died/g) ?? []).length;
  const expected = o.instances * 100 * o.cpuSeconds;
  out.push(`\nCPU per 1000 adverts (utime+stime of the process tree over ${o.cpuSeconds} s; adverts counted on the wire), ${o.instances} instances at 10 ms, default realtime settings\n`);
  out.push(`| impl | master adverts (of ≈${expected}) | adverts from the backup (spurious takeovers) | master ms / 1000 sent | backup ms / 1000 received |`);
  out.push("|---|---|---|---|---|");
  for (const [impl, c] of [["vigil", cpuV], ["keepalived", cpuK]] as const) out.push(`| ${impl} | ${c.adverts} | ${c.fromBackup} | ${c.masterMsPer1k.toFixed(1)} | ${c.backupMsPer1k.toFixed(1)} |`);
  if (respawns) out.push(`\nkeepalived's VRRP child died and was respawned ${respawns} time(s) on the master during this phase.`);
  if (cpuK.adverts < expected / 2 || cpuV.adverts < expected / 2) out.push("\nA row far below the expected advert count measured a master that was not advertising steadily (host load, or the failure noted above); its per-advert CPU is not comparable.");
} finally {
  await lab.cleanup();
}
console.log(out.join("\n"));
