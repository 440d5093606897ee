// vrrp_sync_group notification rules (keepalived 2.2.7, checked against Debian's
// keepalived in the lab): one notification per group state, never while mixed.
import { describe, expect, test } from "bun:test";
import { GroupStates, groupState } from "../../../src/daemon/group-notify.ts";

describe("sync group notify state", () => {
  test("keepalived: BACKUP only once every member is BACKUP, then MASTER once all are MASTER", () => {
    const g = new GroupStates([{ name: "G1", members: ["A", "B"] }]);
    expect(g.update("A", "BACKUP")).toEqual([]);
    expect(g.update("B", "BACKUP")).toEqual([{ group: "G1", state: "BACKUP" }]);
    expect(g.update("A", "MASTER")).toEqual([]);
    expect(g.update("B", "MASTER")).toEqual([{ group: "G1", state: "MASTER" }]);
  });

  test("keepalived: one member's FAULT is the group's FAULT at once, reported once", () => {
    const g = new GroupStates([{ name: "G1", members: ["A", "B"] }]);
    g.update("A", "MASTER");
    g.update("B", "MASTER");
    expect(g.update("A", "FAULT")).toEqual([{ group: "G1", state: "FAULT" }]);
    expect(g.update("B", "FAULT")).toEqual([]);
    expect(g.update("A", "BACKUP")).toEqual([]); // B still FAULT
    expect(g.update("B", "BACKUP")).toEqual([{ group: "G1", state: "BACKUP" }]);
  });

  test("STOP when every member stopped; an instance outside any group changes nothing; one instance may feed several groups", () => {
    const g = new GroupStates([{ name: "G1", members: ["A", "B"] }, { name: "G2", members: ["B"] }]);
    expect(g.update("X", "MASTER")).toEqual([]);
    expect(g.update("A", "STOP")).toEqual([]);
    expect(g.update("B", "STOP")).toEqual([{ group: "G1", state: "STOP" }, { group: "G2", state: "STOP" }]);
  });

  test("reload: a group that keeps its name keeps its last state (no repeat notification); a new member set is judged afresh", () => {
    const g = new GroupStates([{ name: "G1", members: ["A", "B"] }]);
    g.update("A", "MASTER");
    g.update("B", "MASTER");
    g.setGroups([{ name: "G1", members: ["A", "B", "C"] }]);
    expect(g.update("A", "MASTER")).toEqual([]); // C unknown: mixed
    expect(g.update("C", "MASTER")).toEqual([]); // all MASTER again, already notified
    g.setGroups([]);
    g.setGroups([{ name: "G1", members: ["A"] }]);
    expect(g.update("A", "MASTER")).toEqual([{ group: "G1", state: "MASTER" }]); // dropped and re-added: fresh
  });

  test("groupState of unknown or mixed members is no state", () => {
    expect(groupState([])).toBeNull();
    expect(groupState([undefined, "BACKUP"])).toBeNull();
    expect(groupState(["MASTER", "BACKUP"])).toBeNull();
    expect(groupState(["STOP", "BACKUP"])).toBeNull();
    expect(groupState([undefined, "FAULT"])).toBe("FAULT");
  });
});
