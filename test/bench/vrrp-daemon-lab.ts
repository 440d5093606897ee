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
 * One JSC collection as BUN_JSC_logGC=1 logs it:
 *   [GC<heap>: START M 4025kb => EdenCollection, a=0kb ... => 2626kb, p=1.1ms ...]
 * `a=` is what the mutator allocated since the previous collection (what we want);
 * the sizes around it are heap capacity/usage and move even when a=0 (Bun's GC timer
 * collects an idle heap), so they are not used.
 */
export interface GcTally { collections: number; eden: number; full: number; allocatedKiB: number; timerOnly: number }

/** Heap addresses in the order they first appear in a BUN_JSC_logGC=1 log (the main thread's VM comes first). */
export function gcHeaps(text: string): string[] {
  return [...new Set([...text.matchAll(/\[GC<(0x[0-9a-f]+)>/g)].map((m) => m[1]))];
}

/** Counts collections in a log slice, optionally of one heap only (each Worker has its own VM and heap). */
export function tallyGc(text: string, heap?: string): GcTally {
  const t: GcTally = { collections: 0, eden: 0, full: 0, allocatedKiB: 0, timerOnly: 0 };
  for (const m of text.matchAll(/\[GC<(0x[0-9a-f]+)>: START \w+ \d+kb => (Eden|Full)Collection, a=(\d+)kb/g)) {
    if (heap && m[1] !== heap) continue;
    t.collections++;
    if (m[2] === "Eden") t.eden++;
    else t.full++;
    const a = Number(m[3]);
    t.allocatedKiB += a;
    if (a === 0) t.timerOnly++;
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
