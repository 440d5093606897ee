// Re-executes the process once with mimalloc told to hand freed pages back to
// the kernel at once (MIMALLOC_PURGE_DELAY=0; Bun allocates through mimalloc,
// whose own default is 10 ms with a scavenger thread). mimalloc reads its
// options only at start-up and Bun does not export mi_option_set, so the
// environment has to be in place before the runtime starts: execve of
// /proc/self/exe with the original argv keeps the PID (systemd, procd and
// pid files see the same process).
//
// Why 0, measured here (test/bench/memory.bench.ts, test/bench/checkers.bench.ts,
// each setting in the same run): the shipped daemon's anonymous memory with
// 50 VRRP instances is 22.2-23.5 MiB at 0 against 27.4-27.7 at -1 (never purge,
// the peak stays resident), and 35.6-36.3 against 41.7-44.6 with MQTT and 100
// HTTP_GET checkers 30 s after start (36.4 against 58.4 after 160 s); 1000 ms
// gives 23.2 / 37.1, 10 000 ms 38.1. The CPU per HTTP_GET check at 2 000
// checks/s was 55-62 us with 0 and with -1 in every round (medians 58.5 us at 0,
// 57 at -1, 60 at 1000, 7-8 interleaved rounds). The 15-19 us of system time
// per check that the purge/refault cycle cost when -1 was chosen no longer
// shows; the checker path has been reworked since (buffers over explicit
// ArrayBuffers, one bookkeeping object per exchange), and what exactly removed
// the cost was not traced.
import { errorText } from "../error-text.ts";
import { ptr } from "bun:ffi";
import { readFileSync } from "node:fs";
import { errno, libc } from "./libc.ts";
import { errnoName } from "./errno.ts";
import { ffiCopy, ffiU64 } from "./ffi-memory.ts";
import { restoreProcessName } from "./process-name.ts";

export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MIMALLOC_PURGE_DELAY: "0" };

/** True when the allocator settings are already in this process's environment. */
export function allocatorTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.entries(ALLOCATOR_ENV).every(([k, v]) => env[k] === v);
}

/**
 * Replaces this process with itself plus ALLOCATOR_ENV, unless it is already
 * set or the user set MIMALLOC_PURGE_DELAY to something else. Returns only
 * when no re-exec happened, with the reason (or undefined when none was needed).
 * After the re-exec it gives the process its name back (see process-name.ts).
 * Call it first, before any descriptor or thread exists.
 */
export function reexecWithAllocatorEnv(): string | undefined {
  if (allocatorTuned()) return restoreProcessName();
  if (process.env.MIMALLOC_PURGE_DELAY !== undefined) return "MIMALLOC_PURGE_DELAY is set by the user; left as is";
  let args: string[];
  try {
    // the real argv (a compiled binary's process.argv names its embedded script instead)
    args = readFileSync("/proc/self/cmdline", "latin1").split("\0");
    if (args.at(-1) === "") args.pop();
  } catch (e) {
    return `cannot read /proc/self/cmdline: ${errorText(e)}`;
  }
  const env = { ...process.env, ...ALLOCATOR_ENV };
  const envList = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  const keep: Uint8Array[] = []; // the strings must outlive the call
  const cArray = (items: string[]): BigUint64Array => {
    const a = ffiU64(items.length + 1);
    items.forEach((s, i) => {
      const b = ffiCopy(new TextEncoder().encode(`${s}\0`));
      keep.push(b);
      a[i] = BigInt(ptr(b));
    });
    return a;
  };
  const path = ffiCopy(new TextEncoder().encode("/proc/self/exe\0"));
  const argv = cArray(args);
  const envp = cArray(envList);
  libc.symbols.execve(path, argv, envp);
  return `execve: ${errnoName(errno())}`; // only reached on failure
}
