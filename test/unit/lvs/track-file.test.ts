// track_file's core (keepalived 2.2.7 trackers/track_file.c): the number a file
// holds, what it means to a FILE_CHECK and to a VRRP tracker, the real-server
// weight it adds to, and the inotify watch that follows a real file.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultVirtualServer, type VirtualServer } from "../../../src/config/model.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { fileCheckVerdict, parseTrackFileValue, trackStatus, vrrpTrackFileStatus } from "../../../src/lvs/track-file.ts";
import { IN_CLOSE_WRITE, IN_DELETE, initTrackFile, parseInotifyEvents, readTrackFileValue, TrackFileWatch } from "../../../src/sys/track-file-watch.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-trackfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the value in a track file (strtol base 0, as keepalived)", () => {
  test("decimal, hex, octal, signs, blanks before, anything after the number", () => {
    expect(parseTrackFileValue("42\n")).toBe(42);
    expect(parseTrackFileValue("  -7 apples")).toBe(-7);
    expect(parseTrackFileValue("0x1f")).toBe(31);
    expect(parseTrackFileValue("010")).toBe(8);
    expect(parseTrackFileValue("+3")).toBe(3);
    expect(parseTrackFileValue("")).toBe(0);
    expect(parseTrackFileValue("up")).toBe(0);
    expect(parseTrackFileValue("2147483648")).toBe(2147483648);
  });
  test("out of keepalived's INT32_MIN..INT32_MAX+1 the change is ignored (undefined)", () => {
    expect(parseTrackFileValue("2147483649")).toBeUndefined();
    expect(parseTrackFileValue("-2147483649")).toBeUndefined();
    expect(parseTrackFileValue("99999999999999999999999")).toBeUndefined();
  });
});

describe("what a value means", () => {
  test("weight 0: non-zero is a failure, 0 is fine; reverse swaps them", () => {
    expect([trackStatus(0, 0, false), trackStatus(5, 0, false), trackStatus(0, 0, true), trackStatus(5, 0, true)]).toEqual([0, "fault", "fault", 0]);
  });
  test("otherwise value * weight (* -1 reversed), INT32_MIN and below a failure", () => {
    expect(trackStatus(3, 5, false)).toBe(15);
    expect(trackStatus(3, 5, true)).toBe(-15);
    expect(trackStatus(-2147483648, 1, false)).toBe("fault");
    expect(trackStatus(2147483647, 2147483647, false)).toBe(2147483647);
    expect(trackStatus(-2147483647, 2147483647, false)).toBe("fault");
  });
  test("FILE_CHECK: down on failure, else up with the status as a weight offset", () => {
    expect(fileCheckVerdict(4, 2, false)).toEqual({ up: true, offset: 8 });
    expect(fileCheckVerdict(1, 0, false)).toEqual({ up: false, offset: 0 });
  });
  test("VRRP: -254..253, -254 (or less) is FAULT", () => {
    expect(vrrpTrackFileStatus(10, 50, false)).toBe(253);
    expect(vrrpTrackFileStatus(-10, 50, false)).toBe("fault");
    expect(vrrpTrackFileStatus(-2, 50, false)).toBe(-100);
    expect(vrrpTrackFileStatus(1, 0, true)).toBe(0);
  });
});

describe("a real server's weight with offsets (keepalived effective_weight)", () => {
  const vs: VirtualServer = { ...defaultVirtualServer(), ip: "198.18.0.1", port: 80, realServers: [{ ip: "198.18.1.1", port: 80, weight: 10, checkers: [{ type: "FILE_CHECK", trackFile: "t", weightReverse: false }, { type: "FILE_CHECK", trackFile: "u", weightReverse: false }] }] };
  test("each FILE_CHECK's offset adds to the configured weight, clamped to 0..INT32_MAX", () => {
    const s = new VirtualServerState(vs, { checkerUp: () => true, dynamicWeight: () => undefined, offset: (_r, k) => (k === 0 ? 5 : -2) });
    expect(s.weight(0)).toBe(13);
    // weight 0 also drops the quorum (its total is the live weight)
    expect(s.checker(0, 1, true, undefined, undefined, -20)).toEqual([
      { type: "rs", vs: "198.18.0.1:80/TCP", rs: "198.18.1.1:80", alive: true, weight: 0 },
      { type: "quorum", vs: "198.18.0.1:80/TCP", up: false, weight: 0, sorryActive: false },
    ]);
    expect(s.weight(0)).toBe(0);
    s.checker(0, 1, true, undefined, undefined, 0);
    s.checker(0, 0, true, undefined, undefined, 2147483647);
    expect(s.weight(0)).toBe(2147483647);
    expect(s.checker(0, 0, false, undefined, "track_file t reads 1", 0)).toContainEqual({ type: "rs", vs: "198.18.0.1:80/TCP", rs: "198.18.1.1:80", alive: false, weight: 10, reason: "track_file t reads 1" });
  });
});

