// Wave planning (src/fleet/rollout/plan.ts), segments (segments.ts) and the
// --where selector (selector.ts), rule by rule.
import { describe, expect, test } from "bun:test";
import { cumulativeSizes, parseWaves, planWaves } from "../../../../src/fleet/rollout/plan.ts";
import { indexFleet } from "../../../../src/fleet/rollout/segments.ts";
import { parseTerm, selectTargets } from "../../../../src/fleet/rollout/selector.ts";
import { fleetOf, lvs, pair, status, vrrp, type Msg } from "./rollout-fixtures.ts";

function plan(msgs: Msg[], waves: string, targets?: string[]) {
  const f = fleetOf(msgs);
  return planWaves(targets ?? [...f.nodes.keys()].sort(), parseWaves(waves), f, indexFleet(f));
}

/** For each pair, the waves its two members landed in. */
function wavesOf(waves: string[][], node: string) {
  return waves.findIndex((w) => w.includes(node));
}

describe("--waves", () => {
  test("cumulative sizes: counts and percentages (rounded up), the last wave takes the rest", () => {
    expect(cumulativeSizes(parseWaves("1,10%,50%,100%"), 1000)).toEqual([1, 100, 500, 1000]);
    expect(cumulativeSizes(parseWaves("1,10%,50%,100%"), 4)).toEqual([1, 2, 4]);
    expect(cumulativeSizes(parseWaves("1"), 5)).toEqual([1, 5]);
    expect(cumulativeSizes(parseWaves("100%"), 3)).toEqual([3]);
    expect(cumulativeSizes(parseWaves("5,2"), 10)).toEqual([5, 10]);
  });

  test("bad sizes are refused with what is wrong", () => {
    expect(() => parseWaves("1,,2")).toThrow("expected sizes like 1,10%,50%,100%");
    expect(() => parseWaves("0")).toThrow("'0' is neither a count >= 1 nor a percentage");
    expect(() => parseWaves("150%")).toThrow("150% must be above 0% and at most 100%");
    expect(() => parseWaves("ten")).toThrow("neither a count");
  });
});

describe("routers that back each other up are never in the same wave", () => {
  test("a pair on one LAN and VRID: canary, then the partner in a later wave, even with one 100% wave", () => {
    const msgs = [...pair("a1", "a2", 1), ...pair("b1", "b2", 2), ...pair("c1", "c2", 3)];
    const p = plan(msgs, "100%");
    expect(p.waves).toEqual([["a1", "b1", "c1"], ["a2", "b2", "c2"]]);
    expect(p.notes).toEqual([
      "wave 1 has 3 node(s) instead of 6: the others back up a router already in it",
      "1 wave(s) added at the end: routers that back each other up are never changed in the same wave",
    ]);
    const c = plan(msgs, "1,50%,100%");
    expect(c.waves[0]).toEqual(["a1"]);
    for (const [x, y] of [["a1", "a2"], ["b1", "b2"], ["c1", "c2"]]) expect(wavesOf(c.waves, x)).not.toBe(wavesOf(c.waves, y));
    expect(c.waves.flat().sort()).toEqual(["a1", "a2", "b1", "b2", "c1", "c2"]);
  });

  test("the same VRID on another LAN is another virtual router: no constraint", () => {
    const p = plan([...pair("a1", "a2", 1, 51), ...pair("b1", "b2", 2, 51)], "100%");
    expect(p.waves).toEqual([["a1", "b1"], ["a2", "b2"]]);
  });

  test("another VRID on the same LAN is another virtual router", () => {
    const msgs = [status("x"), status("y"), vrrp("x", "VI_1", { vrid: 1, lan: "198.18.0.0/24" }), vrrp("y", "VI_2", { vrid: 2, lan: "198.18.0.0/24" })];
    expect(plan(msgs, "100%").waves).toEqual([["x", "y"]]);
  });

  test("evidence without a LAN: the same VIP set, the master a BACKUP hears, a unicast peer", () => {
    const vips = [status("p"), status("q"), vrrp("p", "VI_1", { vips: "198.18.5.1/32" }), vrrp("q", "VI_1", { vips: "198.18.5.1/32" })];
    expect(plan(vips, "100%").waves).toEqual([["p"], ["q"]]);
    const heard = [status("p"), status("q"), vrrp("p", "VI_1", { state: "MASTER", master: "198.18.6.1" }), vrrp("q", "VI_1", { master: "198.18.6.1" })];
    expect(plan(heard, "100%").waves).toEqual([["p"], ["q"]]);
    const uni = [status("p"), status("q"), vrrp("p", "VI_1", { state: "MASTER", master: "10.9.0.1" }), vrrp("q", "VI_1", { state: "FAULT", unicast: ["10.9.0.1"] })];
    expect(plan(uni, "100%").waves).toEqual([["p"], ["q"]]);
  });

  test("the relation is transitive: three routers of one virtual router take three waves", () => {
    const msgs = [status("r1"), status("r2"), status("r3"),
      vrrp("r1", "V", { state: "MASTER", master: "198.18.7.1" }), vrrp("r2", "V", { master: "198.18.7.1", lan: "198.18.7.0/24" }), vrrp("r3", "V", { lan: "198.18.7.0/24" })];
    expect(plan(msgs, "100%").waves).toEqual([["r1"], ["r2"], ["r3"]]);
  });

  test("sites that reuse addresses and VRIDs are told apart by vigil_fleet site", () => {
    const same = [...pair("ber1", "ber2", 1), ...pair("muc1", "muc2", 1)];
    expect(plan(same, "100%").waves.length).toBe(4); // without sites: one segment of four routers
    const sited = [...pair("ber1", "ber2", 1, 51, "berlin"), ...pair("muc1", "muc2", 1, 51, "munich")];
    expect(plan(sited, "100%").waves).toEqual([["ber1", "muc1"], ["ber2", "muc2"]]);
  });

  test("a segment of more routers than a VRRP segment holds is named, with the way out (site)", () => {
    const msgs: Msg[] = [];
    for (let i = 0; i < 6; i++) msgs.push(status(`br${i}`), vrrp(`br${i}`, "VI_1", { lan: "192.168.1.0/24", vips: "192.168.1.1/32" }));
    const p = plan(msgs, "100%");
    expect(p.waves.length).toBe(6);
    expect(p.notes[0]).toBe("6 targets look like routers of one segment (br0, br1, br2, ...): each gets a wave of its own. If they are separate sites that reuse addresses and VRIDs, set vigil_fleet site on each node");
  });

  test("a wave that cannot be filled leaves nodes for the next, which catches up", () => {
    const msgs = [...pair("a1", "a2", 1), status("s1"), status("s2")];
    const p = plan(msgs, "2,100%", ["a1", "a2", "s1", "s2"]);
    expect(p.waves).toEqual([["a1", "s1"], ["a2", "s2"]]);
    const q = plan(msgs, "3,100%", ["a1", "a2", "s1"]);
    expect(q.waves).toEqual([["a1", "s1"], ["a2"]]);
    expect(q.notes).toEqual([
      "wave 1 has 2 node(s) instead of 3: the others back up a router already in it",
      "1 wave(s) added at the end: routers that back each other up are never changed in the same wave",
    ]);
  });

  test("only targets count: a partner outside the targets is no constraint", () => {
    expect(plan(pair("a1", "a2", 1), "100%", ["a1"]).waves).toEqual([["a1"]]);
  });

  test("1000 nodes in 500 pairs plan in one pass per wave", () => {
    const msgs: Msg[] = [];
    for (let i = 0; i < 500; i++) msgs.push(...pair(`n${i}a`, `n${i}b`, i % 250, 1 + Math.floor(i / 250)));
    const p = plan(msgs, "1,10%,100%");
    expect(p.waves.flat().length).toBe(1000);
    expect(p.waves[0]!.length).toBe(1);
    for (let i = 0; i < 500; i++) expect(wavesOf(p.waves, `n${i}a`)).not.toBe(wavesOf(p.waves, `n${i}b`));
  });
});

