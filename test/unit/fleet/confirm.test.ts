// Commit-confirm rules (src/fleet/confirm.ts), one by one, each with the case that
// must pass beside the case that must fail.
import { describe, expect, test } from "bun:test";
import { defaultInstance, defaultRealServer, defaultVirtualServer, emptyConfig, type Config } from "../../../src/config/model.ts";
import { judgeConfirm, type ConfirmInput } from "../../../src/fleet/confirm.ts";
import { NodeHealth } from "../../../src/fleet/node-health.ts";

function config(o: { prio?: number; vrid?: number; name?: string; rsPort?: number; vs?: boolean } = {}): Config {
  const c = emptyConfig();
  c.instances.push({ ...defaultInstance(o.name ?? "VI_1"), interface: "eth0", virtualRouterId: o.vrid ?? 51, priority: o.prio ?? 100, virtualIpaddress: [{ address: "198.18.0.100", prefix: 32 }] });
  if (o.vs !== false) {
    c.virtualServers.push({ ...defaultVirtualServer(), ip: "198.18.0.100", port: 80, realServers: [defaultRealServer("198.18.0.21", o.rsPort ?? 80), defaultRealServer("198.18.0.22", o.rsPort ?? 80)] });
  }
  return c;
}

/** A node whose health is driven by the test: `before` and `after` callbacks act on it around the apply. */
function judge(oldConfig: Config, newConfig: Config, before: (h: NodeHealth) => void, after: (h: NodeHealth) => void, t = { apply: 1000, end: 31_000 }): string[] {
  const h = new NodeHealth();
  h.useConfig(oldConfig);
  before(h);
  const snap = h.snapshot();
  h.useConfig(newConfig);
  after(h);
  const x: ConfirmInput = {
    before: snap, after: h.snapshot(), oldConfig, newConfig,
    conflicts: h.conflictsSince(t.apply), becameMasterAt: (i) => h.becameMasterAt(i),
  };
  return judgeConfirm(x);
}

const backup = (h: NodeHealth, name = "VI_1") => h.instance(name, { state: "BACKUP", master: "198.18.0.1" }, 0);
const master = (h: NodeHealth, at: number, name = "VI_1") => h.instance(name, { state: "MASTER", master: "198.18.0.2" }, at);

