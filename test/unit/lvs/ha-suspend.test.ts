// ha_suspend: which virtual servers' checkers pause (pure decision), and what a
// paused checker does in the scheduler (keepalived check_api.c
// update_checker_activity / register_checkers_thread, check_tcp.c
// tcp_connect_thread: a disabled checker only re-arms its timer after delay_loop).
import { describe, expect, test } from "bun:test";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { memorySource } from "../../../src/config/source.ts";
import type { Config } from "../../../src/config/model.ts";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";
import { haSuspendAddress, suspendedServers, usesHaSuspend } from "../../../src/lvs/ha-suspend.ts";
import { CheckScheduler, type CheckTiming, type SchedulerAction } from "../../../src/lvs/scheduler.ts";

function conf(text: string): Config {
  const r = readKeepalived("/mem/k.conf", memorySource({ "/mem/k.conf": text }), {});
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config;
}

const vss = conf(`
virtual_server 198.18.0.10 80 {
  ha_suspend
  protocol TCP
  real_server 198.18.1.1 80 { TCP_CHECK { } }
}
virtual_server 198.18.0.11 80 {
  protocol TCP
  real_server 198.18.1.1 80 { TCP_CHECK { } }
}
virtual_server fd00:0:0::0:10 443 {
  ha_suspend
  protocol TCP
  real_server fd00::1:1 443 { TCP_CHECK { } }
}
virtual_server fwmark 7 {
  ha_suspend
  protocol TCP
  real_server 198.18.1.1 80 { TCP_CHECK { } }
}
`).virtualServers;

describe("ha_suspend decision", () => {
  test("keepalived update_checker_activity: an ha_suspend service is suspended exactly while its address is not local", () => {
    expect([...suspendedServers(vss, new Set())].sort()).toEqual(["198.18.0.10:80/TCP", "[fd00:0:0::0:10]:443/TCP"]);
    expect([...suspendedServers(vss, new Set(["198.18.0.10"]))]).toEqual(["[fd00:0:0::0:10]:443/TCP"]);
    expect([...suspendedServers(vss, new Set(["198.18.0.10", "fd00::10"]))]).toEqual([]);
  });

  test("a service without ha_suspend is never suspended, whatever the addresses", () => {
    expect(suspendedServers(vss, new Set()).has("198.18.0.11:80/TCP")).toBe(false);
  });

  test("keepalived: a fwmark service has no address and is never suspended (ha_suspend ignored)", () => {
    expect(haSuspendAddress(vss[3]!)).toBeUndefined();
    expect(suspendedServers(vss, new Set()).has("fwmark:7")).toBe(false);
  });

  test("IPv6: the config's spelling is compared in RFC 5952 form, as the kernel reports addresses", () => {
    expect(haSuspendAddress(vss[2]!)).toBe("fd00::10");
    expect(suspendedServers([vss[2]!], new Set(["FD00::10"])).size).toBe(1); // the watch reports canonical text only
    expect(suspendedServers([vss[2]!], new Set(["fd00::10"])).size).toBe(0);
  });

  test("another address of the same family, or the same digits as IPv4-mapped IPv6, does not count", () => {
    expect(suspendedServers([vss[0]!], new Set(["198.18.0.100", "::ffff:198.18.0.10"])).size).toBe(1);
  });

  test("the daemon watches addresses only when some service uses ha_suspend (a fwmark one does not)", () => {
    expect(usesHaSuspend(vss)).toBe(true);
    expect(usesHaSuspend([vss[1]!, vss[3]!])).toBe(false);
    expect(usesHaSuspend([])).toBe(false);
  });
});

const T: CheckTiming = { delayLoopMs: 1000, warmupMs: 0, retry: 1, delayBeforeRetryMs: 300, timeoutMs: 500, startUp: true };
const runs = (a: SchedulerAction[]) => a.filter((x) => x.type === "run") as Extract<SchedulerAction, { type: "run" }>[];

