// keepalived's vrrp_priority maps to the VRRP worker thread's nice value: on Linux
// setpriority(PRIO_PROCESS, 0) changes the calling thread only.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";

function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]); // field 19: nice
}

test("setThreadNice changes the worker thread's nice value and not the main thread's", async () => {
  const src = `
    import { setThreadNice } from "${import.meta.dir}/../../../src/sys/sched.ts";
    import { libc } from "${import.meta.dir}/../../../src/sys/libc.ts";
    setThreadNice(7);
    postMessage(libc.symbols.gettid());
    // stays alive until terminated: a worker with nothing left to do exits, and its
    // /proc/self/task/TID entry with it, racing the read below
    setInterval(() => {}, 1000);`;
  const url = URL.createObjectURL(new Blob([src], { type: "application/typescript" }));
  const w = new Worker(url);
  const tid = await new Promise<number>((resolve) => (w.onmessage = (e) => resolve(e.data)));
  try {
    expect(niceOf(tid)).toBe(7);
    expect(niceOf(process.pid)).toBe(0);
  } finally {
    w.terminate();
  }
});

test("out-of-range nice values are refused before the syscall", async () => {
  const { setThreadNice } = await import("../../../src/sys/sched.ts");
  expect(() => setThreadNice(20)).toThrow(/outside -20..19/);
});
