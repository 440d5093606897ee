// keepalived interface_up_down_delays (keepalived.conf(5)): a link change reaches the
// instances only after it lasted the interface's down/up delay; a bounce shorter
// than that changes nothing; other interfaces pass straight through.
import { describe, expect, test } from "bun:test";
import { LinkDebounce } from "../../../src/vrrp/link-debounce.ts";

const delays = new Map([["eth0", { downDelayMs: 2000, upDelayMs: 500 }], ["eth9", { downDelayMs: 0, upDelayMs: 0 }]]);

describe("interface_up_down_delays", () => {
  test("a down shorter than down_delay changes nothing the instances see", () => {
    const d = new LinkDebounce((n) => delays.get(n));
    d.seed(2, true);
    expect(d.seen(1000, 2, "eth0", false)).toBe(false);
    expect(d.nextAt).toBe(3000);
    expect(d.seen(1500, 2, "eth0", true)).toBe(false);
    expect(d.nextAt).toBe(Infinity);
    expect(d.due(5000)).toEqual([]);
  });
  test("a down that lasts down_delay is shown when it runs out; the way back waits up_delay", () => {
    const d = new LinkDebounce((n) => delays.get(n));
    d.seed(2, true);
    expect(d.seen(1000, 2, "eth0", false)).toBe(false);
    expect(d.seen(1200, 2, "eth0", false)).toBe(false); // a repeated notification does not restart the delay
    expect(d.due(2999)).toEqual([]);
    expect(d.due(3000)).toEqual([[2, false]]);
    expect(d.seen(4000, 2, "eth0", true)).toBe(false);
    expect(d.nextAt).toBe(4500);
    expect(d.due(4500)).toEqual([[2, true]]);
  });
  test("an interface without a delay, a delay of 0, or one never seen before passes straight through", () => {
    const d = new LinkDebounce((n) => delays.get(n));
    expect(d.seen(0, 3, "eth1", false)).toBe(true);
    d.seed(4, true);
    expect(d.seen(0, 4, "eth9", false)).toBe(true);
    expect(d.seen(0, 5, "eth0", false)).toBe(true); // not seeded: its state is news
    expect(d.nextAt).toBe(Infinity);
  });
  test("a deleted link forgets its pending change", () => {
    const d = new LinkDebounce((n) => delays.get(n));
    d.seed(2, true);
    d.seen(0, 2, "eth0", false);
    d.forget(2);
    expect(d.nextAt).toBe(Infinity);
    expect(d.due(10_000)).toEqual([]);
  });
});
