// The broker's gatekeeping as a node meets it: TLS with CA verification and
// client certificates, and username/password_file with an ACL that confines
// each node to its own subtree.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import { decode as cborgDecode } from "cborg";
import { defaultFleet, type FleetConfig } from "../../src/config/model.ts";
import { FleetReporter } from "../../src/fleet/reporter.ts";
import { makeCerts, Mosquitto, Watcher } from "../helpers/mosquitto.ts";

const dir = mkdtempSync("/tmp/vigil-fleet-sec-");
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

function reporter(node: string, cfg: Partial<FleetConfig>, logs: string[] = []) {
  const r = new FleetReporter({
    config: { ...defaultFleet(), fleet: "edge", broker: "", ...cfg }, node, version: "t", bootTime: 0, configSerial: () => 0,
    backoff: { baseMs: 200, maxMs: 400 }, log: (m) => logs.push(m),
  });
  r.start();
  cleanups.push(() => r.stop(500));
  return r;
}
async function until(cond: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (cond()) return; await Bun.sleep(20); }
  throw new Error(`timed out waiting for ${what}`);
}

describe("TLS", () => {
  const certs = makeCerts(dir);
  const broker = new Mosquitto({ tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireClientCert: true } });
  cleanups.push(() => broker.dispose());

  test("node verifies the broker against ca_file and presents its client certificate: birth arrives", async () => {
    await broker.start();
    const w = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtts", ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey), rejectUnauthorized: true }, ["vigil/v1/edge/+/status"]);
    cleanups.push(() => w.close());
    const r = reporter("gw-tls", { broker: broker.url, caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey });
    const m = await w.waitFor((m) => m.topic === "vigil/v1/edge/gw-tls/status");
    expect(cborgDecode(m.body)).toMatchObject({ status: "online" });
    expect(r.stats().connected).toBe(true);
  }, 30_000);

  test("a broker certificate from an untrusted CA is refused: never connected, the error is logged", async () => {
    const logs: string[] = [];
    const r = reporter("gw-rogue", { broker: broker.url, caFile: certs.rogueCa, certFile: certs.clientCert, keyFile: certs.clientKey }, logs);
    await until(() => logs.some((l) => /certificate|verify|self.signed|issuer/i.test(l)), "a TLS verification error");
    expect(r.stats().connects).toBe(0);
  }, 30_000);

  test("without a client certificate the broker refuses the node", async () => {
    const logs: string[] = [];
    const r = reporter("gw-nocert", { broker: broker.url, caFile: certs.ca }, logs);
    await until(() => logs.length > 0, "a connection error");
    expect(logs.join("\n")).not.toContain("ECONNREFUSED");
    expect(r.stats().connects).toBe(0);
  }, 30_000);
});

describe("password file and ACL", () => {
  const broker = new Mosquitto({ users: { "gw-a": "pw-a", "gw-b": "pw-b", ops: "pw-ops" }, acl: "user ops\ntopic readwrite vigil/#" });
  cleanups.push(() => broker.dispose());

  test("node logs in with username + password_file and reports under its own subtree", async () => {
    await broker.start();
    writeFileSync(`${dir}/gw-a.pass`, "pw-a\n");
    const ops = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt", username: "ops", password: "pw-ops" }, ["vigil/#"]);
    cleanups.push(() => ops.close());
    const r = reporter("gw-a", { broker: broker.url, username: "gw-a", passwordFile: `${dir}/gw-a.pass` });
    await ops.waitFor((m) => m.topic === "vigil/v1/edge/gw-a/status");
    r.vrrpState("VI_1", { state: "MASTER", segment: "acl", vrid: 9, priority: 100, effectivePriority: 100, since: 0 });
    await ops.waitFor((m) => m.topic === "vigil/v1/edge/gw-a/vrrp/VI_1");
  }, 30_000);

  test("ACL: a node cannot write into another node's subtree (MQTT 5 PUBACK 0x87), but can into its own", async () => {
    const ops = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt", username: "ops", password: "pw-ops" }, ["vigil/v1/edge/gw-b/#", "vigil/v1/edge/gw-a/probe"]);
    cleanups.push(() => ops.close());
    const a = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt", protocolVersion: 5, username: "gw-a", password: "pw-a" }, []);
    cleanups.push(() => a.close());
    const refused = await a.client.publishAsync("vigil/v1/edge/gw-b/status", "forged", { qos: 1 }).then(
      (p) => (p as { reasonCode?: number } | undefined)?.reasonCode,
      (e) => (e as { code?: number }).code,
    );
    expect(refused).toBe(0x87);
    await a.client.publishAsync("vigil/v1/edge/gw-a/probe", "mine", { qos: 1 });
    await ops.waitFor((m) => m.topic === "vigil/v1/edge/gw-a/probe");
    expect(ops.msgs.filter((m) => m.topic.startsWith("vigil/v1/edge/gw-b/"))).toEqual([]);
  }, 30_000);

  test("a wrong password is refused by the broker", async () => {
    writeFileSync(`${dir}/bad.pass`, "nope\n");
    const logs: string[] = [];
    const r = reporter("gw-b", { broker: broker.url, username: "gw-b", passwordFile: `${dir}/bad.pass` }, logs);
    await until(() => logs.some((l) => /not authorized|bad user name or password|Connection refused/i.test(l)), "an auth error");
    expect(r.stats().connects).toBe(0);
  }, 30_000);
});
