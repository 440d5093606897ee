// sleepUntil must survive signals: clock_nanosleep returns EINTR when a handler runs
// on the sleeping thread, and an absolute deadline lets the retry lose nothing.
// The test first shows raw clock_nanosleep really is interrupted on this setup,
// then that sleepUntil under the same signal barrage still returns only after its deadline.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { libc } from "../../../src/sys/libc.ts";

const SIGUSR2 = 12;
const pid = libc.symbols.getpid();
const { tgkill } = dlopen("libc.so.6", { tgkill: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 } }).symbols;
const handler = () => {};

beforeAll(() => { process.on("SIGUSR2", handler); });
afterAll(() => { process.off("SIGUSR2", handler); });

const CLOCK = new URL("../../../src/sys/clock.ts", import.meta.url).pathname;
const LIBC = new URL("../../../src/sys/libc.ts", import.meta.url).pathname;
const ABI = new URL("../../../src/sys/abi.ts", import.meta.url).pathname;

/** Worker: posts its TID, waits for "go", sleeps as told, posts the outcome. */
const WORKER = `
  import { monotonicNs, sleepUntil } from ${JSON.stringify(CLOCK)};
  import { libc } from ${JSON.stringify(LIBC)};
  import { CLOCK_MONOTONIC, TIMER_ABSTIME } from ${JSON.stringify(ABI)};
  self.onmessage = (e) => {
    const ms = 400;
    if (e.data === "raw") {
      const ts = new BigInt64Array(2);
      libc.symbols.clock_gettime(CLOCK_MONOTONIC, ts);
      ts[0] += 1n; // one second ahead: long enough to be hit by a signal
      const rc = libc.symbols.clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ts, null);
      postMessage({ rc });
    } else {
      const deadline = monotonicNs() + ms * 1e6;
      sleepUntil(deadline);
      postMessage({ early: monotonicNs() < deadline });
    }
  };
  postMessage({ tid: libc.symbols.gettid() });
`;

async function withSignalledWorker(mode: string): Promise<Record<string, unknown>> {
  const w = new Worker(URL.createObjectURL(new Blob([WORKER], { type: "application/typescript" })));
  try {
    const tid = await new Promise<number>((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data.tid);
      w.onerror = (e) => reject(new Error(e.message));
    });
    const result = new Promise<Record<string, unknown>>((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => reject(new Error(e.message));
    });
    w.postMessage(mode);
    let done = false;
    result.then(() => { done = true; });
    await Bun.sleep(50);
    for (let i = 0; i < 30 && !done; i++) {
      tgkill(pid, tid, SIGUSR2);
      await Bun.sleep(10);
    }
    return await Promise.race([result, Bun.sleep(10_000).then(() => { throw new Error("worker did not finish in 10 s"); })]);
  } finally {
    w.terminate();
  }
}

test("raw clock_nanosleep is interrupted (EINTR) by a signal handled on the sleeping thread", async () => {
  const r = await withSignalledWorker("raw");
  expect(r.rc).toBe(4); // EINTR, returned directly by clock_nanosleep
});

test("sleepUntil retries after EINTR and never returns before its absolute deadline", async () => {
  const r = await withSignalledWorker("sleep");
  expect(r.early).toBe(false);
});
