// The fleet page's reducer: messages and the clock in, rows and deltas out.
import { describe, expect, test } from "bun:test";
import { FleetWebModel } from "../../../src/cli/fleet-web/model.ts";
import { HOLD_MS } from "../../../src/cli/fleet-web/groups.ts";
import { encodeBody } from "../../../src/fleet/payload.ts";
import { rolloutTopic, Topics } from "../../../src/fleet/topics.ts";

const SEG = "v4:198.18.0.100/24";
const T0 = 1_800_000_000_000;
const body = (v: unknown, f: "cbor" | "json" = "cbor") => new Uint8Array(encodeBody(v, f));
const vrrp = (state: string, since = T0, extra: Record<string, unknown> = {}) => ({ state, segment: SEG, vrid: 51, priority: 100, effectivePriority: 100, since, ...extra });

function model() {
  const m = new FleetWebModel("lab", "mqtt://b");
  const say = (node: string, sub: (t: Topics) => string, v: unknown, now = T0) => m.apply(sub(new Topics("lab", node)), v === null ? new Uint8Array() : body(v), now);
  return { m, say };
}
const groupOf = (m: FleetWebModel, now = T0) => m.snapshot(now).groups[`51|${SEG}`]!;

describe("VRRP groups", () => {
  test("one MASTER among live routers is ok; the group lists routers with state and priority", () => {
    const { m, say } = model();
    say("r1", (t) => t.status, { status: "online" });
    say("r2", (t) => t.status, { status: "online" });
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0, { priority: 150, effectivePriority: 150 }));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("BACKUP"));
    const g = groupOf(m);
    expect(g.status).toBe("ok");
    expect(g.masters).toEqual(["r1"]);
    expect(g.routers.map((r) => `${r.node} ${r.state} ${r.effectivePriority}`)).toEqual(["r1 MASTER 150", "r2 BACKUP 100"]);
  });

  test("two MASTERs are a split brain only once they lasted the hold-down (a preemption is not); then an alarm event", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    m.tick(T0 + HOLD_MS - 1);
    expect(groupOf(m, T0 + HOLD_MS - 1).status).toBe("ok");
    expect(m.nextDeadline(T0)).toBe(T0 + HOLD_MS);
    m.tick(T0 + HOLD_MS);
    const g = groupOf(m, T0 + HOLD_MS);
    expect(g.status).toBe("split-brain");
    expect(g.masters).toEqual(["r1", "r2"]);
    const ev = m.takeDelta(T0 + HOLD_MS).events!.filter((e) => e.level === "alarm");
    expect(ev.map((e) => e.text)).toEqual([`SPLIT BRAIN on VRID 51 (${SEG}): MASTER on r1, r2`]);
  });

  test("a MASTER whose node is offline (Last Will) does not count: its successor alone is ok", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0 + 500));
    say("r1", (t) => t.status, { status: "offline" }, T0 + 10);
    m.tick(T0 + 10 * HOLD_MS);
    const g = groupOf(m, T0 + 10 * HOLD_MS);
    expect(g.status).toBe("ok");
    expect(g.masters).toEqual(["r2"]);
    expect(g.routers.find((r) => r.node === "r1")!.online).toBe(false);
  });

  test("no live MASTER after the hold-down is 'no-master'", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("BACKUP"));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("FAULT"));
    m.tick(T0 + HOLD_MS);
    expect(groupOf(m, T0 + HOLD_MS).status).toBe("no-master");
  });

  test("no MASTER in the fleet while a BACKUP hears one outside it (a keepalived peer) is ok, and names that master", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("BACKUP", T0, { masterAddress: "198.18.0.3" }));
    m.tick(T0 + 2 * HOLD_MS);
    const g = groupOf(m, T0 + 2 * HOLD_MS);
    expect(g.status).toBe("ok");
    expect(g.outsideMaster).toBe("198.18.0.3");
    // but the address of a fleet router that was MASTER and went offline is not outside: no MASTER
    say("r2", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0, { masterAddress: "198.18.0.3" }));
    say("r2", (t) => t.status, { status: "offline" }, T0 + 2 * HOLD_MS);
    m.tick(T0 + 4 * HOLD_MS);
    expect(groupOf(m, T0 + 4 * HOLD_MS).status).toBe("no-master");
  });

  test("a witness alarm makes the group red at once and names the peers; clearing it (empty retained) turns it back", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("BACKUP"));
    say("r2", (t) => t.splitBrainAlarm(SEG, 51), { active: true, segment: SEG, vrid: 51, peers: ["r1"] });
    expect(groupOf(m).status).toBe("split-brain");
    expect(groupOf(m).witness).toEqual([{ node: "r2", peers: ["r1"] }]);
    say("r2", (t) => t.splitBrainAlarm(SEG, 51), { active: false, segment: SEG, vrid: 51, peers: [] });
    expect(groupOf(m).status).toBe("ok");
  });

  test("the sparkline counts each router's becoming MASTER once, within the last hour", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0 - 2 * 3_600_000)); // older than an hour: not on it
    say("r2", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0 - 60_000));
    say("r2", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0 - 60_000)); // the same report again (retained replay)
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0 - 1000));
    expect(groupOf(m).flips).toEqual([T0 - 60_000, T0 - 1000]);
  });

  test("an instance that moves to another VRID leaves its old group (which disappears when empty)", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER", T0, { vrid: 52 }));
    const s = m.snapshot(T0);
    expect(Object.keys(s.groups)).toEqual([`52|${SEG}`]);
    expect(s.nodes.r1!.vrrp).toEqual([{ instance: "VI_1", state: "MASTER" }]);
  });
});

