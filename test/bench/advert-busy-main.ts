// Bench-only load for vigil's main thread, loaded with `bun --preload` (never
// part of the daemon): VIGIL_BENCH_BUSY_MAIN=BUSY/PERIOD burns BUSY ms of
// synchronous work every PERIOD ms on the main thread — a stand-in for config
// parsing, MQTT and checkers — so the benchmark shows whether adverts, which
// leave from the VRRP Worker, are delayed by it. Bun runs preloads on the main
// thread only; the guard keeps it that way should that change.
import { isMainThread } from "node:worker_threads";

const spec = process.env.VIGIL_BENCH_BUSY_MAIN ?? "";
const m = /^(\d{1,4})\/(\d{1,5})$/.exec(spec);
if (isMainThread && spec) {
  if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) < 10) {
    console.error(`advert-busy-main: VIGIL_BENCH_BUSY_MAIN='${spec}' must be BUSY/PERIOD in ms with BUSY < PERIOD, PERIOD ≥ 10`);
    process.exit(2);
  }
  const busy = Number(m[1]);
  const period = Number(m[2]);
  let sink = 0;
  setInterval(() => {
    const end = performance.now() + busy;
    while (performance.now() < end) sink = (sink + Math.sqrt(sink + 1)) % 1e9;
  }, period).unref?.();
}
