// keepalived 2.2.7's vrrp_startup_delay (global_defs): after the daemon's first
// start (not a reload) every instance is BACKUP as usual and takes the adverts it
// hears, but no Master_Down_Timer is counted before the delay ran out: one armed
// meanwhile counts from the delay's end (vrrp_scheduler.c vrrp_init_instance_sands),
// so nothing takes over before it — the address owner and `state MASTER` included.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import { VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { resolveParams, type VrrpParams } from "../../../src/vrrp/params.ts";
import { masterDownInterval, skewTime } from "../../../src/vrrp/timing.ts";
import { readKeepalivedText } from "../daemon/plan-helpers.ts";

const PEER = parseIPv4("198.18.0.9");
const base: VrrpParams = {
  vrid: 7, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.70"], primary: "198.18.0.2", garp: { masterDelayMs: 0 },
};
const fsm = (over: Partial<VrrpParams> = {}) => new VrrpFsm(resolveParams({ ...base, ...over }));
const MDI = masterDownInterval(3, 100, 1000, 3);
const HOLD = 5000;

describe("vrrp_startup_delay: no Master_Down_Timer counted before the delay ran out (keepalived vrrp_init_instance_sands)", () => {
  test("a backup started with the delay counts Master_Down_Interval from the delay's end, and takes over only then", () => {
    const f = fsm();
    f.startup(0, HOLD);
    expect([f.state, f.masterDownAt]).toEqual([State.Backup, HOLD + MDI]);
    f.tick(HOLD + MDI - 1);
    expect(f.state).toBe(State.Backup);
    f.tick(HOLD + MDI);
    expect(f.state).toBe(State.Master);
  });

  test("adverts heard during the delay are taken as usual (the master is followed) and rearm the timer from the delay's end; after it, from now", () => {
    const f = fsm();
    f.startup(0, HOLD);
    f.advertReceived(1000, 150, 1000, PEER);
    expect([f.state, f.haveMaster, f.masterPriority, f.masterDownAt]).toEqual([State.Backup, true, 150, HOLD + MDI]);
    f.advertReceived(HOLD + 1000, 150, 1000, PEER);
    expect(f.masterDownAt).toBe(HOLD + 1000 + MDI);
  });

  test("a priority-0 release during the delay: Skew_Time from the delay's end", () => {
    const f = fsm();
    f.startup(0, HOLD);
    f.advertReceived(1000, 0, 1000, PEER);
    expect(f.masterDownAt).toBe(HOLD + skewTime(3, 100, 1000));
  });

  test("the address owner waits in BACKUP until the delay ran out, then becomes MASTER; `state MASTER` likewise", () => {
    const owner = fsm({ priority: 255 });
    owner.startup(0, HOLD);
    expect(owner.state).toBe(State.Backup);
    owner.tick(HOLD - 1);
    expect(owner.state).toBe(State.Backup);
    owner.tick(HOLD);
    expect([owner.state, owner.transitions]).toEqual([State.Master, 2]);
    const eager = fsm({ initialState: "master" });
    eager.startup(0, HOLD);
    expect([eager.state, eager.masterDownAt]).toEqual([State.Backup, HOLD]);
  });

  test("an owner whose fault clears during the delay still waits for its end", () => {
    const owner = fsm({ priority: 255 });
    owner.faultRaised(0);
    owner.startup(0, HOLD);
    expect(owner.state).toBe(State.Fault);
    owner.faultCleared(1000);
    expect([owner.state, owner.masterDownAt]).toEqual([State.Backup, HOLD]);
  });

  test("an instance started after the delay (a reload's, or one whose interface came late) is not held", () => {
    const f = fsm();
    f.startup(HOLD + 2000, HOLD);
    expect(f.masterDownAt).toBe(HOLD + 2000 + MDI);
    const owner = fsm({ priority: 255 });
    owner.startup(HOLD, HOLD);
    expect(owner.state).toBe(State.Master);
  });
});

describe("vrrp_startup_delay in the config (keepalived 2.2.7: 0.001..4294.967 s)", () => {
  const INSTANCE = "vrrp_instance V {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  198.18.0.70\n }\n}\n";
  const conf = (v: string) => `global_defs {\n vrrp_startup_delay ${v}\n}\n${INSTANCE}`;
  test("read in seconds, ms resolution; out of range or finer than a millisecond is an error at the value", () => {
    expect(readKeepalivedText(conf("5.5")).global.vrrpStartupDelayMs).toBe(5500);
    for (const [v, want] of [["0", /out of range/], ["4295", /out of range/], ["0.0005", /finer than a millisecond/], ["-1", /expects seconds/]] as const) {
      const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": conf(v) }));
      expect(r.config).toBeUndefined();
      expect(r.errors[0]!.message).toMatch(want);
      expect([r.errors[0]!.loc?.line, r.errors[0]!.loc?.col]).toEqual([2, 21]);
    }
  });

  const dir = mkdtempSync(`${tmpdir()}/vigil-sd-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("through keepalived.conf, JSON and CBOR unchanged, and keepalived -t accepts vigil's rewrite", () => {
    const c = readKeepalivedText(conf("2.25"));
    const text = writeKeepalived(c);
    expect(text).toMatch(/^\s*vrrp_startup_delay 2\.25$/m);
    expect(readKeepalivedText(text)).toEqual(c);
    expect([readJson(configToJson(c)).config, readCbor(configToCbor(c)).config]).toEqual([c, c]);
    writeFileSync(`${dir}/k.conf`, text);
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-l", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/startup_delay|Unknown keyword/);
  });
});
