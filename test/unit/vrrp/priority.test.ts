import { describe, expect, test } from "bun:test";
import { PriorityTracker, ScriptState } from "../../../src/vrrp/priority.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { fsm, step } from "./helpers.ts";

describe("track_script rise/fall", () => {
  test("first result decides at once, then rise consecutive successes bring it up", () => {
    const s = new ScriptState({ weight: 0, rise: 3, fall: 2 });
    expect(s.up).toBeNull();
    expect(s.result(false)).toBe(true);
    expect(s.up).toBe(false);
    expect(s.result(true)).toBe(false);
    expect(s.result(true)).toBe(false);
    expect(s.result(true)).toBe(true);
    expect(s.up).toBe(true);
  });
  test("fall consecutive failures bring it down; a success in between resets the count", () => {
    const s = new ScriptState({ weight: 0, rise: 1, fall: 2 });
    s.result(true);
    expect(s.result(false)).toBe(false);
    expect(s.result(true)).toBe(false);
    expect(s.result(false)).toBe(false);
    expect(s.result(false)).toBe(true);
    expect(s.up).toBe(false);
  });
  test("init_fail starts down and needs rise successes", () => {
    const s = new ScriptState({ weight: 0, rise: 2, fall: 1, initFail: true });
    expect(s.up).toBe(false);
    expect(s.result(true)).toBe(false);
    expect(s.result(true)).toBe(true);
  });
  test("rise/fall below 1 are rejected with a clear error", () => {
    expect(() => new ScriptState({ weight: 0, rise: 0, fall: 1 })).toThrow(/rise 0/);
  });
});

describe("effective priority (keepalived rules)", () => {
  test("positive weight is added while up, negative weight subtracted while down", () => {
    const t = new PriorityTracker(100, [{ weight: 10 }, { weight: -30 }], [{ weight: 5, rise: 1, fall: 1 }]);
    expect(t.effective).toBe(110); // scripts unknown add nothing
    expect(t.scriptResult(0, true)).toBe(true);
    expect(t.effective).toBe(115);
    expect(t.setInterface(1, false)).toBe(true);
    expect(t.effective).toBe(85);
    expect(t.setInterface(0, false)).toBe(true);
    expect(t.effective).toBe(75);
    expect(t.setInterface(0, false)).toBe(false);
  });
  test("weight 0 (the default) turns a failure into FAULT", () => {
    const t = new PriorityTracker(100, [{ weight: 0 }], [{ weight: 0, rise: 1, fall: 1 }]);
    expect(t.faulted).toBe(false);
    t.setInterface(0, false);
    expect(t.faulted).toBe(true);
    t.setInterface(0, true);
    expect(t.faulted).toBe(false);
    t.scriptResult(0, false);
    expect(t.faulted).toBe(true);
  });
  test("reverse flips the direction", () => {
    const t = new PriorityTracker(100, [], [{ weight: -20, reverse: true, rise: 1, fall: 1 }]);
    t.scriptResult(0, true);
    expect(t.effective).toBe(80);
    t.scriptResult(0, false);
    expect(t.effective).toBe(100);
  });
  test("clamped to 1..254", () => {
    const lo = new PriorityTracker(10, [{ weight: -50 }]);
    lo.setInterface(0, false);
    expect(lo.effective).toBe(1);
    const hi = new PriorityTracker(250, [{ weight: 50 }]);
    expect(hi.effective).toBe(254);
  });
  test("RFC 5798 §5.2.4: the owner's 255 is not altered by weights (faults still apply)", () => {
    const t = new PriorityTracker(255, [{ weight: -50 }, { weight: 0 }]);
    t.setInterface(0, false);
    expect(t.effective).toBe(255);
    t.setInterface(1, false);
    expect(t.faulted).toBe(true);
  });
  test("bad weights are rejected", () => {
    expect(() => new PriorityTracker(100, [{ weight: 300 }])).toThrow(/weight 300/);
    expect(() => new PriorityTracker(0)).toThrow(/priority 0/);
  });
  test("tracker output drives the FSM: a failed weight-0 script puts a master in FAULT", () => {
    const f = fsm({ priority: 200 });
    const t = new PriorityTracker(200, [], [{ weight: 0, rise: 1, fall: 1 }]);
    step(f, (x) => x.startup(0));
    step(f, (x) => x.tick(f.masterDownAt));
    expect(f.state).toBe(State.Master);
    t.scriptResult(0, false);
    const a = step(f, (x) => x.applyTracking(10000, t.effective, t.faulted));
    expect(f.state).toBe(State.Fault);
    expect(a).toContainEqual({ kind: "SendAdvert", priority: 0 });
    t.scriptResult(0, true);
    step(f, (x) => x.applyTracking(11000, t.effective, t.faulted));
    expect(f.state).toBe(State.Backup);
  });
});

describe("setBase (reload changing the configured priority)", () => {
  test("tracking weights still apply on top of the new base; the result is clamped", () => {
    const t = new PriorityTracker(150, [{ weight: -20 }]);
    t.setInterface(0, false);
    expect(t.effective).toBe(130);
    expect(t.setBase(100)).toBe(true);
    expect(t.effective).toBe(80);
    expect(t.setBase(250)).toBe(true);
    t.setInterface(0, true);
    expect(t.effective).toBe(250);
  });
  test("RFC 5798 §5.2.4: the address owner's 255 is neither given nor taken by a reload in place", () => {
    expect(() => new PriorityTracker(255).setBase(100)).toThrow(RangeError);
    expect(() => new PriorityTracker(100).setBase(255)).toThrow(RangeError);
  });
});
