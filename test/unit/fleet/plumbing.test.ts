import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { backoffDelay } from "../../../src/fleet/backoff.ts";
import { BoundedQueue } from "../../../src/fleet/event-queue.ts";
import { decodeBody, encodeBody } from "../../../src/fleet/payload.ts";
import { clientOptions, parseBrokerUrl } from "../../../src/fleet/session-options.ts";
import { configSetTopic, decodeLevel, encodeLevel, parseTopic, Topics } from "../../../src/fleet/topics.ts";
import { defaultFleet } from "../../../src/config/model.ts";
import { decode as cborgDecode } from "cborg";

describe("topics", () => {
  const t = new Topics("edge", "gw-a");
  test("the topic table of docs/fleet.md", () => {
    expect(t.status).toBe("vigil/v1/edge/gw-a/status");
    expect(t.vrrp("VI_1")).toBe("vigil/v1/edge/gw-a/vrrp/VI_1");
    // '.' escaped: RabbitMQ's MQTT plugin delivers every '.' as '/' (an extra level)
    expect(t.lvs("198.18.0.10:80", "198.18.1.2:8080")).toBe("vigil/v1/edge/gw-a/lvs/198%2E18%2E0%2E10:80/198%2E18%2E1%2E2:8080");
    expect(t.reportRequest).toBe("vigil/v1/edge/all/report");
    expect(t.events).toBe("vigil/v1/edge/gw-a/events");
    expect(t.configSet).toBe("vigil/v1/edge/gw-a/config/set");
    expect(t.configSetAll).toBe("vigil/v1/edge/all/config/set");
    expect(t.configState).toBe("vigil/v1/edge/gw-a/config/state");
    expect(configSetTopic("edge", "all")).toBe("vigil/v1/edge/all/config/set");
  });
  test("names with '/', '+', '#' cannot add levels or wildcards", () => {
    expect(t.vrrp("a/b+c#")).toBe("vigil/v1/edge/gw-a/vrrp/a%2Fb%2Bc%23");
    expect(decodeLevel(encodeLevel("a/b+c#%"))).toBe("a/b+c#%");
    expect(encodeLevel("1.2")).toBe("1%2E2");
    expect(decodeLevel(encodeLevel("198.18.0.10:80"))).toBe("198.18.0.10:80");
    expect(parseTopic(t.vrrp("x/y"))).toEqual({ kind: "vrrp", fleet: "edge", node: "gw-a", instance: "x/y" });
  });
  test("fleet/node ids with wildcards and the reserved node 'all' are refused", () => {
    expect(() => new Topics("ed+ge", "n")).toThrow(/fleet id/);
    expect(() => new Topics("edge", "a/b")).toThrow(/node id/);
    expect(() => new Topics("edge", "all")).toThrow(/reserved/);
    expect(() => new Topics("edge", "site")).toThrow("node id 'site' is reserved (per-site VRRP states)");
  });
  test("per-site VRRP states: the site and instance are escaped levels ('.' too, for RabbitMQ); the site's filter and parseTopic agree", () => {
    expect(t.siteVrrp("hq.b/1", "VI_1")).toBe("vigil/v1/edge/site/hq%2Eb%2F1/gw-a/vrrp/VI_1");
    expect(t.siteVrrpFilter("hq.b/1")).toBe("vigil/v1/edge/site/hq%2Eb%2F1/+/vrrp/+");
    expect(t.ownSiteVrrpAnywhere).toBe("vigil/v1/edge/site/+/gw-a/vrrp/+");
    expect(parseTopic(t.siteVrrp("hq.b/1", "x.y"))).toEqual({ kind: "site-vrrp", fleet: "edge", site: "hq.b/1", node: "gw-a", instance: "x.y" });
    // the fleet view's node-scoped filters never match a per-site state (8 levels, 'site' where a node would be)
    expect(parseTopic("vigil/v1/edge/site/s1/gw-a/vrrp")).toEqual({ kind: "other" });
  });
  test("parseTopic classifies and ignores foreign trees", () => {
    expect(parseTopic("vigil/v1/edge/gw-b/status")).toEqual({ kind: "status", fleet: "edge", node: "gw-b" });
    expect(parseTopic("vigil/v1/edge/all/config/set")).toEqual({ kind: "config-set", fleet: "edge", node: "all" });
    expect(parseTopic("other/v1/edge/gw-b/status")).toEqual({ kind: "other" });
    expect(parseTopic("vigil/v1/edge/gw-b/lvs/a/b")).toEqual({ kind: "other" });
  });
});

