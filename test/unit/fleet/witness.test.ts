import { describe, expect, test } from "bun:test";
import { snapshotKeyOf, SplitBrainWitness } from "../../../src/fleet/witness.ts";

const M = (vrid = 51, segment = "lan") => ({ state: "MASTER", segment, vrid });
const B = (vrid = 51, segment = "lan") => ({ state: "BACKUP", segment, vrid });

describe("split-brain witness", () => {
  test("raises when a live peer reports MASTER for our (segment, VRID) while we are MASTER", () => {
    const w = new SplitBrainWitness("gw-a");
    expect(w.ownState("VI_1", M())).toEqual([]);
    expect(w.peerState("gw-b", "VI_1", M())).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b"] }]);
    // Same report again: no new change.
    expect(w.peerState("gw-b", "VI_1", M())).toEqual([]);
  });
  test("no alarm for a peer MASTER of another VRID or another segment", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", M(51, "lan"));
    expect(w.peerState("gw-b", "X", M(52, "lan"))).toEqual([]);
    expect(w.peerState("gw-c", "Y", M(51, "dmz"))).toEqual([]);
  });
  test("no alarm while we are BACKUP; raised when we become MASTER; cleared when we step down", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", B());
    expect(w.peerState("gw-b", "VI_1", M())).toEqual([]);
    expect(w.ownState("VI_1", M())).toHaveLength(1);
    expect(w.ownState("VI_1", B())).toEqual([{ active: false, segment: "lan", vrid: 51, peers: [] }]);
  });
  test("a peer going offline (Last Will) clears the alarm, coming back re-raises it", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", M());
    w.peerState("gw-b", "VI_1", M());
    expect(w.peerOnline("gw-b", false)).toEqual([{ active: false, segment: "lan", vrid: 51, peers: [] }]);
    expect(w.peerOnline("gw-b", true)).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b"] }]);
  });
  test("peers list grows and reports a change; a cleared retained topic removes the peer", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", M());
    w.peerState("gw-b", "VI_1", M());
    expect(w.peerState("gw-c", "VI_9", M())).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b", "gw-c"] }]);
    w.peerState("gw-b", "VI_1", null);
    expect(w.peerState("gw-c", "VI_9", B())).toEqual([{ active: false, segment: "lan", vrid: 51, peers: [] }]);
  });
  test("our own reports arriving as a peer are ignored", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", M());
    expect(w.peerState("gw-a", "VI_1", M())).toEqual([]);
  });
  test("sites: identical branch configs (same VIPs, same VRID) at two sites are not a split brain; within one site they are", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", { ...M(), site: "paris" });
    expect(w.peerState("gw-b", "VI_1", { ...M(), site: "lyon" })).toEqual([]);
    expect(w.peerState("gw-c", "VI_1", M())).toEqual([]); // no site is a site of its own
    expect(w.peerState("gw-d", "VI_1", { ...M(), site: "paris" })).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-d"] }]);
    // a peer that moves to our site joins the alarm; one that leaves it drops out
    expect(w.peerState("gw-b", "VI_1", { ...M(), site: "paris" })).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b", "gw-d"] }]);
    expect(w.peerState("gw-d", "VI_1", { ...M(), site: "lyon" })).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b"] }]);
  });
  test("a peer's reports that change while it is offline count only from when it is back, as they stand then", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", M());
    w.peerState("gw-b", "VI_1", M());
    w.peerState("gw-b", "VI_2", M());
    expect(w.peerOnline("gw-b", false)).toEqual([{ active: false, segment: "lan", vrid: 51, peers: [] }]);
    expect(w.peerState("gw-b", "VI_1", B())).toEqual([]);
    expect(w.peerOnline("gw-b", false)).toEqual([]); // a repeated Last Will changes nothing
    // back: VI_2 still MASTER on our segment, VI_1 BACKUP
    expect(w.peerOnline("gw-b", true)).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-b"] }]);
    expect(w.peerState("gw-b", "VI_1", null)).toEqual([]);
    expect(w.peerState("gw-b", "VI_2", B())).toEqual([{ active: false, segment: "lan", vrid: 51, peers: [] }]);
  });
  test("1 000 peers, each MASTER of its own site: no alarm, and our alarm names only the one peer of our site", () => {
    const w = new SplitBrainWitness("gw-0");
    w.ownState("VI_1", { ...M(), site: "s0" });
    for (let i = 1; i <= 1000; i++) expect(w.peerState(`gw-${i}`, "VI_1", { ...M(), site: `s${i}` })).toEqual([]);
    expect(w.peerState("gw-1001", "VI_1", { ...M(), site: "s0" })).toEqual([{ active: true, segment: "lan", vrid: 51, peers: ["gw-1001"] }]);
  });
  test("peersToWatch: the MASTERs of our (site, segment, VRID), online or not, whatever our state; nobody else", () => {
    const w = new SplitBrainWitness("gw-a");
    w.ownState("VI_1", { ...B(), site: "paris" });
    w.peerState("gw-b", "VI_1", { ...M(), site: "paris" });
    w.peerState("gw-c", "VI_1", { ...M(), site: "lyon" });
    w.peerState("gw-d", "VI_1", { ...B(), site: "paris" });
    expect([...w.peersToWatch()]).toEqual(["gw-b"]);
    w.peerOnline("gw-b", false); // its Last Will: still watched, to see it come back
    expect([...w.peersToWatch()]).toEqual(["gw-b"]);
    w.peerState("gw-b", "VI_1", { ...B(), site: "paris" });
    expect([...w.peersToWatch()]).toEqual([]);
    w.ownState("VI_1", null);
    w.peerState("gw-d", "VI_1", { ...M(), site: "paris" });
    expect([...w.peersToWatch()]).toEqual([]); // no instance of ours there
  });
  test("snapshotKeyOf rejects reports without state/segment/vrid", () => {
    expect(snapshotKeyOf({ state: "MASTER", segment: "lan", vrid: 3, site: "paris" })).toEqual({ ...M(3), site: "paris" });
    expect(snapshotKeyOf({ state: "MASTER", segment: "lan", vrid: 3, priority: 100 })).toEqual(M(3));
    expect(snapshotKeyOf({ state: "MASTER", vrid: 3 })).toBeNull();
    expect(snapshotKeyOf("MASTER")).toBeNull();
    expect(snapshotKeyOf(null)).toBeNull();
    expect(snapshotKeyOf({ state: "MASTER", segment: "lan", vrid: 1.5 })).toBeNull();
  });
});

