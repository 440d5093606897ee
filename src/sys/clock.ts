// CLOCK_MONOTONIC through libc, as plain numbers of nanoseconds so callers on the
// advert path never touch BigInt (an i64/BigInt read allocates). A double holds
// integer nanoseconds exactly up to 2^53 ns ≈ 104 days of uptime; beyond that the
// value is still monotonic with 2 ns (then 4 ns…) steps, far below timer precision.
import { CLOCK_MONOTONIC, OFFSETOF, SIZEOF, TIMER_ABSTIME } from "./abi.ts";
import { Errno, SysError } from "./errno.ts";
import { check, libc } from "./libc.ts";
import { ffiU32 } from "./ffi-memory.ts";

const { clock_gettime, clock_nanosleep } = libc.symbols;

// One timespec per thread (each Worker has its own module instance): two LE
// 64-bit fields read as 32-bit halves to avoid BigInt.
const now32 = ffiU32(SIZEOF.timespec / 4);
const sleep32 = ffiU32(SIZEOF.timespec / 4);
const SEC = OFFSETOF.timespec.tv_sec / 4;
const NSEC = OFFSETOF.timespec.tv_nsec / 4;
const TWO32 = 0x1_0000_0000;

export const NS_PER_MS = 1_000_000;
export const NS_PER_SEC = 1_000_000_000;

/** Current CLOCK_MONOTONIC time in nanoseconds. */
export function monotonicNs(): number {
  check("clock_gettime(CLOCK_MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, now32));
  return (now32[SEC] + now32[SEC + 1] * TWO32) * NS_PER_SEC + now32[NSEC];
}

/** Bounds the EINTR retries: a signal storm must not spin forever. */
const MAX_EINTR_RETRIES = 1000;

/**
 * Blocks the calling thread until CLOCK_MONOTONIC reaches deadlineNs, using an
 * absolute deadline (TIMER_ABSTIME) so neither wake-up latency nor EINTR restarts
 * accumulate drift. Returns at once if the deadline has passed.
 */
export function sleepUntil(deadlineNs: number): void {
  if (!(deadlineNs >= 0) || !Number.isFinite(deadlineNs)) throw new RangeError(`sleepUntil: deadline ${deadlineNs} ns is not a finite non-negative number`);
  const sec = Math.floor(deadlineNs / NS_PER_SEC);
  let nsec = Math.round(deadlineNs - sec * NS_PER_SEC);
  if (nsec > NS_PER_SEC - 1) nsec = NS_PER_SEC - 1;
  sleep32[SEC] = sec % TWO32;
  sleep32[SEC + 1] = Math.floor(sec / TWO32);
  sleep32[NSEC] = nsec;
  sleep32[NSEC + 1] = 0;
  for (let i = 0; i < MAX_EINTR_RETRIES; i++) {
    // clock_nanosleep returns the error number itself instead of setting errno.
    const rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, sleep32, null);
    if (rc === 0) return;
    if (rc !== Errno.EINTR) throw new SysError("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)", rc);
  }
  throw new SysError("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)", Errno.EINTR, `interrupted ${MAX_EINTR_RETRIES} times in a row`);
}