describe("payload", () => {
  test("CBOR bodies are standard CBOR readable by cborg; JSON on request", () => {
    const v = { state: "MASTER", vrid: 51, since: 1700000000123, counters: { adverts: 3 } };
    const c = encodeBody(v, "cbor");
    expect(cborgDecode(c)).toEqual(v);
    expect(decodeBody(c)).toEqual({ ok: true, value: v });
    const j = encodeBody(v, "json");
    expect(JSON.parse(j.toString())).toEqual(v);
    expect(decodeBody(j)).toEqual({ ok: true, value: v });
  });
  test("garbage bodies give a clear error, not an exception", () => {
    expect(decodeBody(new Uint8Array([0x7b, 0x22]))).toMatchObject({ ok: false });
    expect(decodeBody(new Uint8Array([0xbf]))).toMatchObject({ ok: false });
    expect(decodeBody(new Uint8Array(0))).toEqual({ ok: false, error: "empty payload" });
  });
});

describe("bounded event queue", () => {
  test("keeps the newest `capacity` items and counts the dropped", () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(7);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([7, 8, 9, undefined]);
    expect(q.takeDropped()).toBe(7);
    expect(q.dropped).toBe(0);
  });
  test("unshift puts a failed delivery back in front, counting a drop when full", () => {
    const q = new BoundedQueue<number>(2);
    q.push(1); q.push(2);
    const a = q.shift()!;
    q.unshift(a);
    expect(q.shift()).toBe(1);
    q.push(3);
    q.unshift(0);
    expect(q.dropped).toBe(1);
  });
  test("memory stays bounded over a long stream", () => {
    const q = new BoundedQueue<number>(100);
    for (let i = 0; i < 200_000; i++) q.push(i);
    expect(q.size).toBe(100);
    expect((q as unknown as { items: number[] }).items.length).toBeLessThan(300);
  });
});

