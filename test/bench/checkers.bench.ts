// 2 000 real servers under HTTP_GET at delay_loop 1 s (issue 6 target: < 10 %
// of one core). The real servers are loopback listeners in a separate
// process; this process runs the real runner (scheduler, adapters, state,
// desired table) and measures its own CPU time and RSS over the window.
// Then the same for PING_CHECK and UDP_CHECK: CPU per check beside HTTP_GET's.
// Run: node_modules/.bin/bun test/bench/checkers.bench.ts
//   CHK_RS=2000 CHK_SECONDS=20 CHK_DIGEST=0 (1: every url also checks an MD5 digest) CHK_PING_UDP=1
//   CHK_HEAP_TRIM=1 (0: without the daemon's periodic full collection, src/daemon/heap-trim.ts)
import { defaultCheckerCommon, defaultVirtualServer, type VirtualServer } from "../../src/config/model.ts";
import net from "node:net";
import { LvsCheckRunner } from "../../src/lvs/checkers/runner.ts";
import { ALLOCATOR_ENV, allocatorTuned, reexecWithAllocatorEnv } from "../../src/sys/allocator-env.ts";
import { type HeapTrim, startHeapTrim, TRIM_INTERVAL_MS } from "../../src/daemon/heap-trim.ts";
import { cFloorAtRate, rawFloorUs } from "./checkers-floor.ts";
import { threadCpuDiff, threadCpuMs } from "./thread-cpu.ts";

// measure the process as `vigil run` sets it up (src/sys/allocator-env.ts); CHK_RAW_ALLOCATOR=1 keeps the defaults
if (process.env.CHK_RAW_ALLOCATOR !== "1") reexecWithAllocatorEnv();

const RS = Number(process.env.CHK_RS ?? 2000);
const SECONDS = Number(process.env.CHK_SECONDS ?? 20);
const DIGEST = process.env.CHK_DIGEST === "1";
const PER_VS = 20;
const LISTENERS = 40;
// long enough for the JIT to settle: the daemon runs for days, and the compiler
// threads' CPU in the first seconds is not what a check costs
const WARM_S = Number(process.env.CHK_WARM ?? 10);
// PING_CHECK and UDP_CHECK per-check cost after the HTTP figures (CHK_PING_UDP=0 skips them)
const PING_UDP = process.env.CHK_PING_UDP !== "0";
const SMALL_WARM_S = 4;
const SMALL_S = 8;
// the main thread's periodic full collection, as `vigil run` has it
const HEAP_TRIM = process.env.CHK_HEAP_TRIM !== "0";

