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
// in between, the difference is exactly the cells this heap allocated (objects,
// arrays, closures, strings, promises, and JSC's own: compiled code, shapes), by
// type. reportCells() writes the counts; the worker writes them twice per request
// from the main thread:
// when it wakes for it ("wake", before its event loop turns: Bun's GC timers and
// the message delivery run there) and as it takes a status request ("status", after
// that turn, before it builds the answer). From one status reading to the next wake
// reading the worker only ran its loop and answered that one request; a collection
// in between (seen in the GC log) voids the difference, one outside it does not.
import { heapStats } from "bun:jsc";
import { writeAll } from "../sys/fd-file.ts";

export const HEAP_PROBE_ENV = "VIGIL_HEAP_PROBE";
const ROUNDS = 3;

export function heapProbeRequested(): boolean {
  return process.env[HEAP_PROBE_ENV] === "1";
}

// Live cells, for the soak (test/bench/soak.bench.ts) with VIGIL_HEAP_PROBE=live:
// growth over an hour is a leak only if something stays reachable. On each status
// request each thread collects its own heap in full (Bun.gc(true)) and writes what
// survived, by type; two readings minutes apart show which kind of cell accumulates
// (a Map's entries, closures of forgotten listeners, timers) where heapUsed only
// says that something does.

export function liveProbeRequested(): boolean {
  return process.env[HEAP_PROBE_ENV] === "live";
}

/** VIGIL_HEAP_PROBE=mimalloc: only the allocator's statistics per status request, no collection forced (the daemon's own GC rhythm). */
export function allocatorProbeRequested(): boolean {
  return process.env[HEAP_PROBE_ENV] === "mimalloc";
}

/** Writes `<<vigil-heap-live THREAD TOTAL {"Object":N,...}>>` to stderr: the cells left after a full collection. */
export function reportLiveCells(thread: string): void {
  Bun.gc(true);
  const counts = heapCellsByType();
  let total = 0;
  for (const k in counts) total += counts[k];
  writeAll(2, `\n<<vigil-heap-live ${thread} ${total} ${JSON.stringify(counts)}>>\n`);
}

/**
 * Writes mimalloc's own statistics (Bun.unsafe.mimallocDump(), process-wide) to
 * stderr between `<<vigil-mimalloc begin>>` and `<<vigil-mimalloc end>>`: its arenas'
 * `committed` is what the allocator holds from the kernel (with
 * MIMALLOC_PURGE_DELAY=-1 it never shrinks); the rest of RssAnon is not mimalloc's.
 */
export function reportAllocator(): void {
  writeAll(2, "\n<<vigil-mimalloc begin>>\n");
  (Bun as unknown as { unsafe: { mimallocDump(): void } }).unsafe.mimallocDump();
  writeAll(2, "\n<<vigil-mimalloc end>>\n");
}

/** Writes ROUNDS bracketed full collections of the calling thread's heap to stderr (`<<vigil-heap-mark THREAD ROUND begin|end>>`). */
export function markHeap(thread: string): void {
  for (let i = 0; i < ROUNDS; i++) {
    // stderr directly (write(2)), in order with JSC's own log lines on the same fd
    writeAll(2, `\n<<vigil-heap-mark ${thread} ${i} begin>>\n`);
    Bun.gc(true);
    writeAll(2, `\n<<vigil-heap-mark ${thread} ${i} end>>\n`);
  }
}

/**
 * Cells JSC makes for itself as code runs: compiled code (tier-ups), object shapes and
 * their property tables, scopes' symbol tables, functions linked the first time. They
 * come once per code path, not per pass; everything else (objects, arrays, strings,
 * closures and their scopes, promises, typed arrays, BigInts) is what the program allocated.
 */
export const ENGINE_CELL = /CodeBlock$|Executable$|^Structure|^PropertyTable$|^SymbolTable$/;

/** Cells of the calling thread's heap that are live or allocated since its last collection, by JSC class name. */
export function heapCellsByType(): Record<string, number> {
  return heapStats().objectTypeCounts;
}

/** Writes `<<vigil-heap-cells THREAD POINT TOTAL {"Object":N,...}>>` to stderr (the counts are taken before the line is built). */
export function reportCells(thread: string, point: "wake" | "status"): void {
  const counts = heapCellsByType();
  let total = 0;
  for (const k in counts) total += counts[k];
  writeAll(2, `\n<<vigil-heap-cells ${thread} ${point} ${total} ${JSON.stringify(counts)}>>\n`);
}
