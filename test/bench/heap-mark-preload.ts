// `bun --preload` for the allocation bench: the daemon's main thread proves which
// heap in the BUN_JSC_logGC output is its own (src/daemon/heap-probe.ts); the VRRP
// Worker does the same for its heap when VIGIL_HEAP_PROBE=1. Preloads run on the
// main thread only, before src/main.ts.
import { heapProbeRequested, markHeap } from "../../src/daemon/heap-probe.ts";

if (heapProbeRequested()) markHeap("main");
