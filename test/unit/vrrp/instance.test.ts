import { describe, expect, test } from "bun:test";
import {
  Drop, RxMeta, State, VrrpInstance, VrrpParamsError, paramsFromConfig, trackerFromConfig, parseIPv4,
} from "../../../src/vrrp/index.ts";
import { defaultInstance, defaultScript, emptyConfig } from "../../../src/config/model.ts";
import { BASE } from "./helpers.ts";
import { KA_V2_PASS, KA_V3_1S } from "./vectors.ts";

function meta(src: string): RxMeta {
  const m = new RxMeta();
  m.src.set(parseIPv4(src));
  m.dst.set(parseIPv4("224.0.0.18"));
  m.ttl = 255;
  return m;
}

describe("VrrpInstance wiring", () => {
  test("a keepalived advert with higher priority keeps our instance in Backup and names the master", () => {
    const inst = new VrrpInstance({ ...BASE, priority: 100 });
    inst.fsm.startup(0);
    expect(inst.receive(500, KA_V3_1S, 34, 12, meta("198.18.0.1"))).toBe(Drop.None);
    expect(inst.fsm.masterDownAt).toBe(500 + 3000 + 609.375);
    const s = inst.status();
    expect(s.state).toBe("BACKUP");
    expect(s.master).toBe("198.18.0.1");
    expect(s.masterPriority).toBe(150);
    expect(s.counters.accepted).toBe(1);
  });
  test("an invalid packet never reaches the FSM", () => {
    const inst = new VrrpInstance({ ...BASE, priority: 100 });
    inst.fsm.startup(0);
    inst.fsm.actions.clear();
    const m = meta("198.18.0.1");
    m.ttl = 64;
    expect(inst.receive(500, KA_V3_1S, 34, 12, m)).toBe(Drop.BadTtl);
    expect(inst.fsm.actions.length).toBe(0);
    expect(inst.fsm.masterDownAt).toBe(3000 + 609.375);
    expect(inst.status().counters.bad_ttl).toBe(1);
  });
});

describe("config model -> core parameters", () => {
  const cfg = emptyConfig();
  const vi = { ...defaultInstance("VI_1"), interface: "eth0", virtualRouterId: 51, priority: 100,
    authentication: { type: "PASS" as const, pass: "1111" },
    virtualIpaddress: [{ address: "198.18.0.100", prefix: 24 }] };
  test("keepalived's sample instance maps onto v2 PASS and validates keepalived's advert", () => {
    const p = paramsFromConfig(cfg, vi, { primary: "198.18.0.2", ifindex: 3 });
    expect(p).toMatchObject({ version: 2, family: 4, preempt: true, accept: true, authPass: "1111", initialState: "backup" });
    const inst = new VrrpInstance(p);
    const m = meta("198.18.0.1");
    m.ifindex = 3;
    expect(inst.receive(0, KA_V2_PASS, 34, 20, m)).toBe(Drop.None);
  });
  test("auth_type AH maps through (an initial MASTER cleared, as keepalived); mixed-family VIPs are rejected with a specific error", () => {
    const v2 = { ...cfg, global: { ...cfg.global, vrrpVersion: 2 as const } };
    expect(paramsFromConfig(v2, { ...vi, state: "MASTER", authentication: { type: "AH", pass: "x" } }, { primary: "198.18.0.2" }))
      .toMatchObject({ authPass: "x", authType: "AH", initialState: "backup" });
    expect(() => paramsFromConfig(cfg, { ...vi, virtualIpaddress: [...vi.virtualIpaddress, { address: "fd00::1", prefix: 128 }] }, { primary: "198.18.0.2" }))
      .toThrow(VrrpParamsError);
  });
  test("vrrp_strict turns accept off by default; nopreempt maps through; a non-owner's state MASTER starts BACKUP (keepalived: State MASTER must match being address owner)", () => {
    const strict = { ...cfg, global: { ...cfg.global, vrrpStrict: true, vrrpVersion: 3 as const } };
    const p = paramsFromConfig(strict, { ...vi, authentication: undefined, nopreempt: true, state: "MASTER" }, { primary: "198.18.0.2" });
    expect(p).toMatchObject({ accept: false, strict: true, preempt: false, initialState: "backup", version: 3 });
  });
  test("tracker: script weights from vrrp_script, overridden per track_script; unknown script named", () => {
    const c = { ...cfg, scripts: [{ ...defaultScript("chk", "/bin/true"), weight: -20, fall: 2 }] };
    const t = trackerFromConfig(c, { ...vi, trackScript: [{ script: "chk" }], trackInterface: [{ name: "eth1" }] });
    t.scriptResult(0, true);
    t.scriptResult(0, false);
    expect(t.effective).toBe(100);
    t.scriptResult(0, false);
    expect(t.effective).toBe(80);
    t.setInterface(0, false);
    expect(t.faulted).toBe(true);
    expect(() => trackerFromConfig(c, { ...vi, trackScript: [{ script: "nope" }] })).toThrow(/track_script nope/);
  });
  test("an instance built from config runs the RFC election", () => {
    const inst = new VrrpInstance(paramsFromConfig(cfg, { ...vi, priority: 255 }, { primary: "198.18.0.2" }));
    inst.fsm.startup(0);
    expect(inst.fsm.state).toBe(State.Master);
  });
});
