// The node's side of the fleet-wide report request (src/fleet/report.ts)
// against a real mosquitto: the answer carries what the retained messages
// carry, goes to the node's own reply/ topic with the requester's correlation
// (MQTT 5) or id (3.1.1), and a flood of requests gets a bounded number of answers.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { defaultFleet } from "../../src/config/model.ts";
import { decodeBody } from "../../src/fleet/payload.ts";
import { reportAnswerMessages, reportRequest } from "../../src/fleet/report.ts";
import { FleetReporter } from "../../src/fleet/reporter.ts";
import { FleetState } from "../../src/fleet/rollout/fleet-state.ts";
import { Mosquitto, Watcher } from "../helpers/mosquitto.ts";

const broker = new Mosquitto();
const cleanups: Array<() => Promise<unknown> | unknown> = [];
beforeAll(async () => { await broker.start(); });
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  await broker.dispose();
}, 30_000);

function reporter(node: string, version: 4 | 5, logs: string[] = []) {
  const r = new FleetReporter({
    config: { ...defaultFleet(), broker: broker.url, fleet: "rq", protocolVersion: version },
    node, version: "0.1.0-test", bootTime: 1_700_000_000_000, configSerial: () => 9, configHash: () => "h9", log: (m) => logs.push(m),
  });
  r.start();
  cleanups.push(() => r.stop());
  r.vrrpState("VI.1", { state: "BACKUP", segment: "v4:198.18.9.1/32", vrid: 9, priority: 100, effectivePriority: 100, since: 1, masterAddress: "198.18.9.2" });
  r.lvsState("198.18.9.1:80", "198.18.9.10:80", { up: true, weight: 1 });
  r.configState({ accepted: true, state: "applied", serial: 9, running_serial: 9, running_hash: "h9" });
  return r;
}

async function client(version: 4 | 5, filters: string[]) {
  const w = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt", protocolVersion: version }, filters);
  cleanups.push(() => w.close());
  return w;
}

for (const version of [5, 4] as const) {
  test(`MQTT ${version === 5 ? "5" : "3.1.1"}: one answer on the node's own reply topic, folding into what its retained messages say`, async () => {
    const node = `n${version}`;
    const r = reporter(node, version);
    for (let i = 0; i < 200 && r.stats().publishedStates < 3; i++) await Bun.sleep(20);
    const retainedView = new FleetState("rq");
    const late = await client(5, [`vigil/v1/rq/${node}/#`]);
    await late.waitFor((m) => m.topic.endsWith("/config/state"));
    await Bun.sleep(200);
    for (const m of late.msgs) retainedView.apply(m.topic, m.body);
    const requester = `ops${version}`;
    const w = await client(version, [`vigil/v1/rq/+/reply/${requester}`]);
    const req = reportRequest("rq", requester, `${requester}:report`, 300, version);
    // a repeated request (QoS 1 may deliver twice) is answered once
    await w.client.publishAsync(req.topic, req.body, req.opts);
    await w.client.publishAsync(req.topic, req.body, req.opts);
    const answer = await w.waitFor((m) => m.topic === `vigil/v1/rq/${node}/reply/${requester}`);
    await Bun.sleep(600);
    expect(w.msgs.filter((m) => m.topic === answer.topic)).toHaveLength(1);
    expect(answer.retain).toBe(false);
    const msgs = reportAnswerMessages("rq", answer.topic, answer.body, `${requester}:report`);
    expect(msgs).not.toBeNull();
    const answered = new FleetState("rq");
    for (const [t, b] of msgs!) answered.apply(t, b);
    expect(answered.nodes.get(node)).toEqual(retainedView.nodes.get(node)!);
    expect(answered.nodes.get(node)).toMatchObject({ online: true, configSerial: 9, configHash: "h9", config: { state: "applied" } });
    expect(answered.nodes.get(node)!.lvs.get("198.18.9.1:80/198.18.9.10:80")).toBe(true);
    const v = decodeBody(answer.body);
    expect(v.ok && (v.value as { id?: string }).id).toBe(`${requester}:report`);
  }, 30_000);
}

test("a flood of report requests gets a bounded number of answers (4 pending at once, 8 per 10 s), said once in the node's log", async () => {
  const logs: string[] = [];
  const r = reporter("flood", 5, logs);
  for (let i = 0; i < 200 && !r.stats().connected; i++) await Bun.sleep(20);
  const w = await client(5, ["vigil/v1/rq/flood/reply/+"]);
  for (let i = 0; i < 20; i++) {
    const req = reportRequest("rq", `ops-${i}`, `ops-${i}:report`, 2000, 5);
    await w.client.publishAsync(req.topic, req.body, req.opts);
  }
  await Bun.sleep(2600);
  // 4 when all 20 arrive before the first answer is due (the usual case); a loaded
  // machine may free a slot earlier, but never more than the window's 8
  const answered = new Set(w.msgs.map((m) => m.topic));
  expect(answered.size).toBeGreaterThanOrEqual(4);
  expect(answered.size).toBeLessThanOrEqual(8);
  expect(logs.filter((l) => l.includes("report requests beyond"))).toHaveLength(1);
  // a request that would have it publish outside its own reply/ is refused
  await w.client.publishAsync("vigil/v1/rq/all/report", JSON.stringify({ reply: "vigil/v1/rq/other/reply/x", id: "x" }), { qos: 1 });
  await Bun.sleep(300);
  expect(logs.some((l) => l.includes("report request ignored: no reply topic of the form vigil/v1/rq/all/reply/<requester>"))).toBe(true);
}, 30_000);