const server = Bun.spawn([process.execPath, `${import.meta.dir}/checkers-http-server.ts`, String(LISTENERS), String((SECONDS + 30) * 1000)], {
  stdout: "pipe",
  stderr: "inherit",
});
let runner: LvsCheckRunner | undefined;
const trim: HeapTrim | undefined = HEAP_TRIM ? startHeapTrim() : undefined;
try {
  const reader = server.stdout.getReader();
  const first = await reader.read();
  const ports: number[] = JSON.parse(new TextDecoder().decode(first.value!).trim());
  reader.releaseLock();

  const vss: VirtualServer[] = [];
  for (let v = 0; v * PER_VS < RS; v++) {
    const vs: VirtualServer = { ...defaultVirtualServer(), ip: `198.18.${v >> 8}.${v & 255}`, port: 80, delayLoopMs: 1000, realServers: [] };
    for (let j = 0; j < PER_VS && v * PER_VS + j < RS; j++) {
      vs.realServers.push({
        ip: "127.0.0.1",
        port: ports[(v + j) % LISTENERS]!,
        weight: 1,
        checkers: [{
          type: "HTTP_GET",
          ...defaultCheckerCommon(),
          warmupMs: 1000, // spread the first round over one delay_loop
          url: [DIGEST ? { path: "/", digest: "6f1e4a8f9bb1b44d8fa4ea1bba3bcc25" } : { path: "/" }],
        }],
      });
    }
    vss.push(vs);
  }

  let checks = 0;
  let failures = 0;
  let lastFailure = "";
  let measuring = false;
  const lat: number[] = [];
  runner = new LvsCheckRunner(vss, {
    onCheck: (r) => {
      checks++;
      if (measuring && lat.length < 1_000_000) lat.push(r.latencyMs);
      if (!r.outcome.ok) {
        failures++;
        lastFailure = r.outcome.reason ?? "";
      }
    },
  }, { seed: 42 });
  runner.start();

  await Bun.sleep(WARM_S * 1000);
  measuring = true;
  const c0 = process.cpuUsage();
  const th0 = threadCpuMs();
  const t0 = performance.now();
  const n0 = checks;
  const f0 = failures;
  let rssMax = 0;
  for (let s = 0; s < SECONDS; s++) {
    await Bun.sleep(1000);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }
  const c1 = process.cpuUsage(c0);
  const threads = threadCpuDiff(th0, threadCpuMs());
  const wallMs = performance.now() - t0;
  const cpuMs = (c1.user + c1.system) / 1000;
  const n = checks - n0;
  const heapTrim = trim ? `heap trim every ${TRIM_INTERVAL_MS / 1000} s (${trim.trims} full collections so far, ${trim.totalMs.toFixed(1)} ms in all)` : "no heap trim";
  console.log(`checkers bench: ${RS} real servers, HTTP_GET${DIGEST ? " + digest" : ""}, delay_loop 1 s, ${SECONDS} s measured after ${WARM_S} s warm-up, ${heapTrim}, allocator ${allocatorTuned() ? `tuned (MIMALLOC_PURGE_DELAY=${ALLOCATOR_ENV.MIMALLOC_PURGE_DELAY}, as vigil run)` : `MIMALLOC_PURGE_DELAY=${process.env.MIMALLOC_PURGE_DELAY ?? "unset (mimalloc default 10)"}`}`);
  console.log(`checks/s         ${(n / (wallMs / 1000)).toFixed(0)}   (expected ≈ ${RS})`);
  lat.sort((x, y) => x - y);
  const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2) : "-");
  console.log(`check latency    p50 ${pct(0.5)} ms   p99 ${pct(0.99)} ms   max ${pct(1)} ms`);
  console.log(`failed checks    ${failures - f0}${lastFailure ? `   last: ${lastFailure}` : ""}`);
  console.log(`CPU, one core    ${((cpuMs / wallMs) * 100).toFixed(1)} %   (user ${(c1.user / 1000).toFixed(0)} ms, sys ${(c1.system / 1000).toFixed(0)} ms)   target < 10 %`);
  console.log(`by thread        ${threads}`);
  console.log(`RSS              ${(rssMax / 2 ** 20).toFixed(0)} MiB max`);
  const perCheckUs = (cpuMs * 1000) / Math.max(1, n);
  console.log(`CPU per check    ${perCheckUs.toFixed(0)} µs   → ${((perCheckUs * RS) / 1e4).toFixed(1)} % of a core at ${RS} checks/s`);
  runner.stop();
  runner = undefined;

  // Floor: the same connect + GET + read with bare node:net, no checker logic,
  // same concurrency shape (bursts of 50), so the ratio shows vigil's own cost.
  const port = ports[0]!;
  const bare = () =>
    new Promise<void>((res) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.on("connect", () => s.write("GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1\r\n\r\n"));
      s.on("data", () => {
        s.destroy();
        res();
      });
      s.on("error", () => res());
    });
  const BARE_N = 4000;
  for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 50 }, bare)); // warm up
  const b0 = process.cpuUsage();
  for (let i = 0; i < BARE_N / 50; i++) await Promise.all(Array.from({ length: 50 }, bare));
  const b1 = process.cpuUsage(b0);
  const bareUs = (b1.user + b1.system) / BARE_N;
  console.log(`bare node:net    ${bareUs.toFixed(0)} µs CPU per connect+GET   → checker/bare ratio ${(perCheckUs / bareUs).toFixed(2)}`);
  const floorUs = rawFloorUs(port, 10_000);
  console.log(`raw syscall floor ${floorUs.toFixed(0)} µs CPU per connect+GET, bursts of 50 (bun:ffi, no checker logic)   → checker/floor ratio ${(perCheckUs / floorUs).toFixed(2)}`);
  // the same exchanges from C at the bench's rate and 20 ms batching: what the kernel alone charges here
  const c = cFloorAtRate(ports, RS, 20, Math.min(SECONDS, 10));
  if (c) {
    const pct = (c.usPerExchange * RS) / 1e4;
    console.log(`C at ${RS}/s       ${c.usPerExchange.toFixed(0)} µs CPU per connect+GET (user ${c.userUs.toFixed(0)}, sys ${c.sysUs.toFixed(0)}) = ${pct.toFixed(1)} % of a core   → checker/C ratio ${(perCheckUs / c.usPerExchange).toFixed(2)}`);
  }
  if (failures - f0 > 0) {
    console.log("FAIL: healthy real servers failed checks");
    process.exitCode = 1;
  }
  if (n < RS * SECONDS * 0.9) console.log(`note: ${n} checks < ${RS} × ${SECONDS}: the loopback server process (or a loaded host) limited the rate; per-check CPU is the comparable number`);
  if (PING_UDP) {
    for (const kind of ["PING_CHECK", "UDP_CHECK"] as const) {
      const r = await perCheck(kind);
      console.log(`${kind.padEnd(16)} ${r.usPerCheck.toFixed(0)} µs CPU per check (${r.checksPerS.toFixed(0)} checks/s over ${SMALL_S} s, ${r.failed} failed, p99 latency ${r.p99.toFixed(2)} ms)   → ${((r.usPerCheck * RS) / 1e4).toFixed(1)} % of a core at ${RS} checks/s; HTTP_GET/${kind} ${(perCheckUs / r.usPerCheck).toFixed(2)}`);
      if (r.failed > 0) process.exitCode = 1;
    }
  }
} finally {
  trim?.stop();
  runner?.stop();
  server.kill(9);
  await server.exited;
}

