// `vigil status --broker`: folding retained fleet messages into one view and
// printing it. Pure functions, so the table is checked against exact input; the
// CLI against a live broker is covered by test/lab/fleet-daemon.test.ts, the fold
// on random input by test/fuzz/status-fleet.test.ts.
import { describe, expect, test } from "bun:test";
import { addMessage, emptyView, renderFleet } from "../../../src/cli/status-fleet.ts";
import { encodeBody } from "../../../src/fleet/payload.ts";

const cbor = (v: unknown) => new Uint8Array(encodeBody(v, "cbor"));
const json = (v: unknown) => new Uint8Array(encodeBody(v, "json"));
const NOW = 1_800_000_000_000;

function sample() {
  const v = emptyView("edge");
  addMessage(v, "vigil/v1/edge/gw-a/status", cbor({ status: "online", version: "1.2.3", boot_time: NOW - 60_000, config_serial: 7 }));
  addMessage(v, "vigil/v1/edge/gw-a/vrrp/VI_1", cbor({ state: "MASTER", segment: "s", vrid: 51, priority: 150, effectivePriority: 150, masterAddress: "198.18.0.1", since: NOW - 5000 }));
  addMessage(v, "vigil/v1/edge/gw-a/config/state", cbor({ accepted: true, serial: 7, hash: "ab" }));
  addMessage(v, "vigil/v1/edge/gw-b/status", json({ status: "offline" }));
  addMessage(v, "vigil/v1/edge/gw-b/vrrp/VI%2F2", json({ state: "BACKUP", vrid: 52, priority: 100, effectivePriority: 90, since: NOW - 1000 }));
  addMessage(v, "vigil/v1/edge/gw-b/config/state", cbor({ accepted: false, reason: "stale-serial" }));
  addMessage(v, "vigil/v1/edge/gw-b/lvs/10.0.0.1%3A80/rs1", cbor({ up: false, weight: 0, lastCheck: "connect refused" }));
  addMessage(v, "vigil/v1/edge/gw-a/alarm/split-brain/s/51", cbor({ active: true, segment: "s", vrid: 51, peers: ["gw-c", "gw-d"] }));
  addMessage(v, "vigil/v1/edge/gw-a/alarm/split-brain/s/52", cbor({ active: false, segment: "s", vrid: 52, peers: [] }));
  return v;
}

describe("fleet view", () => {
  test("retained status, vrrp, lvs, alarm and config/state fold per node; CBOR and JSON bodies alike; topic levels unescaped", () => {
    const v = sample();
    expect(Object.keys(v.nodes).sort()).toEqual(["gw-a", "gw-b"]);
    expect(v.nodes["gw-a"].status?.config_serial).toBe(7);
    expect(v.nodes["gw-b"].vrrp["VI/2"].state).toBe("BACKUP");
    expect(v.nodes["gw-b"].lvs["10.0.0.1:80/rs1"].up).toBe(false);
    expect(v.nodes["gw-a"].alarms["split-brain/s/51"].active).toBe(true);
    expect(v.undecodable).toEqual([]);
  });

  test("another fleet, other roots and events are ignored; an empty retained body clears the topic (MQTT 3.1.1 §3.3.1.3)", () => {
    const v = sample();
    addMessage(v, "vigil/v1/other/gw-x/status", cbor({ status: "online" }));
    addMessage(v, "vigil/v2/edge/gw-y/status", cbor({ status: "online" }));
    addMessage(v, "vigil/v1/edge/gw-a/events", cbor({ type: "transition" }));
    addMessage(v, "vigil/v1/edge/gw-a/vrrp/VI_1", new Uint8Array());
    expect(Object.keys(v.nodes).sort()).toEqual(["gw-a", "gw-b"]);
    expect(v.nodes["gw-a"].vrrp).toEqual({});
  });

  test("undecodable bodies are named, not fatal", () => {
    const v = emptyView("edge");
    addMessage(v, "vigil/v1/edge/gw-a/status", new Uint8Array([0xff, 0x00]));
    addMessage(v, "vigil/v1/edge/gw-a/vrrp/VI_1", cbor(42));
    expect(v.undecodable).toHaveLength(2);
    expect(v.undecodable[0]).toStartWith("vigil/v1/edge/gw-a/status: undecodable payload");
    expect(v.undecodable[1]).toBe("vigil/v1/edge/gw-a/vrrp/VI_1: not a map");
  });

  test("table: one row per node and instance, config result, lvs rows, active alarms only", () => {
    const lines = renderFleet(sample(), NOW).split("\n");
    expect(lines[0]).toBe("fleet edge: 2 node(s)");
    expect(lines[1].split(/\s+/)).toEqual(["NODE", "STATUS", "VERSION", "SERIAL", "CONFIG", "INSTANCE", "STATE", "PRIO", "EFF", "MASTER", "SINCE"]);
    expect(lines[2].split(/\s+/)).toEqual(["gw-a", "online", "1.2.3", "7", "ok", "7", "VI_1", "MASTER", "150", "150", "198.18.0.1", "5s"]);
    expect(lines[3].split(/\s+/)).toEqual(["gw-b", "offline", "-", "-", "rejected", "stale-serial", "VI/2", "BACKUP", "100", "90", "-", "1s"]);
    expect(lines).toContain("gw-b  10.0.0.1:80/rs1  down  0       connect refused");
    expect(lines.filter((l) => l.startsWith("ALARM"))).toEqual(["ALARM gw-a split-brain/s/51: also MASTER on gw-c,gw-d"]);
  });

  test("hostile names: '__proto__' is just a node name and control characters never reach the terminal", () => {
    const v = emptyView("edge");
    addMessage(v, "vigil/v1/edge/__proto__/vrrp/__proto__", cbor({ state: "MASTER\u001b[2J", vrid: 1 }));
    addMessage(v, "vigil/v1/edge/constructor/status", cbor({ status: "online" }));
    expect(Object.keys(v.nodes).sort()).toEqual(["__proto__", "constructor"]);
    const out = renderFleet(v, NOW);
    expect(out).toContain("MASTER?[2J");
    expect(out).not.toContain("\u001b");
  });
});
