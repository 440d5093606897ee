// The rollout state machine (src/fleet/rollout/engine.ts), one test per rule:
// messages and the clock in, actions out. No broker, no sleeping: time is a number.
import { describe, expect, test } from "bun:test";
import { newRollout, RolloutEngine, type Action, type RolloutSpec } from "../../../../src/fleet/rollout/engine.ts";
import { configState, fleetOf, lvs, pair, status, vrrp, type Msg } from "./rollout-fixtures.ts";

const SERIAL = 42;
const HASH = "c0ffee";

function spec(waves: string[][], o: Partial<RolloutSpec> = {}): RolloutSpec {
  return {
    id: "t", fleet: "edge", serial: SERIAL, configHash: HASH, blobSha256: "b", waves,
    soakMs: 5000, timeoutMs: 10_000, holdMs: 2000, maxFailed: 0, rollbackOnAbort: false, notes: [], ...o,
  };
}

/** An engine over `fleet` messages, with helpers that keep every action it emits. */
function run(waves: string[][], fleet: Msg[], o: Partial<RolloutSpec> = {}) {
  const e = new RolloutEngine(newRollout(spec(waves, o)), fleetOf(fleet));
  const actions: Action[] = [];
  let now = 0;
  const keep = (a: Action[]) => { actions.push(...a); return a; };
  return {
    e, actions,
    get now() { return now; },
    start: () => keep(e.start(now)),
    msg: (m: Msg) => keep(e.message(m[0], m[1], now)),
    /** advance the clock in 250 ms ticks (the adapter's rhythm) */
    after: (ms: number) => { const end = now + ms; while (now < end) { now = Math.min(end, now + 250); keep(e.tick(now)); } },
    published: () => actions.filter((a) => a.type === "publish").map((a) => (a as { node: string }).node),
    rollbacks: () => actions.filter((a) => a.type === "rollback").map((a) => (a as { node: string }).node),
    outcome: (n: string) => [e.state.nodes[n]!.outcome, e.state.nodes[n]!.reason],
    /** the node takes the blob and reports it applied (no probation) */
    applied: (n: string) => keep(e.message(...configState(n, { accepted: true, state: "applied", serial: SERIAL, hash: HASH, running_serial: SERIAL, running_hash: HASH }), now)),
  };
}

const healthyPair = (a: string, b: string, lanNo: number) => pair(a, b, lanNo);

