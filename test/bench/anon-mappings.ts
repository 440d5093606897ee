// Anonymous resident memory of a process by kind of mapping (/proc/PID/smaps), for
// memory.bench.ts. The kinds come from the shape of each mapping, as seen in Bun
// 1.4.4's address space here:
//   mimalloc arenas   anonymous rw-p reservations of a whole number of 64 MiB (1 GiB
//                     here): everything Bun and JSC allocate through malloc, JS heap
//                     blocks included, lives in them
//   JSC 4 GiB         the one 4 GiB anonymous reservation (JSC's StructureID heap on
//                     x86-64: the objects' shapes)
//   JIT code          the rwx reservation JSC compiles into
//   thread stacks     an anonymous mapping right after a ---p guard page, and [stack]
//   other anonymous   the rest ([heap] of brk, small runtime mappings)
//   file-backed       private copies of file pages (the executable's and libraries'
//                     relocated data)
import { readFileSync } from "node:fs";

export const ANON_KINDS = ["mimalloc arenas", "JSC 4 GiB", "JIT code", "thread stacks", "other anonymous", "file-backed"] as const;
export type AnonKind = (typeof ANON_KINDS)[number];

const GIB4_KIB = 4 * 1024 * 1024;
const ARENA_UNIT_KIB = 64 * 1024;

/** KiB of anonymous resident memory by kind of mapping */
export function anonByMapping(pid: number): Record<AnonKind, number> {
  const out = Object.fromEntries(ANON_KINDS.map((k) => [k, 0])) as Record<AnonKind, number>;
  let kind: AnonKind = "other anonymous";
  let prevGuardEnd = -1n;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const start = BigInt(`0x${m[1]}`);
      const end = BigInt(`0x${m[2]}`);
      const kib = Number(end - start) / 1024;
      const perm = m[3]!;
      const name = m[4]!.trim();
      if (name === "[stack]") kind = "thread stacks";
      else if (name.startsWith("/")) kind = "file-backed";
      else if (name) kind = "other anonymous";
      else if (perm === "rwxp") kind = "JIT code";
      else if (kib === GIB4_KIB) kind = "JSC 4 GiB";
      else if (kib % ARENA_UNIT_KIB === 0) kind = "mimalloc arenas";
      else if (start === prevGuardEnd) kind = "thread stacks";
      else kind = "other anonymous";
      prevGuardEnd = perm === "---p" ? end : -1n;
      continue;
    }
    const a = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (a) out[kind] += Number(a[1]);
  }
  return out;
}

/** RssAnon (KiB) and the thread count from /proc/PID/status */
export function rssAnonKiB(pid: number): { rssAnon: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const f = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN);
  return { rssAnon: f("RssAnon"), threads: f("Threads") };
}
