import { describe, expect, test } from "bun:test";
import { ActionList } from "../../../src/vrrp/actions.ts";
import { GarpScheduler } from "../../../src/vrrp/garp.ts";
import { DEFAULT_GARP, type GarpParams } from "../../../src/vrrp/params.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { fsm, step } from "./helpers.ts";

/** Runs the scheduler until `until`, returning [time, vip, count] for every message. */
function drive(g: Partial<GarpParams>, vips: number, until: number): [number, number, number][] {
  const s = new GarpScheduler({ ...DEFAULT_GARP, ...g }, vips);
  const out = new ActionList();
  const sent: [number, number, number][] = [];
  const collect = (t: number) => {
    for (let i = 0; i < out.length; i++) sent.push([t, out.a[i], out.b[i]]);
    out.clear();
  };
  s.start(0, out);
  collect(0);
  for (let n = 0; n < 10000 && s.deadline <= until; n++) {
    const t = s.deadline;
    s.fire(t, out);
    collect(t);
  }
  return sent;
}

describe("gratuitous ARP / NA schedule (keepalived semantics)", () => {
  test("garp_master_repeat burst on becoming master, again after garp_master_delay", () => {
    expect(drive({}, 2, 60000)).toEqual([[0, -1, 5], [5000, -1, 5]]);
  });
  test("garp_master_delay 0: no second burst", () => {
    expect(drive({ masterDelayMs: 0 }, 1, 60000)).toEqual([[0, -1, 5]]);
  });
  test("garp_master_refresh repeats garp_master_refresh_repeat rounds periodically", () => {
    expect(drive({ masterDelayMs: 0, masterRepeat: 2, masterRefreshMs: 10000, masterRefreshRepeat: 3 }, 1, 30000))
      .toEqual([[0, -1, 2], [10000, -1, 3], [20000, -1, 3], [30000, -1, 3]]);
  });
  test("vrrp_garp_interval spaces single messages, VIP by VIP, round by round", () => {
    expect(drive({ masterDelayMs: 0, masterRepeat: 2, intervalMs: 10 }, 3, 60000)).toEqual([
      [0, 0, 1], [10, 1, 1], [20, 2, 1], [30, 0, 1], [40, 1, 1], [50, 2, 1],
    ]);
  });
  test("vrrp_garp_interval: a burst queued during a burst keeps the spacing", () => {
    const s = new GarpScheduler({ ...DEFAULT_GARP, masterDelayMs: 0, masterRepeat: 1, intervalMs: 100 }, 1);
    const out = new ActionList();
    s.start(0, out);
    expect(s.deadline).toBe(0);
    s.fire(0, out);
    s.burst(50, 1, out); // must wait until 100, not go out at 50
    expect(s.deadline).toBe(100);
  });
  test("no VIPs: nothing is scheduled", () => {
    expect(drive({}, 0, 60000)).toEqual([]);
  });
  test("leaving master stops the schedule; the FSM ignores a stale garp timer", () => {
    const f = fsm({ priority: 255 });
    step(f, (x) => x.startup(0));
    expect(f.garp.deadline).toBe(5000);
    step(f, (x) => x.shutdown(100));
    expect(f.garp.deadline).toBe(Infinity);
    expect(f.state).toBe(State.Initialize);
    expect(step(f, (x) => x.timerExpired(5000, 2))).toEqual([]);
  });
  test("the FSM fires the delayed burst through tick()", () => {
    const f = fsm({ priority: 255, garp: { masterRefreshMs: 0 } });
    step(f, (x) => x.startup(0));
    const a = step(f, (x) => x.tick(5000));
    expect(a).toContainEqual({ kind: "SendGratuitous", vip: -1, count: 5 });
    expect(a).toContainEqual({ kind: "CancelTimer", timer: "garp" });
  });
});