describe("waves and gates", () => {
  test("canary first; the next wave starts only after every node of the wave passed its soak", () => {
    const r = run([["a1"], ["b1", "a2"], ["b2"]], [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)]);
    r.start();
    expect(r.published()).toEqual(["a1"]);
    r.applied("a1");
    r.after(4000);
    expect(r.published()).toEqual(["a1"]); // still soaking
    r.after(1250);
    expect(r.outcome("a1")).toEqual(["applied", undefined]);
    expect(r.published()).toEqual(["a1", "b1", "a2"]);
    r.applied("b1");
    r.after(6000);
    expect(r.published()).toEqual(["a1", "b1", "a2"]); // a2 has not answered: wave 2 holds
    r.applied("a2");
    r.after(5250);
    r.applied("b2");
    r.after(5250);
    expect(r.e.state.status).toBe("done");
    expect(r.e.ok).toBe(true);
    expect(r.actions.at(-1)).toEqual({ type: "finished", ok: true });
  });

  test("confirming: the node's probation extends its deadline; the soak starts when it is confirmed", () => {
    const r = run([["a1"]], healthyPair("a1", "a2", 1), { timeoutMs: 3000 });
    r.start();
    r.msg(configState("a1", { accepted: true, state: "confirming", serial: SERIAL, confirm_ms: 30_000 }));
    r.after(20_000);
    expect(r.e.state.nodes.a1!.phase).toBe("confirming");
    r.applied("a1");
    expect(r.e.state.nodes.a1!.phase).toBe("soaking");
    r.after(5250);
    expect(r.outcome("a1")).toEqual(["applied", undefined]);
  });

  test("timeout: a node that does not answer within --timeout fails; probation + timeout is the bound while confirming", () => {
    const r = run([["a1", "b1"]], [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)], { maxFailed: 5 });
    r.start();
    r.msg(configState("b1", { accepted: true, state: "confirming", serial: SERIAL, confirm_ms: 5000 }));
    r.after(10_250);
    expect(r.outcome("a1")).toEqual(["timed-out", "no answer within 10 s"]);
    expect(r.e.state.nodes.b1!.phase).toBe("confirming");
    r.after(5000);
    expect(r.outcome("b1")).toEqual(["timed-out", "not confirmed within its probation + 10 s"]);
  });

  test("soak: a node FAULT for longer than --hold fails the gate; a shorter FAULT does not", () => {
    const r = run([["a1"], ["a2"]], healthyPair("a1", "a2", 1));
    r.start();
    r.applied("a1");
    r.msg(vrrp("a1", "VI_1", { state: "FAULT", lan: "198.18.1.0/24", vips: "198.18.1.100/32", reason: "eth0 down" }));
    r.after(1000);
    r.msg(vrrp("a1", "VI_1", { state: "MASTER", lan: "198.18.1.0/24", vips: "198.18.1.100/32", master: "198.18.1.1" }));
    r.after(4500);
    expect(r.outcome("a1")).toEqual(["applied", undefined]);
    r.applied("a2");
    r.msg(vrrp("a2", "VI_1", { state: "FAULT", lan: "198.18.1.0/24", vips: "198.18.1.100/32", reason: "eth0 down" }));
    r.after(2250);
    expect(r.outcome("a2")).toEqual(["unhealthy", "fault: VI_1 is FAULT (eth0 down)"]);
  });

  test("exactly one MASTER per VRID fleet-wide: two MASTERs past --hold fail the node, a handover shorter than --hold passes", () => {
    const r = run([["a2"]], healthyPair("a1", "a2", 1));
    r.start();
    r.applied("a2");
    const both = vrrp("a2", "VI_1", { state: "MASTER", lan: "198.18.1.0/24", vips: "198.18.1.100/32", master: "198.18.1.2" });
    r.msg(both);
    r.after(1000); // preemption: the old master steps down within the hold
    r.msg(vrrp("a1", "VI_1", { state: "BACKUP", lan: "198.18.1.0/24", vips: "198.18.1.100/32", master: "198.18.1.2" }));
    r.after(4250);
    expect(r.outcome("a2")).toEqual(["applied", undefined]);

    const s = run([["a2"]], healthyPair("a1", "a2", 1));
    s.start();
    s.applied("a2");
    s.msg(both);
    s.after(2250);
    expect(s.outcome("a2")).toEqual(["unhealthy", "one-master: VRID 51 (VI_1) has 2 MASTERs: a1, a2"]);
  });

  test("one MASTER: none fails, unless a BACKUP hears a master outside the fleet; an offline node's MASTER does not count", () => {
    const lone = [status("k"), vrrp("k", "VI_1", { state: "BACKUP", lan: "198.18.9.0/24" })];
    const r = run([["k"]], lone);
    r.start();
    r.applied("k");
    r.after(2250);
    expect(r.outcome("k")).toEqual(["unhealthy", "one-master: VRID 51 (VI_1) has no MASTER"]);
    const heard = [status("k"), vrrp("k", "VI_1", { state: "BACKUP", lan: "198.18.9.0/24", master: "198.18.9.250" })];
    const s = run([["k"]], heard);
    s.start();
    s.applied("k");
    s.after(5250);
    expect(s.outcome("k")).toEqual(["applied", undefined]);
    // a1's retained MASTER outlived it (offline): a2, MASTER now, is the only one
    const t = run([["a2"]], [...healthyPair("a1", "a2", 1), status("a1", { online: false })]);
    t.start();
    t.applied("a2");
    t.msg(vrrp("a2", "VI_1", { state: "MASTER", lan: "198.18.1.0/24", vips: "198.18.1.100/32", master: "198.18.1.2" }));
    t.after(5250);
    expect(t.outcome("a2")).toEqual(["applied", undefined]);
  });

  test("real servers not worse than before: one that was up when the wave started and is down fails; one down before does not", () => {
    const vs = "198.18.0.100:80/TCP";
    const r = run([["a1"]], [...healthyPair("a1", "a2", 1), lvs("a1", vs, "198.18.0.21:80", true), lvs("a1", vs, "198.18.0.22:80", false)]);
    r.start();
    r.applied("a1");
    r.msg(lvs("a1", vs, "198.18.0.21:80", false));
    r.after(2250);
    expect(r.outcome("a1")).toEqual(["unhealthy", `real-servers: ${vs}/198.18.0.21:80 is down, was up`]);
    const s = run([["a1"]], [...healthyPair("a1", "a2", 1), lvs("a1", vs, "198.18.0.22:80", false)]);
    s.start();
    s.applied("a1");
    s.after(5250);
    expect(s.outcome("a1")).toEqual(["applied", undefined]);
  });

  test("an offline node fails the gate", () => {
    const r = run([["a1"]], healthyPair("a1", "a2", 1));
    r.start();
    r.applied("a1");
    r.msg(status("a1", { online: false }));
    r.after(2250);
    expect(r.outcome("a1")).toEqual(["unhealthy", "offline"]);
  });
});

