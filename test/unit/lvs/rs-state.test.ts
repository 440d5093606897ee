import { describe, expect, test } from "bun:test";
import { defaultCheckerCommon, defaultVirtualServer, type Checker, type RealServer, type VirtualServer } from "../../../src/config/model.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { desiredService } from "../../../src/lvs/desired.ts";

const tcp = (): Checker => ({ type: "TCP_CHECK", ...defaultCheckerCommon() });
function rs(i: number, extra: Partial<RealServer> = {}): RealServer {
  return { ip: `198.18.1.${i}`, port: 80, weight: 1, checkers: [tcp()], ...extra };
}
function vs(extra: Partial<VirtualServer> = {}): VirtualServer {
  return { ...defaultVirtualServer(), ip: "198.18.0.10", port: 80, delayLoopMs: 1000, lbAlgo: "wrr", realServers: [rs(1), rs(2), rs(3)], ...extra };
}
const dests = (v: VirtualServer, s: VirtualServerState) => desiredService(v, s).dests.map((d) => `${d.address}:${d.port}/${d.weight}`);

describe("real-server state", () => {
  test("failed real server is removed from the service and re-added on recovery", () => {
    const v = vs();
    const s = new VirtualServerState(v);
    expect(s.start()).toEqual([]);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/1", "198.18.1.2:80/1", "198.18.1.3:80/1"]);
    const a = s.checker(1, 0, false, undefined, "refused");
    expect(a).toEqual([{ type: "rs", vs: "198.18.0.10:80/TCP", rs: "198.18.1.2:80", alive: false, weight: 1, reason: "refused" }]);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/1", "198.18.1.3:80/1"]);
    s.checker(1, 0, true);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/1", "198.18.1.2:80/1", "198.18.1.3:80/1"]);
  });

  test("inhibit_on_failure: failed real server stays with weight 0", () => {
    const v = vs({ realServers: [rs(1, { weight: 3, inhibitOnFailure: true }), rs(2)] });
    const s = new VirtualServerState(v);
    s.start();
    s.checker(0, 0, false);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/0", "198.18.1.2:80/1"]);
    s.checker(0, 0, true);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/3", "198.18.1.2:80/1"]);
  });

  test("a real server is alive only while every one of its checkers is up", () => {
    const v = vs({ realServers: [rs(1, { checkers: [tcp(), { type: "MISC_CHECK", miscPath: "/bin/true", miscDynamic: false, ...defaultCheckerCommon() }] }), rs(2)] });
    const s = new VirtualServerState(v);
    s.checker(0, 1, false);
    expect(s.alive(0)).toBe(false);
    s.checker(0, 0, false);
    s.checker(0, 1, true);
    expect(s.alive(0)).toBe(false);
    s.checker(0, 0, true);
    expect(s.alive(0)).toBe(true);
  });

  test("a real server without checkers is always alive", () => {
    const v = vs({ realServers: [rs(1, { checkers: [] })] });
    const s = new VirtualServerState(v);
    expect(s.start()).toEqual([]);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/1"]);
  });

  test("notify_up/notify_down run on liveness transitions only", () => {
    const v = vs({ realServers: [rs(1, { notifyUp: "/up.sh a", notifyDown: "/down.sh b" }), rs(2)] });
    const s = new VirtualServerState(v);
    const down = s.checker(0, 0, false).filter((a) => a.type === "notify");
    expect(down).toEqual([{ type: "notify", event: "rs_down", script: "/down.sh b", vs: "198.18.0.10:80/TCP", rs: "198.18.1.1:80" }]);
    expect(s.checker(0, 0, false).filter((a) => a.type === "notify")).toEqual([]);
    const up = s.checker(0, 0, true).filter((a) => a.type === "notify");
    expect(up).toEqual([{ type: "notify", event: "rs_up", script: "/up.sh a", vs: "198.18.0.10:80/TCP", rs: "198.18.1.1:80" }]);
  });

  test("alpha: real servers start down and join after their first success", () => {
    const v = vs({ alpha: true, quorumDown: "/qd" });
    const s = new VirtualServerState(v);
    const a = s.start();
    expect(a).toContainEqual({ type: "notify", event: "quorum_down", script: "/qd", vs: "198.18.0.10:80/TCP" });
    expect(dests(v, s)).toEqual([]);
    s.checker(2, 0, true);
    expect(dests(v, s)).toEqual(["198.18.1.3:80/1"]);
  });

  test("sorry_server: replaces dests when every real server is down, leaves on recovery", () => {
    const v = vs({ sorryServer: { ip: "198.18.2.200", port: 1358 } });
    const s = new VirtualServerState(v);
    s.start();
    s.checker(0, 0, false);
    s.checker(1, 0, false);
    expect(dests(v, s)).toEqual(["198.18.1.3:80/1"]);
    const a = s.checker(2, 0, false);
    expect(a).toContainEqual({ type: "quorum", vs: "198.18.0.10:80/TCP", up: false, weight: 0, sorryActive: true });
    expect(dests(v, s)).toEqual(["198.18.2.200:1358/1"]);
    s.checker(1, 0, true);
    expect(dests(v, s)).toEqual(["198.18.1.2:80/1"]);
  });

  test("sorry_server_inhibit: the sorry server stays in the table at weight 0 while quorum holds", () => {
    const v = vs({ sorryServer: { ip: "198.18.2.200", port: 1358 }, sorryServerInhibit: true });
    const s = new VirtualServerState(v);
    s.start();
    expect(dests(v, s)).toContain("198.18.2.200:1358/0");
    for (let i = 0; i < 3; i++) s.checker(i, 0, false);
    expect(dests(v, s)).toEqual(["198.18.2.200:1358/1"]);
  });

  test("quorum: sorry_server replaces dests when alive weight < quorum - hysteresis", () => {
    const v = vs({
      quorum: 4, hysteresis: 1, quorumUp: "/qu", quorumDown: "/qd",
      sorryServer: { ip: "198.18.2.200", port: 1358 },
      realServers: [rs(1, { weight: 2 }), rs(2, { weight: 2 }), rs(3, { weight: 2 })],
    });
    const s = new VirtualServerState(v);
    expect(s.start()).toEqual([]); // 6 >= 4-1
    s.checker(0, 0, false); // 4: still >= 3
    expect(s.quorumUp).toBe(true);
    const lost = s.checker(1, 0, false); // 2 < 3
    expect(lost).toContainEqual({ type: "notify", event: "quorum_down", script: "/qd", vs: "198.18.0.10:80/TCP" });
    expect(s.quorumUp).toBe(false);
    // the one live real server leaves: the sorry server serves alone
    expect(dests(v, s)).toEqual(["198.18.2.200:1358/1"]);
  });

  test("quorum: hysteresis — regained only at alive weight >= quorum + hysteresis", () => {
    const v = vs({
      quorum: 3, hysteresis: 1, quorumUp: "/qu",
      realServers: [1, 2, 3, 4].map((i) => rs(i, { weight: 1 })),
    });
    const s = new VirtualServerState(v);
    s.start(); // 4 alive
    s.checker(0, 0, false); // 3 >= 2
    s.checker(1, 0, false); // 2 >= 2
    expect(s.quorumUp).toBe(true);
    s.checker(2, 0, false); // 1 < 2 → lost
    expect(s.quorumUp).toBe(false);
    // without a sorry server the remaining live server stays in the table
    expect(dests(v, s)).toEqual(["198.18.1.4:80/1"]);
    expect(s.checker(2, 0, true).some((a) => a.type === "quorum")).toBe(false); // 2 < 4
    expect(s.checker(1, 0, true).some((a) => a.type === "quorum")).toBe(false); // 3 < 4
    const back = s.checker(0, 0, true); // 4 >= 4
    expect(back).toContainEqual({ type: "quorum", vs: "198.18.0.10:80/TCP", up: true, weight: 4, sorryActive: false });
    expect(back).toContainEqual({ type: "notify", event: "quorum_up", script: "/qu", vs: "198.18.0.10:80/TCP" });
  });

  test("misc_dynamic weights count toward quorum and set the dest weight", () => {
    const v = vs({ quorum: 5, realServers: [rs(1, { weight: 1 })], sorryServer: { ip: "198.18.2.200", port: 80 } });
    const s = new VirtualServerState(v);
    s.start(); // 1 < 5: quorum lost at start
    expect(s.quorumUp).toBe(false);
    const a = s.checker(0, 0, true, 7);
    expect(a).toContainEqual({ type: "rs", vs: "198.18.0.10:80/TCP", rs: "198.18.1.1:80", alive: true, weight: 7 });
    expect(s.quorumUp).toBe(true);
    expect(dests(v, s)).toEqual(["198.18.1.1:80/7"]);
  });

  test("omega: shutdown runs notify_down for live servers and quorum_down; without omega nothing", () => {
    const base = { realServers: [rs(1, { notifyDown: "/d1" }), rs(2, { notifyDown: "/d2" })], quorumDown: "/qd" };
    const withOmega = new VirtualServerState(vs({ ...base, omega: true }));
    withOmega.start();
    withOmega.checker(1, 0, false);
    expect(withOmega.shutdown().map((a) => a.type === "notify" && a.script)).toEqual(["/d1", "/qd"]);
    const without = new VirtualServerState(vs(base));
    without.start();
    expect(without.shutdown()).toEqual([]);
  });

  test("reload: carried checker verdicts, dynamic weights and quorum state are kept without notifications", () => {
    const v = vs({ quorumDown: "/qd", quorumUp: "/qu", sorryServer: { ip: "198.18.2.200", port: 80 } });
    const s = new VirtualServerState(v, {
      checkerUp: (r) => (r === 2 ? undefined : false), // rs 0 and 1 were down; rs 2 is new
      dynamicWeight: (r) => (r === 2 ? undefined : 9),
      quorumUp: false,
    });
    expect([s.alive(0), s.alive(1), s.alive(2)]).toEqual([false, false, true]);
    expect(s.weight(0)).toBe(9);
    // the new server restores quorum: one transition, from the carried state
    expect(s.start()).toContainEqual({ type: "notify", event: "quorum_up", script: "/qu", vs: "198.18.0.10:80/TCP" });
    const again = new VirtualServerState(v, { checkerUp: () => true, dynamicWeight: () => undefined, quorumUp: true });
    expect(again.start()).toEqual([]);
  });

  test("bad quorum/hysteresis and unknown checker indexes give clear errors", () => {
    expect(() => new VirtualServerState(vs({ quorum: 0 }))).toThrow(/quorum must be an integer >= 1/);
    expect(() => new VirtualServerState(vs({ hysteresis: -1 }))).toThrow(/hysteresis/);
    const s = new VirtualServerState(vs());
    expect(() => s.checker(9, 0, true)).toThrow(/no checker 0 on real server 9/);
  });

  test("property: random checker events keep the table consistent with quorum, sorry server and inhibit rules (seeded)", () => {
    let seed = 20261126;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rnd() * 6);
      const v = vs({
        quorum: 1 + Math.floor(rnd() * 6),
        hysteresis: Math.floor(rnd() * 3),
        sorryServer: rnd() < 0.6 ? { ip: "198.18.2.200", port: 80 } : undefined,
        sorryServerInhibit: rnd() < 0.3,
        inhibitOnFailure: rnd() < 0.3,
        alpha: rnd() < 0.3,
        realServers: Array.from({ length: n }, (_, i) => rs(i + 1, { weight: Math.floor(rnd() * 4), checkers: [tcp(), tcp()] })),
      });
      const s = new VirtualServerState(v);
      s.start();
      for (let step = 0; step < 60; step++) {
        const i = Math.floor(rnd() * n);
        const w = rnd() < 0.2 ? Math.floor(rnd() * 5) : undefined;
        s.checker(i, Math.floor(rnd() * 2), rnd() < 0.55, w);
        const live = v.realServers.reduce((sum, _r, k) => sum + (s.alive(k) ? s.weight(k) : 0), 0);
        // quorum band: up ⇒ live ≥ quorum − hysteresis (and > 0); down ⇒ live < quorum + hysteresis
        if (s.quorumUp) expect(live >= v.quorum - v.hysteresis && live > 0).toBe(true);
        else expect(live < v.quorum + v.hysteresis || live === 0).toBe(true);
        const d = desiredService(v, s).dests;
        const keys = d.map((x) => `${x.address}:${x.port}`);
        expect(new Set(keys).size).toBe(keys.length);
        const sorry = d.find((x) => x.address === "198.18.2.200");
        const serving = d.filter((x) => x.address !== "198.18.2.200" && x.weight > 0);
        if (v.sorryServer && !s.quorumUp) {
          expect(sorry?.weight).toBe(1);
          expect(serving).toEqual([]);
        } else {
          if (sorry) expect(sorry.weight).toBe(0);
          // every live server is in at its weight; a dead one is absent or at 0
          v.realServers.forEach((r, k) => {
            const e = d.find((x) => x.address === r.ip);
            if (s.alive(k)) expect(e?.weight).toBe(s.weight(k));
            else if (v.inhibitOnFailure) expect(e?.weight).toBe(0);
            else expect(e).toBeUndefined();
          });
        }
      }
    }
  });
});