describe("backoff", () => {
  test("grows exponentially to the cap, never below half the base", () => {
    const b = { baseMs: 500, maxMs: 60_000 };
    expect(backoffDelay(0, b, 0)).toBe(250);
    expect(backoffDelay(0, b, 0.999)).toBeLessThanOrEqual(500);
    expect(backoffDelay(3, b, 0.999)).toBeLessThanOrEqual(4000);
    expect(backoffDelay(3, b, 0)).toBe(2000);
    expect(backoffDelay(40, b, 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffDelay(40, b, 0)).toBe(30_000);
  });
});

describe("session options", () => {
  test("broker URL parsed without url.parse(): scheme, host, default ports, IPv6", () => {
    expect(parseBrokerUrl("mqtt://127.0.0.1")).toEqual({ protocol: "mqtt", host: "127.0.0.1", port: 1883 });
    expect(parseBrokerUrl("mqtts://broker.example.net:8884")).toEqual({ protocol: "mqtts", host: "broker.example.net", port: 8884 });
    expect(parseBrokerUrl("mqtt://[fd00::1]:1884")).toEqual({ protocol: "mqtt", host: "fd00::1", port: 1884 });
    expect(parseBrokerUrl("wss://b.example/mqtt")).toEqual({ protocol: "wss", host: "b.example", port: 443, path: "/mqtt" });
  });
  test("bad URLs and credentials in URLs are refused with the URL named", () => {
    expect(() => parseBrokerUrl("broker:1883")).toThrow(/unsupported scheme/);
    expect(() => parseBrokerUrl("nonsense")).toThrow(/'nonsense': not a URL/);
    expect(() => parseBrokerUrl("mqtt://u:p@h")).toThrow(/password_file/);
  });
  test("files are read and named in errors; password newline stripped", () => {
    const dir = mkdtempSync("/tmp/vigil-opts-");
    try {
      writeFileSync(`${dir}/pw`, "s3cret\n");
      const base = { ...defaultFleet(), broker: "mqtt://127.0.0.1:1", fleet: "edge" };
      const o = clientOptions({ ...base, username: "gw-a", passwordFile: `${dir}/pw` }, { clientId: "x" });
      expect(o.password).toBe("s3cret");
      expect(o.reconnectPeriod).toBe(0);
      expect(() => clientOptions({ ...base, caFile: `${dir}/nope.pem` }, { clientId: "x" })).toThrow(/ca_file .*nope\.pem: ENOENT/);
      expect(() => clientOptions({ ...base, certFile: `${dir}/pw` }, { clientId: "x" })).toThrow(/go together/);
      expect(() => clientOptions({ ...base, passwordFile: `${dir}/pw` }, { clientId: "x" })).toThrow(/needs username/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("MQTT 5 sessions cap inbound packets (MQTT 5 §3.1.2.11.4) above the blob limit; 3.1.1 has no such property", async () => {
  const { MAX_INBOUND_PACKET } = await import("../../../src/fleet/session-options.ts");
  const { MAX_BLOB_BYTES } = await import("../../../src/config/cose.ts");
  const base = { ...defaultFleet(), broker: "mqtt://127.0.0.1:1", fleet: "edge" };
  expect(clientOptions({ ...base, protocolVersion: 5 }, { clientId: "x" }).properties?.maximumPacketSize).toBe(MAX_INBOUND_PACKET);
  expect(MAX_INBOUND_PACKET).toBeGreaterThan(MAX_BLOB_BYTES);
  expect(clientOptions({ ...base, protocolVersion: 4 }, { clientId: "x" }).properties).toBeUndefined();
});

describe("message-body CBOR codec", () => {
  test("RFC 8949: our encoding decodes with cborg, and cborg's (incl. half/single floats) with ours", async () => {
    const { encodeCbor, decodeCbor } = await import("../../../src/fleet/cbor-body.ts");
    const { encode: cborgEncode } = await import("cborg");
    const v = { s: "MASTER", n: -5, big: 2 ** 40, f: 2.5, neg: -0.1, t: true, z: null, a: [1, "x", [2]], b: new Uint8Array([1, 2]), u: "ü€" };
    expect(cborgDecode(encodeCbor(v))).toEqual(v);
    expect(decodeCbor(cborgEncode(v))).toEqual(v);
    expect(decodeCbor(new Uint8Array([0xf9, 0x3e, 0x00]))).toBe(1.5); // half
    expect(decodeCbor(new Uint8Array([0xfa, 0x47, 0xc3, 0x50, 0x00]))).toBe(100000); // single
    expect(decodeCbor(encodeCbor({ keep: 1, drop: undefined }))).toEqual({ keep: 1 });
  });
  test("hostile bodies: specific errors, no prototype pollution, bounded allocation", async () => {
    const { decodeCbor } = await import("../../../src/fleet/cbor-body.ts");
    expect(() => decodeCbor(new Uint8Array([0x9b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]))).toThrow(/array of 4294967295 items at offset 0 is longer than the input/);
    expect(() => decodeCbor(new Uint8Array([0x9f]))).toThrow(/indefinite/);
    expect(() => decodeCbor(new Uint8Array([0xa2, 0x61, 0x61, 1, 0x61, 0x61, 2]))).toThrow(/duplicate map key/);
    expect(() => decodeCbor(new Uint8Array([0x01, 0x02]))).toThrow(/trailing/);
    expect(() => decodeCbor(new Uint8Array(40).fill(0x81))).toThrow(/nested deeper than 32/);
    const o = decodeCbor(new Uint8Array([0xa1, 0x69, ...new TextEncoder().encode("__proto__"), 0xa1, 0x61, 0x78, 1])) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.keys(o)).toEqual(["__proto__"]);
  });
});
