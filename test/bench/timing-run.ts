// One timing scenario, run inside the bench namespace: the advert Worker sends every
// period while this main thread does 20 ms bursts of allocation-heavy work every
// 100 ms (config parsing, MQTT, checkers stand-in). Prints one JSON line.
import type { TimingJob, TimingResult } from "./timing-worker.ts";

const [ifname, fifo, ticks, periodMs, burst] = process.argv.slice(2);
const job: TimingJob = { ifname, fifoPriority: Number(fifo), ticks: Number(ticks), periodNs: Number(periodMs) * 1e6 };
const withBursts = burst === "bursts";

const worker = new Worker(new URL("./timing-worker.ts", import.meta.url).href);
let done = false;
let bursts = 0;

function burstOfWork(): void {
  const end = performance.now() + 20;
  let junk = 0;
  while (performance.now() < end) {
    const o = { a: [1, 2, 3], s: "x".repeat(64), n: { deep: [junk, junk + 1] } };
    junk += JSON.parse(JSON.stringify(o)).a.length;
  }
  bursts++;
}

function loop(): void {
  if (done) return;
  burstOfWork();
  setTimeout(loop, 80);
}

const result = await new Promise<TimingResult>((resolve, reject) => {
  worker.onmessage = (e: MessageEvent<TimingResult>) => resolve(e.data);
  worker.onerror = (e) => reject(new Error(e.message));
  worker.postMessage(job);
  if (withBursts) setTimeout(loop, 100);
});
done = true;
worker.terminate();

const late = Array.from(result.lateNs).sort((x, y) => x - y);
const wake = Array.from(result.wakeNs).sort((x, y) => x - y);
const q = (p: number, v = late) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
console.log(JSON.stringify({
  samples: late.length, bursts, missed: result.missed, sendErrors: result.sendErrors,
  p50us: q(0.5) / 1e3, p99us: q(0.99) / 1e3, maxUs: late[late.length - 1] / 1e3,
  over1ms: late.filter((x) => x > 1e6).length,
  wakeP50us: q(0.5, wake) / 1e3, wakeP99us: q(0.99, wake) / 1e3, wakeMaxUs: wake[wake.length - 1] / 1e3,
}));
