// `vigil fleet web` with 1 000 simulated nodes, in a real headless Chromium:
// 500 VRRP pairs, each node with its birth, a VRRP instance, two real servers
// and a config result, retained at a mosquitto on loopback (the payloads are
// the reporter's own types, on the topics of src/fleet/topics.ts). The page
// must render the whole fleet, keep only the rows in view in the DOM, and
// follow live failovers. Time to first full render and the per-update cost are
// measured and printed (test/bench/fleet-web.bench.ts repeats it for figures).
// The simulated fleet is test/helpers/fleet-sim.ts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import { join } from "node:path";
import { Chromium, type Page } from "../helpers/chromium.ts";
import { artifactDir, startFleetWeb, type WebProc } from "../helpers/fleet-web.ts";
import { newRollout } from "../../src/fleet/rollout/engine.ts";
import { RECORD_FORMAT } from "../../src/fleet/rollout/record.ts";
import { rolloutTopic } from "../../src/fleet/topics.ts";
import { failOver, publishFleet, simGroupKey, simName } from "../helpers/fleet-sim.ts";
import { Mosquitto } from "../helpers/mosquitto.ts";

const FLEET = "scale";
const NODES = 1000;
const dir = artifactDir("fleet-web-scale");
const broker = new Mosquitto();
let pub: MqttClient;
let web: WebProc | undefined;
let browser: Chromium | undefined;
let page: Page;

beforeAll(async () => {
  await broker.start();
  pub = await mqtt.connectAsync({ host: "127.0.0.1", port: broker.port, protocolVersion: 5, reconnectPeriod: 0 });
  await publishFleet(pub, FLEET, NODES);
  web = await startFleetWeb(["--broker", broker.url, "--fleet", FLEET, "--listen", "127.0.0.1:0"]);
  browser = await Chromium.launch();
  page = await browser.newPage(1280, 800);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await pub?.endAsync(true).catch(() => {});
  await broker.dispose();
}, 30_000);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

