// When an instance that cannot start yet is tried again: the backoff schedule,
// which rtnetlink changes wake it, and when its reason is worth a log line.
import { describe, expect, test } from "bun:test";
import { retryDelayMs, START_RETRY, StartRetry } from "../../../src/daemon/start-retry.ts";

describe("backoff", () => {
  test("100 ms after the first failure, doubling, never above 5 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50, 10_000].map((n) => retryDelayMs(n))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    expect(START_RETRY).toEqual({ firstMs: 100, maxMs: 5000 });
  });

  test("a custom policy is honoured", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, { firstMs: 10, maxMs: 35 }))).toEqual([10, 20, 35, 35]);
  });

  test("each failure schedules the next attempt from its own time; due only from then on", () => {
    const r = new StartRetry();
    expect(r.due(1e12)).toBe(false); // nothing scheduled before the first attempt
    r.failed(1000, { reason: "x", interfaces: ["eth0"] }, []);
    expect(r.nextAt).toBe(1100);
    expect(r.due(1099)).toBe(false);
    expect(r.due(1100)).toBe(true);
    r.failed(1100, { reason: "x", interfaces: ["eth0"] }, []);
    expect(r.nextAt).toBe(1300);
    r.failed(1300, { reason: "x", interfaces: ["eth0"] }, []);
    expect(r.nextAt).toBe(1700);
    expect(r.failures).toBe(3);
  });
});

describe("which changes wake a waiting instance", () => {
  const links = [{ index: 1, name: "lo" }, { index: 7, name: "eth0" }, { index: 9, name: "br-lan" }];

  test("an interface that does not exist yet: only a link message carrying its name (created, or renamed to it)", () => {
    const r = new StartRetry();
    r.failed(0, { reason: "interface eth1 does not exist", interfaces: ["eth1"] }, links);
    expect(r.concerns({ kind: "link", index: 12, name: "eth1" })).toBe(true);
    expect(r.concerns({ kind: "link", index: 7, name: "eth0" })).toBe(false);
    expect(r.concerns({ kind: "address", index: 12 })).toBe(false);
  });

  test("an interface that exists: its link messages (up, carrier, deleted) and its address messages (added, left DAD)", () => {
    const r = new StartRetry();
    r.failed(0, { reason: "fe80::1 on eth0 is tentative", interfaces: ["eth0"] }, links);
    expect(r.concerns({ kind: "address", index: 7 })).toBe(true);
    expect(r.concerns({ kind: "link", index: 7, name: "eth0" })).toBe(true);
    // renamed away keeps the index: still ours until the next attempt looks again
    expect(r.concerns({ kind: "link", index: 7, name: "wan" })).toBe(true);
    expect(r.concerns({ kind: "address", index: 9 })).toBe(false);
    expect(r.concerns({ kind: "address", index: 1 })).toBe(false);
  });

  test("a VIP on another interface: that interface is watched too", () => {
    const r = new StartRetry();
    r.failed(0, { reason: "interface br-lan (of virtual address 198.18.1.1) does not exist", interfaces: ["eth0", "br-lan"] }, links);
    expect(r.concerns({ kind: "address", index: 9 })).toBe(true);
    expect(r.concerns({ kind: "link", index: 30, name: "br-lan" })).toBe(true);
  });

  test("a re-created interface (new index): the name still matches; the old index is dropped at the next failure", () => {
    const r = new StartRetry();
    r.failed(0, { reason: "interface eth0 has no carrier", interfaces: ["eth0"] }, links);
    expect(r.concerns({ kind: "link", index: 40, name: "eth0" })).toBe(true);
    r.failed(10, { reason: "interface eth0 has no carrier", interfaces: ["eth0"] }, [{ index: 40, name: "eth0" }]);
    expect(r.concerns({ kind: "address", index: 40 })).toBe(true);
    expect(r.concerns({ kind: "address", index: 7 })).toBe(false);
  });

  test("a relevant change makes it due at once and restarts the backoff", () => {
    const r = new StartRetry();
    for (let i = 0; i < 8; i++) r.failed(i * 10_000, { reason: "x", interfaces: ["eth0"] }, links);
    expect(r.nextAt - 70_000).toBe(5000);
    r.wake(70_050);
    expect(r.due(70_050)).toBe(true);
    r.failed(70_050, { reason: "x", interfaces: ["eth0"] }, links);
    expect(r.nextAt).toBe(70_150);
  });
});

describe("what is worth reporting", () => {
  test("the first reason and every change of reason, not the same reason again", () => {
    const r = new StartRetry();
    const seen = ["interface eth0 does not exist", "interface eth0 does not exist", "interface eth0 has no carrier", "fe80::1 on eth0 is tentative", "fe80::1 on eth0 is tentative"]
      .map((reason, i) => r.failed(i, { reason, interfaces: ["eth0"] }, []));
    expect(seen).toEqual([true, false, true, true, false]);
    expect(r.reason).toBe("fe80::1 on eth0 is tentative");
  });
});
