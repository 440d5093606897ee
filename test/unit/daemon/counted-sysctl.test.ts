// Counted sysctls (counted-sysctl.ts, as keepalived's vrrp_if_config.c counts the
// users of promote_secondaries and of a vmac parent's ARP knobs): the first user sets
// the knob, the last one puts back the value the first one read; a value someone else
// set meanwhile stays; a knob that cannot be read is warned about once and left alone.
import { describe, expect, test } from "bun:test";
import { CountedSysctl } from "../../../src/daemon/counted-sysctl.ts";
import { UseCounts } from "../../../src/daemon/use-counts.ts";
import type { Sysctl } from "../../../src/sys/sysctl.ts";
import { memorySysctl } from "./memory-sysctl.ts";

const P = "net/ipv4/conf/eth0/arp_announce";
const Q = "net/ipv4/conf/eth1/arp_announce";
const noWarning = (m: string) => { throw new Error(`unexpected warning: ${m}`); };

describe("UseCounts", () => {
  test("the first user's set-up runs once and its state goes to the last user only; keys are counted apart", () => {
    const uses = new UseCounts<string>();
    let setUps = 0;
    const setUp = () => `state ${++setUps}`;
    uses.join("a", setUp);
    uses.join("a", setUp);
    uses.join("b", setUp);
    expect([setUps, [...uses.users()]]).toEqual([2, [["a", 2], ["b", 1]]]);
    expect(uses.leave("a")).toBeNull();
    expect(uses.leave("a")).toEqual({ state: "state 1" });
    expect(uses.leave("a")).toBeNull();
    expect(uses.leave("never joined")).toBeNull();
    expect([...uses.users()]).toEqual([["b", 1]]);
    // after the last one left, the next user is a first one again
    uses.join("a", setUp);
    expect(uses.leave("a")).toEqual({ state: "state 3" });
  });

  test("a set-up that throws counts no user", () => {
    const uses = new UseCounts<number>();
    expect(() => uses.join("a", () => { throw new Error("no"); })).toThrow("no");
    expect(uses.users().size).toBe(0);
    uses.join("a", () => 7);
    expect(uses.leave("a")).toEqual({ state: 7 });
  });
});

describe("CountedSysctl", () => {
  test("the first user sets the knob, the last one puts back the value read before (not a fixed 0)", () => {
    const b = memorySysctl({ [P]: "1", [Q]: "0" });
    const knobs = new CountedSysctl("use_vmac");
    knobs.hold(P, "2", noWarning, b.sys);
    knobs.hold(P, "2", noWarning, b.sys);
    knobs.hold(Q, "2", noWarning, b.sys);
    expect([...knobs.held()]).toEqual([[P, 2], [Q, 1]]);
    knobs.release(P, noWarning, b.sys);
    expect(b.values.get(P)).toBe("2");
    knobs.release(P, noWarning, b.sys);
    knobs.release(Q, noWarning, b.sys);
    expect(b.writes).toEqual([`${P}=2`, `${Q}=2`, `${P}=1`, `${Q}=0`]);
    expect(knobs.held().size).toBe(0);
  });

  test("a knob already at the wanted value is neither written nor restored", () => {
    const b = memorySysctl({ [P]: "2" });
    const knobs = new CountedSysctl("use_vmac");
    knobs.hold(P, "2", noWarning, b.sys);
    b.values.set(P, "0"); // whoever set it takes it back while we run: still theirs
    knobs.release(P, noWarning, b.sys);
    expect([b.writes, b.values.get(P)]).toEqual([[], "0"]);
  });

  test("a value someone else set meanwhile stays: theirs is newer than ours", () => {
    const b = memorySysctl({ [P]: "0" });
    const knobs = new CountedSysctl("use_vmac");
    knobs.hold(P, "2", noWarning, b.sys);
    b.values.set(P, "1");
    knobs.release(P, noWarning, b.sys);
    expect([b.writes, b.values.get(P)]).toEqual([[`${P}=2`], "1"]);
  });

  test("a knob gone by the last release (its interface deleted) is not written", () => {
    const b = memorySysctl({ [P]: "0" });
    const knobs = new CountedSysctl("use_vmac");
    knobs.hold(P, "2", noWarning, b.sys);
    b.values.delete(P);
    knobs.release(P, noWarning, b.sys);
    expect(b.writes).toEqual([`${P}=2`]);
  });

  test("a knob that cannot be read is warned about once, by the first user, and never written", () => {
    const b = memorySysctl({});
    const warned: string[] = [];
    const knobs = new CountedSysctl("use_vmac");
    knobs.hold(P, "2", (m) => warned.push(m), b.sys);
    knobs.hold(P, "2", (m) => warned.push(m), b.sys);
    knobs.release(P, (m) => warned.push(m), b.sys);
    knobs.release(P, (m) => warned.push(m), b.sys);
    expect([warned, b.writes]).toEqual([["use_vmac: cannot read net.ipv4.conf.eth0.arp_announce; left as it is"], []]);
  });

  test("a knob that cannot be set is warned about and not restored; one that cannot be put back is warned about", () => {
    const warned: string[] = [];
    const knobs = new CountedSysctl("promote_secondaries");
    const readOnly: Sysctl = { read: () => "0", write: () => { throw new Error("EROFS"); } };
    knobs.hold(P, "1", (m) => warned.push(m), readOnly);
    knobs.release(P, (m) => warned.push(m), readOnly);
    expect(warned).toEqual(["promote_secondaries: cannot set net.ipv4.conf.eth0.arp_announce = 1: EROFS"]);
    warned.length = 0;
    const b = memorySysctl({ [P]: "0" });
    knobs.hold(P, "1", (m) => warned.push(m), b.sys);
    const lockedNow: Sysctl = { read: b.sys.read, write: () => { throw new Error("EPERM"); } };
    knobs.release(P, (m) => warned.push(m), lockedNow);
    expect(warned).toEqual(["promote_secondaries: cannot put net.ipv4.conf.eth0.arp_announce back to 0: EPERM"]);
  });
});
