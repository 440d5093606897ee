// track_process and track_file in the priority tracker (keepalived 2.2.7
// vrrp_track.c / track_file.c): what reaches the FSM as priority or FAULT.
import { describe, expect, test } from "bun:test";
import { PriorityTracker } from "../../../src/vrrp/priority.ts";

describe("track_process weights", () => {
  test("weight 0: quorum lost is FAULT; unknown (before the first scan) adds nothing", () => {
    const t = new PriorityTracker(100, [], [], [{ weight: 0 }]);
    expect(t.faulted).toBe(false);
    expect(t.setProcess(0, false)).toBe(true);
    expect(t.faulted).toBe(true);
    t.setProcess(0, true);
    expect([t.faulted, t.effective]).toEqual([false, 100]);
  });
  test("positive weight adds while up, negative subtracts while down; reverse swaps up and down", () => {
    const t = new PriorityTracker(100, [], [], [{ weight: 20 }, { weight: -30 }, { weight: 5, reverse: true }]);
    t.setProcess(0, true);
    t.setProcess(1, false);
    t.setProcess(2, true);
    expect(t.effective).toBe(90);
    t.setProcess(2, false);
    expect(t.effective).toBe(95);
  });
});

describe("track_file values", () => {
  test("the number times the weight is added, clamped to 1..254", () => {
    const t = new PriorityTracker(100, [], [], [], [{ weight: -10 }]);
    t.setFile(0, 3);
    expect(t.effective).toBe(70);
    t.setFile(0, -20);
    expect(t.effective).toBe(254);
    t.setFile(0, 9);
    expect(t.effective).toBe(10);
  });
  test("a status of -254 or below is FAULT (keepalived's weight range)", () => {
    const t = new PriorityTracker(100, [], [], [], [{ weight: -1 }]);
    t.setFile(0, 253);
    expect(t.faulted).toBe(false);
    t.setFile(0, 254);
    expect(t.faulted).toBe(true);
  });
  test("weight 0: a non-zero number is FAULT, reversed a zero is", () => {
    const t = new PriorityTracker(100, [], [], [], [{ weight: 0 }, { weight: 0, reverse: true }]);
    t.setFile(1, 1);
    t.setFile(0, 0);
    expect(t.faulted).toBe(false);
    t.setFile(0, 5);
    expect(t.faulted).toBe(true);
    t.setFile(0, 0);
    t.setFile(1, 0);
    expect(t.faulted).toBe(true);
  });
  test("the address owner (255) keeps 255 whatever the weights; a fault still counts", () => {
    const t = new PriorityTracker(255, [], [], [{ weight: 0 }], [{ weight: -10 }]);
    t.setFile(0, 5);
    t.setProcess(0, true);
    expect([t.effective, t.faulted]).toEqual([255, false]);
    t.setProcess(0, false);
    expect(t.faulted).toBe(true);
  });
});