describe("nodes, LVS, events, rollouts", () => {
  test("a node's birth, config result and dropped events; JSON and CBOR bodies alike", () => {
    const { m, say } = model();
    say("r1", (t) => t.status, { status: "online", version: "0.1.0", boot_time: T0 - 5000, config_serial: 3, config_hash: "ab12" });
    m.apply(new Topics("lab", "r1").configState, body({ accepted: false, state: "rejected", serial: 4, reason: "bad-signature", running_serial: 3 }, "json"), T0);
    say("r1", (t) => t.events, { type: "events-dropped", count: 7, node: "r1", at: T0 });
    const n = m.snapshot(T0).nodes.r1!;
    expect(n).toMatchObject({ online: true, version: "0.1.0", bootTime: T0 - 5000, serial: 3, hash: "ab12", drops: 7, config: { state: "rejected", serial: 4, reason: "bad-signature" } });
  });

  test("a real server going down is an event with its check result; a retained replay of the same state is not", () => {
    const { m, say } = model();
    const t = (x: Topics) => x.lvs("198.18.0.100:80", "198.18.0.250:8080");
    say("r1", t, { up: true, weight: 1, lastCheck: "ok" });
    say("r1", t, { up: true, weight: 1, lastCheck: "ok" });
    say("r1", t, { up: false, weight: 1, lastCheck: "connection refused" });
    const d = m.takeDelta(T0);
    expect(d.rs![`r1\u0000198.18.0.100:80\u0000198.18.0.250:8080`]).toMatchObject({ up: false, lastCheck: "connection refused" });
    expect(d.events!.map((e) => e.text)).toEqual(["real server 198.18.0.250:8080 of 198.18.0.100:80 down (connection refused)"]);
  });

  test("deltas carry only what changed since the last one; a cleared topic is null", () => {
    const { m, say } = model();
    say("r1", (t) => t.vrrp("VI_1"), vrrp("MASTER"));
    say("r2", (t) => t.status, { status: "online" });
    m.takeDelta(T0);
    expect(m.hasChanges()).toBe(false);
    say("r2", (t) => t.status, { status: "offline" });
    const d = m.takeDelta(T0);
    expect(Object.keys(d.nodes!)).toEqual(["r2"]);
    expect(d.groups).toBeUndefined();
    say("r1", (t) => t.vrrp("VI_1"), null);
    expect(m.takeDelta(T0).groups).toEqual({ [`51|${SEG}`]: null });
  });

  test("undecodable bodies and foreign fleets change nothing but a count", () => {
    const { m } = model();
    m.apply("vigil/v1/lab/r1/status", new Uint8Array([0xff, 0x00]), T0);
    m.apply("vigil/v1/other/r1/status", body({ status: "online" }), T0);
    const s = m.snapshot(T0);
    expect(s.nodes).toEqual({});
    expect(s.meta.undecodable).toBe(1);
  });

  test("a rollout record becomes a row with waves, tally, per-node result and abort reason", () => {
    const { m } = model();
    const engine = {
      spec: { id: "s9-x", fleet: "lab", serial: 9, configHash: "h", blobSha256: "b", waves: [["r1"], ["r2"]], soakMs: 0, timeoutMs: 0, holdMs: 0, maxFailed: 0, rollbackOnAbort: false, notes: [] },
      status: "aborted", wave: 0, abortReason: "1 node(s) failed", nodes: { r1: { wave: 0, phase: "done", outcome: "rejected", reason: "bad-signature", failed: true }, r2: { wave: 1, phase: "pending" } },
    };
    m.apply(rolloutTopic("lab", "s9-x"), body({ format: "vigil-rollout/1", engine, updatedAt: T0 }), T0);
    expect(m.snapshot(T0).rollouts["s9-x"]).toMatchObject({
      serial: 9, status: "aborted", wave: 1, waves: 2, abortReason: "1 node(s) failed",
      nodes: [{ node: "r1", wave: 1, result: "rejected", reason: "bad-signature" }, { node: "r2", wave: 2, result: "pending" }],
    });
  });
});
