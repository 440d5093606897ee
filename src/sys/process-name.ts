// The daemon's process name after its allocator re-exec. execve("/proc/self/exe")
// keeps the PID and argv but names the process after the path's last component:
// /proc/PID/comm became "exe", so `pidof vigil`, `ps -C vigil`, `top` and
// `killall -0 vigil` in operators' scripts no longer found the daemon.
import { errorText } from "../error-text.ts";
import { dlopen, FFIType } from "bun:ffi";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { ffiCopy } from "./ffi-memory.ts";

// linux/prctl.h; the kernel keeps TASK_COMM_LEN (16) bytes including the NUL
const PR_SET_NAME = 15;
const TASK_COMM_LEN = 16;

const { prctl } = dlopen("libc.so.6", {
  prctl: { args: [FFIType.i32, FFIType.ptr, FFIType.u64_fast, FFIType.u64_fast, FFIType.u64_fast], returns: FFIType.i32 },
}).symbols;

/** The name the process had before the re-exec: its argv[0]'s last component, cut as the kernel cuts comm. */
export function commFor(argv0: string): string {
  const bytes = new TextEncoder().encode(basename(argv0));
  return new TextDecoder().decode(bytes.subarray(0, TASK_COMM_LEN - 1)).replace(/\uFFFD+$/, "");
}

/**
 * Names this process after its argv[0] when the re-exec left it as "exe". Returns
 * an error text, or undefined when nothing needed doing or it worked.
 */
export function restoreProcessName(): string | undefined {
  let comm: string;
  let argv0: string;
  try {
    comm = readFileSync("/proc/self/comm", "utf8").trim();
    argv0 = readFileSync("/proc/self/cmdline", "latin1").split("\0")[0] ?? "";
  } catch (e) {
    return `cannot read /proc/self: ${errorText(e)}`;
  }
  if (comm !== "exe" || !argv0) return undefined;
  const want = commFor(argv0);
  if (!want || want === "exe") return undefined;
  return prctl(PR_SET_NAME, ffiCopy(new TextEncoder().encode(`${want}\0`)), 0, 0, 0) === 0 ? undefined : "prctl(PR_SET_NAME) failed";
}