describe("commit-confirm", () => {
  test("an unchanged healthy node is confirmed", () => {
    expect(judge(config(), config({ prio: 90 }), backup, () => {})).toEqual([]);
  });

  test("new-fault: an instance FAULT after the apply that was not before fails; one that was FAULT already does not", () => {
    const r = judge(config(), config(), backup, (h) => h.instance("VI_1", { state: "FAULT", master: "", reason: "eth9 does not exist" }, 2000));
    expect(r).toEqual(["new-fault: VI_1 is FAULT (eth9 does not exist), was BACKUP"]);
    const faulty = (h: NodeHealth) => h.instance("VI_1", { state: "FAULT", master: "" }, 0);
    expect(judge(config(), config(), faulty, faulty)).toEqual([]);
  });

  test("new-fault: a new instance that comes up FAULT fails", () => {
    const c = config();
    c.instances.push({ ...defaultInstance("VI_2"), interface: "eth1", virtualRouterId: 52 });
    expect(judge(config(), c, backup, (h) => h.instance("VI_2", { state: "FAULT", master: "" }, 2000))).toEqual(["new-fault: VI_2 is FAULT, was not running"]);
  });

  test("vip-conflict: a claim during the window fails, except one inside the handover grace after becoming MASTER", () => {
    const inGrace = judge(config(), config({ prio: 150 }), backup, (h) => { master(h, 5000); h.conflict("VI_1", "198.18.0.100 is also claimed by MAC 02:00:00:00:00:01 (ARP) while we are MASTER", 5001); });
    expect(inGrace).toEqual([]);
    const late = judge(config(), config({ prio: 150 }), backup, (h) => { master(h, 5000); h.conflict("VI_1", "198.18.0.100 is also claimed by MAC 02:aa:00:00:00:09 (ARP) while we are MASTER", 9000); });
    expect(late).toEqual(["vip-conflict: VI_1: 198.18.0.100 is also claimed by MAC 02:aa:00:00:00:09 (ARP) while we are MASTER"]);
  });

  test("vip-conflict: one from before the apply does not count", () => {
    expect(judge(config(), config(), (h) => { master(h, 0); h.conflict("VI_1", "old", 500); }, () => {})).toEqual([]);
  });

  test("lost-peer: a BACKUP that becomes MASTER without a priority raise no longer hears its master", () => {
    expect(judge(config(), config(), backup, (h) => master(h, 5000))).toEqual(["lost-peer: VI_1 (VRID 51) no longer hears 198.18.0.1: MASTER now, BACKUP before"]);
  });

  test("lost-peer: a raised priority preempts (intended); a renamed instance on the same VRID is still held to its peers", () => {
    expect(judge(config(), config({ prio: 150 }), backup, (h) => master(h, 5000))).toEqual([]);
    const renamed = judge(config(), config({ name: "LAN" }), backup, (h) => master(h, 5000, "LAN"));
    expect(renamed).toEqual(["lost-peer: LAN (VRID 51) no longer hears 198.18.0.1: MASTER now, BACKUP before"]);
  });

  test("lost-peer: a BACKUP whose master's address was not reported yet still heard one", () => {
    const early = (h: NodeHealth) => h.instance("VI_1", { state: "BACKUP", master: "" }, 0);
    expect(judge(config(), config(), early, (h) => master(h, 5000))).toEqual(["lost-peer: VI_1 (VRID 51) no longer hears the master it heard: MASTER now, BACKUP before"]);
  });

  test("lost-peer: a VRID the new config drops, and a node that was MASTER before, owe nothing", () => {
    expect(judge(config(), config({ vrid: 60 }), backup, (h) => h.instance("VI_1", { state: "MASTER", master: "198.18.0.2" }, 5000))).toEqual([]);
    expect(judge(config(), config(), (h) => master(h, 0), (h) => master(h, 0))).toEqual([]);
  });

  test("checkers-down: every real server of a virtual server down after the apply fails; some up passes", () => {
    const allDown = judge(config(), config({ rsPort: 81 }), backup, (h) => {
      h.realServer("198.18.0.100:80/TCP", "198.18.0.21:81", false);
      h.realServer("198.18.0.100:80/TCP", "198.18.0.22:81", false);
    });
    expect(allDown).toEqual(["checkers-down: virtual server 198.18.0.100:80/TCP: all 2 real server(s) down, 2 were up"]);
    expect(judge(config(), config(), backup, (h) => h.realServer("198.18.0.100:80/TCP", "198.18.0.21:80", false))).toEqual([]);
  });

  test("checkers-down: a virtual server that had none up, or that the new config removes, does not count", () => {
    const down = (h: NodeHealth) => { backup(h); h.realServer("198.18.0.100:80/TCP", "198.18.0.21:80", false); h.realServer("198.18.0.100:80/TCP", "198.18.0.22:80", false); };
    expect(judge(config(), config(), down, down)).toEqual([]);
    expect(judge(config(), config({ vs: false }), backup, () => {})).toEqual([]);
  });

  test("every failed rule is named", () => {
    const r = judge(config(), config({ rsPort: 81 }), backup, (h) => {
      h.instance("VI_1", { state: "FAULT", master: "" }, 2000);
      h.realServer("198.18.0.100:80/TCP", "198.18.0.21:81", false);
      h.realServer("198.18.0.100:80/TCP", "198.18.0.22:81", false);
    });
    expect(r.map((x) => x.split(":")[0])).toEqual(["new-fault", "checkers-down"]);
  });
});