describe("--where", () => {
  const f = fleetOf([
    status("gw1", { site: "berlin", serial: 4 }), vrrp("gw1", "VI_1", { state: "MASTER", vrid: 51 }), lvs("gw1", "198.18.0.100:80/TCP", "198.18.0.21:80", true),
    status("gw2", { site: "munich", serial: 4 }), vrrp("gw2", "VI_2", { state: "BACKUP", vrid: 52 }),
    status("gw3", { online: false }), vrrp("gw3", "VI_1", { vrid: 51 }),
    vrrp("gw4", "VI_1", { vrid: 51 }), // no status: retained status missing or late
  ]);
  const sel = (...terms: string[]) => selectTargets(f, terms.map(parseTerm));

  test("key=value over a node's instances; offline nodes left out unless a status term asks; unknown status kept", () => {
    expect(sel("vrrp.instance=VI_1")).toEqual({ targets: ["gw1", "gw4"], skippedOffline: ["gw3"] });
    expect(sel("vrrp.instance=VI_1", "status=offline")).toEqual({ targets: ["gw3"], skippedOffline: [] });
  });

  test("alternatives, globs, negation, several terms", () => {
    expect(sel("site=ber*|munich").targets).toEqual(["gw1", "gw2"]);
    expect(sel("vrrp.instance!=VI_1").targets).toEqual(["gw2"]);
    expect(sel("vrrp.vrid=51", "vrrp.state=MASTER").targets).toEqual(["gw1"]);
    expect(sel("lvs.rs=198.18.0.21:80").targets).toEqual(["gw1"]);
    expect(sel("node=gw*", "serial=4").targets).toEqual(["gw1", "gw2"]);
  });

  test("an explicit --node list is filtered but keeps offline nodes", () => {
    expect(selectTargets(f, [parseTerm("vrrp.vrid=51")], ["gw3", "gw2", "gw9"]).targets).toEqual(["gw3"]);
  });

  test("bad terms say what is wrong", () => {
    expect(() => parseTerm("vrrp.instance")).toThrow("expected KEY=VALUE or KEY!=VALUE");
    expect(() => parseTerm("vrrp.color=red")).toThrow("unknown key 'vrrp.color' (keys: node, site,");
    expect(() => parseTerm("node=a|")).toThrow("empty value");
  });
});
