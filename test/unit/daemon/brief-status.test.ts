// The status file's pure parts: the brief board the VRRP worker publishes counters
// into (brief-board.ts), the main thread's cache that moves the worker's last answer
// on with transition/priority messages and the board (brief-cache.ts), and what a
// reader may take as current (status-file-doc.ts).
import { describe, expect, test } from "bun:test";
import { State } from "../../../src/vrrp/actions.ts";
import { BriefBoard } from "../../../src/daemon/brief-board.ts";
import { BOARD_SILENT_MS, BriefCache, FAULT_REASON_MAX_AGE_MS } from "../../../src/daemon/brief-cache.ts";
import { ageNote, STATUS_FILE_FRESH_MS, statusFileDoc, statusFilePath, statusFileVerdict } from "../../../src/daemon/status-file-doc.ts";
import type { DaemonStatus, InstanceStatus } from "../../../src/daemon/status-types.ts";
import type { TransitionReport } from "../../../src/daemon/worker-protocol.ts";

const v4 = (s: string) => new Uint8Array(s.split(".").map(Number));
const src = (o: Partial<{ state: number; advertsSent: number; advertsReceived: number; dropped: number; masterPriority: number; master: Uint8Array | null }>) => ({
  state: State.Backup, advertsSent: 0, advertsReceived: 0, dropped: 0, masterPriority: 0, master: null, ...o,
});
const inst = (name: string, o: Partial<InstanceStatus> = {}): InstanceStatus => ({
  name, interface: "eth0", vrid: 1, family: 4, version: 3, state: "BACKUP", priority: 100, effectivePriority: 100,
  masterAddress: "198.18.0.1", since: 1000, vips: ["198.18.0.100/32"], counters: { advertsSent: 0, advertsReceived: 5, drop_bad_ttl: 2, transitions: 1 }, ...o,
});
const transition = (instance: string, from: string, to: string, o: Partial<TransitionReport> = {}): TransitionReport => ({
  type: "transition", instance, from, to, priority: 100, effectivePriority: 100, master: "", at: 0, ...o,
});

describe("brief board (worker -> main thread shared memory)", () => {
  test("nothing is read before the worker's first publish: the reader asks the worker instead", () => {
    expect(BriefBoard.create(2).read()).toBeNull();
  });

  test("a publish is read back slot by slot; a slot written null is an instance that is not running", () => {
    const b = BriefBoard.create(3);
    b.begin();
    b.write(0, src({ state: State.Master, advertsSent: 42, masterPriority: 150, master: v4("198.18.0.1") }));
    b.write(1, null);
    b.write(2, src({ advertsReceived: 7, dropped: 3, masterPriority: 150, master: new Uint8Array(16).fill(0xfd, 0, 1) }));
    b.end();
    // another view of the same memory, as the main thread holds it
    const r = new BriefBoard(b.buffer).read()!;
    expect(r[0]).toEqual({ state: State.Master, advertsSent: 42, advertsReceived: 0, dropped: 0, masterPriority: 150, master: v4("198.18.0.1") });
    expect(r[1]).toBeNull();
    expect(r[2]!.master!.length).toBe(16);
    expect([r[2]!.advertsReceived, r[2]!.dropped]).toEqual([7, 3]);
  });

  test("a reader that meets a publish in progress (odd sequence) never takes a half-written board", () => {
    const b = BriefBoard.create(1);
    b.begin();
    b.write(0, src({ advertsSent: 1 }));
    b.end();
    b.begin(); // the worker is writing
    b.write(0, src({ advertsSent: 2 }));
    expect(b.read()).toBeNull();
    b.end();
    expect(b.read()![0]!.advertsSent).toBe(2);
  });
});

