import { describe, expect, test } from "bun:test";
import { State } from "../../../src/vrrp/actions.ts";
import { SyncGroup } from "../../../src/vrrp/sync-group.ts";
import { advert, fsm, step } from "./helpers.ts";

function pair() {
  const a = fsm({ name: "A", vrid: 1 });
  const b = fsm({ name: "B", vrid: 2, priority: 90 });
  const g = new SyncGroup("G", [a, b]);
  a.startup(0);
  b.startup(0);
  a.actions.clear();
  b.actions.clear();
  return { a, b, g };
}

describe("vrrp_sync_group", () => {
  test("one member becoming Master pulls the others to Master", () => {
    const { a, b, g } = pair();
    step(a, (x) => x.tick(a.masterDownAt)); // A's timer fires first (higher priority, shorter skew)
    expect(a.state).toBe(State.Master);
    expect(b.state).toBe(State.Master);
    expect(b.actions.toArray()).toContainEqual({ kind: "AddVips", accept: false });
    expect(g.state).toBe(State.Master);
  });
  test("one member stepping down to Backup pushes the others to Backup (with priority 0)", () => {
    const { a, b } = pair();
    a.tick(a.masterDownAt);
    b.actions.clear();
    advert(a, 5000, 250);
    expect(a.state).toBe(State.Backup);
    expect(b.state).toBe(State.Backup);
    const acts = b.actions.toArray();
    expect(acts).toContainEqual({ kind: "SendAdvert", priority: 0 });
    expect(acts).toContainEqual({ kind: "RemoveVips" });
  });
  test("one member in FAULT puts all in FAULT; all recover when it clears", () => {
    const { a, b, g } = pair();
    a.tick(a.masterDownAt);
    a.faultRaised(6000);
    expect(a.state).toBe(State.Fault);
    expect(b.state).toBe(State.Fault);
    expect(g.state).toBe(State.Fault);
    a.faultCleared(7000);
    expect(a.state).toBe(State.Backup);
    expect(b.state).toBe(State.Backup);
  });
  test("FAULT stays while any member still has its own fault", () => {
    const { a, b } = pair();
    a.faultRaised(1);
    b.faultRaised(2);
    a.faultCleared(3);
    expect(a.state).toBe(State.Fault);
    expect(b.state).toBe(State.Fault);
    b.faultCleared(4);
    expect(a.state).toBe(State.Backup);
    expect(b.state).toBe(State.Backup);
  });
  test("a member cannot be in two groups", () => {
    const { a } = pair();
    expect(() => new SyncGroup("H", [a])).toThrow(/already in a sync group/);
  });
});
