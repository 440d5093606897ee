// ha_suspend in the checker runner: real TCP_CHECKs against loopback listeners
// that count connections. A second virtual server never suspended is the
// clock: every wait is counted in its checks, bounded, never in wall time.
import { afterAll, expect, test } from "bun:test";
import { readKeepalived } from "../../../../src/config/keepalived-reader.ts";
import type { VirtualServer } from "../../../../src/config/model.ts";
import { memorySource } from "../../../../src/config/source.ts";
import { LvsCheckRunner } from "../../../../src/lvs/checkers/runner.ts";
import type { CheckOutcome } from "../../../../src/lvs/scheduler.ts";

const listeners: { stop(force?: boolean): void }[] = [];
afterAll(() => {
  for (const l of listeners) l.stop(true);
});

function counted() {
  const c = { n: 0, port: 0 };
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open() { c.n++; }, data() {} } });
  listeners.push(l);
  c.port = l.port;
  return c;
}

function vss(text: string): VirtualServer[] {
  const r = readKeepalived("/mem/k.conf", memorySource({ "/mem/k.conf": text }), {});
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config.virtualServers;
}

const check = `TCP_CHECK {
      connect_timeout 1
      retry 0
    }`;
const vsText = (vip: string, ports: number[], haSuspend: boolean) => `
virtual_server ${vip} 80 {
  ${haSuspend ? "ha_suspend" : ""}
  delay_loop 0.1
  protocol TCP
  ${ports.map((p) => `real_server 127.0.0.1 ${p} { weight 1\n    ${check}\n  }`).join("\n  ")}
}`;

test("ha_suspend in the runner: suspended checks never connect; a reload keeps the suspension and starts new checkers suspended; resuming runs them", async () => {
  const a = counted(), a2 = counted(), clock = counted();
  const first = vss(vsText("198.18.0.10", [a.port], true) + vsText("198.18.0.11", [clock.port], false));
  const runner = new LvsCheckRunner(first, {}, { seed: 1, wakeGranularityMs: 0 });
  const ticks = async (k: number) => {
    const target = clock.n + k;
    for (let i = 0; i < 200 && clock.n < target; i++) await Bun.sleep(10);
    expect(clock.n).toBeGreaterThanOrEqual(target);
  };
  try {
    runner.setSuspended(new Set(["198.18.0.10:80/TCP"]));
    runner.start();
    expect(runner.isSuspended(0)).toBe(true);
    expect(runner.isSuspended(1)).toBe(false);
    await ticks(5);
    expect(a.n).toBe(0);

    // reload: the suspended service gains a real server, the old checker is kept (same config) and the new one starts suspended
    runner.reload(vss(vsText("198.18.0.10", [a.port, a2.port], true) + vsText("198.18.0.11", [clock.port], false)));
    await ticks(5);
    expect(a.n).toBe(0);
    expect(a2.n).toBe(0);

    runner.setSuspended(new Set());
    for (let i = 0; i < 200 && (a.n === 0 || a2.n === 0); i++) await Bun.sleep(10);
    expect(a.n).toBeGreaterThan(0);
    expect(a2.n).toBeGreaterThan(0);
  } finally {
    runner.stop();
  }
});

test("start() after a reload of a runner created empty schedules each checker once (the daemon's SIGHUP from a config without LVS)", async () => {
  // attempts in flight per real server: with a checker scheduled twice, two would overlap
  const inflight = new Map<string, number>();
  let maxOverlap = 0, attempts = 0;
  const slow = async (a: { rs: { port?: number } }): Promise<CheckOutcome> => {
    const k = String(a.rs.port);
    inflight.set(k, (inflight.get(k) ?? 0) + 1);
    maxOverlap = Math.max(maxOverlap, inflight.get(k)!);
    attempts++;
    await Bun.sleep(30);
    inflight.set(k, inflight.get(k)! - 1);
    return { ok: true };
  };
  const runner = new LvsCheckRunner([], {}, { seed: 1, wakeGranularityMs: 0, check: slow as never });
  try {
    runner.reload(vss(vsText("198.18.0.12", [1001, 1002], false)));
    runner.start();
    for (let i = 0; i < 300 && attempts < 6; i++) await Bun.sleep(10);
    expect(attempts).toBeGreaterThanOrEqual(6);
    expect(maxOverlap).toBe(1);
  } finally {
    runner.stop();
  }
});
