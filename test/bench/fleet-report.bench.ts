// bench-timeout: 240
// The fleet-wide report request at scale, on a broker that keeps no retained
// messages (mosquitto `retain_available false`): N real FleetReporters (one MQTT
// connection each, MQTT 5) in this process, each with one VRRP instance.
//   1. answers to one request, with the jitter spread 0 and 1000 ms: how many
//      arrive, over how long, and the busiest 100 ms (the stampede the spread avoids);
//   2. `vigil status --broker --json` (a subprocess, default --wait-ms 1500):
//      nodes it shows out of N, and its wall time.
// Run: node_modules/.bin/bun test/bench/fleet-report.bench.ts   (FLEET_REPORT_N=N, default 1000)
import { defaultFleet } from "../../src/config/model.ts";
import { reportAnswerMessages, reportRequest } from "../../src/fleet/report.ts";
import { FleetReporter } from "../../src/fleet/reporter.ts";
import { Mosquitto, Watcher } from "../helpers/mosquitto.ts";
import { BUN, ROOT } from "../helpers/netns.ts";

const N = Number(process.env.FLEET_REPORT_N ?? 1000);
const FLEET = "rb";
const broker = await new Mosquitto({ extra: ["retain_available false", "max_connections -1"] }).start();
const reporters: FleetReporter[] = [];
try {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = new FleetReporter({
      config: { ...defaultFleet(), broker: broker.url, fleet: FLEET }, node: `n${String(i).padStart(5, "0")}`, version: "bench", bootTime: 0,
      configSerial: () => 1, configHash: () => "h1",
    });
    r.start();
    r.vrrpState("VI_1", { state: i % 2 ? "BACKUP" : "MASTER", segment: `v4:198.18.${i >> 8}.${i & 255}/32`, vrid: 1 + (i % 200), priority: 100, effectivePriority: 100, since: 0 });
    reporters.push(r);
    if (i % 50 === 49) await Bun.sleep(20); // no connect storm: this bench is about the answers
  }
  const created = performance.now() - t0;
  for (let i = 0; i < 600 && reporters.some((r) => !r.stats().connected); i++) await Bun.sleep(100);
  const connected = reporters.filter((r) => r.stats().connected).length;
  const connects = reporters.reduce((n, r) => n + r.stats().connects, 0);
  console.log(`${N} reporters created in ${(created / 1000).toFixed(1)} s, ${connected} connected after ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
    `(${connects} CONNACKs accepted; each first CONNECT with a retained Will is refused 0x9A, the next goes without retain)`);

  const w = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt", protocolVersion: 5, connectTimeout: 30_000 }, [`vigil/v1/${FLEET}/+/reply/bench`]);
  w.client.on("error", () => {}); // a loaded machine: a late error must not end the bench
  for (const spread of [0, 1000]) {
    const id = `bench:${spread}`;
    const from = w.msgs.length;
    const arrivals: number[] = [];
    const onMsg = () => arrivals.push(performance.now());
    w.client.on("message", onMsg);
    const req = reportRequest(FLEET, "bench", id, spread, 5);
    const s0 = performance.now();
    await w.client.publishAsync(req.topic, req.body, req.opts);
    for (let i = 0; i < 200 && arrivals.length < connected; i++) await Bun.sleep(50);
    w.client.off("message", onMsg);
    const nodes = new Set(w.msgs.slice(from).filter((m) => reportAnswerMessages(FLEET, m.topic, m.body, id)?.length).map((m) => m.topic));
    const buckets = new Map<number, number>();
    for (const t of arrivals) buckets.set(Math.floor((t - s0) / 100), (buckets.get(Math.floor((t - s0) / 100)) ?? 0) + 1);
    const last = arrivals.length ? Math.max(...arrivals) - s0 : 0;
    console.log(`report request, spread ${String(spread).padStart(4)} ms: ${nodes.size}/${connected} answers, last after ${last.toFixed(0)} ms, busiest 100 ms: ${Math.max(0, ...buckets.values())} answers`);
    await Bun.sleep(500);
  }
  await w.close();

  // Each node answers at most 8 requests per 10 s: wait for its window to pass before the CLI asks.
  await Bun.sleep(10_500);
  const c0 = performance.now();
  // not spawnSync: the reporters live in this process and must answer meanwhile
  const st = Bun.spawn([BUN, `${ROOT}/src/main.ts`, "status", "--broker", broker.url, "--fleet", FLEET, "--json"], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const [out, err, code] = await Promise.all([new Response(st.stdout).text(), new Response(st.stderr).text(), st.exited]);
  const wall = performance.now() - c0;
  const shown = code === 0 ? Object.keys(JSON.parse(out).nodes).length : 0;
  console.log(`vigil status --broker (--wait-ms 1500, answers spread over 1000 ms): ${shown}/${connected} nodes, wall ${wall.toFixed(0)} ms, exit ${code}${code ? `: ${err.slice(0, 200)}` : ""}`);
} finally {
  await Promise.all(reporters.map((r) => r.stop(500).catch(() => {})));
  await broker.dispose();
}