describe("reading and watching files", () => {
  test("a missing file reads 0; a FIFO without a writer does not block", () => {
    expect(readTrackFileValue(join(dir, "nothing"))).toBe(0);
    const fifo = join(dir, "fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(readTrackFileValue(fifo)).toBe(0);
  });

  test("inotify events are split as struct inotify_event", () => {
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, 3, true);
    dv.setUint32(4, IN_CLOSE_WRITE, true);
    dv.setUint32(12, 8, true);
    b.set(new TextEncoder().encode("weight"), 16);
    dv.setInt32(24, 3, true);
    dv.setUint32(28, IN_DELETE, true);
    dv.setUint32(36, 0, true);
    expect(parseInotifyEvents(b, 40)).toEqual([{ wd: 3, mask: IN_CLOSE_WRITE, name: "weight" }, { wd: 3, mask: IN_DELETE, name: "" }]);
    expect(parseInotifyEvents(b, 20)).toEqual([]);
  });

  test("the watch reports a value once written and closed, 0 when deleted or moved away, a file moved in", async () => {
    const d = join(dir, "w");
    mkdirSync(d);
    writeFileSync(join(d, "a"), "5\n");
    const seen: [string, number][] = [];
    const w = new TrackFileWatch((n, v) => seen.push([n, v]), (m) => seen.push([m, -1]), 60_000);
    try {
      expect(w.set([{ name: "a", file: join(d, "a") }, { name: "b", file: join(d, "b") }])).toEqual(new Map([["a", 5], ["b", 0]]));
      writeFileSync(join(d, "a"), "7\n");
      writeFileSync(join(d, "b"), "0x10");
      writeFileSync(join(d, "other"), "9");
      w.tick();
      expect(seen).toEqual([["a", 7], ["b", 16]]);
      unlinkSync(join(d, "a"));
      renameSync(join(d, "other"), join(d, "b"));
      w.tick();
      expect(seen.slice(2)).toEqual([["a", 0], ["b", 9]]);
      renameSync(join(d, "b"), join(d, "gone"));
      w.tick();
      expect(seen.slice(4)).toEqual([["b", 0]]);
      // the same value again is no change
      writeFileSync(join(d, "a"), "0");
      w.tick();
      expect(seen.length).toBe(5);
    } finally {
      w.stop();
    }
  });

  test("a directory that appears later is watched from then on", async () => {
    const d = join(dir, "later");
    const seen: [string, number][] = [];
    const w = new TrackFileWatch((n, v) => seen.push([n, v]), () => {}, 60_000);
    try {
      expect(w.set([{ name: "x", file: join(d, "x") }])).toEqual(new Map([["x", 0]]));
      mkdirSync(d);
      writeFileSync(join(d, "x"), "3");
      for (let i = 0; i < 10; i++) w.tick(); // the missing directory is looked for every 10 ticks
      expect(seen).toEqual([["x", 3]]);
    } finally {
      w.stop();
    }
  });

  test("init_file: created when missing, overwritten only with overwrite and never on a reload", () => {
    const f = join(dir, "init");
    const t = { name: "i", file: f, weight: 1, weightReverse: false, initFile: { value: 4, overwrite: false } };
    expect(initTrackFile(t, false)).toBeUndefined();
    expect(readFileSync(f, "utf8")).toBe("4\n");
    writeFileSync(f, "9\n");
    expect(initTrackFile(t, false)).toBeUndefined();
    expect(readFileSync(f, "utf8")).toBe("9\n");
    const o = { ...t, initFile: { value: -1, overwrite: true } };
    expect(initTrackFile(o, true)).toBeUndefined();
    expect(readFileSync(f, "utf8")).toBe("9\n");
    expect(initTrackFile(o, false)).toBeUndefined();
    expect(readFileSync(f, "utf8")).toBe("-1\n");
    expect(initTrackFile({ ...o, file: dir }, false)).toBe(`track_file i: cannot initialise ${dir}, it is not a regular file`);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(initTrackFile({ ...t, file: join(dir, "no/such/dir/f") }, false)).toMatch(/^track_file i: cannot create .*no\/such\/dir\/f: /);
  });
});
