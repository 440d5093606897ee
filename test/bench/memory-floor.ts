// The floor under vigil's anonymous memory, for memory.bench.ts: tiny programs
// (test/bench/memory-floor/) compiled with the Makefile's own COMPILE flags, run
// one at a time under each runtime setting, RssAnon and its mappings read
// FLOOR_SETTLE_MS after the program said it is ready:
//   hello               a compiled Bun program that only stays alive
//   + idle Worker       the same with one Worker doing nothing
//   + ppoll Worker      one Worker in a bun:ffi ppoll loop (the VRRP worker's shape)
//   vigil imports       vigil's daemon modules imported, nothing started
//   + VRRP worker       the same plus the VRRP worker's entry point, never initialised
//   vigil run's imports `vigil run`'s static import graph only: a daemon without a fleet
//                       or virtual servers (those parts load when configured), ± the worker
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { anonByMapping, type AnonKind, rssAnonKiB } from "./anon-mappings.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const OUT = join(ROOT, "build", "bench", "memory-floor");
const SRC = "test/bench/memory-floor";
const FLOOR_SETTLE_MS = 3000;

export interface FloorProgram { name: string; entries: string[]; env: Record<string, string> }

export const FLOOR_PROGRAMS: FloorProgram[] = [
  { name: "hello", entries: [`${SRC}/hello.ts`], env: {} },
  { name: "hello + idle Worker", entries: [`${SRC}/idle-main.ts`, `${SRC}/idle-worker.ts`], env: {} },
  { name: "hello + ppoll Worker", entries: [`${SRC}/ppoll-main.ts`, `${SRC}/ppoll-worker.ts`], env: {} },
  { name: "vigil imports", entries: [`${SRC}/vigil-imports.ts`, "src/daemon/vrrp-worker.ts"], env: {} },
  { name: "vigil imports + VRRP worker", entries: [`${SRC}/vigil-imports.ts`, "src/daemon/vrrp-worker.ts"], env: { FLOOR_WORKER: "1" } },
  { name: "vigil run's imports", entries: [`${SRC}/run-imports.ts`, "src/daemon/vrrp-worker.ts"], env: {} },
  { name: "vigil run's imports + VRRP worker", entries: [`${SRC}/run-imports.ts`, "src/daemon/vrrp-worker.ts"], env: { FLOOR_WORKER: "1" } },
];

/**
 * The Makefile's COMPILE flags (after `$(BUN) build`), so the floors are built as the
 * shipped binary is, without its VIGIL_EMBEDDED_WORKER define (the programs name
 * their own workers).
 */
function compileFlags(): string[] {
  const m = /^COMPILE = \$\(BUN\) build (.*)$/m.exec(readFileSync(join(ROOT, "Makefile"), "utf8"));
  if (!m) throw new Error("memory-floor: no COMPILE line in the Makefile");
  const words = (m[1]!.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, "$1"));
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "--define" && words[i + 1]?.startsWith("process.env.VIGIL_EMBEDDED_WORKER")) i++;
    else out.push(words[i]!);
  }
  return out;
}

/** Compiles every floor program (each binary once) into build/bench/memory-floor; returns name → binary. */
export function buildFloors(bun: string): Map<string, string> {
  mkdirSync(OUT, { recursive: true });
  const flags = compileFlags();
  const out = new Map<string, string>();
  for (const p of FLOOR_PROGRAMS) {
    const bin = join(OUT, p.entries[0]!.split("/").pop()!.replace(/\.ts$/, ""));
    if (![...out.values()].includes(bin)) {
      const r = Bun.spawnSync([bun, "build", ...flags, "--define", 'process.env.FLOOR_COMPILED="1"', "--target=bun-linux-x64", ...p.entries, "--outfile", bin], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
      if (r.exitCode !== 0) throw new Error(`memory-floor: compiling ${p.name}: ${r.stderr.toString()}`);
    }
    out.set(p.name, bin);
  }
  return out;
}

export interface FloorRow { program: string; variant: string; rssAnon: number; threads: number; kinds: Record<AnonKind, number> }

/** Runs `bin` with `env` until it prints a line, waits FLOOR_SETTLE_MS, reads its memory, kills it. */
export async function measureFloor(program: FloorProgram, bin: string, variant: string, env: Record<string, string>): Promise<FloorRow> {
  const p = Bun.spawn([bin], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...program.env, ...env }, stdout: "pipe", stderr: "pipe" });
  try {
    const reader = p.stdout.getReader();
    const first = await Promise.race([reader.read(), Bun.sleep(20_000).then(() => null)]);
    if (!first || first.done) throw new Error(`memory-floor: ${program.name} (${variant}) did not start: ${await new Response(p.stderr).text()}`);
    await Bun.sleep(FLOOR_SETTLE_MS);
    const { rssAnon, threads } = rssAnonKiB(p.pid);
    return { program: program.name, variant, rssAnon, threads, kinds: anonByMapping(p.pid) };
  } finally {
    p.kill("SIGKILL");
    await p.exited;
  }
}
