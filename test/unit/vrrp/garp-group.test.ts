// keepalived 2.2.7's garp_group (top level) and the global vrrp_garp_interval /
// vrrp_gna_interval: the least time between two gratuitous ARPs (unsolicited NAs)
// on an interface, or on an aggregate of interfaces, whichever instance sends them
// (vrrp_arp.c send_gratuitous_arp/queue_garp, vrrp_scheduler.c vrrp_arp_thread,
// vrrp_if.c set_default_garp_delay). The lanes are src/vrrp/garp-pacing.ts; the
// wire is test/lab/vrrp-announce.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { GarpPacer, paceLaneFor, type PacedMessage } from "../../../src/vrrp/garp-pacing.ts";
import { readKeepalivedText } from "../daemon/plan-helpers.ts";

/** A VIP's message as the announcer makes it: records when it went out; `wanted` false = its instance left MASTER. */
function vipMessage(name: string, log: [number, string][], clock: { now: number }, wanted = () => true): PacedMessage {
  return { queued: false, send: () => (wanted() ? (log.push([clock.now, name]), true) : false) };
}

/** Runs the pacer's own deadlines up to `until`. */
function run(p: GarpPacer, clock: { now: number }, until: number): void {
  for (let k = 0; k < 1000 && p.deadline <= until; k++) {
    clock.now = p.deadline;
    p.fire(clock.now);
  }
}

describe("garp_group lanes: one spacing per interface (or aggregate) across instances", () => {
  test("two instances' GARPs on one interface leave at least garp_interval apart, in the order they asked", () => {
    const p = new GarpPacer();
    const lane = p.lane({ key: "group#1/4", intervalMs: 50 });
    const log: [number, string][] = [];
    const clock = { now: 1000 };
    const a = [vipMessage("A1", log, clock), vipMessage("A2", log, clock)];
    const b = [vipMessage("B1", log, clock)];
    // both instances take over in the same pass
    for (const m of [...a, ...b]) lane.offer(clock.now, m);
    run(p, clock, 10_000);
    expect(log).toEqual([[1000, "A1"], [1050, "A2"], [1100, "B1"]]);
  });

  test("a VIP already waiting is queued once (keepalived's pending flag): a burst of repeats leaves each VIP once more", () => {
    const p = new GarpPacer();
    const lane = p.lane({ key: "if:eth0/4", intervalMs: 20 });
    const log: [number, string][] = [];
    const clock = { now: 0 };
    const a1 = vipMessage("A1", log, clock);
    const a2 = vipMessage("A2", log, clock);
    for (let r = 0; r < 5; r++) for (const m of [a1, a2]) lane.offer(clock.now, m);
    expect(lane.waiting).toBe(2);
    run(p, clock, 10_000);
    expect(log).toEqual([[0, "A1"], [20, "A2"], [40, "A1"]]);
  });

  test("a waiting message whose instance left MASTER is dropped and hands its turn to the next", () => {
    const p = new GarpPacer();
    const lane = p.lane({ key: "if:eth0/4", intervalMs: 30 });
    const log: [number, string][] = [];
    const clock = { now: 0 };
    let aMaster = true;
    const a = vipMessage("A", log, clock, () => aMaster);
    const a2 = vipMessage("A2", log, clock, () => aMaster);
    const b = vipMessage("B", log, clock);
    for (const m of [a, a2, b]) lane.offer(0, m);
    aMaster = false;
    run(p, clock, 10_000);
    expect(log).toEqual([[0, "A"], [30, "B"]]);
    expect(p.deadline).toBe(Infinity);
  });

  test("a message sent without asking (garp_extra_if, keepalived's immediate send) makes the next one wait the interval", () => {
    const p = new GarpPacer();
    const lane = p.lane({ key: "if:eth0/4", intervalMs: 100 });
    const log: [number, string][] = [];
    const clock = { now: 500 };
    lane.sentAt(500);
    lane.offer(550, vipMessage("A", log, clock));
    run(p, clock, 10_000);
    expect(log).toEqual([[600, "A"]]);
  });

  test("a reload's plans find the same lane (its last message still counts) with the new interval", () => {
    const p = new GarpPacer();
    const l1 = p.lane({ key: "group#1/4", intervalMs: 100 });
    l1.sentAt(0);
    const l2 = p.lane({ key: "group#1/4", intervalMs: 40 });
    expect(l2).toBe(l1);
    expect(l2.intervalMs).toBe(40);
  });
});

