// vrrp_sync_group's own tracking (keepalived 2.2.7: track_interface, track_script,
// track_file, track_process, sync_group_tracking_weight / global_tracking): read,
// written back (keepalived -t accepts it), validated, and applied to every member
// as keepalived's sync_group_tracking_init does.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import type { Config } from "../../../src/config/model.ts";
import { memberTracking } from "../../../src/config/sync-group-tracking.ts";
import { memorySource } from "../../../src/config/source.ts";
import { planInstances, type AddrInfo, type LinkInfo } from "../../../src/daemon/plan.ts";
import { PriorityTracker } from "../../../src/vrrp/priority.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
function cfgOf(text: string): Config {
  const r = read(text);
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config;
}

const DEFS = `
vrrp_script chk_up {
  script "/bin/true"
  weight -20
}
vrrp_script chk_gate {
  script "/bin/true"
}
track_file gate {
  file /run/gate
}
vrrp_track_process daemon {
  process mydaemon
  weight 5
}
`;
const inst = (name: string, vrid: number, extra = "", prio = 100) =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${prio}\n${extra}\n}\n`;
const group = (body: string) => `vrrp_sync_group G {\n group {\n  A\n  B\n }\n${body}\n}\n`;

describe("vrrp_sync_group tracking: read and written as keepalived 2.2.7", () => {
  const text = `${DEFS}${inst("A", 1)}${inst("B", 2)}${group(` track_interface {\n  eth1 weight -30\n  eth2\n }\n track_script {\n  chk_gate\n  chk_up weight 10\n }\n track_file {\n  gate weight -2 reverse\n }\n track_process {\n  daemon weight 5 noreverse\n }\n sync_group_tracking_weight`)}`;

  test("each track_* block and sync_group_tracking_weight land in the model", () => {
    const r = read(text);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([]);
    expect(r.config!.syncGroups[0]).toMatchObject({
      trackInterface: [{ name: "eth1", weight: -30 }, { name: "eth2" }],
      trackScript: [{ script: "chk_gate" }, { script: "chk_up", weight: 10 }],
      trackFile: [{ name: "gate", weight: -2, reverse: true }],
      trackProcess: [{ name: "daemon", weight: 5, reverse: false }],
      trackingWeight: true,
    });
  });

  test("keepalived.conf, JSON and CBOR give the same config back", () => {
    const c = cfgOf(text);
    expect(cfgOf(writeKeepalived(c))).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
  });

  test("keepalived -t reads vigil's rewrite without a complaint about the group", () => {
    const dir = mkdtempSync(`${tmpdir()}/vigil-sgt-`);
    try {
      writeFileSync(`${dir}/k.conf`, writeKeepalived(cfgOf(text)));
      const r = Bun.spawnSync(
        ["setsid", "-w", "keepalived", "-t", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
        { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
      );
      const lines = [...new Set(`${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean))];
      // environment, not syntax: no eth0..eth2 here
      expect(lines.filter((l) => !/doesn't exist|does not exist|Non-existent interface/.test(l))).toEqual([]);
      // the comparison can fail: keepalived does name a keyword it does not know
      writeFileSync(`${dir}/bad.conf`, `${group(" track_nonsense {\n  x\n }")}`);
      const bad = Bun.spawnSync(
        ["setsid", "-w", "keepalived", "-t", "-f", `${dir}/bad.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
        { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
      );
      expect(`${bad.stdout}${bad.stderr}`).toContain("Unknown keyword 'track_nonsense'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("global_tracking is read as sync_group_tracking_weight, with keepalived's deprecation", () => {
    const r = read(`${inst("A", 1)}${inst("B", 2)}${group(" global_tracking")}`);
    expect(r.config!.syncGroups[0]!.trackingWeight).toBe(true);
    expect(r.warnings.map((w) => w.message)).toEqual(["'global_tracking' is deprecated, read as 'sync_group_tracking_weight' (as keepalived does)"]);
  });

  test("undefined objects and repeats are errors; an object tracked by a member too, or weighted with an owner member, is warned", () => {
    const r = read(`${DEFS}${inst("A", 1, " track_script {\n  chk_gate\n }", 255)}${inst("B", 2)}${group(" track_script {\n  nosuch\n  chk_gate\n }\n track_file {\n  gate\n  gate\n }\n track_process {\n  noproc\n }\n track_interface {\n  eth0\n }")}`);
    expect(r.errors.map((e) => e.message)).toEqual([
      "track_script refers to vrrp_script 'nosuch', which does not exist",
      "track_file gate listed twice (keepalived ignores the second)",
      "track_process refers to vrrp_track_process 'noproc', which does not exist",
    ]);
    const r2 = read(`${DEFS}${inst("A", 1, " track_script {\n  chk_gate\n }", 255)}${inst("B", 2)}${group(" track_script {\n  chk_gate\n  chk_up\n }\n track_interface {\n  eth0\n }")}`);
    // in file order; a member's own interface counts as tracked by it (keepalived complains about eth0 here too)
    expect(r2.warnings.map((e) => e.message).filter((m) => !m.startsWith("priority 255"))).toEqual([
      "track_script chk_gate is also tracked by member 'A': tracked once, with the group's weight unless the member's is 0 (keepalived: \"remove vrrp instance config\")",
      "member 'A' is the address owner (priority 255): the group's track_script chk_up is unweighted, down is FAULT (as keepalived)",
      "track_interface eth0 is also tracked by member 'A': tracked once, with the group's weight unless the member's is 0 (keepalived: \"remove vrrp instance config\")",
      "track_interface eth0 is also tracked by member 'B': tracked once, with the group's weight unless the member's is 0 (keepalived: \"remove vrrp instance config\")",
    ]);
  });
});

describe("what each member tracks (keepalived vrrp_complete_instance + sync_group_tracking_init)", () => {
  const own = ` track_interface {\n  eth1 weight -30\n  eth2\n }\n track_script {\n  chk_up\n  chk_gate\n }\n track_file {\n  gate\n }\n track_process {\n  daemon\n }`;

  test("without sync_group_tracking_weight a member's weights do not count: interface unweighted, weighted script ignored, track_file weight 1 made 0, process kept", () => {
    const c = cfgOf(`${DEFS}${inst("A", 1, own)}${inst("B", 2)}${group("")}`);
    expect(memberTracking(c, c.instances[0]!)).toEqual({
      trackInterface: [{ name: "eth1" }, { name: "eth2" }],
      trackScript: [{ script: "chk_gate" }],
      trackFile: [{ name: "gate", weight: 0 }],
      trackProcess: [{ name: "daemon" }],
    });
    expect(read(`${DEFS}${inst("A", 1, own)}${inst("B", 2)}${group("")}`).warnings.map((w) => w.message)).toEqual([
      "track_interface eth1: weight -30 ignored in vrrp_sync_group 'G' without sync_group_tracking_weight (as keepalived): down is FAULT",
      "track_script chk_up with weight -20 is ignored in vrrp_sync_group 'G' without sync_group_tracking_weight (as keepalived)",
      "track_file gate: weight 1 ignored in vrrp_sync_group 'G' without sync_group_tracking_weight (as keepalived): a non-zero number is FAULT (write weight 0)",
    ]);
  });

  test("with it, the member's own entries stay as written", () => {
    const c = cfgOf(`${DEFS}${inst("A", 1, own)}${inst("B", 2)}${group(" sync_group_tracking_weight")}`);
    const a = c.instances[0]!;
    expect(memberTracking(c, a)).toEqual({ trackInterface: a.trackInterface, trackScript: a.trackScript, trackFile: a.trackFile, trackProcess: a.trackProcess });
  });

  test("the group's entries go to every member with the group's weights; a shared one takes the group's weight unless the member's is 0", () => {
    const c = cfgOf(`${DEFS}${inst("A", 1, " track_interface {\n  eth1 weight -5\n  eth2\n }")}${inst("B", 2)}${group(" sync_group_tracking_weight\n track_interface {\n  eth1 weight -40\n  eth2 weight -40\n  eth3\n }\n track_script {\n  chk_up\n }\n track_file {\n  gate weight 3\n }")}`);
    const [a, b] = c.instances;
    expect(memberTracking(c, a!).trackInterface).toEqual([{ name: "eth1", weight: -40 }, { name: "eth2" }, { name: "eth3" }]);
    expect(memberTracking(c, b!)).toEqual({
      trackInterface: [{ name: "eth1", weight: -40 }, { name: "eth2", weight: -40 }, { name: "eth3" }],
      trackScript: [{ script: "chk_up", weight: -20 }],
      trackFile: [{ name: "gate", weight: 3 }],
      trackProcess: [],
    });
  });

  test("a member that is the address owner makes the group's entries unweighted", () => {
    const c = cfgOf(`${DEFS}${inst("A", 1, "", 255)}${inst("B", 2)}${group(" track_script {\n  chk_up\n }\n track_process {\n  daemon\n }")}`);
    expect(memberTracking(c, c.instances[1]!)).toMatchObject({ trackScript: [{ script: "chk_up", weight: 0 }], trackProcess: [{ name: "daemon", weight: 0 }] });
  });

  test("the daemon's plan runs the group's tracking in every member: an unweighted group item down is FAULT for each", () => {
    const c = cfgOf(`${DEFS}${inst("A", 1)}${inst("B", 2)}${group(" track_interface {\n  eth1\n }\n track_file {\n  gate weight 0\n }\n track_process {\n  daemon weight -10\n }")}`);
    const links: LinkInfo[] = [{ index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true }, { index: 3, name: "eth1", mac: "02:00:00:00:00:02", up: true }];
    const addrs: AddrInfo[] = [{ ifindex: 2, family: 4, address: "198.18.0.1", prefix: 24, scope: 0 }];
    const { plans, errors } = planInstances(c, links, addrs);
    expect(errors).toEqual([]);
    for (const p of plans) {
      expect([p.name, p.trackInterfaces.map((t) => [t.name, t.ifindex, t.weight ?? 0]), p.trackFiles, p.trackProcesses]).toEqual([
        p.name, [["eth1", 3, 0]], [{ name: "gate", weight: 0, reverse: false }], [{ name: "daemon", weight: -10, reverse: false }],
      ]);
      const t = new PriorityTracker(p.params.priority, p.trackInterfaces.map((x) => ({ weight: x.weight ?? 0 })), [], p.trackProcesses, p.trackFiles);
      t.setProcess(0, true);
      expect([t.effective, t.faulted]).toEqual([100, false]);
      t.setProcess(0, false);
      expect([t.effective, t.faulted]).toEqual([90, false]);
      t.setFile(0, 1);
      expect(t.faulted).toBe(true);
      t.setFile(0, 0);
      t.setInterface(0, false);
      expect(t.faulted).toBe(true);
    }
  });
});