describe("answers", () => {
  test("rejected with its reason; rolled back by the node with its reason", () => {
    const r = run([["a1", "b1"]], [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)], { maxFailed: 5 });
    r.start();
    r.msg(configState("a1", { accepted: false, state: "rejected", reason: "bad-signature", message: "Ed25519 signature does not verify", serial: SERIAL }));
    r.msg(configState("b1", { accepted: false, state: "rolled-back", reason: "confirm-failed", message: "new-fault: VI_1 is FAULT", serial: SERIAL, running_serial: 3 }));
    expect(r.outcome("a1")).toEqual(["rejected", "bad-signature: Ed25519 signature does not verify"]);
    expect(r.outcome("b1")).toEqual(["rolled-back-by-node", "confirm-failed: new-fault: VI_1 is FAULT"]);
    expect(r.e.state.nodes.b1!.changed).toBe(false);
  });

  test("results about other serials are not ours; stale-serial while running our serial counts as applied", () => {
    const r = run([["a1"]], healthyPair("a1", "a2", 1));
    r.start();
    r.msg(configState("a1", { accepted: false, state: "rejected", reason: "stale-serial", serial: 41 }));
    expect(r.e.state.nodes.a1!.phase).toBe("sent");
    r.msg(configState("a1", { accepted: false, state: "rejected", reason: "stale-serial", serial: SERIAL, running_serial: SERIAL, running_hash: HASH }));
    expect(r.e.state.nodes.a1!.phase).toBe("soaking");
  });

  test("a node that already runs the serial is not sent it again", () => {
    const r = run([["a1"]], [...healthyPair("a1", "a2", 1), status("a1", { serial: SERIAL, hash: HASH })]);
    r.start();
    expect(r.published()).toEqual([]);
    expect(r.e.state.nodes.a1!.phase).toBe("soaking");
  });

  test("a node back from offline while its blob was on its way gets it again (bounded); a birth from an online node does not resend", () => {
    const r = run([["a1"]], healthyPair("a1", "a2", 1));
    r.start();
    r.msg(status("a1"));
    expect(r.published()).toEqual(["a1"]);
    for (let i = 0; i < 5; i++) {
      r.msg(status("a1", { online: false }));
      r.msg(status("a1"));
    }
    expect(r.published()).toEqual(["a1", "a1", "a1"]);
  });
});

