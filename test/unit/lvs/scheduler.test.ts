import { describe, expect, test } from "bun:test";
import { CheckScheduler, type CheckTiming, type SchedulerAction } from "../../../src/lvs/scheduler.ts";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";

const T: CheckTiming = { delayLoopMs: 1000, warmupMs: 0, retry: 2, delayBeforeRetryMs: 300, timeoutMs: 500, startUp: true };

function runs(a: SchedulerAction[]) {
  return a.filter((x) => x.type === "run") as Extract<SchedulerAction, { type: "run" }>[];
}
function states(a: SchedulerAction[]) {
  return a.filter((x) => x.type === "state") as Extract<SchedulerAction, { type: "state" }>[];
}

describe("checker scheduler", () => {
  test("delay_loop: a passing check runs again delay_loop after its result", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    const [r1] = runs(s.tick(0));
    expect(r1).toEqual({ type: "run", id: 1, seq: 1, deadline: 500 });
    expect(s.result(1, 1, { ok: true }, 40)).toEqual([]); // already up: no state change
    expect(s.nextWakeup()).toBe(1040);
    expect(runs(s.tick(1039))).toEqual([]);
    expect(runs(s.tick(1040)).map((r) => r.seq)).toEqual([2]);
  });

  test("warmup: first run is delayed by a PRNG draw in [0, warmup), reproducible from the seed", () => {
    const firsts = (seed: number) => {
      const s = new CheckScheduler(mulberry32(seed));
      for (let i = 0; i < 50; i++) s.add(i, { ...T, warmupMs: 10_000 }, 100);
      const starts: number[] = [];
      for (let i = 0; i < 50; i++) {
        const at = s.nextWakeup()!;
        const r = runs(s.tick(at));
        for (const x of r) {
          starts.push(at);
          s.result(x.id, x.seq, { ok: true }, at); // pushes next run far away
        }
        if (starts.length >= 50) break;
      }
      return starts;
    };
    const a = firsts(7);
    expect(a.length).toBe(50);
    for (const t of a) {
      expect(t).toBeGreaterThanOrEqual(100);
      expect(t).toBeLessThan(10_100);
    }
    expect(new Set(a).size).toBeGreaterThan(40); // spread, not a thundering herd
    expect(firsts(7)).toEqual(a);
    expect(firsts(8)).not.toEqual(a);
  });

  test("retry: a failing up check is retried `retry` times delay_before_retry apart, then goes down", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    let now = 0;
    const downAt: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = runs(s.tick(now));
      expect(r.length).toBe(1);
      starts.push(now);
      now += 10;
      const st = states(s.result(1, r[0]!.seq, { ok: false, reason: "refused" }, now));
      if (st.length) downAt.push(now);
      now = s.nextWakeup()!;
    }
    // attempts at 0, 310, 620 (two retries), down after the third failure
    expect(starts.slice(0, 3)).toEqual([0, 310, 620]);
    expect(downAt).toEqual([630]);
    // after going down the next attempt waits delay_loop
    expect(starts[3]).toBe(1630);
  });

  test("retry: a check already down is not retried (keepalived: server known dead)", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, retry: 0, startUp: false }, 0);
    const r = runs(s.tick(0));
    expect(states(s.result(1, r[0]!.seq, { ok: false }, 5))).toEqual([]);
    expect(s.nextWakeup()).toBe(1005);
  });

  test("retry: one success during retries resets the counter and keeps the check up", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    let r = runs(s.tick(0));
    s.result(1, r[0]!.seq, { ok: false }, 1);
    r = runs(s.tick(s.nextWakeup()!));
    expect(s.result(1, r[0]!.seq, { ok: true }, 302)).toEqual([]);
    expect(s.isUp(1)).toBe(true);
    // two fresh retries are available again
    let now = s.nextWakeup()!;
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      r = runs(s.tick(now));
      const st = states(s.result(1, r[0]!.seq, { ok: false }, now));
      seen.push(st.length);
      now = s.nextWakeup()!;
    }
    expect(seen).toEqual([0, 0, 1]);
  });

  test("alpha: a check that starts down goes up on its first success", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, startUp: false }, 0);
    expect(s.isUp(1)).toBe(false);
    const r = runs(s.tick(0));
    expect(states(s.result(1, r[0]!.seq, { ok: true }, 3))).toEqual([{ type: "state", id: 1, up: true }]);
  });

  test("timeout: an attempt past its deadline is aborted, counts as a failure, and its late result is ignored", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, retry: 0 }, 0);
    const r = runs(s.tick(0));
    expect(s.nextWakeup()).toBe(500);
    const a = s.tick(500);
    expect(a).toEqual([
      { type: "abort", id: 1, seq: 1 },
      { type: "state", id: 1, up: false, reason: "timeout" },
    ]);
    expect(s.result(1, r[0]!.seq, { ok: true }, 501)).toEqual([]);
    expect(s.isUp(1)).toBe(false);
    expect(s.nextWakeup()).toBe(1500);
  });

  test("misc_dynamic: a weight change on a passing check is reported even while up", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    let r = runs(s.tick(0));
    expect(states(s.result(1, r[0]!.seq, { ok: true, weight: 5 }, 1))).toEqual([{ type: "state", id: 1, up: true, weight: 5 }]);
    r = runs(s.tick(s.nextWakeup()!));
    expect(states(s.result(1, r[0]!.seq, { ok: true, weight: 5 }, 1002))).toEqual([]);
    r = runs(s.tick(s.nextWakeup()!));
    expect(states(s.result(1, r[0]!.seq, { ok: true, weight: 2 }, 2003))).toEqual([{ type: "state", id: 1, up: true, weight: 2 }]);
  });

  test("remove: a removed check never runs and its results are ignored", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    s.add(2, T, 0);
    const r = runs(s.tick(0));
    expect(r.map((x) => x.id).sort()).toEqual([1, 2]);
    s.remove(1);
    expect(s.result(1, 1, { ok: false }, 1)).toEqual([]);
    s.result(2, 1, { ok: true }, 1);
    expect(runs(s.tick(5000)).map((x) => x.id)).toEqual([2]);
  });

  test("bad timing is rejected with the field named", () => {
    const s = new CheckScheduler(mulberry32(1));
    expect(() => s.add(1, { ...T, delayLoopMs: 0 }, 0)).toThrow(/delayLoopMs/);
    expect(() => s.add(1, { ...T, retry: -1 }, 0)).toThrow(/retry/);
    expect(() => s.add(1, { ...T, timeoutMs: 1.5 }, 0)).toThrow(/timeoutMs/);
    s.add(1, T, 0);
    expect(() => s.add(1, T, 0)).toThrow(/already/);
  });

  test("property: with random outcomes every run gets exactly one settle and at most one run is in flight per check", () => {
    const rnd = mulberry32(424242);
    const s = new CheckScheduler(mulberry32(99));
    const n = 20;
    for (let i = 0; i < n; i++) s.add(i, { ...T, warmupMs: 700, retry: i % 3, startUp: i % 2 === 0 }, 0);
    const inflight = new Map<number, number>();
    let now = 0;
    for (let step = 0; step < 3000; step++) {
      now += Math.floor(rnd() * 120);
      for (const a of s.tick(now)) {
        if (a.type === "run") {
          expect(inflight.has(a.id)).toBe(false);
          expect(a.deadline).toBe(now + T.timeoutMs);
          inflight.set(a.id, a.seq);
        } else if (a.type === "abort") {
          expect(inflight.get(a.id)).toBe(a.seq);
          inflight.delete(a.id);
        }
      }
      for (const [id, seq] of [...inflight]) {
        if (rnd() < 0.5) {
          s.result(id, seq, { ok: rnd() < 0.6 }, now);
          inflight.delete(id);
        }
      }
      const w = s.nextWakeup();
      expect(w === undefined || w >= 0).toBe(true);
    }
  });
});