describe("which lane a VIP's messages take (vrrp_if.c set_default_garp_delay, vrrp_parser.c garp_group_*)", () => {
  const cfg = readKeepalivedText([
    "global_defs {", " vrrp_garp_interval 0.01", " vrrp_gna_interval 0.02", "}",
    "garp_group {", " garp_interval 0.05", " interfaces {", "  eth1", "  eth2", " }", "}",
    "garp_group {", " gna_interval 0.3", " interface eth3", "}",
    "garp_group {", " garp_interval 0.07", " interface eth1", "}",
    "vrrp_instance V {", " interface eth0", " virtual_router_id 7", " use_vmac", " virtual_ipaddress {", "  198.18.0.70", "  198.18.1.70 dev eth1", "  198.18.2.70 dev eth2", " }",
    " virtual_ipaddress_excluded {", "  fd00::70 dev eth3", "  198.18.3.70 dev eth3", " }", "}", "",
  ].join("\n"));
  test("an aggregate shares one lane; an interface in no group takes the global interval alone; the first group naming an interface wins", () => {
    expect(paceLaneFor(cfg, "eth1", 4)).toEqual({ key: "group#1/4", intervalMs: 50 });
    expect(paceLaneFor(cfg, "eth2", 4)).toEqual({ key: "group#1/4", intervalMs: 50 });
    expect(paceLaneFor(cfg, "eth0", 4)).toEqual({ key: "if:eth0/4", intervalMs: 10 });
    expect(paceLaneFor(cfg, "eth9", 6)).toEqual({ key: "if:eth9/6", intervalMs: 20 });
    expect(paceLaneFor(cfg, "eth3", 6)).toEqual({ key: "group#2/6", intervalMs: 300 });
  });
  test("a group without the family's interval leaves that family unspaced there (the globals do not fill in)", () => {
    expect(paceLaneFor(cfg, "eth3", 4)).toBeUndefined();
    expect(paceLaneFor(cfg, "eth1", 6)).toBeUndefined();
    expect(paceLaneFor(readKeepalivedText("garp_group {\n garp_interval 0.05\n interface eth0\n}\n"), "eth5", 4)).toBeUndefined();
  });
  test("the plan gives each VIP its lane; a VIP on the vmac is paced on the base interface, as keepalived's IF_BASE_IFP", () => {
    const plan = configPlans(cfg).plans[0]!;
    expect(plan.vips.map((v) => [v.address, v.dev, v.pace?.key])).toEqual([
      ["198.18.0.70", "vrrp.7", "if:eth0/4"],
      ["198.18.1.70", "eth1", "group#1/4"],
      ["198.18.2.70", "eth2", "group#1/4"],
      ["fd00::70", "eth3", "group#2/6"],
      ["198.18.3.70", "eth3", undefined],
    ]);
    // the per-instance spacing is vigil's own garp_interval only: the global moved to the lanes
    expect(plan.params.garp?.intervalMs).toBe(0);
  });
});

describe("garp_group in the config (keepalived 2.2.7 parser)", () => {
  const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
  test("what keepalived says of a group that cannot act is a warning at the group or the interface", () => {
    const r = read("garp_group {\n interface eth0\n}\ngarp_group {\n garp_interval 0.1\n}\ngarp_group {\n garp_interval 0.1\n interfaces {\n  eth1 eth0\n }\n}\ngarp_group {\n gna_interval 1\n interfaces {\n }\n}\n");
    expect(r.config).toBeDefined();
    const w = r.warnings.map((d) => `${d.loc?.line}: ${d.message}`);
    expect(w).toContainEqual(expect.stringMatching(/^1: garp_group without garp_interval or gna_interval does nothing/));
    expect(w).toContainEqual(expect.stringMatching(/^4: garp_group names no interface/));
    expect(w).toContainEqual(expect.stringMatching(/^10: interface eth0 is already in garp_group #1/));
    expect(w).toContainEqual(expect.stringMatching(/^15: empty garp_group interfaces block/));
  });
  test("bad values are errors at their line and column", () => {
    for (const [text, line, col, want] of [
      ["garp_group {\n garp_interval fast\n interface eth0\n}\n", 2, 16, /expects seconds/],
      ["garp_group {\n gna_interval 0.0000001\n interface eth0\n}\n", 2, 15, /finer than a millisecond/],
      ["garp_group {\n garp_interval 3000\n interface eth0\n}\n", 2, 16, /out of range/],
      ["garp_group {\n garp_interval 1\n interface eth0 eth1\n}\n", 3, 2, /exactly one value/],
      ["garp_group {\n garp_interval 1\n bogus 1\n interface eth0\n}\n", 3, 2, /unknown keyword 'bogus' in garp_group/],
    ] as const) {
      const r = read(text);
      const d = [...r.errors, ...r.warnings][0]!;
      expect({ text, msg: d.message }).toEqual({ text, msg: expect.stringMatching(want) });
      expect([d.loc?.line, d.loc?.col]).toEqual([line, col]);
    }
  });

  const dir = mkdtempSync(`${tmpdir()}/vigil-gg-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("through keepalived.conf, JSON and CBOR unchanged, and keepalived -t accepts vigil's rewrite", () => {
    const c = readKeepalivedText("garp_group {\n garp_interval 0.05\n gna_interval 0.25\n interface lo\n}\ngarp_group {\n gna_interval 1.5\n interfaces {\n  lo\n }\n}\n");
    expect(c.garpGroups).toEqual([{ garpIntervalMs: 50, gnaIntervalMs: 250, interfaces: ["lo"] }, { gnaIntervalMs: 1500, interfaces: ["lo"] }]);
    const text = writeKeepalived(c);
    expect(readKeepalivedText(text)).toEqual(c);
    expect([readJson(configToJson(c)).config, readCbor(configToCbor(c)).config]).toEqual([c, c]);
    // keepalived refuses the same interface in two groups: its -t run gets one group per interface
    const one = { ...c, garpGroups: [c.garpGroups[0]!] };
    writeFileSync(`${dir}/k.conf`, writeKeepalived(one));
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-l", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/garp|Unknown keyword|invalid/i);
    expect(writeKeepalived(one)).toMatch(/garp_group \{\n\s+garp_interval 0\.05\n\s+gna_interval 0\.25\n\s+interface lo\n\s*\}/);
  });
});
