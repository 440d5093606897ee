import { describe, expect, test } from "bun:test";
import { monotonicNs, NS_PER_MS, sleepUntil } from "../../../src/sys/clock.ts";
import { PeriodicSchedule } from "../../../src/sys/periodic.ts";
import { CLOCK_MONOTONIC } from "../../../src/sys/abi.ts";
import { libc } from "../../../src/sys/libc.ts";

describe("CLOCK_MONOTONIC", () => {
  test("monotonicNs never goes backwards over 10 000 reads", () => {
    let prev = monotonicNs();
    for (let i = 0; i < 10_000; i++) {
      const t = monotonicNs();
      expect(t >= prev).toBe(true);
      prev = t;
    }
  });

  test("decodes the timespec the same way as an independent BigInt64 read of clock_gettime", () => {
    const ts = new BigInt64Array(2);
    const a = monotonicNs();
    expect(libc.symbols.clock_gettime(CLOCK_MONOTONIC, ts)).toBe(0);
    const b = monotonicNs();
    const ref = Number(ts[0] * 1_000_000_000n + ts[1]);
    // Doubles hold the ns count exactly below 2^53 (≈104 days of uptime); allow 1 ulp above.
    const ulp = ref > 2 ** 53 ? ref / 2 ** 52 : 0;
    expect(ref).toBeGreaterThanOrEqual(a - ulp);
    expect(ref).toBeLessThanOrEqual(b + ulp);
  });

  test("returns an integer number of nanoseconds, not a BigInt", () => {
    const t = monotonicNs();
    expect(typeof t).toBe("number");
    expect(Number.isInteger(t)).toBe(true);
  });
});

describe("sleepUntil (clock_nanosleep TIMER_ABSTIME)", () => {
  test("never returns before the absolute deadline", () => {
    for (let i = 0; i < 20; i++) {
      const deadline = monotonicNs() + 1 * NS_PER_MS;
      sleepUntil(deadline);
      expect(monotonicNs()).toBeGreaterThanOrEqual(deadline);
    }
  });

  test("a deadline in the past returns at once without error", () => {
    expect(() => sleepUntil(monotonicNs() - 5 * NS_PER_MS)).not.toThrow();
    expect(() => sleepUntil(0)).not.toThrow();
  });

  test("rejects NaN, negative and infinite deadlines with a clear error", () => {
    expect(() => sleepUntil(Number.NaN)).toThrow(/not a finite non-negative/);
    expect(() => sleepUntil(-1)).toThrow(/not a finite non-negative/);
    expect(() => sleepUntil(Infinity)).toThrow(/not a finite non-negative/);
  });
});

describe("PeriodicSchedule", () => {
  test("deadlines stay on the start + k·period grid whatever the wake-up latency", () => {
    const period = 2 * NS_PER_MS;
    const start = monotonicNs() + period;
    const s = new PeriodicSchedule(period, start);
    for (let k = 1; k <= 10; k++) {
      const late = s.waitNext();
      expect(late).toBeGreaterThanOrEqual(0);
      expect((s.deadline - start) % period).toBe(0);
      expect(s.deadline).toBeGreaterThan(start + (k - 1) * period);
    }
  });

  test("after stalling several periods it skips and counts the missed slots instead of bursting", () => {
    const period = 1 * NS_PER_MS;
    const start = monotonicNs();
    const s = new PeriodicSchedule(period, start);
    sleepUntil(start + 5.5 * period); // stall: the next deadline is 5+ periods old
    s.waitNext();
    expect(s.missed).toBeGreaterThanOrEqual(5);
    expect(s.deadline).toBeGreaterThan(monotonicNs() - period);
    expect((s.deadline - start) % period).toBe(0);
  });

  test("reschedule sets a new period from a given time", () => {
    const s = new PeriodicSchedule(NS_PER_MS, 1000);
    s.reschedule(10 * NS_PER_MS, 5000);
    expect(s.deadline).toBe(5000 + 10 * NS_PER_MS);
    expect(() => s.reschedule(0)).toThrow(/must be positive/);
    expect(() => new PeriodicSchedule(-1)).toThrow(/must be positive/);
  });
});
