// Fleet reporting against a real mosquitto on loopback: birth and Last Will,
// retained state, events, outage with bounded queue, broker restart, witness.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decode as cborgDecode } from "cborg";
import { defaultFleet, type FleetConfig } from "../../src/config/model.ts";
import { FleetReporter, type ReporterOptions, type VrrpSnapshot } from "../../src/fleet/reporter.ts";
import { Mosquitto, TcpGate, Watcher } from "../helpers/mosquitto.ts";
import { BUN } from "../helpers/netns.ts";

const broker = new Mosquitto();
const cleanups: Array<() => Promise<unknown> | unknown> = [];
beforeAll(async () => { await broker.start(); });
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  await broker.dispose();
}, 30_000);

const body = (b: Buffer) => (b[0] === 0x7b ? JSON.parse(b.toString()) : cborgDecode(b));
// Each test reports on its own segment so the witness never links tests together.
const vrrpIn = (segment: string, state: string, extra: Partial<VrrpSnapshot> = {}): VrrpSnapshot =>
  ({ state, segment, vrid: 51, priority: 100, effectivePriority: 100, since: 1_700_000_000_000, ...extra });
const vrrp = (state: string, extra: Partial<VrrpSnapshot> = {}) => vrrpIn("outage", state, extra);

function reporter(node: string, over: Partial<FleetConfig> = {}, opts: Partial<ReporterOptions> = {}, url = broker.url) {
  const r = new FleetReporter({
    config: { ...defaultFleet(), broker: url, fleet: "edge", ...over },
    node, version: "0.1.0-test", bootTime: 1_700_000_000_000, configSerial: () => 7, ...opts,
  });
  r.start();
  cleanups.push(() => r.stop());
  return r;
}
async function watcher(filters: string[], port = broker.port) {
  const w = await Watcher.open({ host: "127.0.0.1", port, protocol: "mqtt", protocolVersion: 5 }, filters);
  cleanups.push(() => w.close());
  return w;
}

for (const version of [5, 4] as const) {
  for (const payload of ["cbor", "json"] as const) {
    test(`MQTT ${version === 5 ? "5" : "3.1.1"}, ${payload}: retained birth, per-instance VRRP state, LVS state and QoS 1 events`, async () => {
      const node = `gw-v${version}-${payload}`;
      const vrrp = (state: string, extra: Partial<VrrpSnapshot> = {}) => vrrpIn(node, state, extra);
      const w = await watcher([`vigil/v1/edge/${node}/#`]);
      const r = reporter(node, { protocolVersion: version, payload });
      const birth = await w.waitFor((m) => m.topic.endsWith(`${node}/status`));
      expect(body(birth.body)).toEqual({ status: "online", version: "0.1.0-test", boot_time: 1_700_000_000_000, config_serial: 7 });
      r.vrrpState("VI_1", vrrp("BACKUP"));
      r.vrrpState("VI_1", vrrp("MASTER", { masterAddress: "198.18.0.1" }));
      r.lvsState("198.18.0.10:80", "198.18.1.2:8080", { up: true, weight: 3, lastCheck: "HTTP 200", latencyMs: 2 });
      r.event({ type: "vrrp-transition", instance: "VI_1", from: "BACKUP", to: "MASTER" });
      const ev = await w.waitFor((m) => m.topic === `vigil/v1/edge/${node}/events`);
      expect(body(ev.body)).toMatchObject({ type: "vrrp-transition", instance: "VI_1", to: "MASTER", node });
      expect(ev.retain).toBe(false);
      // Retained: a late subscriber still sees the latest state (coalesced: MASTER, not BACKUP).
      const late = await watcher([`vigil/v1/edge/${node}/vrrp/+`, `vigil/v1/edge/${node}/lvs/#`]);
      const v = await late.waitFor((m) => m.topic === `vigil/v1/edge/${node}/vrrp/VI_1`);
      expect(v.retain).toBe(true);
      expect(body(v.body)).toMatchObject({ state: "MASTER", masterAddress: "198.18.0.1", vrid: 51 });
      const l = await late.waitFor((m) => m.topic === `vigil/v1/edge/${node}/lvs/198%2E18%2E0%2E10:80/198%2E18%2E1%2E2:8080`); // '.' escaped (RabbitMQ would split the level)
      expect(body(l.body)).toEqual({ up: true, weight: 3, lastCheck: "HTTP 200", latencyMs: 2 });
    }, 30_000);
  }
}

