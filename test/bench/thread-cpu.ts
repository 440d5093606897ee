// CPU time per thread of this process, from /proc/self/task/*/stat, grouped by
// thread name (Bun's "JITWorker", "HeapHelper", … numbered ones merged), so a
// benchmark can tell its own work on the main thread from the runtime's
// compiler and collector threads.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on every Linux target vigil supports

export function threadCpuMs(): Map<string, number> {
  const m = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "latin1");
    } catch {
      continue; // the thread ended between readdir and read
    }
    const name = tid === String(process.pid) ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\s*\d+$/, "");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    m.set(name, (m.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_MS);
  }
  return m;
}

/** "main 812 ms, JITWorker 40 ms, …" for the time between two readings, largest first. */
export function threadCpuDiff(before: Map<string, number>, after: Map<string, number>): string {
  const d = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
  d.sort((a, b) => b[1] - a[1]);
  return d.map(([k, v]) => `${k} ${v} ms`).join(", ") || "-";
}

