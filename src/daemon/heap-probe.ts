// Allocation probes for the allocation bench (test/bench/vrrp-daemon-alloc.bench.ts),
// active only with VIGIL_HEAP_PROBE=1 in the environment: a daemon never pays for
// them otherwise.
//
// Which heap is whose. BUN_JSC_logGC=1 names each collection only by its JSC
// heap's address, and the daemon has two heaps (the main thread's VM and the VRRP
// Worker's); nothing in the log says which address is which thread, and the order
// in which they first collect changes from run to run. A thread proves its own
// heap with markHeap(): a begin line, a synchronous full collection of its own heap
// (Bun.gc(true) returns after it, and BUN_JSC_logGC logs it before), an end line,
// three times. Its heap is certain to log a collection inside each pair; the bench
// takes the one heap found inside every pair, and attributes nothing otherwise.
//
// How much a thread allocated. A GC count only moves once a heap has allocated
// its eden budget (megabytes for the worker), so "no GC" cannot tell 0 bytes from
// 32 bytes per advert. heapStats().objectTypeCounts walks every cell that is live
// or allocated since the last collection: between two readings with no collection
// in between, the difference in the total is exactly the number of cells this
// heap allocated (objects, arrays, closures, strings, promises). reportCells()
// writes that total. The worker writes it twice per request from the main thread:
// when it wakes for it ("wake", before its event loop turns: Bun's GC timers and
// the message delivery run there) and as it takes a status request ("status", after
// that turn, before it builds the answer). From one status reading to the next wake
// reading the worker only ran its loop and answered that one request; a collection
// in between (seen in the GC log) voids the difference, one outside it does not.
import { heapStats } from "bun:jsc";
import { writeSync } from "node:fs";

export const HEAP_PROBE_ENV = "VIGIL_HEAP_PROBE";
const ROUNDS = 3;

export function heapProbeRequested(): boolean {
  return process.env[HEAP_PROBE_ENV] === "1";
}

/** Writes ROUNDS bracketed full collections of the calling thread's heap to stderr (`<<vigil-heap-mark THREAD ROUND begin|end>>`). */
export function markHeap(thread: string): void {
  for (let i = 0; i < ROUNDS; i++) {
    // stderr directly (write(2)), in order with JSC's own log lines on the same fd
    writeSync(2, `\n<<vigil-heap-mark ${thread} ${i} begin>>\n`);
    Bun.gc(true);
    writeSync(2, `\n<<vigil-heap-mark ${thread} ${i} end>>\n`);
  }
}

/** Cells of the calling thread's heap that are live or allocated since its last collection. */
export function heapCells(): number {
  const counts = heapStats().objectTypeCounts;
  let n = 0;
  for (const k in counts) n += counts[k];
  return n;
}

/** Writes `<<vigil-heap-cells THREAD POINT N>>` to stderr. */
export function reportCells(thread: string, point: "wake" | "status"): void {
  writeSync(2, `\n<<vigil-heap-cells ${thread} ${point} ${heapCells()}>>\n`);
}