describe("rs_init_notifies (keepalived ipwrapper.c init_service_rs)", () => {
  const up = (i: number) => rs(i, { notifyUp: `/bin/up ${i}` });
  test("off: a real server that starts alive runs no notify_up; on: each one alive with a notify_up runs it once", () => {
    const v = vs({ realServers: [up(1), rs(2), up(3)] });
    expect(new VirtualServerState(v).start(false)).toEqual([]);
    const s = new VirtualServerState(v);
    expect(s.start(true)).toEqual([
      { type: "notify", event: "rs_up", script: "/bin/up 1", vs: "198.18.0.10:80/TCP", rs: "198.18.1.1:80" },
      { type: "notify", event: "rs_up", script: "/bin/up 3", vs: "198.18.0.10:80/TCP", rs: "198.18.1.3:80" },
    ]);
    expect(s.start(true)).toEqual([]); // told once
  });

  test("alpha: servers start down and tell nothing at start; a reload tells only of servers it adds", () => {
    // (the quorum action is alpha's own: all servers down at start)
    expect(new VirtualServerState(vs({ alpha: true, realServers: [up(1)] })).start(true).filter((a) => a.type === "notify")).toEqual([]);
    const carried = { checkerUp: (i: number) => (i === 0 ? true : undefined), dynamicWeight: () => undefined };
    const s = new VirtualServerState(vs({ realServers: [up(1), up(2)] }), carried);
    expect(s.start(true)).toEqual([{ type: "notify", event: "rs_up", script: "/bin/up 2", vs: "198.18.0.10:80/TCP", rs: "198.18.1.2:80" }]);
  });
});
