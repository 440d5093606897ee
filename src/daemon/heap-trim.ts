// Full collections of the main thread's JS heap on a timer, when it has grown.
//
// Why: JSC collects the young generation often, but what survives one young
// collection (a health check or an MQTT packet in flight at that moment: its
// exchange, promise, reader, buffers) is old from then on, and old garbage
// only goes in a full collection. Bun's GC controller (BunGCController.cpp in
// its sources) times a full collection only under memory pressure (the heap's
// blocks growing by half, or most of the RAM) or once the heap has stayed level
// for a while with the event loop idle; a gateway running 100 checks a second
// is never level, so the old garbage piles up between JSC's own full
// collections. Measured here (memory-gateway.bench: 50 instances + MQTT + 100
// HTTP_GET at delay_loop 1 s, reads 45-55 s after start, 4 interleaved rounds):
// RssAnon 36.4-41.3 MiB (main JS heap 7.2-14.6) without, 30.8-35.5 (6.3-7.3)
// with this; read 150-180 s after start, when Bun has made full collections of
// its own, 35.3 / 37.7 against 33.0 / 36.0 (2 rounds). An earlier run with the
// interval as a setting, read at 30 s: none 37.0-38.0, every 5 s 31.9-32.2, every
// 15 s 33.4-33.7, every 30 s 33.0-33.1; 5 s against 10 s in one run: no better.
//
// A full collection of the main heap took 6.9 ms on average with 2 000 HTTP_GET
// checkers running (checkers.bench), once per interval: CPU per check 58-63 us
// with it against 55-66 without (4 interleaved rounds). The VRRP worker has its
// own heap and thread and is never stopped by it. The check on growth keeps an
// idle router from collecting a heap that has not changed.
export const TRIM_INTERVAL_MS = 10_000;
/** bytes the heap must have grown since the last trim before another is worth it */
export const TRIM_MIN_GROWTH = 1 << 20;

export interface HeapTrim {
  stop(): void;
  /** full collections made so far */
  readonly trims: number;
  /** milliseconds they took in all */
  readonly totalMs: number;
}

/** Starts the timer (unref'd: it never keeps the process alive). */
export function startHeapTrim(intervalMs = TRIM_INTERVAL_MS, minGrowth = TRIM_MIN_GROWTH): HeapTrim {
  let after = process.memoryUsage().heapUsed; // growth counts from the start
  let trims = 0;
  let totalMs = 0;
  const timer = setInterval(() => {
    if (process.memoryUsage().heapUsed - after < minGrowth) return;
    const t0 = performance.now();
    Bun.gc(true);
    totalMs += performance.now() - t0;
    trims++;
    after = process.memoryUsage().heapUsed;
  }, intervalMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get trims() {
      return trims;
    },
    get totalMs() {
      return totalMs;
    },
  };
}