describe("brief cache (the status file's instances between worker answers)", () => {
  /** wall ms of the tests' main thread */
  const T = 1_000_000;
  function setup(names = ["A", "B"]) {
    const board = BriefBoard.create(names.length);
    const c = new BriefCache();
    c.setBoard(board, names, T);
    return { board, c };
  }

  test("no worker answer yet, or the board not yet published: it must ask the worker (null)", () => {
    const { board, c } = setup();
    expect(c.instances(T)).toBeNull();
    c.take([inst("A"), inst("B")], c.generation, T);
    expect(c.instances(T)).toBeNull();
    board.begin();
    board.end();
    expect(c.instances(T)!.map((i) => i.name)).toEqual(["A", "B"]);
  });

  test("the table's counters (sent, received, the drop total) and the heard master come from the board", () => {
    const { board, c } = setup();
    c.take([inst("A"), inst("B")], c.generation, T);
    board.begin();
    board.write(0, src({ advertsReceived: 99, dropped: 4, masterPriority: 200, master: v4("198.18.0.2") }));
    board.write(1, null);
    board.end();
    const [a, b] = c.instances(T)!;
    expect(a!.counters).toEqual({ advertsSent: 0, advertsReceived: 99, dropped: 4 });
    expect([a!.masterAddress, a!.masterPriority]).toEqual(["198.18.0.2", 200]);
    expect(b).toEqual(inst("B")); // not running: as the worker last told
  });

  test("a transition message is the state at once; the board, published before it, does not turn it back", () => {
    const { board, c } = setup();
    c.take([inst("A"), inst("B")], c.generation, T);
    board.begin();
    board.write(0, src({ state: State.Backup, advertsReceived: 10, masterPriority: 150, master: v4("198.18.0.1") }));
    board.end();
    c.transition(transition("A", "BACKUP", "MASTER", { effectivePriority: 120, master: "198.18.0.2" }), 5000);
    const a = c.instances(T)![0]!;
    expect([a.state, a.effectivePriority, a.masterAddress, a.since]).toEqual(["MASTER", 120, "198.18.0.2", 5000]);
    expect(a.counters.advertsReceived).toBe(10);
  });

  test("into FAULT a transition brings its reason; out of FAULT the reason and the waiting mark go", () => {
    const { board, c } = setup(["A"]);
    c.take([inst("A", { state: "FAULT", fault: "interface eth0 is down", waiting: true })], c.generation, T);
    board.begin();
    board.end();
    c.transition(transition("A", "FAULT", "BACKUP"), 1);
    expect(c.instances(T)![0]).not.toHaveProperty("fault");
    expect(c.instances(T)![0]).not.toHaveProperty("waiting");
    c.transition(transition("A", "BACKUP", "FAULT", { reason: "a tracked interface is in fault" }), 2);
    expect(c.instances(T)![0]!.fault).toBe("a tracked interface is in fault");
  });

  test("a FAULT reason can change with no transition: while an instance is in FAULT, a worker answer older than FAULT_REASON_MAX_AGE_MS is not shown (null: ask again)", () => {
    const { board, c } = setup(["A", "B"]);
    c.take([inst("A", { state: "FAULT", fault: "interface eth0 is down" }), inst("B")], c.generation, T);
    const publish = () => {
      board.begin();
      board.end();
    };
    publish();
    expect(c.instances(T + FAULT_REASON_MAX_AGE_MS)![0]!.fault).toBe("interface eth0 is down");
    publish();
    expect(c.instances(T + FAULT_REASON_MAX_AGE_MS + 1)).toBeNull();
    c.take([inst("A", { state: "FAULT", fault: "interface eth1 is down" }), inst("B")], c.generation, T + FAULT_REASON_MAX_AGE_MS + 1);
    expect(c.instances(T + FAULT_REASON_MAX_AGE_MS + 1)![0]!.fault).toBe("interface eth1 is down");
    // none in FAULT: the answer stays good however old (the messages and the board keep it current)
    c.transition(transition("A", "FAULT", "BACKUP"), T + 2);
    publish();
    expect(c.instances(T + 3 * FAULT_REASON_MAX_AGE_MS)).not.toBeNull();
  });

  test("a new master heard by a backup (no message says so) is seen on the board, once", () => {
    const { board, c } = setup(["A"]);
    c.take([inst("A", { masterAddress: "" })], c.generation, T);
    board.begin();
    board.write(0, src({ state: State.Backup }));
    board.end();
    expect(c.masterMoved()).toBe(false);
    board.begin();
    board.write(0, src({ state: State.Backup, masterPriority: 150, master: v4("198.18.0.1") }));
    board.end();
    expect(c.masterMoved()).toBe(true);
    expect(c.instances(T)![0]!.masterAddress).toBe("198.18.0.1");
    expect(c.masterMoved()).toBe(false);
    // published again with the same master (every publish does): no change
    board.begin();
    board.write(0, src({ state: State.Backup, advertsReceived: 3, masterPriority: 150, master: v4("198.18.0.1") }));
    board.end();
    expect(c.masterMoved()).toBe(false);
    board.begin();
    board.write(0, src({ state: State.Backup, masterPriority: 200, master: v4("198.18.0.3") }));
    board.end();
    expect(c.masterMoved()).toBe(true);
  });

  test("a worker that stops publishing (stalled, starved) is silent after BOARD_SILENT_MS: nothing is taken from the board then", () => {
    const { board, c } = setup(["A"]);
    c.take([inst("A")], c.generation, T);
    // just started: not silent before it had the time to publish
    expect(c.workerSilent(T + BOARD_SILENT_MS)).toBe(false);
    expect(c.workerSilent(T + BOARD_SILENT_MS + 1)).toBe(true);
    board.begin();
    board.end();
    const t1 = T + 2 * BOARD_SILENT_MS;
    expect(c.workerSilent(t1)).toBe(false);
    expect(c.instances(t1)).not.toBeNull();
    expect(c.instances(t1 + BOARD_SILENT_MS + 1)).toBeNull();
    board.begin();
    board.end();
    expect(c.instances(t1 + BOARD_SILENT_MS + 2)).not.toBeNull();
  });

  test("a priority message moves the effective priority", () => {
    const { board, c } = setup(["A"]);
    c.take([inst("A")], c.generation, T);
    board.begin();
    board.end();
    c.priority("A", 77);
    expect(c.instances(T)![0]!.effectivePriority).toBe(77);
  });

  test("new plans (reload) drop what was known, and a worker answer asked for before them is not taken", () => {
    const { c } = setup(["A"]);
    const before = c.generation;
    const board2 = BriefBoard.create(1);
    c.setBoard(board2, ["C"], T);
    board2.begin();
    board2.end();
    c.take([inst("A")], before, T);
    expect(c.instances(T)).toBeNull();
    c.take([inst("C")], c.generation, T);
    expect(c.instances(T)!.map((i) => i.name)).toEqual(["C"]);
  });
});