describe("broker connection lost and back", () => {
  test("nodes still waiting for their blob get it again; rollbacks under way are sent again", () => {
    const r = run([["a1", "b1"]], [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)]);
    r.start();
    r.applied("a1");
    r.e.reconnected(r.now).forEach((a) => r.actions.push(a));
    expect(r.published()).toEqual(["a1", "b1", "b1"]);
  });

  test("a config undone under the soak (rolled back on the node) fails the node", () => {
    const r = run([["a1"]], healthyPair("a1", "a2", 1));
    r.start();
    r.applied("a1");
    r.msg(configState("a1", { accepted: false, state: "rolled-back", reason: "rollback-requested", message: "by someone else", serial: SERIAL }));
    expect(r.outcome("a1")).toEqual(["rolled-back-by-node", "rollback-requested: by someone else"]);
  });
});

describe("abort", () => {
  test("--max-failed N: N failures go on, one more aborts; nodes not reached stay untouched", () => {
    const msgs = [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2), ...healthyPair("c1", "c2", 3)];
    const r = run([["a1"], ["b1"], ["c1"], ["a2", "b2", "c2"]], msgs, { maxFailed: 1 });
    r.start();
    r.msg(configState("a1", { accepted: false, state: "rejected", reason: "config-invalid", serial: SERIAL }));
    expect(r.published()).toEqual(["a1", "b1"]);
    r.msg(configState("b1", { accepted: false, state: "rejected", reason: "config-invalid", serial: SERIAL }));
    expect(r.e.state.status).toBe("aborted");
    expect(r.published()).toEqual(["a1", "b1"]);
    expect(["c1", "a2", "b2", "c2"].map((n) => r.outcome(n)[0])).toEqual(["untouched", "untouched", "untouched", "untouched"]);
    expect(r.actions.at(-1)).toEqual({ type: "finished", ok: false });
  });

  test("a bad config stops at the canary; with --rollback-on-abort every changed node is rolled back, the last wave first, one wave at a time", () => {
    const msgs = [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)];
    const r = run([["a1"], ["b1"], ["a2", "b2"]], msgs, { rollbackOnAbort: true });
    r.start();
    r.applied("a1");
    r.after(5250);
    r.applied("b1");
    r.msg(vrrp("b1", "VI_1", { state: "FAULT", lan: "198.18.2.0/24", vips: "198.18.2.100/32" }));
    r.after(2250);
    expect(r.outcome("b1")).toEqual(["unhealthy", "fault: VI_1 is FAULT"]);
    expect(r.e.state.status).toBe("rolling-back");
    expect(r.rollbacks()).toEqual(["b1"]);
    r.msg(configState("b1", { accepted: false, state: "rolled-back", reason: "rollback-requested", serial: SERIAL, running_serial: 3 }));
    expect(r.rollbacks()).toEqual(["b1", "a1"]);
    r.msg(configState("a1", { accepted: false, state: "rolled-back", reason: "rollback-requested", serial: SERIAL, running_serial: 3 }));
    expect(r.e.state.status).toBe("aborted");
    expect(r.outcome("a1")).toEqual(["rolled-back", undefined]);
    expect(r.outcome("b1")).toEqual(["rolled-back", "fault: VI_1 is FAULT"]);
    expect(r.outcome("a2")[0]).toBe("untouched");
    expect(r.e.tally()).toMatchObject({ applied: 0, failed: 1, rolledBack: 2 });
  });

  test("a node that rolled itself back is not rolled back again; a refused or unanswered rollback is reported", () => {
    const msgs = [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2), ...healthyPair("c1", "c2", 3)];
    const r = run([["a1", "b1", "c1"]], msgs, { rollbackOnAbort: true, maxFailed: 0 });
    r.start();
    r.applied("a1");
    r.applied("b1");
    r.msg(configState("c1", { accepted: false, state: "rolled-back", reason: "confirm-failed", serial: SERIAL }));
    expect(r.e.state.status).toBe("rolling-back");
    expect(r.rollbacks().sort()).toEqual(["a1", "b1"]);
    r.msg(configState("a1", { accepted: false, state: "rollback-refused", reason: "no-last-known-good", message: "nothing kept", serial: SERIAL }));
    r.after(10_250);
    expect(r.outcome("a1")).toEqual(["rollback-failed", "no-last-known-good: nothing kept"]);
    expect(r.outcome("b1")).toEqual(["rollback-failed", "no answer within 10 s"]);
    expect(r.e.state.status).toBe("aborted");
  });
});