test("1 000 nodes: the page renders the whole fleet with only the rows in view in the DOM, and follows live failovers", async () => {
  const t0 = performance.now();
  await page.goto(web!.url);
  await page.waitFor(`document.getElementById("nodes-count").textContent.startsWith("${NODES}: ${NODES} online")`, 20_000);
  await page.waitFor(`document.getElementById("groups-count").textContent.startsWith("${NODES / 2}: 0 with a problem")`, 20_000).catch(async (e) => {
    const snap = (await (await fetch(`${web!.url}snapshot.json`)).json()) as { groups: object };
    throw new Error(`${e.message}; server ${Object.keys(snap.groups).length} groups; page ${await page.eval("document.getElementById('groups-count').textContent")} deltas ${await page.eval("vigilWeb.deltas")}`);
  });
  await page.waitFor(`document.getElementById("lvs-count").textContent.startsWith("${NODES * 2} real server(s), 0 down")`, 20_000);
  const firstRender = performance.now() - t0;
  await page.screenshot(join(dir, "1-thousand-nodes.png"));
  // virtualised: a few dozen rows exist, not a thousand
  const rows = await page.eval<number>(`document.querySelectorAll("#nodes-body tr:not(.spacer):not([hidden])").length`);
  expect(rows).toBeGreaterThan(5);
  expect(rows).toBeLessThan(100);
  expect(await page.eval<string>(`document.querySelector('#nodes-body tr[data-key="gw0000"]').cells[1].textContent`)).toBe("online");
  // finding one node among a thousand
  await page.eval(`(() => { const i = document.getElementById("node-find"); i.value = "gw0999"; i.dispatchEvent(new Event("input")); })()`);
  await page.waitFor(`document.getElementById("nodes-found").textContent === "1 found"`, 5000);
  // the count is set on input, the rows at the next animation frame
  await page.waitFor(`document.querySelectorAll("#nodes-body tr:not(.spacer):not([hidden])").length === 1`, 5000).catch(() => {});
  expect(await page.eval<string[]>(`[...document.querySelectorAll("#nodes-body tr:not(.spacer):not([hidden])")].map((t) => t.dataset.key)`)).toEqual(["gw0999"]);
  await page.eval(`(() => { const i = document.getElementById("node-find"); i.value = ""; i.dispatchEvent(new Event("input")); })()`);
  await page.waitFor(`document.querySelectorAll("#nodes-body tr:not(.spacer):not([hidden])").length > 5`, 5000);

  // live updates: 200 failovers spread over the fleet, one every 5 ms
  const before = await page.eval<{ deltas: number }>("({ deltas: vigilWeb.deltas })");
  const pairs = 200;
  for (let k = 0; k < pairs; k++) {
    failOver(pub, FLEET, (k * 7) % (NODES / 2), true);
    await Bun.sleep(5);
  }
  // the first group (VRID 1, pair 0) was flipped first: its row shows the new MASTER
  await page.waitFor(`document.querySelector('#groups-body tr[data-key="${simGroupKey(0)}"]')?.cells[4].textContent === "${simName(1)}"`, 10_000);
  await Bun.sleep(500);
  const s = await page.eval<{ deltas: number; applyMs: number[]; renderMs: number[]; firstRenderMs: number; snapshotAt: number }>("vigilWeb");
  const deltas = s.deltas - before.deltas;
  const apply = s.applyMs.slice(-deltas);
  const render = s.renderMs.slice(-Math.max(1, deltas));
  await page.screenshot(join(dir, "2-after-failovers.png"));
  console.log(`fleet web, ${NODES} nodes: first full render ${firstRender.toFixed(0)} ms after navigation (snapshot to first paint ${(s.firstRenderMs - s.snapshotAt).toFixed(1)} ms); ` +
    `${pairs * 2} live reports in ${deltas} delta(s): apply p50 ${pct(apply, 0.5).toFixed(2)} ms p99 ${pct(apply, 0.99).toFixed(2)} ms, ` +
    `paint p50 ${pct(render, 0.5).toFixed(2)} ms p99 ${pct(render, 0.99).toFixed(2)} ms; ${rows} rows in the DOM; screenshots in ${dir}`);
  expect(deltas).toBeGreaterThan(0);
  // coalesced: far fewer deltas than reports
  expect(deltas).toBeLessThan(pairs * 2);

  // a rollout over the whole fleet, aborted in its second wave: its retained record (as `vigil fleet rollout` writes it)
  const names = Array.from({ length: NODES }, (_, i) => simName(i));
  const engine = newRollout({
    id: "s8-20261204T220000-ab12", fleet: FLEET, serial: 8, configHash: "h", blobSha256: "b", waves: [names.slice(0, 1), names.slice(1, 101), names.slice(101)],
    soakMs: 10_000, timeoutMs: 60_000, holdMs: 3000, maxFailed: 0, rollbackOnAbort: false, notes: [],
  });
  Object.assign(engine, { status: "aborted", wave: 1, startedAt: Date.now() - 60_000, finishedAt: Date.now(), abortReason: "1 node(s) failed (--max-failed 0)" });
  Object.assign(engine.nodes[names[0]!]!, { phase: "done", outcome: "applied" });
  Object.assign(engine.nodes[names[1]!]!, { phase: "done", outcome: "rejected", reason: "bad-signature", failed: true });
  for (const n of names.slice(101)) Object.assign(engine.nodes[n]!, { outcome: "untouched" });
  await pub.publishAsync(rolloutTopic(FLEET, engine.spec.id), JSON.stringify({ format: RECORD_FORMAT, engine, updatedAt: Date.now() }), { qos: 1, retain: true });
  const head = await page.waitFor<string>(`document.querySelector('#rollout-list article[data-key="${engine.spec.id}"] h3')?.textContent`, 10_000);
  expect(head).toContain("serial 8, aborted, wave 2/3 — 1 applied, 1 failed");
  expect(await page.eval<string>(`document.querySelector('#rollout-list .abort').textContent`)).toBe("ABORTED: 1 node(s) failed (--max-failed 0)");
  // the node that needs a look comes first in the per-node table
  expect(await page.eval<string>(`document.querySelector('#rollout-list tbody tr').textContent`)).toBe(`2${names[1]}rejectedbad-signature`);
  await page.eval(`document.querySelector('#rollout-list details').open = true; document.getElementById("rollouts").scrollIntoView()`);
  await page.screenshot(join(dir, "3-rollout.png"));

  // phone width: the same page, one column, readable
  await page.viewport(390, 844, true);
  await Bun.sleep(200);
  await page.screenshot(join(dir, "4-phone-width.png"));
  const width = await page.eval<number>("document.documentElement.scrollWidth");
  expect(width).toBeLessThanOrEqual(390);

  // the broker goes away: the page says so (in words) and keeps what it knew; back, it is live again
  await broker.stop();
  await page.waitFor(`document.getElementById("conn").textContent.includes("lost the broker")`, 10_000);
  expect(await page.eval<string>(`document.getElementById("conn").className`)).toBe("state bad");
  expect(await page.eval<string>(`document.getElementById("nodes-count").textContent`)).toStartWith(`${NODES}: `);
  await broker.start();
  await page.waitFor(`document.getElementById("conn").textContent.startsWith("live from")`, 15_000);
}, 90_000);
