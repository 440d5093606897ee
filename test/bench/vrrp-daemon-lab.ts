// Bench helpers for running vigil from source inside a lab router with knobs
// the test helper does not need: a --preload (main-thread load), extra
// environment (BUN_JSC_logGC) and extra `vigil run` flags; plus CPU time of a
// process tree and the GC lines JSC logs.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { queryStatus } from "../../src/daemon/status-server.ts";
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
 */
export interface GcEvent { heap: string; offset: number; eden: boolean; startKiB: number; afterKiB: number }
export interface GcTally { collections: number; eden: number; full: number; allocatedKiB: number }

export function parseGc(text: string): GcEvent[] {
  const out: GcEvent[] = [];
  for (const m of text.matchAll(/\[GC<(0x[0-9a-f]+)>: START \w+ (\d+)kb => (Eden|Full)Collection, .*?=> (\d+)kb, p=/g)) {
    out.push({ heap: m[1], offset: m.index ?? 0, eden: m[3] === "Eden", startKiB: Number(m[2]), afterKiB: Number(m[4]) });
  }
  return out;
}

/** Heaps in the order they first collect (the main thread's VM comes first, then Workers). */
export function gcHeaps(events: GcEvent[]): string[] {
  return [...new Set(events.map((e) => e.heap))];
}

/** Collections of the given heaps with offset in [from, to), and the allocation estimate (see above). */
export function tallyGc(events: GcEvent[], heaps: string[], from: number, to: number): GcTally {
  const t: GcTally = { collections: 0, eden: 0, full: 0, allocatedKiB: 0 };
  const lastAfter = new Map<string, number>();
  for (const e of events) {
    if (!heaps.includes(e.heap)) continue;
    if (e.offset >= from && e.offset < to) {
      t.collections++;
      if (e.eden) t.eden++;
      else t.full++;
      t.allocatedKiB += Math.max(0, e.startKiB - (lastAfter.get(e.heap) ?? e.startKiB));
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
