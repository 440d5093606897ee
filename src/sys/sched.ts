// Real-time scheduling for the calling thread. On Linux sched_setscheduler(0, …)
// applies to the calling thread only (pid 0 = caller's TID), so the advert Worker
// can run SCHED_FIFO while the main thread stays SCHED_OTHER (docs/architecture.md,
// "Timing": p99 lateness 0.14 ms under load vs 1–50 ms without). keepalived's vrrp_rt_priority knob maps here.
import { OFFSETOF, SCHED_FIFO, SCHED_OTHER, SCHED_RESET_ON_FORK, SIZEOF } from "./abi.ts";
import { SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";
import { ffiBytes } from "./ffi-memory.ts";

const { sched_setscheduler, sched_getscheduler } = libc.symbols;

/** Linux SCHED_FIFO priority range (sched_get_priority_min/max). */
export const FIFO_MIN_PRIORITY = 1;
export const FIFO_MAX_PRIORITY = 99;

function param(priority: number): Uint8Array {
  const b = ffiBytes(SIZEOF.sched_param);
  new DataView(b.buffer).setInt32(OFFSETOF.sched_param.sched_priority, priority, true);
  return b;
}

/**
 * Switches the calling thread to SCHED_FIFO at `priority`; the error says why
 * when it is not permitted. SCHED_RESET_ON_FORK: threads this one starts later
 * (Bun's JIT compiler and GC helper threads of this Worker) begin SCHED_OTHER
 * instead of inheriting a real-time priority they have no business with.
 */
export function setThreadFifo(priority: number): void {
  if (!Number.isInteger(priority) || priority < FIFO_MIN_PRIORITY || priority > FIFO_MAX_PRIORITY) {
    throw new RangeError(`SCHED_FIFO priority ${priority} is outside ${FIFO_MIN_PRIORITY}..${FIFO_MAX_PRIORITY}`);
  }
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, param(priority)) < 0) {
    const e = errno();
    const hint = e === 1
      ? " (needs root or CAP_SYS_NICE and RLIMIT_RTPRIO ≥ priority, and a non-zero cgroup rt budget; disable realtime / vrrp_rt_priority to run without)"
      : "";
    throw new SysError("sched_setscheduler(SCHED_FIFO)", e, `priority ${priority}${hint}`);
  }
}

/** Returns the calling thread to the default time-sharing policy. */
export function setThreadNormal(): void {
  if (sched_setscheduler(0, SCHED_OTHER, param(0)) < 0) throw new SysError("sched_setscheduler(SCHED_OTHER)", errno());
}

/** The calling thread's policy (SCHED_OTHER 0, SCHED_FIFO 1, SCHED_RR 2). */
export function threadPolicy(): number {
  const p = sched_getscheduler(0);
  if (p < 0) throw new SysError("sched_getscheduler", errno());
  return p & ~SCHED_RESET_ON_FORK;
}

const PRIO_PROCESS = 0;

/** nice value of the calling thread (Linux: setpriority(PRIO_PROCESS, 0) is per thread); keepalived vrrp_priority. */
export function setThreadNice(nice: number): void {
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new RangeError(`nice ${nice} is outside -20..19`);
  if (libc.symbols.setpriority(PRIO_PROCESS, 0, nice) < 0) throw new SysError("setpriority", errno(), `nice ${nice}`);
}

const MCL_CURRENT = 1;
const MCL_FUTURE = 2;

/** keepalived vrrp_no_swap: lock all current and future pages so the advert path never waits on paging. */
export function lockMemory(): void {
  if (libc.symbols.mlockall(MCL_CURRENT | MCL_FUTURE) < 0) throw new SysError("mlockall(MCL_CURRENT|MCL_FUTURE)", errno());
}
