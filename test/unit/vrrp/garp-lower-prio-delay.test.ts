// keepalived 2.2.7's garp_lower_prio_delay (vrrp_instance) and
// vrrp_garp_lower_prio_delay (global_defs): a master hearing an advert of lower
// priority sends garp_lower_prio_repeat gratuitous ARPs/NAs at once and, with a
// delay, the same burst again that much later — one delayed burst per such advert
// (vrrp.c vrrp_state_master_rx arms a timer each time), none without a repeat
// count, none once the VIPs are gone. Defaults as vrrp_complete_init: the global
// vrrp_garp_lower_prio_* falls back to the global vrrp_garp_master_*, and
// vrrp_strict turns both off. In a sync group the other members announce too.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { ActionKind, State } from "../../../src/vrrp/actions.ts";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";
import { VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { LOWER_PRIO_MAX } from "../../../src/vrrp/garp.ts";
import { SyncGroup } from "../../../src/vrrp/sync-group.ts";
import { resolveParams, type GarpParams, type VrrpParams } from "../../../src/vrrp/params.ts";
import { readKeepalivedText } from "../daemon/plan-helpers.ts";

const SRC_LOW = parseIPv4("198.18.0.1");
const base: VrrpParams = {
  vrid: 7, version: 3, family: 4, priority: 200, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.70"], primary: "198.18.0.2",
};

/** A master (its takeover bursts done) with these GARP settings. */
function master(garp: Partial<GarpParams>, over: Partial<VrrpParams> = {}): VrrpFsm {
  const f = new VrrpFsm(resolveParams({ ...base, ...over, garp: { masterDelayMs: 0, ...garp } }));
  f.startup(0);
  f.tick(10_000);
  expect(f.state).toBe(State.Master);
  f.actions.clear();
  return f;
}

/** gratuitous rounds the FSM asked for since the last call */
function garps(f: VrrpFsm): number {
  let n = 0;
  for (let i = 0; i < f.actions.length; i++) if (f.actions.kind[i] === ActionKind.SendGratuitous) n += f.actions.b[i]!;
  f.actions.clear();
  return n;
}

/** [time, rounds] of every burst from `from` until `until`, firing the FSM's own deadlines */
function bursts(f: VrrpFsm, until: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < 100 && f.garp.deadline <= until; k++) {
    const t = f.garp.deadline;
    f.tick(t);
    const n = garps(f);
    if (n) out.push([t, n]);
  }
  return out;
}

