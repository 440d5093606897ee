// lvs_sync_daemon follows its VRRP instance: the steps from the daemons running to the role the instance gives.
import { describe, expect, test } from "bun:test";
import { syncDaemonSteps } from "../../../src/lvs/sync-daemon-role.ts";

describe("sync daemon role", () => {
  test("nothing running: start the role's daemon", () => {
    expect(syncDaemonSteps([], "master")).toEqual({ stop: null, start: true });
    expect(syncDaemonSteps([], "backup")).toEqual({ stop: null, start: true });
  });
  test("the other role running: stop it, start ours", () => {
    expect(syncDaemonSteps([{ state: "backup" }], "master")).toEqual({ stop: "backup", start: true });
    expect(syncDaemonSteps([{ state: "master" }], "backup")).toEqual({ stop: "master", start: true });
  });
  test("our role running already: nothing to start", () => {
    expect(syncDaemonSteps([{ state: "master" }], "master")).toEqual({ stop: null, start: false });
    expect(syncDaemonSteps([{ state: "master" }, { state: "backup" }], "master")).toEqual({ stop: "backup", start: false });
  });
});