for (const version of ["5", "4"]) test(`Last Will (MQTT ${version === "5" ? "5" : "3.1.1"}): a session killed with SIGKILL becomes \`offline\` (retained); only DEP0169 is silenced`, async () => {
  const node = `gw-lwt${version}`;
  const w = await watcher([`vigil/v1/edge/${node}/status`]);
  const child = Bun.spawn([BUN, `${import.meta.dir}/../unit/fleet/reporter-child.ts`, broker.url, node, version], { stderr: "pipe", stdout: "ignore" });
  cleanups.push(() => { if (child.exitCode === null) child.kill("SIGKILL"); });
  const online = await w.waitFor((m) => body(m.body).status === "online");
  const from = w.msgs.indexOf(online) + 1;
  child.kill("SIGKILL");
  await child.exited;
  const off = await w.waitFor((m) => body(m.body).status === "offline", 10_000, from);
  expect(off.topic).toBe(`vigil/v1/edge/${node}/status`);
  const late = await watcher([`vigil/v1/edge/${node}/status`]);
  const retained = await late.waitFor(() => true);
  expect(retained.retain).toBe(true);
  expect(body(retained.body)).toEqual({ status: "offline" });
  const stderr = await new Response(child.stderr).text();
  expect(stderr).toContain("vigil-test-warning");
  expect(stderr).not.toContain("DEP0169");
  expect(stderr).not.toContain("url.parse");
}, 30_000);

