// Bench helpers for running vigil from source inside a lab router with knobs
// the test helper does not need: a --preload (main-thread load), extra
// environment (BUN_JSC_logGC) and extra `vigil run` flags; plus CPU time of a
// process tree and the GC lines JSC logs.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { ENGINE_CELL } from "../../src/daemon/heap-probe.ts";
import type { DaemonStatus } from "../../src/daemon/status-types.ts";
import { type Lab, type LabProc, processTree, sleep } from "../helpers/lab.ts";

const ROOT = join(import.meta.dir, "..", "..");
export const BUN = join(ROOT, "node_modules", ".bin", "bun");

export interface BenchVigil { proc: LabProc; socket: string; router: number }

export async function spawnVigil(lab: Lab, r: number, confText: string, o: { preload?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<BenchVigil> {
  const base = join(lab.dir, `r${r}-bvigil-${lab.procs.length}`);
  writeFileSync(`${base}.conf`, confText);
  const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const argv = [...(env.length ? ["env", ...env] : []), BUN, ...(o.preload ? ["--preload", o.preload] : []), join(ROOT, "src", "main.ts"),
    "run", "-f", `${base}.conf`, "--status-socket", `${base}.sock`, "--lock-dir", join(lab.dir, `lock-r${r}`), ...(o.args ?? [])];
  const proc = lab.spawn(r, argv, "vigil");
  const h = { proc, socket: `${base}.sock`, router: r };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && proc.proc.exitCode === null) {
    if (existsSync(h.socket) && (await status(h))) return h;
    await sleep(100);
  }
  throw new Error(`vigil on r${r} did not come up:\n${lab.logOf(proc).split("\n").slice(-15).join("\n")}`);
}

export async function status(h: BenchVigil): Promise<DaemonStatus | null> {
  try {
    const s = (await queryStatus(h.socket, "status", 3000)) as DaemonStatus;
    return Array.isArray(s?.instances) ? s : null;
  } catch {
    return null;
  }
}

const TICK_MS = 10; // USER_HZ 100

/** utime + stime of a process and its descendants (all threads), ms */
export function cpuMs(pid: number): number {
  let t = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      t += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch { /* exited */ }
  }
  return t;
}

/**
 * JSC collections as BUN_JSC_logGC=1 logs them, one line each:
 *   [GC<heap>: START M 5259kb => EdenCollection, a=0kb ... => 125kb, p=1.6ms ...]
 * The first figure is the heap's capacity when the collection starts, the last
 * its live size after. An idle heap still shows capacity above live size (block
 * rounding) and Bun's GC timer collects it now and then, so allocation is
 * estimated as capacity-at-start minus live-after of the previous collection of
 * the same heap, and always read against a baseline window (the `a=` field stays
 * 0 even under heavy allocation here, so it is not used).
 *
 * JSC writes a line in several pieces, and the two heaps (main thread, VRRP Worker)
 * write to the same stderr: a line can be cut by the other heap's line or by the
 * daemon's own output. Every START is counted; its kind and sizes are read only
 * when the rest of its line is intact up to the next `[GC<` (else NaN, `cut`).
 */
export interface GcEvent { heap: string; offset: number; eden: boolean; startKiB: number; afterKiB: number; cut: boolean }
export interface GcTally { collections: number; eden: number; full: number; allocatedKiB: number; cut: number }

