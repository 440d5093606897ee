// The vrrp_track_process core, rule by rule (keepalived 2.2.7 core/track_process.c).
import { describe, expect, test } from "bun:test";
import { defaultTrackProcess, type TrackProcess } from "../../../src/config/model.ts";
import { paramsMatch, processMatches, ProcessQuorum, ProcessTable } from "../../../src/daemon/track-process-core.ts";
import { parseStat } from "../../../src/daemon/track-processes.ts";

const tp = (over: Partial<TrackProcess> = {}): TrackProcess => ({ ...defaultTrackProcess("p", "nginx"), ...over });

describe("matching a process", () => {
  test("the name is matched exactly against comm, not as a pattern: 'ssh' does not match 'sshd'", () => {
    expect(processMatches(tp({ process: "sshd" }), { comm: "sshd" })).toBe(true);
    expect(processMatches(tp({ process: "ssh" }), { comm: "sshd" })).toBe(false);
    expect(processMatches(tp({ process: "ss.*" }), { comm: "sshd" })).toBe(false);
  });
  test("full_command matches argv[0]; parameters exact, partial (the first ones) or initial (the last may be longer)", () => {
    const argv = ["/usr/bin/python3", "-m", "http.server", "8080"];
    expect(processMatches(tp({ process: "/usr/bin/python3", fullCommand: true }), { comm: "python3", argv })).toBe(true);
    expect(processMatches(tp({ process: "python3", fullCommand: true }), { comm: "python3", argv })).toBe(false);
    expect(paramsMatch({ parameters: ["-m", "http.server", "8080"], paramMatch: "exact" }, argv.slice(1))).toBe(true);
    expect(paramsMatch({ parameters: ["-m", "http.server"], paramMatch: "exact" }, argv.slice(1))).toBe(false);
    expect(paramsMatch({ parameters: ["-m", "http.server"], paramMatch: "partial" }, argv.slice(1))).toBe(true);
    expect(paramsMatch({ parameters: ["-m", "http.ser"], paramMatch: "partial" }, argv.slice(1))).toBe(false);
    expect(paramsMatch({ parameters: ["-m", "http.ser"], paramMatch: "initial" }, argv.slice(1))).toBe(true);
    expect(paramsMatch({ parameters: [], paramMatch: "exact" }, [])).toBe(true);
    expect(paramsMatch({ parameters: [], paramMatch: "exact" }, ["-x"])).toBe(false);
  });
  test("/proc/PID/stat: comm may hold spaces and parentheses; the state letter follows the last ')'", () => {
    expect(parseStat("42 (my (odd) name) S 1 42 42 0")).toEqual({ comm: "my (odd) name", state: "S" });
    expect(parseStat("43 (zomb) Z 1")).toEqual({ comm: "zomb", state: "Z" });
    expect(parseStat("garbage")).toBeNull();
  });
});

describe("quorum (quorum..quorum_max processes = up)", () => {
  test("the first count decides at once; then up exactly while quorum <= count <= quorum_max", () => {
    const q = new ProcessQuorum(tp({ quorum: 2, quorumMax: 3 }));
    expect(q.setCount(1, "scan", 0)).toBe(false);
    expect(q.setCount(2, "exec", 1)).toBe(true);
    expect(q.setCount(3, "exec", 2)).toBeNull();
    expect(q.setCount(4, "exec", 3)).toBe(false);
  });
  test("quorum_max 0 (quorum 0): up only while no such process runs", () => {
    const q = new ProcessQuorum(tp({ quorum: 0, quorumMax: 0 }));
    expect(q.setCount(0, "scan", 0)).toBe(true);
    expect(q.setCount(1, "exec", 1)).toBe(false);
  });
  test("terminate_delay: a loss by exit waits, and a process back within the delay cancels it", () => {
    const q = new ProcessQuorum(tp({ terminateDelayMs: 500 }));
    q.setCount(1, "scan", 0);
    expect(q.setCount(0, "exit", 100)).toBeNull();
    expect(q.due(599)).toBeNull();
    expect(q.setCount(1, "fork", 300)).toBeNull();
    expect(q.due(700)).toBeNull();
    expect(q.up).toBe(true);
    expect(q.setCount(0, "exit", 800)).toBeNull();
    expect(q.due(1300)).toBe(false);
  });
  test("fork_delay: a quorum gained by a fork waits; one gained by exec does not", () => {
    const q = new ProcessQuorum(tp({ forkDelayMs: 200 }));
    q.setCount(0, "scan", 0);
    expect(q.setCount(1, "fork", 10)).toBeNull();
    expect(q.due(210)).toBe(true);
    q.setCount(0, "exit", 300);
    expect(q.setCount(1, "exec", 310)).toBe(true);
  });
});

describe("process table", () => {
  test("a forked child of a counted process counts until it execs something else; exits uncount", () => {
    const t = new ProcessTable([tp({ name: "ng", process: "nginx", quorum: 2 })]);
    expect(t.scan([[100, { comm: "nginx" }], [101, { comm: "bash" }]], 0)).toEqual([[0, false]]);
    expect(t.fork(100, 102, 1)).toEqual([[0, true]]);
    expect(t.check(102, { comm: "logrotate" }, "exec", 2)).toEqual([[0, false]]);
    expect(t.fork(101, 103, 3)).toEqual([]); // the parent is not counted
    expect(t.check(103, { comm: "nginx" }, "exec", 4)).toEqual([[0, true]]);
    expect(t.exit(100, 5)).toEqual([[0, false]]);
    expect(t.quorums[0]!.count).toBe(1);
  });
  test("a rename (PROC_EVENT_COMM) moves a process in and out of a name", () => {
    const t = new ProcessTable([tp({ name: "w", process: "worker" })]);
    t.scan([[7, { comm: "python3" }]], 0);
    expect(t.check(7, { comm: "worker" }, "rename", 1)).toEqual([[0, true]]);
    expect(t.check(7, { comm: "python3" }, "rename", 2)).toEqual([[0, false]]);
  });
});