describe("resume", () => {
  test("resumed while rolling back: a node that no longer runs the serial is rolled back; a refusal because it does not run it counts as done", () => {
    const msgs = [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)];
    const first = run([["a1", "b1"]], msgs, { rollbackOnAbort: true, maxFailed: 0 });
    first.start();
    first.applied("a1");
    first.applied("b1");
    first.msg(vrrp("b1", "VI_1", { state: "FAULT", lan: "198.18.2.0/24", vips: "198.18.2.100/32" }));
    first.after(2250);
    expect(first.rollbacks().sort()).toEqual(["a1", "b1"]);
    const saved = JSON.parse(JSON.stringify(first.e.state));
    // meanwhile a1 went back to serial 3; b1 still runs 42
    const later = fleetOf([...msgs,
      configState("a1", { accepted: false, state: "rolled-back", reason: "rollback-requested", serial: SERIAL, running_serial: 3 }),
      configState("b1", { accepted: true, state: "applied", serial: SERIAL, running_serial: SERIAL, running_hash: HASH })]);
    const e = new RolloutEngine(saved, later);
    const acts = e.start(100_000);
    expect(acts.filter((a) => a.type === "rollback")).toEqual([{ type: "rollback", node: "b1" }]);
    expect(e.state.nodes.a1!.outcome).toBe("rolled-back");
    e.message(...configState("b1", { accepted: false, state: "rollback-refused", reason: "not-running", serial: SERIAL, running_serial: 3 }), 100_500);
    expect(e.state.nodes.b1!).toMatchObject({ outcome: "rolled-back", reason: "fault: VI_1 is FAULT" });
    expect(e.state.status).toBe("aborted");
  });

  test("a persisted state continues where it stopped: what the nodes reported meanwhile is adopted, the rest is sent again", () => {
    const msgs = [...healthyPair("a1", "a2", 1), ...healthyPair("b1", "b2", 2)];
    const first = run([["a1"], ["b1", "a2"], ["b2"]], msgs);
    first.start();
    first.applied("a1");
    first.after(5250);
    expect(first.published()).toEqual(["a1", "b1", "a2"]);
    const saved = JSON.parse(JSON.stringify(first.e.state));
    // interrupted here; meanwhile b1 applied, a2 heard nothing
    const later = fleetOf([...msgs, configState("b1", { accepted: true, state: "applied", serial: SERIAL, running_serial: SERIAL, running_hash: HASH })]);
    const e = new RolloutEngine(saved, later);
    const acts = e.start(100_000);
    expect(acts.filter((a) => a.type === "publish")).toEqual([{ type: "publish", node: "a2" }]);
    expect(e.state.nodes.b1!.phase).toBe("soaking");
    expect(e.state.nodes.a1!.outcome).toBe("applied");
  });
});

test("1000 nodes in one wave, each answering: all applied after one soak", () => {
  const msgs: Msg[] = [];
  const names: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const n = `n${i}`;
    names.push(n);
    msgs.push(status(n), vrrp(n, "VI_1", { state: "MASTER", vrid: 1 + (i % 255), lan: `198.18.${i % 200}.0/24`, master: `198.18.${i % 200}.${1 + Math.floor(i / 200)}` }));
  }
  const r = run([names], msgs);
  r.start();
  for (const n of names) r.applied(n);
  r.after(5250);
  expect(r.e.state.status).toBe("done");
  expect(r.e.tally().applied).toBe(1000);
});
