// The main thread's periodic full collection (src/daemon/heap-trim.ts): it collects
// once the heap has grown by the threshold, and leaves a heap that has not alone.
import { expect, test } from "bun:test";
import { startHeapTrim } from "../../../src/daemon/heap-trim.ts";

const MIB = 1 << 20;

/**
 * Fills `slots` with ~`mib` MiB of objects that survive a full collection (old
 * generation, as a check in flight during a young collection), to be dropped
 * slot by slot: JSC scans the stack conservatively, and a stale pointer to
 * one slot's array keeps only that one alive.
 */
function oldObjects(slots: unknown[][], mib: number): void {
  for (let c = 0; c < mib * 16; c++) {
    const chunk: unknown[] = [];
    for (let i = 0; i < 500; i++) chunk.push({ i, s: `x${i}`, a: [i, i + 1] });
    slots.push(chunk);
  }
  Bun.gc(true);
}

/** Waits (bounded) until `f` holds. */
async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (let i = 0; i < ms / 10 && !f(); i++) await Bun.sleep(10);
  return f();
}

test("old garbage past the threshold gets a full collection and leaves the heap", async () => {
  Bun.gc(true);
  const trim = startHeapTrim(20, 8 * MIB);
  try {
    await Bun.sleep(100); // five looks at a heap that has not grown: nothing to do
    expect(trim.trims).toBe(0);
    const slots: unknown[][] = []; // synchronous from here to the drop: no timer runs in between
    oldObjects(slots, 16);
    slots.length = 0;
    const withGarbage = process.memoryUsage().heapUsed;
    expect(await until(() => trim.trims === 1, 5000)).toBe(true);
    expect(process.memoryUsage().heapUsed).toBeLessThan(withGarbage - 8 * MIB);
  } finally {
    trim.stop();
  }
});

test("a heap that did not grow by the threshold is not collected", async () => {
  const trim = startHeapTrim(20, 1 << 30);
  try {
    const slots: unknown[][] = [];
    oldObjects(slots, 4);
    slots.length = 0;
    await Bun.sleep(200); // ten intervals
    expect(trim.trims).toBe(0);
  } finally {
    trim.stop();
  }
});