describe("status file document", () => {
  const st: DaemonStatus = {
    version: "1.2.3", pid: 4242, startedAt: 1_000, configFile: "/etc/vigil/vigil.conf", configSerial: 7,
    instances: [inst("A", { tracking: [], settings: undefined })],
    memory: { heapUsed: 1, heapTotal: 2, external: 3, workerHeapUsed: 4 },
  } as DaemonStatus;

  test("next to the socket: vigil.sock -> vigil.status.json; a name without .sock gets the suffix", () => {
    expect(statusFilePath("/run/vigil/vigil.sock")).toBe("/run/vigil/vigil.status.json");
    expect(statusFilePath("/tmp/x")).toBe("/tmp/x.status.json");
  });

  test("holds the table's fields and its time, nothing the table does not show (memory, tracking, the other counters)", () => {
    const d = statusFileDoc(st, 5_000);
    expect(d).toEqual({
      asOf: 5_000, version: "1.2.3", pid: 4242, startedAt: 1_000, configFile: "/etc/vigil/vigil.conf", configSerial: 7,
      instances: [{
        name: "A", interface: "eth0", vrid: 1, family: 4, version: 3, state: "BACKUP", priority: 100, effectivePriority: 100,
        masterAddress: "198.18.0.1", since: 1000, counters: { advertsSent: 0, advertsReceived: 5, dropped: 2 },
      }],
    });
  });

  test("current only when fresh, well formed and its daemon alive; otherwise the socket decides", () => {
    const now = 100_000;
    const doc = statusFileDoc(st, now - 500);
    const alive = () => true;
    expect(statusFileVerdict(doc, now, alive)).toBe("current");
    // the daemon that wrote it is gone (or a zombie): never shown as current
    expect(statusFileVerdict(doc, now, () => false)).toBe("ask");
    // not rewritten for more than two heartbeats: a busy or dead main thread
    expect(statusFileVerdict(statusFileDoc(st, now - STATUS_FILE_FRESH_MS - 1), now, alive)).toBe("ask");
    expect(statusFileVerdict(statusFileDoc(st, now - STATUS_FILE_FRESH_MS), now, alive)).toBe("current");
    // from the future (the clock stepped back), or older than the daemon it names
    expect(statusFileVerdict(statusFileDoc(st, now + 5_000), now, alive)).toBe("ask");
    expect(statusFileVerdict({ ...doc, startedAt: doc.asOf + 1 }, now, alive)).toBe("ask");
    for (const bad of [null, 7, {}, { ...doc, asOf: "x" }, { ...doc, instances: null }]) expect(statusFileVerdict(bad, now, alive)).toBe("ask");
  });

  test("the age is shown beyond a second, not below", () => {
    expect(ageNote(10_000, 10_900)).toBe("");
    expect(ageNote(10_000, 11_000)).toBe("");
    expect(ageNote(10_000, 12_345)).toBe(", as of 2.3 s ago");
  });
});
