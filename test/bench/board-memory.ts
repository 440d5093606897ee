// Resident memory of a running daemon as the kernel accounts it, for board.bench.ts.
// VmRSS alone overstates a forked daemon (keepalived's parent and children share
// their text pages, and each one's VmRSS counts them again), so smaps_rollup is
// read beside it: Uss (private pages) summed over a tree is what the tree alone
// holds, and Pss adds each shared page divided by the number of processes mapping
// it. Pss moves with the rest of the host: libc, and keepalived's own text, are
// also mapped by other programs (and other keepalived processes) on this machine.
// RssAnon/RssFile split VmRSS into heap (what the daemon allocated) and
// file-backed pages (mostly the executable's own text and data).
import { readFileSync } from "node:fs";
import { processTree, sleep } from "../helpers/lab.ts";

export interface Memory {
  /** all in KiB, summed over the processes */
  vmRss: number;
  rssAnon: number;
  rssFile: number;
  pss: number;
  /** Private_Clean + Private_Dirty */
  uss: number;
  processes: number;
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** Memory of the given PIDs; a process that exits while being read counts as nothing. */
export function memoryOf(pids: number[]): Memory {
  const sum: Memory = { vmRss: 0, rssAnon: 0, rssFile: 0, pss: 0, uss: 0, processes: 0 };
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      sum.vmRss += field(status, "VmRSS");
      sum.rssAnon += field(status, "RssAnon");
      sum.rssFile += field(status, "RssFile");
      sum.pss += field(rollup, "Pss");
      sum.uss += field(rollup, "Private_Clean") + field(rollup, "Private_Dirty");
      sum.processes++;
    } catch { /* exited */ }
  }
  return sum;
}

export interface MemorySummary {
  samples: Memory[];
  /** the sample with the median VmRSS */
  median: Memory;
  vmRssMin: number;
  vmRssMax: number;
}

/**
 * `count` samples of the process tree under `pid`, `intervalMs` apart (the tree is
 * re-read each time: a keepalived child respawned meanwhile is counted).
 */
export async function sampleMemory(pid: number, count: number, intervalMs: number): Promise<MemorySummary> {
  if (!(count >= 1 && count <= 100)) throw new Error(`sampleMemory: count must be 1..100, got ${count}`);
  const samples: Memory[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(intervalMs);
    samples.push(memoryOf(processTree(pid)));
  }
  const sorted = [...samples].sort((a, b) => a.vmRss - b.vmRss);
  return {
    samples,
    median: sorted[Math.floor((sorted.length - 1) / 2)]!,
    vmRssMin: sorted[0]!.vmRss,
    vmRssMax: sorted.at(-1)!.vmRss,
  };
}

export const mib = (kib: number) => kib / 1024;

export interface Plateau {
  /** VmRSS (KiB) of the tree, one per step, from the first read on */
  series: number[];
  stepMs: number;
  /** seconds from the first read until the last `windowMs` stayed within the tolerance; null if it never did */
  reachedAfterS: number | null;
}

/**
 * Reads the tree's VmRSS every `stepMs` until it has stayed within `toleranceKiB`
 * for `windowMs` (a daemon under load grows its heap for a while before it levels
 * off: vigil with 100 checkers went from 70 to 102 MiB over two minutes here), or
 * until `maxMs` has passed. Growth slower than the tolerance per window counts as level.
 */
export async function waitForPlateau(pid: number, o: { stepMs: number; windowMs: number; toleranceKiB: number; maxMs: number }): Promise<Plateau> {
  const need = Math.ceil(o.windowMs / o.stepMs) + 1;
  const series: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    series.push(memoryOf(processTree(pid)).vmRss);
    const tail = series.slice(-need);
    if (tail.length === need && Math.max(...tail) - Math.min(...tail) <= o.toleranceKiB) {
      return { series, stepMs: o.stepMs, reachedAfterS: (performance.now() - t0) / 1000 };
    }
    if (performance.now() - t0 + o.stepMs > o.maxMs) break;
    await sleep(o.stepMs);
  }
  return { series, stepMs: o.stepMs, reachedAfterS: null };
}
