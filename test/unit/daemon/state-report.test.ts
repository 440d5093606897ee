// How transitions are reported: what the daemon and the fleet see, what notify scripts get, and the LVS sync daemon's role.
import { describe, expect, test } from "bun:test";
import { notifyStateOf, reportedFrom, showsFault, syncRoleOf } from "../../../src/daemon/state-report.ts";
import { State } from "../../../src/vrrp/actions.ts";

describe("reported transitions", () => {
  test("an FSM transition is reported with its own state names", () => {
    expect(reportedFrom(State.Initialize, State.Backup, false)).toBe("INIT");
    expect(reportedFrom(State.Backup, State.Master, false)).toBe("BACKUP");
    expect(reportedFrom(State.Master, State.Fault, false)).toBe("MASTER");
    expect(reportedFrom(State.Initialize, State.Fault, false)).toBe("INIT");
  });
  test("an instance that waited in FAULT to start leaves FAULT, not INIT", () => {
    expect(reportedFrom(State.Initialize, State.Backup, true)).toBe("FAULT");
    expect(reportedFrom(State.Initialize, State.Master, true)).toBe("FAULT");
  });
  test("a waited instance that starts in FAULT reports nothing: the daemon shows FAULT already", () => {
    expect(reportedFrom(State.Initialize, State.Fault, true)).toBeNull();
  });
  test("only a transition out of INIT is read as one out of FAULT", () => {
    expect(reportedFrom(State.Backup, State.Master, true)).toBe("BACKUP");
  });
});

describe("notify state", () => {
  test("INIT (the instance stopped) is keepalived's STOP; the others keep their name", () => {
    expect(notifyStateOf("INIT")).toBe("STOP");
    for (const s of ["MASTER", "BACKUP", "FAULT"]) expect(notifyStateOf(s)).toBe(s as "MASTER");
  });
});

describe("lvs_sync_daemon role", () => {
  test("MASTER sends, BACKUP receives; FAULT and INIT leave the role as it is", () => {
    expect(syncRoleOf("MASTER")).toBe("master");
    expect(syncRoleOf("BACKUP")).toBe("backup");
    expect(syncRoleOf("FAULT")).toBeNull();
    expect(syncRoleOf("INIT")).toBeNull();
  });
});

describe("an instance back to waiting", () => {
  test("shows FAULT when it is FAULT now (its link went)", () => {
    expect(showsFault(State.Fault, false)).toBe(true);
  });
  test("shows FAULT when it waited before and never reported another state", () => {
    expect(showsFault(State.Initialize, true)).toBe(true);
  });
  test("a runtime that ran as MASTER or BACKUP is not shown FAULT by the wait itself", () => {
    expect(showsFault(State.Master, false)).toBe(false);
    expect(showsFault(State.Backup, false)).toBe(false);
    expect(showsFault(State.Initialize, false)).toBe(false);
  });
});
