// test/fixtures/every-construct.conf holds every keepalived 2.2.7 construct of
// issue 13 that vigil runs. vigil config check accepts it for both config ids,
// it reads as keepalived reads it ($VAR, @id, ~SEQ, include all expanded), it
// comes back unchanged through keepalived.conf, JSON and CBOR, and keepalived 2.2.7
// itself (`keepalived -t`) accepts vigil's rewrite without a complaint.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import type { Config } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";

const ROOT = `${import.meta.dir}/../../..`;
const FIXTURE = `${ROOT}/test/fixtures/every-construct.conf`;
const dir = mkdtempSync(`${tmpdir()}/vigil-every-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}
const load = (id: string) => ok(loadConfigFile(FIXTURE, { configId: id }), `fixture -i ${id}`);
const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));

describe("every construct", () => {
  test("vigil config check accepts it, without a warning, for each config id", () => {
    for (const id of ["r1", "r2"]) {
      const r = Bun.spawnSync([process.execPath, `${ROOT}/src/main.ts`, "config", "check", "-i", id, FIXTURE], { stdout: "pipe", stderr: "pipe" });
      expect({ id, code: r.exitCode, err: r.stderr.toString() }).toEqual({ id, code: 0, err: "" });
      expect(r.stdout.toString()).toContain("OK (keepalived: 5 vrrp_instance, 2 virtual_server, 2 real_server; 0 warning(s))");
    }
  });

  test("each construct is read: $VAR, @id, ~SEQ, include, FIFOs, metrics, tracking, sync group tracking, routes, groups, checkers", () => {
    const c = load("r1");
    expect(c.instances.map((i) => [i.name, i.virtualRouterId, i.priority])).toEqual([["VI_MAIN", 61, 150], ["VI_2", 62, 150], ["VI_3", 63, 150], ["VI_AH", 64, 150], ["VI_UC", 65, 150]]);
    expect(c.instances[3]!.authentication).toEqual({ type: "AH", pass: "ah-key" });
    expect(load("r2").instances.map((i) => i.priority)).toEqual([120, 120, 120, 120, 120]);
    expect(c.global.notifyFifo?.path).toBe("/run/vigil-every/notify.fifo");
    expect(c.global.vrrpNotifyFifo?.path).toBe("/run/vigil-every/vrrp.fifo");
    expect(c.global.lvsNotifyFifo?.path).toBe("/run/vigil-every/lvs.fifo");
    expect(c.global.metricsListen).toBeDefined();
    expect([c.global.vrrpNotifyPriorityChanges, c.global.dynamicInterfaces]).toEqual([true, "on"]);
    expect([c.instances[0]!.notifyPriorityChanges, c.instances[0]!.notifyMasterRxLowerPri]).toEqual([true, "/bin/true VI_MAIN"]);
    expect([c.global.vrrpCheckUnicastSrc, c.instances[0]!.skipCheckAdvAddr]).toEqual([true, true]);
    expect(c.trackFiles.map((t) => [t.name, t.file])).toEqual([["maint", "/run/vigil-every/maint"], ["sg_gate", "/run/vigil-every/sg-gate"], ["rs_weight", "/run/vigil-every/rs-weight"]]);
    expect(c.syncGroups.map((g) => [g.name, g.group, g.trackInterface, g.trackFile, g.trackingWeight])).toEqual([["SG", ["VI_2", "VI_3"], [{ name: "lo" }], [{ name: "sg_gate", weight: 0 }], true]]);
    expect(c.trackProcesses.map((p) => [p.name, p.process, p.parameters])).toEqual([["sleeper", "sleep", ["60.125"]]]);
    const main = c.instances[0]!;
    expect([main.trackFile, main.trackProcess]).toEqual([[{ name: "maint", weight: -10 }], [{ name: "sleeper", weight: 7 }]]);
    expect([main.virtualRoutes.length, main.virtualRules.length, c.staticIpaddress.length, c.staticRoutes.length, c.staticRules.length]).toEqual([2, 1, 3, 1, 1]);
    // keepalived's address flags (an IPv4 VIP, an IPv6 one with all IPv6 ones, two /128s) and a static address's
    expect(main.virtualIpaddressExcluded.slice(0, 4).map((v) => [v.address, v.home, v.dad, v.mngtmpaddr, v.noprefixroute, v.preferredLft])).toEqual([
      ["198.18.0.69", undefined, undefined, undefined, true, undefined],
      ["fd00:198:18::61", true, true, true, true, 30],
      ["fd00:198:18::62", undefined, undefined, undefined, undefined, undefined],
      ["fd00:198:18::63", undefined, undefined, undefined, undefined, "forever"],
    ]);
    expect(c.staticIpaddress[1]).toEqual({ address: "fd00:198:60::1", prefix: 64, dev: "eth0", noprefixroute: true, preferredLft: 0 });
    // keepalived peer: point-to-point eVIPs of both families and a static address
    expect(main.virtualIpaddressExcluded.slice(4)).toEqual([{ address: "198.18.0.70", prefix: 32, peer: "198.18.0.71" }, { address: "fd00:198:18::64", prefix: 128, peer: "fd00:198:18::74" }]);
    expect(c.staticIpaddress[2]).toEqual({ address: "198.18.60.2", prefix: 32, dev: "eth0", peer: "198.18.60.3" });
    expect(c.virtualServerGroups.map((g) => g.name)).toEqual(["web", "dns"]);
    const checks = c.virtualServers.flatMap((v) => v.realServers.flatMap((r) => r.checkers.map((k) => k.type)));
    expect(checks.sort()).toEqual(["DNS_CHECK", "FILE_CHECK", "PING_CHECK", "SMTP_CHECK", "UDP_CHECK"]);
  });

  for (const id of ["r1", "r2"]) {
    test(`-i ${id}: keepalived.conf, JSON and CBOR give the same config back`, () => {
      const c = load(id);
      expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
      expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
      expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
    });
  }

  test("keepalived 2.2.7 (keepalived -t) accepts vigil's rewrite; metrics_listen, vigil's own, is the only complaint", () => {
    const file = `${dir}/every.conf`;
    const text = writeKeepalived(load("r1"));
    writeFileSync(file, text);
    // the line vigil's writer put metrics_listen on (global_defs grows as keywords are added)
    const metricsLine = text.split("\n").findIndex((l) => l.trim().startsWith("metrics_listen ")) + 1;
    // setsid: keepalived's config test signals its own process group on exit; its own pid files keep it away from lab keepalived
    const r = Bun.spawnSync(
      ["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
    );
    const complaints = [...new Set(`${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean))];
    // environment, not syntax: this machine has no eth0
    // and advice, not syntax: notify_master_rx_lower_pri runs a script as root without enable_script_security
    const real = complaints.filter((l) => !/doesn't exist|does not exist|Non-existent interface|SECURITY VIOLATION - scripts are being executed/.test(l));
    expect(metricsLine).toBeGreaterThan(0);
    expect(real).toEqual([`(Line ${metricsLine}) Unknown keyword 'metrics_listen'`]);
  });
});
