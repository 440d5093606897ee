// The pure cores together under virtual time: scheduler decides, a scripted
// "network" answers, the real-server state and desired table follow. No
// sockets, no clock — the same inputs give the same table at the same instant.
import { describe, expect, test } from "bun:test";
import { defaultCheckerCommon, defaultVirtualServer, type VirtualServer } from "../../../src/config/model.ts";
import { CheckScheduler } from "../../../src/lvs/scheduler.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { desiredService } from "../../../src/lvs/desired.ts";
import { checkTiming, isScheduled } from "../../../src/lvs/checkers/timing.ts";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";

/** Runs virtual time in 1 ms steps; `healthy(rs, t)` decides each attempt, answered `rtt` ms later. */
function simulate(vs: VirtualServer, healthy: (rs: number, t: number) => boolean | "hang", untilMs: number, rtt = 2) {
  const sched = new CheckScheduler(mulberry32(3));
  const state = new VirtualServerState(vs);
  state.start();
  const ids: { rs: number; ck: number }[] = [];
  vs.realServers.forEach((rs, r) => rs.checkers.forEach((c, k) => {
    ids.push({ rs: r, ck: k });
    if (!isScheduled(c)) throw new Error("this pipeline schedules timed checks only");
    sched.add(ids.length - 1, checkTiming(vs, rs, c), 0);
  }));
  const pending: { at: number; id: number; seq: number; ok: boolean }[] = [];
  const changes: { t: number; dests: string[] }[] = [];
  const dests = () => desiredService(vs, state).dests.map((d) => `${d.address}/${d.weight}`);
  let last = dests().join();
  const feed = (t: number, acts: ReturnType<CheckScheduler["tick"]>) => {
    for (const a of acts) {
      if (a.type === "run") {
        const h = healthy(ids[a.id]!.rs, t);
        if (h !== "hang") pending.push({ at: t + rtt, id: a.id, seq: a.seq, ok: h });
      } else if (a.type === "state") {
        state.checker(ids[a.id]!.rs, ids[a.id]!.ck, a.up, a.weight);
        const now = dests().join();
        if (now !== last) {
          changes.push({ t, dests: dests() });
          last = now;
        }
      }
    }
  };
  for (let t = 0; t <= untilMs; t++) {
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (p.at === t) {
        pending.splice(i, 1);
        feed(t, sched.result(p.id, p.seq, { ok: p.ok }, t));
      }
    }
    feed(t, sched.tick(t));
  }
  return changes;
}

const common = { ...defaultCheckerCommon(), connectTimeoutMs: 300, retry: 2, delayBeforeRetryMs: 100 };
function vs(): VirtualServer {
  return {
    ...defaultVirtualServer(), ip: "198.18.0.1", port: 80, delayLoopMs: 1000,
    sorryServer: { ip: "198.18.9.9", port: 80 },
    realServers: [1, 2].map((i) => ({ ip: `198.18.1.${i}`, port: 80, weight: 1, checkers: [{ type: "TCP_CHECK" as const, ...common }] })),
  };
}

describe("scheduler + real-server state + desired table, virtual time", () => {
  test("a real server failing at t leaves the table after its retries, delay_before_retry apart", () => {
    // rs 0 fails from t=2500; attempts every 1002 ms (delay_loop after a 2 ms answer)
    const changes = simulate(vs(), (rs, t) => !(rs === 0 && t >= 2500), 6000);
    expect(changes.length).toBe(1);
    const c = changes[0]!;
    expect(c.dests).toEqual(["198.18.1.2/1"]);
    // first failing attempt at 3006, then 2 retries at +102 each: down when the third answer lands
    expect(c.t).toBe(3006 + 2 + 100 + 2 + 100 + 2);
  });

  test("a hanging real server counts its timeouts: removal after (retry+1) × timeout plus the retry delays", () => {
    const changes = simulate(vs(), (rs, t) => (rs === 0 && t >= 2500 ? "hang" : true), 6000);
    // attempt at 3006 times out at 3306, retry at 3406 → 3706, retry at 3806 → 4106
    expect(changes[0]).toEqual({ t: 4106, dests: ["198.18.1.2/1"] });
  });

  test("all real servers down brings the sorry server; the first recovery removes it", () => {
    const changes = simulate(vs(), (_rs, t) => t < 1500 || t >= 4000, 7000);
    const seq = changes.map((c) => c.dests);
    expect(seq.length).toBe(4);
    expect(seq[0]!.length).toBe(1); // one down, one still serving
    expect(seq[1]).toEqual(["198.18.9.9/1"]); // both down: the sorry server alone
    expect(seq[2]!.length).toBe(1);
    expect(seq[2]![0]).not.toBe("198.18.9.9/1"); // first recovery replaces it
    expect(seq[3]).toEqual(["198.18.1.1/1", "198.18.1.2/1"]);
    expect(changes[1]!.t).toBeLessThan(4000);
    expect(changes[2]!.t).toBeGreaterThanOrEqual(4000);
  });

  test("same inputs, same seed: identical transitions (determinism)", () => {
    const f = (rs: number, t: number) => ((t / 700) | 0) % 3 !== rs;
    expect(simulate(vs(), f, 20_000)).toEqual(simulate(vs(), f, 20_000));
  });
});