/**
 * CPU per check of PING_CHECK (echo to 127.0.0.1 on the shared raw socket) or
 * UDP_CHECK (a datagram to a loopback echo server in another process, reply
 * required) at RS checks per second, measured like the HTTP figure above. The
 * echo server ignores send errors: a reply to a checker socket that already gave
 * up comes back as ECONNREFUSED, which would otherwise end the server mid-run.
 */
async function perCheck(kind: "PING_CHECK" | "UDP_CHECK"): Promise<{ usPerCheck: number; checksPerS: number; failed: number; p99: number }> {
  const echo = kind === "UDP_CHECK"
    ? Bun.spawn([process.execPath, "-e", `const s = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { data(s, b, p, a) { try { s.send(b, p, a); } catch {} } } }); console.log(s.port); setTimeout(() => process.exit(0), ${(SMALL_WARM_S + SMALL_S + 30) * 1000});`], { stdout: "pipe", stderr: "inherit" })
    : undefined;
  try {
    const port = echo ? Number(new TextDecoder().decode((await echo.stdout.getReader().read()).value!).trim()) : 0;
    const common = { ...defaultCheckerCommon(), connectTimeoutMs: 2000, warmupMs: 1000 };
    const vss: VirtualServer[] = [];
    for (let v = 0; v * PER_VS < RS; v++) {
      const vs: VirtualServer = { ...defaultVirtualServer(), ip: `198.18.${v >> 8}.${v & 255}`, port: 80, delayLoopMs: 1000, realServers: [] };
      for (let j = 0; j < PER_VS && v * PER_VS + j < RS; j++) {
        vs.realServers.push({
          ip: "127.0.0.1",
          port: 7 + j + 1,
          weight: 1,
          checkers: [kind === "PING_CHECK"
            ? { type: kind, ...common }
            : { type: kind, ...common, connectPort: port, requireReply: true, minReplyLength: 0, maxReplyLength: 255 }],
        });
      }
      vss.push(vs);
    }
    let n = 0;
    let failed = 0;
    let on = false;
    const lat: number[] = [];
    const r = new LvsCheckRunner(vss, {
      onCheck: (c) => {
        if (!on) return;
        n++;
        if (lat.length < 1_000_000) lat.push(c.latencyMs);
        if (!c.outcome.ok) failed++;
      },
    }, { seed: 7 });
    r.start();
    try {
      await Bun.sleep(SMALL_WARM_S * 1000);
      on = true;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Bun.sleep(SMALL_S * 1000);
      const c1 = process.cpuUsage(c0);
      const wall = performance.now() - t0;
      on = false;
      lat.sort((x, y) => x - y);
      return { usPerCheck: (c1.user + c1.system) / Math.max(1, n), checksPerS: n / (wall / 1000), failed, p99: lat[Math.floor(0.99 * (lat.length - 1))] ?? 0 };
    } finally {
      r.stop();
    }
  } finally {
    echo?.kill(9);
    await echo?.exited;
  }
}
