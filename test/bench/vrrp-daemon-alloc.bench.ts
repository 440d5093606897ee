// Allocation on the running daemon's advert path (issue 4 benchmarks; docs/architecture.md:
// "a master sending adverts and a backup receiving them allocate nothing"), over ≥ 100 000 adverts after warm-up: sent by
// the master (r1), received and validated by the backup (r2). Both daemons run with
// VIGIL_HEAP_PROBE=1 (src/daemon/heap-probe.ts) and BUN_JSC_logGC=1.
//
// Counted inside the worker: the VRRP Worker writes its heap's cell count (every
// cell live or allocated since its last collection, from heapStats) when it wakes
// for a request from the main thread and when it takes a status request. From the
// status request before the window to the wake for the one after it, the worker
// ran its loop for the whole window and answered one request: the difference is
// exact as long as the worker did not collect in between (checked in the GC log).
// One more request straight after gives what answering one request costs; window
// minus that, per cell type, is what the window's passes, adverts and timers
// allocated. JSC's own cells (compiled code, object shapes) are shown apart: they
// come once per code path as the JIT tiers up. A loop that allocates nothing per
// pass shows 0 program cells there whatever the advert count.
//
// Collections, per heap. The GC log names heaps only by address; each thread proves
// which one is its own (the worker at start, the main thread through
// heap-mark-preload.ts): the bench attributes by that proof or stops, never by
// which heap happens to collect first (`vigil run` re-execs itself, so the log
// also holds the heap of the image before the exec). The worker's eden budget is
// megabytes, so its GC count alone cannot see small allocation; the main thread's
// collections are shown beside it. A baseline window at a 10× longer advert_int and
// a control of 2000 status requests (which allocate in both threads) show the
// counters move when something allocates. Then CPU per advert for vigil and
// keepalived, master and backup.
//
//   bun test/bench/vrrp-daemon-alloc.bench.ts [--instances 25] [--adverts 100000] [--ipv6-routes 1] [--keep-logs DIR]
// (--ipv6-routes 1: each instance also owns an IPv6 virtual route, which the master
// refreshes (RTA_EXPIRES) with its VIP leases and the worker's monitor then hears on the
// route groups; --keep-logs copies each daemon's log, GC and probe lines included, into DIR)
// bench-timeout: 300
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HEAP_PROBE_ENV } from "../../src/daemon/heap-probe.ts";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { keepalivedConf, startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { type BenchVigil, cellReadings, cellsBeyond, cpuMs, type GcTally, parseGc, provenHeaps, spawnVigil, status, tallyGc, unprovenHeaps } from "./vrrp-daemon-lab.ts";

// 25 instances: the backup's 25 sockets each read every advert (62 500 reads/s), well within one core.
const o = { instances: 25, adverts: 100_000, cpuSeconds: 5, keepLogs: "", ipv6Routes: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const v = Number(argv[i + 1]);
  if (argv[i] === "--keep-logs" && argv[i + 1]) o.keepLogs = argv[i + 1];
  else if (argv[i] === "--ipv6-routes" && (v === 0 || v === 1)) o.ipv6Routes = v === 1;
  else if (argv[i] === "--instances" && Number.isInteger(v) && v >= 1 && v <= 100) o.instances = v;
  else if (argv[i] === "--adverts" && Number.isInteger(v) && v >= 1000 && v <= 10_000_000) o.adverts = v;
  else { console.error(`vrrp-daemon-alloc: bad argument '${argv[i]} ${argv[i + 1] ?? ""}'`); process.exit(2); }
}

const spec = (r: number, prio: number, advertInt: number): RouterSpec => ({
  routerId: `r${r}`,
  instances: Array.from({ length: o.instances }, (_, k) => ({ vrid: k + 1, priority: prio, advertInt, version: 3 as const, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0 })),
});

/** vigil's config for a router: keepalived's, plus one IPv6 virtual route per instance with --ipv6-routes 1. */
function conf(r: number, prio: number, advertInt: number): string {
  const text = keepalivedConf(spec(r, prio, advertInt));
  if (!o.ipv6Routes) return text;
  return text.replace(/(  virtual_router_id (\d+)\n[\s\S]*?)(  virtual_ipaddress \{)/g,
    (_, head: string, vrid: string, vips: string) => `${head}  virtual_routes {\n    fd00:77:${Number(vrid).toString(16)}::/64 dev eth0\n  }\n${vips}`);
}

async function sums(h: BenchVigil) {
  const s = await status(h);
  if (!s) throw new Error(`vigil on r${h.router} does not answer`);
  return { sent: s.instances.reduce((a, i) => a + (i.counters.advertsSent ?? 0), 0), recv: s.instances.reduce((a, i) => a + (i.counters.advertsReceived ?? 0), 0), states: s.instances.map((i) => i.state) };
}

const logBytes = (h: BenchVigil) => readFileSync(h.proc.log).length;

/**
 * The worker's own count: cells over the window and over one status exchange, and the
 * window's beyond the exchange split into program cells and JSC's own (vrrp-daemon-lab.ts
 * ENGINE_CELL); `gcs` > 0 voids them (the worker collected in between).
 */
interface Cells { window: number; exchange: number; gcs: number; program: number; engine: number; byType: Record<string, number> }
interface Side { worker: GcTally; main: GcTally; other: GcTally; adverts: number; heaps: string; cells: Cells | null }
interface Window { label: string; seconds: number; master: Side; backup: Side; control?: Side }

/**
 * Figures of one daemon: collections per proven heap in the log range [from, to),
 * and, when `cellsFrom` is given, the worker's cell readings of the three status
 * requests made from that log offset on (before the window, after it, straight after).
 */
function sides(h: BenchVigil, from: number, to: number, n: number, cellsFrom?: number): Side {
  const text = readFileSync(h.proc.log).toString();
  const events = parseGc(text);
  const proven = provenHeaps(text, events, ["main", "vrrp-worker"]);
  const worker = proven.get("vrrp-worker")!;
  const main = proven.get("main")!;
  const other = unprovenHeaps(events, proven);
  let cells: Cells | null = null;
  if (cellsFrom !== undefined) {
    // per request: a wake reading, then a status reading; from a status reading to the next wake the worker only ran its loop
    const r = cellReadings(text, "vrrp-worker").filter((c) => c.offset >= cellsFrom);
    const statusAt = r.map((c, i) => (c.point === "status" ? i : -1)).filter((i) => i >= 0);
    const spans = statusAt.slice(0, 2).map((i) => [r[i], r.slice(i + 1).find((c) => c.point === "wake")] as const);
    if (statusAt.length < 3 || spans.some(([, next]) => !next)) throw new Error(`r${h.router}: worker cell readings missing after the window start (${r.map((c) => c.point).join(",")})`);
    const [[a, bWake], [b, cWake]] = spans;
    const gcs = tallyGc(events, [worker], a.offset, bWake!.offset).collections + tallyGc(events, [worker], b.offset, cWake!.offset).collections;
    cells = { window: bWake!.cells - a.cells, exchange: cWake!.cells - b.cells, gcs, ...cellsBeyond(a, bWake!, b, cWake!) };
  }
  return {
    worker: tallyGc(events, [worker], from, to), main: tallyGc(events, [main], from, to), other: tallyGc(events, other, from, to),
    adverts: n, heaps: `worker ${worker}, main ${main}${other.length ? `, unproven ${other.join(" ")}` : ""}`, cells,
  };
}

/** Starts master + backup at advertInt, settles, warms up, then measures `seconds` without touching the daemons. */
async function window(lab: Lab, label: string, advertInt: number, seconds: number, withControl: boolean): Promise<Window> {
  const env = { BUN_JSC_logGC: "1", [HEAP_PROBE_ENV]: "1" };
  const preload = join(import.meta.dir, "heap-mark-preload.ts");
  const m = await spawnVigil(lab, 1, conf(1, 150, advertInt), { env, preload });
  const b = await spawnVigil(lab, 2, conf(2, 100, advertInt), { env, preload });
  try {
    let settled = false;
    for (let i = 0; i < 150 && !settled; i++) {
      await sleep(200);
      const [sm, sb] = [await sums(m), await sums(b)];
      settled = sm.states.every((s) => s === "MASTER") && sb.states.every((s) => s === "BACKUP");
    }
    if (!settled) throw new Error(`${label}: instances did not settle to MASTER/BACKUP`);
    await sleep(3000); // warm-up: JIT tiers, start-up garbage collected
    const c0 = [logBytes(m), logBytes(b)];
    const s0 = [await sums(m), await sums(b)];
    const l0 = [logBytes(m), logBytes(b)];
    const t0 = performance.now();
    await sleep(seconds * 1000); // no status requests inside the window: they allocate
    const l1 = [logBytes(m), logBytes(b)];
    const s1 = [await sums(m), await sums(b)];
    const secs = (performance.now() - t0) / 1000;
    await sums(m); // what one status exchange costs the worker, with no time between
    await sums(b);
    const w: Window = {
      label, seconds: secs,
      master: sides(m, l0[0], l1[0], s1[0].sent - s0[0].sent, c0[0]),
      backup: sides(b, l0[1], l1[1], s1[1].recv - s0[1].recv, c0[1]),
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
    if (o.keepLogs) {
      mkdirSync(o.keepLogs, { recursive: true });
      for (const [h, side] of [[m, "master"], [b, "backup"]] as const) copyFileSync(h.proc.log, join(o.keepLogs, `${label.replace(/\W+/g, "-")}-${side}.log`));
    }
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

  const g = (t: GcTally) => `${t.collections} (${t.eden}/${t.full}${t.cut ? `, ${t.cut} cut` : ""})`;
  const cellsOf = (s: Side) => !s.cells ? "— | — | — | —" : s.cells.gcs ? `${s.cells.window} | ${s.cells.exchange} | void (${s.cells.gcs} worker GCs) | —`
    : `${s.cells.window} | ${s.cells.exchange} | ${s.cells.program} / ${s.cells.engine} | ${(s.cells.program / s.adverts).toFixed(4)}`;
  out.push(`\nvigil daemon, ${o.instances} VRRPv3 instances${o.ipv6Routes ? " each with an IPv6 virtual route" : ""}, 3 s warm-up, ${seconds} s windows. Worker cells counted by the worker itself (heapStats, src/daemon/heap-probe.ts) from the status request before the window to its wake for the one after, and over one status exchange straight after; "beyond" is window minus exchange, as program cells / JSC's own (compiled code, shapes: once per code path). GCs as total (eden/full) on the heap each thread proved its own (BUN_JSC_logGC=1); main-thread allocation estimated from the GC log (see vrrp-daemon-lab.ts)\n`);
  out.push("| window | side | adverts | worker cells, window | worker cells, one status exchange | beyond: program / JSC | program cells per advert | worker GCs | main-thread GCs | main alloc KiB | unproven heaps' GCs |");
  out.push("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const w of [fast, slow]) for (const [side, s] of [["master (sent)", w.master], ["backup (received)", w.backup]] as const) {
    out.push(`| ${w.label} | ${side} | ${s.adverts} | ${cellsOf(s)} | ${g(s.worker)} | ${g(s.main)} | ${s.main.allocatedKiB} | ${s.other.collections} |`);
  }
  if (fast.control) out.push(`| control: 2000 status requests | master | — | — | — | — | — | ${g(fast.control.worker)}, ≈${fast.control.worker.allocatedKiB} KiB | ${g(fast.control.main)} | ${fast.control.main.allocatedKiB} | ${fast.control.other.collections} |`);
  out.push("");
  for (const w of [fast, slow]) for (const [side, s] of [["master", w.master], ["backup", w.backup]] as const) {
    if (s.cells && !s.cells.gcs) out.push(`beyond the exchange, ${w.label}, ${side}: ${Object.entries(s.cells.byType).map(([k, n]) => `${k} ${n}`).join(", ") || "nothing"}`);
  }
  for (const w of [fast, slow]) out.push(`heaps, ${w.label}: master ${w.master.heaps}; backup ${w.backup.heaps}`);
  for (const [side, f, s] of [["master", fast.master, slow.master], ["backup", fast.backup, slow.backup]] as const) {
    const dn = f.adverts - s.adverts;
    const dg = f.worker.collections - s.worker.collections;
    const dc = f.cells && s.cells && !f.cells.gcs && !s.cells.gcs ? f.cells.program - s.cells.program : null;
    out.push(`\n${side}: ${dn} more adverts in the 10 ms window than in the baseline → worker GCs ${dg >= 0 ? "+" : ""}${dg}, worker program cells ${dc === null ? "not comparable (worker collected)" : `${dc >= 0 ? "+" : ""}${dc} = ${(dc / dn).toFixed(4)} per advert`} (0 = nothing that scales with adverts)`);
  }

  console.log(out.splice(0).join("\n")); // the allocation figures stand even if the CPU phase fails

  // ---- CPU per advert, vigil then keepalived, same instances at 10 ms ----
  const vm = await spawnVigil(lab, 1, conf(1, 150, 0.01));
  const vb = await spawnVigil(lab, 2, conf(2, 100, 0.01));
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
  out.push(`\nCPU per 1000 adverts (utime+stime of the process tree over ${o.cpuSeconds} s; adverts counted on the wire), ${o.instances} instances at 10 ms, default realtime settings${o.ipv6Routes ? " (vigil's instances with their IPv6 routes, keepalived's without)" : ""}\n`);
  out.push(`| impl | master adverts (of ≈${expected}) | adverts from the backup (spurious takeovers) | master ms / 1000 sent | backup ms / 1000 received |`);
  out.push("|---|---|---|---|---|");
  for (const [impl, c] of [["vigil", cpuV], ["keepalived", cpuK]] as const) out.push(`| ${impl} | ${c.adverts} | ${c.fromBackup} | ${c.masterMsPer1k.toFixed(1)} | ${c.backupMsPer1k.toFixed(1)} |`);
  if (respawns) out.push(`\nkeepalived's VRRP child died and was respawned ${respawns} time(s) on the master during this phase.`);
  if (cpuK.adverts < expected / 2 || cpuV.adverts < expected / 2) out.push("\nA row far below the expected advert count measured a master that was not advertising steadily (host load, or the failure noted above); its per-advert CPU is not comparable.");
} finally {
  await lab.cleanup();
}
console.log(out.join("\n"));
