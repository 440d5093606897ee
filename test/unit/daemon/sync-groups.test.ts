// vrrp_sync_group membership while instances wait for their interfaces and start
// later (boot order), with the real pure FSMs and SyncGroup.
import { expect, test } from "bun:test";
import { type GroupMember, reconcileSyncGroups } from "../../../src/daemon/sync-groups.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { FAULT_SYNC_GROUP, FAULT_TRACKING, VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { resolveParams } from "../../../src/vrrp/params.ts";
import { SyncGroup } from "../../../src/vrrp/sync-group.ts";

/** A running instance as the reconciliation sees it: name, FSM, and its performed actions counted. */
function member(name: string, vrid: number): GroupMember & { performed: number } {
  const fsm = new VrrpFsm(resolveParams({ name, vrid, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0, accept: false, vips: ["198.18.0.9"], primary: "198.18.0.1" }));
  const m = {
    name, fsm, performed: 0,
    perform() {
      m.performed += fsm.actions.length;
      fsm.actions.clear();
    },
  };
  return m;
}

function started(...ms: ReturnType<typeof member>[]) {
  for (const m of ms) {
    m.fsm.startup(0);
    m.perform(0);
  }
}

const G = [{ name: "G", members: ["A", "B"] }];

test("a member that cannot start yet holds the running ones in FAULT; once it runs the group forms and they return to election", () => {
  const a = member("A", 1);
  started(a);
  expect(a.fsm.state).toBe(State.Backup);
  reconcileSyncGroups(G, [a], 10);
  expect(a.fsm.state).toBe(State.Fault);
  expect(a.fsm.faults).toBe(FAULT_SYNC_GROUP);
  expect(a.fsm.observer).toBeNull();
  expect(a.performed).toBeGreaterThan(0);

  const b = member("B", 2);
  reconcileSyncGroups(G, [a, b], 20);
  expect(a.fsm.observer).toBeInstanceOf(SyncGroup);
  expect(b.fsm.observer).toBe(a.fsm.observer);
  expect(a.fsm.faults).toBe(0);
  expect(a.fsm.state).toBe(State.Backup);
  started(b);
  expect(b.fsm.state).toBe(State.Backup);
});

test("an intact group is left alone; a member replaced by a new FSM (restarted instance) gets a new group", () => {
  const a = member("A", 1);
  const b = member("B", 2);
  reconcileSyncGroups(G, [a, b], 0);
  const g = a.fsm.observer;
  reconcileSyncGroups(G, [a, b], 5);
  expect(a.fsm.observer).toBe(g);
  const b2 = member("B", 2);
  reconcileSyncGroups(G, [a, b2], 10);
  expect(a.fsm.observer).not.toBe(g);
  expect(b2.fsm.observer).toBe(a.fsm.observer);
  expect((a.fsm.observer as SyncGroup).members).toEqual([a.fsm, b2.fsm]);
});

test("formed with a member in its own FAULT: the others mirror it at once (keepalived)", () => {
  const a = member("A", 1);
  const b = member("B", 2);
  started(a, b);
  b.fsm.faultRaised(0, FAULT_TRACKING);
  b.perform(0);
  reconcileSyncGroups(G, [a, b], 10);
  expect(a.fsm.state).toBe(State.Fault);
  expect(a.fsm.faults).toBe(FAULT_SYNC_GROUP);
  b.fsm.faultCleared(20, FAULT_TRACKING);
  expect(a.fsm.faults).toBe(0);
});

test("an instance a reload took out of its group leaves it, and a fault it held for the group is cleared", () => {
  const a = member("A", 1);
  started(a);
  reconcileSyncGroups(G, [a], 0);
  expect(a.fsm.state).toBe(State.Fault);
  reconcileSyncGroups([], [a], 10);
  expect(a.fsm.observer).toBeNull();
  expect(a.fsm.faults).toBe(0);
  expect(a.fsm.state).toBe(State.Backup);
});
