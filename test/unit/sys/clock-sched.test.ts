// SCHED_FIFO is per thread: a Worker switching itself must leave the main thread alone
// (docs/architecture.md, "Timing") — the advert Worker relies on that.
import { expect, test } from "bun:test";
import { setThreadFifo, threadPolicy } from "../../../src/sys/sched.ts";

const SCHED_PATH = new URL("../../../src/sys/sched.ts", import.meta.url).pathname;

function runWorker(code: string): Promise<unknown> {
  const url = URL.createObjectURL(new Blob([code], { type: "application/typescript" }));
  const w = new Worker(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { w.terminate(); reject(new Error("worker did not answer in 10 s")); }, 10_000);
    w.onmessage = (e) => { clearTimeout(timer); w.terminate(); resolve(e.data); };
    w.onerror = (e) => { clearTimeout(timer); w.terminate(); reject(new Error(String(e.message))); };
  });
}

test("SCHED_FIFO set inside a Worker applies to that thread only", async () => {
  const before = threadPolicy();
  const r = (await runWorker(`
    import { setThreadFifo, setThreadNormal, threadPolicy } from ${JSON.stringify(SCHED_PATH)};
    const start = threadPolicy();
    let fifo = -1, err = "";
    try { setThreadFifo(10); fifo = threadPolicy(); setThreadNormal(); } catch (e) { err = String(e); }
    postMessage({ start, fifo, after: threadPolicy(), err });
  `)) as { start: number; fifo: number; after: number; err: string };
  expect(r.err).toBe("");
  expect(r.start).toBe(0);
  expect(r.fifo).toBe(1); // SCHED_FIFO
  expect(r.after).toBe(0);
  expect(threadPolicy()).toBe(before);
  expect(before).toBe(0);
});

test("threads a SCHED_FIFO Worker starts afterwards begin SCHED_OTHER (SCHED_RESET_ON_FORK)", async () => {
  // the nested Worker's thread is created by the FIFO thread, as Bun's JIT and GC helper threads are
  const r = (await runWorker(`
    import { setThreadFifo, threadPolicy } from ${JSON.stringify(SCHED_PATH)};
    let err = "";
    try { setThreadFifo(10); } catch (e) { err = String(e); }
    const inner = new Worker(URL.createObjectURL(new Blob([
      "import { threadPolicy } from " + ${JSON.stringify(JSON.stringify(SCHED_PATH))} + "; postMessage(threadPolicy());",
    ], { type: "application/typescript" })));
    inner.onmessage = (e) => { inner.terminate(); postMessage({ err, self: threadPolicy(), child: e.data }); };
  `)) as { err: string; self: number; child: number };
  expect(r.err).toBe("");
  expect(r.self).toBe(1); // SCHED_FIFO
  expect(r.child).toBe(0); // SCHED_OTHER
});

test("out-of-range SCHED_FIFO priority is refused before any syscall", () => {
  expect(() => setThreadFifo(0)).toThrow(/outside 1..99/);
  expect(() => setThreadFifo(100)).toThrow(/outside 1..99/);
  expect(() => setThreadFifo(1.5)).toThrow(/outside 1..99/);
  expect(threadPolicy()).toBe(0);
});