describe("garp_lower_prio_delay: the lower-priority burst again that much later (keepalived vrrp_state_master_rx)", () => {
  test("garp_lower_prio_repeat at once, the same again garp_lower_prio_delay later, and nothing after", () => {
    const f = master({ lowerPrioRepeat: 2, lowerPrioDelayMs: 3000 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect(garps(f)).toBe(2);
    expect(f.nextDeadline()).toBe(11_100); // the answered advert rearmed Adver_Timer first; the burst is due at 13_100
    expect(bursts(f, 60_000)).toEqual([[13_100, 2]]);
  });

  test("each lower advert heard arms its own delayed burst (keepalived never cancels one)", () => {
    const f = master({ lowerPrioRepeat: 1, lowerPrioDelayMs: 3000 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    f.advertReceived(11_100, 100, 1000, SRC_LOW);
    expect(garps(f)).toBe(2);
    expect(f.garp.lowerPrioPending).toBe(2);
    expect(bursts(f, 60_000)).toEqual([[13_100, 1], [14_100, 1]]);
  });

  test("an equal priority from a lower address counts as lower, as in keepalived (addr_cmp < 0)", () => {
    const f = master({ lowerPrioRepeat: 1, lowerPrioDelayMs: 2000 }, { priority: 100 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect(garps(f)).toBe(1);
    expect(bursts(f, 60_000)).toEqual([[12_100, 1]]);
  });

  test("garp_lower_prio_repeat 0: no burst now and none later, whatever the delay", () => {
    const f = master({ lowerPrioRepeat: 0, lowerPrioDelayMs: 3000 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect([garps(f), f.garp.lowerPrioPending, f.garp.deadline]).toEqual([0, 0, Infinity]);
  });

  test("garp_lower_prio_delay 0: the burst now only", () => {
    const f = master({ lowerPrioRepeat: 3, lowerPrioDelayMs: 0 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect([garps(f), f.garp.lowerPrioPending, bursts(f, 60_000)]).toEqual([3, 0, []]);
  });

  test("stepping down before the delay runs out sends no delayed burst (keepalived: no VIPs set, nothing sent)", () => {
    const f = master({ lowerPrioRepeat: 2, lowerPrioDelayMs: 3000 });
    f.advertReceived(10_100, 100, 1000, SRC_LOW);
    garps(f);
    f.advertReceived(10_500, 250, 1000, SRC_LOW);
    expect(f.state).toBe(State.Backup);
    expect([f.garp.lowerPrioPending, bursts(f, 60_000)]).toEqual([0, []]);
  });

  test("a flood of lower adverts keeps at most LOWER_PRIO_MAX delayed bursts, the earliest ones", () => {
    const f = master({ lowerPrioRepeat: 1, lowerPrioDelayMs: 60_000 });
    for (let k = 0; k < LOWER_PRIO_MAX + 10; k++) f.advertReceived(10_100 + k, 100, 1000, SRC_LOW);
    expect(f.garp.lowerPrioPending).toBe(LOWER_PRIO_MAX);
    expect(f.garp.deadline).toBe(70_100);
  });
});

describe("in a vrrp_sync_group, the other members announce too (keepalived vrrp_state_master_rx)", () => {
  const pair = (a: Partial<GarpParams>, b: Partial<GarpParams>) => {
    const fa = master(a);
    const fb = master(b, { vrid: 8, vips: ["198.18.0.80"] });
    new SyncGroup("SG", [fa, fb]);
    return [fa, fb] as const;
  };
  test("a member hearing a lower priority has every other member with garp_lower_prio_repeat send its burst now and its delayed one", () => {
    const [fa, fb] = pair({ lowerPrioRepeat: 1, lowerPrioDelayMs: 2000 }, { lowerPrioRepeat: 3, lowerPrioDelayMs: 4000 });
    fa.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect([garps(fa), garps(fb)]).toEqual([1, 3]);
    expect(bursts(fb, 60_000)).toEqual([[14_100, 3]]);
  });
  test("none when the hearing member sends none itself (keepalived's group loop sits inside its own burst), nor from a member with garp_lower_prio_repeat 0", () => {
    const [fa, fb] = pair({ lowerPrioRepeat: 0 }, { lowerPrioRepeat: 3, lowerPrioDelayMs: 4000 });
    fa.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect([garps(fa), garps(fb), fb.garp.lowerPrioPending]).toEqual([0, 0, 0]);
    const [ga, gb] = pair({ lowerPrioRepeat: 2 }, { lowerPrioRepeat: 0, lowerPrioDelayMs: 4000 });
    ga.advertReceived(10_100, 100, 1000, SRC_LOW);
    expect([garps(ga), garps(gb), gb.garp.lowerPrioPending]).toEqual([2, 0, 0]);
  });
});

describe("garp_lower_prio_delay / vrrp_garp_lower_prio_delay in the config (keepalived 2.2.7 parser and vrrp_complete_init)", () => {
  const inst = (lines: string) => `vrrp_instance V {\n interface eth0\n virtual_router_id 7\n${lines}\n virtual_ipaddress {\n  198.18.0.70\n }\n}\n`;
  const garpOf = (text: string) => {
    const c = readKeepalivedText(text);
    return paramsFromConfig(c, c.instances[0]!, { primary: "198.18.0.2" }).garp!;
  };

  test("absent: the global vrrp_garp_lower_prio_*, else the global vrrp_garp_master_* — not the instance's garp_master_*", () => {
    expect(garpOf(inst(" garp_master_delay 9\n garp_master_repeat 7"))).toMatchObject({ lowerPrioDelayMs: 5000, lowerPrioRepeat: 5, masterDelayMs: 9000 });
    expect(garpOf(`global_defs {\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n}\n${inst("")}`)).toMatchObject({ lowerPrioDelayMs: 2000, lowerPrioRepeat: 3 });
    expect(garpOf(`global_defs {\n vrrp_garp_lower_prio_delay 8\n}\n${inst("")}`)).toMatchObject({ lowerPrioDelayMs: 8000 });
    expect(garpOf(`global_defs {\n vrrp_garp_lower_prio_delay 8\n}\n${inst(" garp_lower_prio_delay 0")}`)).toMatchObject({ lowerPrioDelayMs: 0 });
  });

  test("vrrp_strict: no lower-priority bursts at all, and one asked for is warned about at its line", () => {
    expect(garpOf(`global_defs {\n vrrp_strict\n}\n${inst("")}`)).toMatchObject({ lowerPrioDelayMs: 0, lowerPrioRepeat: 0 });
    const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": `global_defs {\n vrrp_strict\n}\n${inst(" garp_lower_prio_repeat 2\n garp_lower_prio_delay 4")}` }));
    const w = r.warnings.map((d) => `${d.loc?.line}: ${d.message}`);
    expect(w).toContainEqual(expect.stringMatching(/^7: vrrp_strict: garp_lower_prio_repeat is turned off/));
    expect(w).toContainEqual(expect.stringMatching(/^8: vrrp_strict: garp_lower_prio_delay is turned off/));
  });

  test("whole seconds 0..4294, as keepalived's read_unsigned_strvec: others are errors at the value's line and column", () => {
    for (const [line, want] of [
      [" garp_lower_prio_delay 1.5", /multiple of 1000|whole/],
      [" garp_lower_prio_delay 4295", /out of range/],
      [" garp_lower_prio_delay x", /expects seconds/],
    ] as const) {
      const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": inst(line) }));
      expect(r.config).toBeUndefined();
      expect(r.errors[0]!.message).toMatch(want);
      expect([r.errors[0]!.loc?.line, r.errors[0]!.loc?.col]).toEqual([4, 24]);
    }
    const g = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": `global_defs {\n vrrp_garp_lower_prio_delay 5000\n}\n${inst("")}` }));
    expect([g.errors[0]?.loc?.line, g.errors[0]?.loc?.col]).toEqual([2, 29]);
  });

  const dir = mkdtempSync(`${tmpdir()}/vigil-lpd-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("through keepalived.conf, JSON and CBOR unchanged, and keepalived -t accepts vigil's rewrite", () => {
    const c = readKeepalivedText(`global_defs {\n vrrp_garp_lower_prio_delay 7\n}\n${inst(" garp_lower_prio_delay 0")}`);
    expect([c.global.vrrpGarpLowerPrioDelayMs, c.instances[0]!.garpLowerPrioDelayMs]).toEqual([7000, 0]);
    const text = writeKeepalived(c);
    expect(text).toMatch(/^\s*vrrp_garp_lower_prio_delay 7$/m);
    expect(text).toMatch(/^\s*garp_lower_prio_delay 0$/m);
    expect(readKeepalivedText(text)).toEqual(c);
    const json = readJson(configToJson(c));
    const cbor = readCbor(configToCbor(c));
    expect([json.config, cbor.config]).toEqual([c, c]);
    writeFileSync(`${dir}/k.conf`, text.replace(/interface eth0/, "interface lo"));
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-l", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/lower_prio_delay|Unknown keyword/);
  });
});