describe("suspended checks in the scheduler", () => {
  test("keepalived tcp_connect_thread: a suspended check starts no attempt and re-arms delay_loop later", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    s.setSuspended(1, true);
    expect(s.isSuspended(1)).toBe(true);
    for (let now = 0; now <= 5000; now += 1000) {
      expect(s.nextWakeup()).toBe(now);
      expect(s.tick(now)).toEqual([]);
    }
    expect(s.isUp(1)).toBe(true); // the verdict is untouched
  });

  test("resume: the check runs at its next due time, not at once (no burst of every check)", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    s.setSuspended(1, true);
    expect(s.tick(0)).toEqual([]); // re-armed at 1000
    s.setSuspended(1, false);
    expect(s.tick(999)).toEqual([]);
    expect(runs(s.tick(1000)).map((r) => r.seq)).toEqual([1]);
  });

  test("a down verdict stays down while suspended (the real server is not re-added without a check)", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, retry: 0 }, 0);
    const [r] = runs(s.tick(0));
    expect(s.result(1, r!.seq, { ok: false, reason: "refused" }, 10)).toEqual([{ type: "state", id: 1, up: false, reason: "refused" }]);
    s.setSuspended(1, true);
    for (let now = 1010; now <= 4010; now += 1000) expect(s.tick(now)).toEqual([]);
    expect(s.isUp(1)).toBe(false);
    s.setSuspended(1, false);
    const [r2] = runs(s.tick(5010));
    expect(s.result(1, r2!.seq, { ok: true }, 5020)).toEqual([{ type: "state", id: 1, up: true }]);
  });

  test("an attempt in flight when the check is suspended still settles (keepalived reads `enabled` only at connect)", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, retry: 0 }, 0);
    const [r] = runs(s.tick(0));
    s.setSuspended(1, true);
    expect(s.result(1, r!.seq, { ok: false }, 100)).toEqual([{ type: "state", id: 1, up: false }]);
    expect(s.tick(1100)).toEqual([]);
  });

  test("an attempt in flight past its deadline while suspended is aborted and counts as a timeout, as unsuspended", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, { ...T, retry: 0 }, 0);
    const [r] = runs(s.tick(0));
    s.setSuspended(1, true);
    expect(s.tick(500)).toEqual([{ type: "abort", id: 1, seq: r!.seq }, { type: "state", id: 1, up: false, reason: "timeout" }]);
    expect(s.tick(1500)).toEqual([]);
  });

  test("only the suspended check pauses: others keep their schedule", () => {
    const s = new CheckScheduler(mulberry32(1));
    s.add(1, T, 0);
    s.add(2, T, 0);
    s.setSuspended(1, true);
    expect(runs(s.tick(0)).map((r) => r.id)).toEqual([2]);
  });

  test("property: over random suspend/resume/result sequences, no run is ever emitted for a suspended check", () => {
    const rnd = mulberry32(0x5eed);
    for (let round = 0; round < 200; round++) {
      const s = new CheckScheduler(mulberry32(round));
      const n = 1 + Math.floor(rnd() * 5);
      for (let id = 0; id < n; id++) s.add(id, { ...T, warmupMs: 2000, retry: Math.floor(rnd() * 3) }, 0);
      const inflight = new Map<number, number>();
      let now = 0;
      for (let step = 0; step < 100; step++) {
        const id = Math.floor(rnd() * n);
        const roll = rnd();
        if (roll < 0.2) s.setSuspended(id, !s.isSuspended(id));
        else if (roll < 0.5 && inflight.has(id)) {
          s.result(id, inflight.get(id)!, { ok: rnd() < 0.5 }, now);
          inflight.delete(id);
        }
        now += Math.floor(rnd() * 700);
        for (const a of s.tick(now)) {
          if (a.type === "run") {
            expect(s.isSuspended(a.id)).toBe(false);
            inflight.set(a.id, a.seq);
          } else if (a.type === "abort") inflight.delete(a.id);
        }
      }
    }
  });
});
