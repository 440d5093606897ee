// bench-timeout: 240
// The fleet page at scale (issue 16: responsive with 1 000 nodes). A simulated
// fleet (test/helpers/fleet-sim.ts: N nodes in VRRP pairs, 5 retained reports
// each) at a mosquitto on loopback, `vigil fleet web` from the shipped binary,
// and headless Chromium at 1280x800. Per run (a fresh tab each):
//   - first full render: navigation until the page counts every node, group
//     and real server;
//   - per update: 400 live reports (200 failovers, one every 5 ms); the page's
//     own timers: applying a delta to its stores, painting the tables in view;
// plus the server side in this process: folding the N x 5 retained messages
// into the model, and the size of the snapshot a page gets on connect.
// Run: node_modules/.bin/bun test/bench/fleet-web.bench.ts   (FLEET_WEB_N=N FLEET_WEB_RUNS=R)
import mqtt from "mqtt";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FleetWebModel } from "../../src/cli/fleet-web/model.ts";
import { ROOT } from "../helpers/board.ts";
import { Chromium } from "../helpers/chromium.ts";
import { startFleetWeb } from "../helpers/fleet-web.ts";
import { failOver, publishFleet } from "../helpers/fleet-sim.ts";
import { Mosquitto } from "../helpers/mosquitto.ts";

const N = Number(process.env.FLEET_WEB_N ?? 1000);
const RUNS = Number(process.env.FLEET_WEB_RUNS ?? 5);
const FLEET = "bench";
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const fmt = (xs: number[], unit = "ms") => `p50 ${pct(xs, 0.5).toFixed(2)} ${unit}  p90 ${pct(xs, 0.9).toFixed(2)} ${unit}  max ${pct(xs, 1).toFixed(2)} ${unit}  (n=${xs.length})`;

const broker = await new Mosquitto().start();
const pub = await mqtt.connectAsync({ host: "127.0.0.1", port: broker.port, protocolVersion: 5, reconnectPeriod: 0 });
let web: Awaited<ReturnType<typeof startFleetWeb>> | undefined;
let browser: Chromium | undefined;
try {
  await publishFleet(pub, FLEET, N);

  // server side: the model folding what the broker replays on subscribe
  const msgs: Array<[string, Uint8Array]> = [];
  const tap = await mqtt.connectAsync({ host: "127.0.0.1", port: broker.port, protocolVersion: 5, reconnectPeriod: 0 });
  tap.on("message", (t, b) => msgs.push([t, new Uint8Array(b)]));
  await tap.subscribeAsync(`vigil/v1/${FLEET}/#`, { qos: 0 });
  for (let i = 0; i < 200 && msgs.length < N * 5; i++) await Bun.sleep(25);
  await tap.endAsync(true);
  const folds: number[] = [];
  let snapshotBytes = 0;
  const snapMs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const m = new FleetWebModel(FLEET, broker.url);
    const t0 = performance.now();
    for (const [t, b] of msgs) m.apply(t, b, Date.now());
    m.takeDelta(Date.now());
    folds.push(performance.now() - t0);
    const s0 = performance.now();
    snapshotBytes = JSON.stringify(m.snapshot(Date.now())).length;
    snapMs.push(performance.now() - s0);
  }

  web = await startFleetWeb(["--broker", broker.url, "--fleet", FLEET, "--listen", "127.0.0.1:0"]);
  browser = await Chromium.launch();
  const firsts: number[] = [];
  const snapToPaint: number[] = [];
  const apply: number[] = [];
  const paint: number[] = [];
  const deltas: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage(1280, 800);
    const t0 = performance.now();
    await page.goto(web.url);
    await page.waitFor(`document.getElementById("nodes-count").textContent.startsWith("${N}: ${N} online") && document.getElementById("groups-count").textContent.startsWith("${N / 2}: ") && document.getElementById("lvs-count").textContent.startsWith("${2 * N} real")`, 30_000);
    firsts.push(performance.now() - t0);
    const before = await page.eval<number>("vigilWeb.deltas");
    for (let k = 0; k < 200; k++) {
      failOver(pub, FLEET, (k * 7 + run) % (N / 2), run % 2 === 0);
      await Bun.sleep(5);
    }
    await Bun.sleep(600);
    const s = await page.eval<{ deltas: number; applyMs: number[]; renderMs: number[]; firstRenderMs: number; snapshotAt: number }>("vigilWeb");
    const d = s.deltas - before;
    deltas.push(d);
    apply.push(...s.applyMs.slice(-d));
    paint.push(...s.renderMs.slice(-d));
    snapToPaint.push(s.firstRenderMs - s.snapshotAt);
    await browser.send("Target.closeTarget", { targetId: (await page.send<{ targetInfo: { targetId: string } }>("Target.getTargetInfo")).targetInfo.targetId }).catch(() => {});
  }
  const out = {
    nodes: N, runs: RUNS,
    serverFoldMs: { p50: pct(folds, 0.5), max: pct(folds, 1) }, retainedMessages: msgs.length,
    snapshotBytes, snapshotJsonMs: pct(snapMs, 0.5),
    firstFullRenderMs: { p50: pct(firsts, 0.5), max: pct(firsts, 1) },
    snapshotToFirstPaintMs: { p50: pct(snapToPaint, 0.5), max: pct(snapToPaint, 1) },
    deltasPer400Reports: { p50: pct(deltas, 0.5), max: pct(deltas, 1) },
    applyPerDeltaMs: { p50: pct(apply, 0.5), p90: pct(apply, 0.9), max: pct(apply, 1) },
    paintPerFrameMs: { p50: pct(paint, 0.5), p90: pct(paint, 0.9), max: pct(paint, 1) },
  };
  console.log(`fleet web, ${N} nodes (${msgs.length} retained messages), ${RUNS} runs, Chromium ${(await browser.send<{ product: string }>("Browser.getVersion")).product}`);
  console.log(`  server: fold all retained      ${fmt(folds)}`);
  console.log(`  server: snapshot               ${(snapshotBytes / 1024).toFixed(0)} KiB JSON, built in ${pct(snapMs, 0.5).toFixed(1)} ms`);
  console.log(`  page: first full render        ${fmt(firsts)}   (navigation -> every node, group, real server counted)`);
  console.log(`  page: snapshot -> first paint  ${fmt(snapToPaint)}`);
  console.log(`  page: 400 live reports in      ${fmt(deltas, "deltas")}`);
  console.log(`  page: apply one delta          ${fmt(apply)}`);
  console.log(`  page: paint one frame          ${fmt(paint)}`);
  mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
  writeFileSync(join(ROOT, "build", "bench", "fleet-web.json"), JSON.stringify(out, null, 2) + "\n");
} finally {
  await browser?.close();
  await web?.stop();
  await pub.endAsync(true).catch(() => {});
  await broker.dispose();
}