describe("hold-down (a preemption handover is not a split brain)", () => {
  const seg = { segment: "v4:198.18.0.100/24", vrid: 51 };
  test("two MASTERs are raised only once they have lasted the hold-down; a handover inside it raises nothing", () => {
    const w = new SplitBrainWitness("a", 2000);
    expect(w.ownState("VI_1", { state: "MASTER", ...seg }, 0)).toEqual([]);
    expect(w.peerState("b", "VI_1", { state: "MASTER", ...seg }, 10)).toEqual([]);
    expect(w.nextDeadline()).toBe(2010);
    expect(w.tick(1500)).toEqual([]);
    // the peer steps down within the hold-down: nothing was ever raised
    expect(w.peerState("b", "VI_1", { state: "BACKUP", ...seg }, 1600)).toEqual([]);
    expect(w.nextDeadline()).toBe(Infinity);
    expect(w.tick(5000)).toEqual([]);
  });
  test("a persistent dual MASTER is raised at the deadline and cleared at once", () => {
    const w = new SplitBrainWitness("a", 2000);
    w.ownState("VI_1", { state: "MASTER", ...seg }, 0);
    w.peerState("b", "VI_1", { state: "MASTER", ...seg }, 100);
    expect(w.tick(2100)).toEqual([{ active: true, ...seg, peers: ["b"] }]);
    expect(w.peerState("b", "VI_1", { state: "BACKUP", ...seg }, 2200)).toEqual([{ active: false, ...seg, peers: [] }]);
  });
  test("resetPeers forgets a peer that died while we were disconnected", () => {
    const w = new SplitBrainWitness("a");
    w.ownState("VI_1", { state: "MASTER", ...seg });
    expect(w.peerState("b", "VI_1", { state: "MASTER", ...seg })).toHaveLength(1);
    expect(w.resetPeers()).toEqual([{ active: false, ...seg, peers: [] }]);
  });
});