export function parseGc(text: string): GcEvent[] {
  const out: GcEvent[] = [];
  const tail = /(\d+)kb => (Eden|Full)Collection, [^[]*?=> (\d+)kb, p=/y;
  for (const m of text.matchAll(/\[GC<(0x[0-9a-f]+)>: START \w+ /g)) {
    tail.lastIndex = (m.index ?? 0) + m[0].length;
    const t = tail.exec(text);
    out.push(t
      ? { heap: m[1], offset: m.index ?? 0, eden: t[2] === "Eden", startKiB: Number(t[1]), afterKiB: Number(t[3]), cut: false }
      : { heap: m[1], offset: m.index ?? 0, eden: false, startKiB: NaN, afterKiB: NaN, cut: true });
  }
  return out;
}

/**
 * The heap of each thread that marked itself (src/daemon/heap-probe.ts): the one heap
 * that logged a collection inside every begin/end pair of that thread's rounds. A
 * thread with no marks, or whose rounds leave more or less than one candidate, is
 * an error: nothing is attributed by guess.
 */
export function provenHeaps(text: string, events: GcEvent[], threads: string[]): Map<string, string> {
  const rounds = new Map<string, Map<number, { begin?: number; end?: number }>>();
  for (const m of text.matchAll(/<<vigil-heap-mark (\S+) (\d+) (begin|end)>>/g)) {
    const round = Number(m[2]);
    // `vigil run` re-execs itself once (src/sys/allocator-env.ts): the image before the
    // exec marked its own heap too. Round 0 starts a thread's marks afresh; the last
    // image's marks are the ones that count.
    if (round === 0 && m[3] === "begin") rounds.set(m[1], new Map());
    const perThread = rounds.get(m[1]) ?? rounds.set(m[1], new Map()).get(m[1])!;
    const r = perThread.get(round) ?? perThread.set(round, {}).get(round)!;
    r[m[3] as "begin" | "end"] = m.index ?? 0;
  }
  const out = new Map<string, string>();
  for (const thread of threads) {
    const rs = [...(rounds.get(thread)?.values() ?? [])].filter((r) => r.begin !== undefined && r.end !== undefined);
    if (rs.length === 0) throw new Error(`no complete heap marks from thread '${thread}' in the log (VIGIL_HEAP_PROBE=1 and heap-mark-preload.ts set?)`);
    const inside = rs.map((r) => new Set(events.filter((e) => e.offset > r.begin! && e.offset < r.end!).map((e) => e.heap)));
    const c = [...inside[0]].filter((h) => inside.every((s) => s.has(h)));
    if (c.length !== 1) throw new Error(`thread '${thread}': ${c.length} heaps collected inside all of its ${rs.length} marked rounds (${c.join(", ") || "none"}); cannot attribute`);
    out.set(thread, c[0]);
  }
  const heaps = [...out.values()];
  if (new Set(heaps).size !== heaps.length) throw new Error(`two threads proved the same heap (${heaps.join(", ")})`);
  return out;
}

export interface CellReading { offset: number; point: "wake" | "status"; cells: number; byType: Record<string, number> }

/** The `<<vigil-heap-cells THREAD POINT TOTAL {counts}>>` readings of one thread (src/daemon/heap-probe.ts), in log order. */
export function cellReadings(text: string, thread: string): CellReading[] {
  const out: CellReading[] = [];
  for (const m of text.matchAll(/<<vigil-heap-cells (\S+) (wake|status) (\d+) (\{.*?\})>>/g)) {
    if (m[1] === thread) out.push({ offset: m.index ?? 0, point: m[2] as "wake" | "status", cells: Number(m[3]), byType: JSON.parse(m[4]) });
  }
  return out;
}

/** Per-type difference (b − a) − (d − c): what one interval allocated beyond another, program and JSC cells (ENGINE_CELL) apart. */
export function cellsBeyond(a: CellReading, b: CellReading, c: CellReading, d: CellReading): { program: number; engine: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  let program = 0;
  let engine = 0;
  for (const k of new Set([a, b, c, d].flatMap((r) => Object.keys(r.byType)))) {
    const n = ((b.byType[k] ?? 0) - (a.byType[k] ?? 0)) - ((d.byType[k] ?? 0) - (c.byType[k] ?? 0));
    if (n === 0) continue;
    byType[k] = n;
    if (ENGINE_CELL.test(k)) engine += n;
    else program += n;
  }
  return { program, engine, byType };
}

/** Heaps in the log that no thread proved as its own (the image before `vigil run`'s re-exec is one). */
export function unprovenHeaps(events: GcEvent[], proven: Map<string, string>): string[] {
  const known = new Set(proven.values());
  return [...new Set(events.map((e) => e.heap))].filter((h) => !known.has(h));
}

/** Collections of the given heaps with offset in [from, to), and the allocation estimate (see above). */
export function tallyGc(events: GcEvent[], heaps: string[], from: number, to: number): GcTally {
  const t: GcTally = { collections: 0, eden: 0, full: 0, allocatedKiB: 0, cut: 0 };
  const lastAfter = new Map<string, number>();
  for (const e of events) {
    if (!heaps.includes(e.heap)) continue;
    if (e.offset >= from && e.offset < to) {
      t.collections++;
      if (e.cut) t.cut++;
      else if (e.eden) t.eden++;
      else t.full++;
      const prev = lastAfter.get(e.heap) ?? e.startKiB;
      if (Number.isFinite(e.startKiB) && Number.isFinite(prev)) t.allocatedKiB += Math.max(0, e.startKiB - prev);
    }
    lastAfter.set(e.heap, e.afterKiB);
  }
  return t;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function killTree(pid: number): void {
  for (const p of processTree(pid).reverse()) {
    try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
  }
}