describe("broker outage", () => {
  test("state set during an outage is republished after the broker restarts (retained lost with it); queued events all arrive", async () => {
    const gate = await new TcpGate(() => broker.port).open();
    cleanups.push(() => gate.close());
    const w0 = await watcher(["vigil/v1/edge/gw-out/#"]);
    const r = reporter("gw-out", {}, { eventCapacity: 50, backoff: { baseMs: 100, maxMs: 400 } }, `mqtt://127.0.0.1:${gate.port}`);
    r.vrrpState("VI_1", vrrp("BACKUP"));
    r.lvsState("vs1", "rs1", { up: true, weight: 1 });
    await w0.waitFor((m) => m.topic.endsWith("/vrrp/VI_1"));
    await w0.close();
    // Outage: broker dies (losing all retained messages) and the gate keeps the node out.
    gate.close();
    await broker.stop();
    for (let i = 0; i < 1000 && r.stats().connected; i++) await Bun.sleep(10);
    expect(r.stats().connected).toBe(false);
    r.vrrpState("VI_1", vrrp("MASTER"));
    for (let i = 0; i < 40; i++) r.event({ type: "check", seq: i });
    expect(r.stats()).toMatchObject({ queuedEvents: 40, droppedEvents: 0 });
    await broker.start();
    const w = await watcher(["vigil/v1/edge/gw-out/#"]);
    await gate.open();
    await w.waitFor((m) => m.topic.endsWith("/events") && body(m.body).seq === 39, 15_000);
    const seqs = w.msgs.filter((m) => m.topic.endsWith("/events")).map((m) => body(m.body).seq);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    const v = await w.waitFor((m) => m.topic.endsWith("/vrrp/VI_1"));
    expect(body(v.body).state).toBe("MASTER");
    await w.waitFor((m) => m.topic.endsWith("/lvs/vs1/rs1"));
    // The republished state is retained again on the fresh broker.
    const late = await watcher(["vigil/v1/edge/gw-out/vrrp/+"]);
    expect(body((await late.waitFor(() => true)).body).state).toBe("MASTER");
    expect(r.stats().connects).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test("a silent outage: events published into the dead connection are sent again after reconnect, none lost", async () => {
    const gate = await new TcpGate(() => broker.port).open();
    cleanups.push(() => gate.close());
    const w = await watcher(["vigil/v1/edge/gw-silent/events"]);
    const r = reporter("gw-silent", {}, { eventCapacity: 100, backoff: { baseMs: 100, maxMs: 200 } }, `mqtt://127.0.0.1:${gate.port}`);
    for (let i = 0; i < 1000 && !r.stats().connected; i++) await Bun.sleep(10);
    gate.blackhole(); // the link dies without a FIN: PUBACKs never come back
    for (let i = 0; i < 40; i++) r.event({ type: "check", seq: i });
    for (let i = 0; i < 200 && r.stats().inflightEvents < 32; i++) await Bun.sleep(10);
    expect(r.stats().inflightEvents).toBe(32); // the in-flight window is full of lost publishes
    gate.close(); // the dead connection is finally noticed
    for (let i = 0; i < 1000 && r.stats().connected; i++) await Bun.sleep(10);
    await gate.open();
    await w.waitFor((m) => body(m.body).seq === 39, 15_000);
    for (let i = 0; i < 40; i++) r.event({ type: "after", seq: 100 + i }); // and the window is usable again
    await w.waitFor((m) => body(m.body).seq === 139, 15_000);
    const seqs = new Set(w.msgs.map((m) => body(m.body).seq));
    for (let i = 0; i < 40; i++) expect(seqs.has(i) && seqs.has(100 + i)).toBe(true);
  }, 60_000);

  test("more events than the queue holds: the oldest are dropped and an events-dropped count is published", async () => {
    const gate = await new TcpGate(() => broker.port).open();
    cleanups.push(() => gate.close());
    const w = await watcher(["vigil/v1/edge/gw-drop/events"]);
    const r = reporter("gw-drop", {}, { eventCapacity: 10, backoff: { baseMs: 100, maxMs: 200 } }, `mqtt://127.0.0.1:${gate.port}`);
    for (let i = 0; i < 1000 && !r.stats().connected; i++) await Bun.sleep(10);
    gate.close();
    for (let i = 0; i < 1000 && r.stats().connected; i++) await Bun.sleep(10);
    expect(r.stats().connected).toBe(false);
    for (let i = 0; i < 25; i++) r.event({ type: "check", seq: i });
    expect(r.stats()).toMatchObject({ queuedEvents: 10, droppedEvents: 15 });
    await gate.open();
    await w.waitFor((m) => body(m.body).seq === 24, 15_000);
    const got = w.msgs.map((m) => body(m.body));
    expect(got.find((e) => e.type === "events-dropped")).toMatchObject({ count: 15, node: "gw-drop" });
    expect(got.filter((e) => e.type === "check").map((e) => e.seq)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  }, 60_000);
});

test("split-brain witness: two live MASTERs for one (segment, VRID) raise a retained alarm; stepping down clears it", async () => {
  const w = await watcher(["vigil/v1/edge/gw-sb-a/alarm/#", "vigil/v1/edge/gw-sb-b/alarm/#", "vigil/v1/edge/gw-sb-a/events"]);
  const a = reporter("gw-sb-a");
  const b = reporter("gw-sb-b");
  a.vrrpState("VI_1", vrrp("MASTER", { segment: "sb-lan", vrid: 77 }));
  b.vrrpState("VI_7", vrrp("BACKUP", { segment: "sb-lan", vrid: 77 }));
  b.vrrpState("VI_8", vrrp("MASTER", { segment: "sb-lan", vrid: 78 }));
  await Bun.sleep(300); // let both see each other; no alarm may exist yet
  expect(w.msgs.filter((m) => m.topic.includes("/alarm/"))).toEqual([]);
  b.vrrpState("VI_7", vrrp("MASTER", { segment: "sb-lan", vrid: 77 }));
  const alarm = await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-sb-a/alarm/split-brain/sb-lan/77");
  expect(body(alarm.body)).toMatchObject({ active: true, segment: "sb-lan", vrid: 77, peers: ["gw-sb-b"] });
  const late = await watcher(["vigil/v1/edge/gw-sb-a/alarm/#"]);
  const kept = await late.waitFor(() => true);
  expect(kept.retain).toBe(true);
  expect(body(kept.body)).toMatchObject({ active: true, vrid: 77 });
  await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-sb-b/alarm/split-brain/sb-lan/77");
  const ev = await w.waitFor((m) => m.topic.endsWith("gw-sb-a/events") && body(m.body).type === "split-brain");
  expect(body(ev.body)).toMatchObject({ vrid: 77, peers: ["gw-sb-b"] });
  const from = w.msgs.length;
  b.vrrpState("VI_7", vrrp("BACKUP", { segment: "sb-lan", vrid: 77 }));
  const cleared = await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-sb-a/alarm/split-brain/sb-lan/77", 10_000, from);
  expect(body(cleared.body)).toMatchObject({ active: false, peers: [] });
}, 30_000);

test("split-brain witness within a site: a node reads only its site's per-site states (a MASTER of the same VRID elsewhere is not a peer); what it left under a former site is cleared on connect", async () => {
  const seg = { segment: "site-lan", vrid: 79 };
  // an earlier run of gw-st-a under another site left its MASTER retained there
  const before = reporter("gw-st-a", { site: "old.site" });
  before.vrrpState("VI_1", vrrp("MASTER", seg));
  const old = await watcher(["vigil/v1/edge/site/old%2Esite/+/vrrp/+"]);
  expect(body((await old.waitFor((m) => m.topic === "vigil/v1/edge/site/old%2Esite/gw-st-a/vrrp/VI_1" && m.body.length > 0)).body)).toMatchObject({ state: "MASTER", site: "old.site", vrid: 79 });
  await before.stop();
  const w = await watcher(["vigil/v1/edge/gw-st-a/alarm/#"]);
  const a = reporter("gw-st-a", { site: "s1" }, { splitBrainHoldDownMs: 0 });
  const elsewhere = reporter("gw-st-c", { site: "s2" });
  const noSite = reporter("gw-st-d");
  a.vrrpState("VI_1", vrrp("MASTER", seg));
  elsewhere.vrrpState("VI_1", vrrp("MASTER", seg));
  noSite.vrrpState("VI_1", vrrp("MASTER", seg));
  await old.waitFor((m) => m.topic === "vigil/v1/edge/site/old%2Esite/gw-st-a/vrrp/VI_1" && m.body.length === 0); // cleared
  const b = reporter("gw-st-b", { site: "s1" });
  b.vrrpState("VI_2", vrrp("MASTER", seg));
  const alarm = await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-st-a/alarm/split-brain/site-lan/79");
  expect(body(alarm.body)).toMatchObject({ active: true, peers: ["gw-st-b"] });
  // the witness of a node with a site kept only its site's router, not the fleet's
  expect(a.stats().witnessPeers).toBe(1);
  expect(noSite.stats().witnessPeers).toBeGreaterThan(1); // without a site: every node's node-scoped state
  const late = await watcher(["vigil/v1/edge/site/+/gw-st-a/vrrp/+"]);
  const kept = await late.waitFor(() => true);
  expect(kept.topic).toBe("vigil/v1/edge/site/s1/gw-st-a/vrrp/VI_1");
  expect(body(kept.body)).toMatchObject({ state: "MASTER", site: "s1", segment: "site-lan", vrid: 79 });
}, 30_000);

test("MQTT over WebSockets (ws://): birth and state arrive", async () => {
  const wsBroker = new Mosquitto({ websockets: true });
  cleanups.push(() => wsBroker.dispose());
  await wsBroker.start();
  const w = await Watcher.open({ host: "127.0.0.1", port: wsBroker.port, protocol: "mqtt" }, ["vigil/v1/edge/gw-ws/#"]);
  cleanups.push(() => w.close());
  const r = reporter("gw-ws", {}, {}, `ws://127.0.0.1:${wsBroker.wsPort}/`);
  r.vrrpState("VI_1", vrrpIn("ws", "MASTER"));
  await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-ws/status");
  const v = await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-ws/vrrp/VI_1");
  expect(body(v.body).state).toBe("MASTER");
}, 30_000);

test("a flood on config/set is bounded: a few blobs wait, the rest get reason `busy`", async () => {
  let calls = 0;
  const w = await watcher(["vigil/v1/edge/gw-flood/events", "vigil/v1/edge/gw-flood/status"]);
  reporter("gw-flood", {}, {
    onConfigBlob: async () => { calls++; await Bun.sleep(200); return { accepted: false, reason: "stale-serial" }; },
  });
  await w.waitFor((m) => m.topic.endsWith("/status"));
  for (let i = 0; i < 12; i++) await w.client.publishAsync("vigil/v1/edge/gw-flood/config/set", Buffer.from([0xd2, i]), { qos: 1 });
  // config/state is retained and coalesced (latest wins); every result is also an event.
  const states = () => w.msgs.filter((m) => m.topic.endsWith("/events")).map((m) => body(m.body).reason);
  for (let i = 0; i < 300 && states().length < 12; i++) await Bun.sleep(20);
  const reasons = states();
  expect(reasons).toHaveLength(12);
  const busy = reasons.filter((r) => r === "busy").length;
  expect(busy).toBeGreaterThanOrEqual(1);
  expect(calls + busy).toBe(12);
}, 30_000);
