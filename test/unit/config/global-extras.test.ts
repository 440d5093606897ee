// global_defs keywords for what is read from outside the daemon: notify_fifo /
// vrrp_notify_fifo / lvs_notify_fifo with their _script (keepalived.conf(5):
// NAME|SCRIPT [username [groupname]]), fifo_write_vrrp_states_on_reload, and
// vigil's metrics_listen. Read as keepalived 2.2.7 reads them, through
// keepalived.conf, JSON and CBOR unchanged, and keepalived -t accepts vigil's
// rewrite of the keepalived ones.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import type { Config } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}
const INSTANCE = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n  virtual_ipaddress {\n    198.18.5.1\n  }\n}\n";
const conf = (globals: string) => `global_defs {\n${globals}\n}\n${INSTANCE}`;
const findings = (r: LoadResult) => [...r.errors, ...r.warnings].map((d) => `${d.loc?.line ?? "?"}: ${d.message}`);

const dir = mkdtempSync(`${tmpdir()}/vigil-gx-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("notify FIFOs", () => {
  const text = conf([
    '  notify_fifo_script "/usr/local/bin/reader --all" root root', // the script before its FIFO is fine
    "  notify_fifo /run/vigil/notify.fifo root",
    "  vrrp_notify_fifo /run/vigil/vrrp.fifo",
    "  vrrp_notify_fifo_script /usr/local/bin/vrrp-reader",
    "  lvs_notify_fifo /run/vigil/lvs.fifo root root",
    "  fifo_write_vrrp_states_on_reload",
  ].join("\n"));

  test("each FIFO with its owner and its script (SCRIPT [user [group]]); the reload flag", () => {
    const g = ok(read(text), "read").global;
    expect(g.notifyFifo).toEqual({ path: "/run/vigil/notify.fifo", user: "root", script: "/usr/local/bin/reader --all", scriptUser: "root", scriptGroup: "root" });
    expect(g.vrrpNotifyFifo).toEqual({ path: "/run/vigil/vrrp.fifo", script: "/usr/local/bin/vrrp-reader" });
    expect(g.lvsNotifyFifo).toEqual({ path: "/run/vigil/lvs.fifo", user: "root", group: "root" });
    expect(g.fifoWriteVrrpStatesOnReload).toBe(true);
    expect(ok(read(conf("")), "none").global.fifoWriteVrrpStatesOnReload).toBe(false);
  });

  test("through keepalived.conf, JSON and CBOR unchanged", () => {
    const c = ok(read(text), "read");
    expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
    expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
    expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
  });

  test("keepalived's rules, said with the line: a repeated keyword keeps the first; a script without its FIFO is never run; a shared path is ignored; too many words refused", () => {
    const r = read(conf([
      "  notify_fifo /a.fifo",
      "  notify_fifo /b.fifo",
      "  lvs_notify_fifo_script /bin/cat",
      "  vrrp_notify_fifo /a.fifo",
    ].join("\n")));
    expect(r.config?.global.notifyFifo).toEqual({ path: "/a.fifo" });
    expect(r.config?.global.lvsNotifyFifo).toBeUndefined();
    expect(findings(read(conf("  notify_fifo_script /bin/cat u g extra")))).toEqual(["2: 'notify_fifo_script' takes SCRIPT [username [groupname]]"]);
    expect(findings(r)).toEqual([
      "3: 'notify_fifo' already specified, this one is ignored (keepalived keeps the first)",
      "4: 'lvs_notify_fifo_script' without 'lvs_notify_fifo' is never run (keepalived starts it only with its FIFO), ignored",
      "5: vrrp_notify_fifo /a.fifo is also notify_fifo: the vrrp one is ignored (as keepalived)",
    ]);
  });

  test("a JSON config: a group without its user is refused, a relative path warned", () => {
    const c = ok(read(conf("")), "base");
    const j = JSON.parse(configToJson(c));
    j.global.notifyFifo = { path: "rel.fifo", group: "g" };
    const r = readJson(JSON.stringify(j));
    expect(r.errors.map((d) => d.message)).toEqual(["notify_fifo: a group needs a user (keepalived: notify_fifo FIFO_NAME [username [groupname]])"]);
    expect(r.warnings.map((d) => d.message)).toContain("notify_fifo rel.fifo is relative: it is opened relative to vigil's working directory");
  });

  test.if(Bun.which("keepalived") !== null)("keepalived 2.2.7 reads vigil's rewrite without a complaint", () => {
    const file = `${dir}/k.conf`;
    writeFileSync(file, writeKeepalived(ok(read(text), "read")));
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    const complaints = `${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l && !/Non-existent interface|doesn't exist|SECURITY VIOLATION/.test(l));
    expect(complaints).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});

describe("metrics_listen", () => {
  test("ADDRESS:PORT and [IPv6]:PORT; through every format", () => {
    expect(ok(read(conf("  metrics_listen 127.0.0.1:9650")), "v4").global.metricsListen).toEqual({ address: "127.0.0.1", port: 9650 });
    const c = ok(read(conf("  metrics_listen [::1]:9650")), "v6");
    expect(c.global.metricsListen).toEqual({ address: "::1", port: 9650 });
    expect(writeKeepalived(c)).toContain("    metrics_listen [::1]:9650\n");
    expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
    expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
  });

  test("bad forms are refused with the line and what is expected", () => {
    for (const [v, want] of [
      ["9650", "'metrics_listen' expects ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got '9650'"],
      ["::1:9650", "'metrics_listen' expects ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got '::1:9650'"],
      ["localhost:9650", "'metrics_listen' expects ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got 'localhost:9650'"],
      ["127.0.0.1:70000", "port"],
    ] as const) {
      const r = read(conf(`  metrics_listen ${v}`));
      expect({ v, config: r.config === undefined }).toEqual({ v, config: true });
      expect(r.errors[0]!.loc?.line).toBe(2);
      expect(r.errors[0]!.message).toContain(want);
    }
  });
});

describe("garp_extra_if / vrrp_garp_extra_if (and the deprecated *vmac_garp_intvl)", () => {
  const inst = (line: string) => INSTANCE.replace("  priority 100\n", `  priority 100\n  ${line}\n`);
  test("read as keepalived: [all] SECONDS in either order, whole seconds, instance 0 = off", () => {
    const c = ok(read(`global_defs {\n  vrrp_garp_extra_if 100 all\n}\n${inst("garp_extra_if all 0")}`), "extra_if");
    expect([c.global.vrrpGarpExtraIfMs, c.global.vrrpGarpExtraIfAll]).toEqual([100_000, true]);
    expect([c.instances[0]!.garpExtraIfMs, c.instances[0]!.garpExtraIfAll]).toEqual([0, true]);
    const old = ok(read(`global_defs {\n  vrrp_vmac_garp_intvl 30\n}\n${inst("vmac_garp_intvl 7")}`), "old names");
    expect([old.global.vrrpGarpExtraIfMs, old.global.vrrpGarpExtraIfAll, old.instances[0]!.garpExtraIfMs]).toEqual([30_000, undefined, 7000]);
  });
  test("bad values are errors at their line and column: no time, fractions, out of range (global 1..86400, instance 0..86400)", () => {
    expect(findings(read(conf("  vrrp_garp_extra_if all")))).toContain("2: 'vrrp_garp_extra_if' needs SECONDS (whole seconds, 'all' optional)");
    expect(findings(read(conf("  vrrp_garp_extra_if 1.5"))).join("\n")).toContain("2: 'vrrp_garp_extra_if' expects an integer, got '1.5'");
    expect(findings(read(conf("  vrrp_garp_extra_if 0"))).join("\n")).toMatch(/^2: vrrp_garp_extra_if: 0 is out of range/m);
    expect(findings(read(inst("garp_extra_if 86401"))).join("\n")).toMatch(/^5: garp_extra_if: 86401000 is out of range/m);
    expect(findings(read(inst("garp_extra_if 5 6"))).join("\n")).toContain("5: 'garp_extra_if' takes [all] SECONDS, got '5 6'");
  });
  test("keepalived.conf, JSON and CBOR carry them unchanged, and keepalived -t accepts vigil's rewrite", () => {
    const c = ok(read(`global_defs {\n  vrrp_garp_extra_if all 100\n}\n${inst("garp_extra_if 30")}`), "extra_if");
    const back = ok(read(writeKeepalived(c)), "rewrite");
    expect([back.global.vrrpGarpExtraIfMs, back.global.vrrpGarpExtraIfAll, back.instances[0]!.garpExtraIfMs]).toEqual([100_000, true, 30_000]);
    expect(ok(readJson(configToJson(c)), "json").instances[0]!.garpExtraIfMs).toBe(30_000);
    expect(ok(readCbor(configToCbor(c)), "cbor").global.vrrpGarpExtraIfAll).toBe(true);
    writeFileSync(`${dir}/x.conf`, writeKeepalived(c));
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", `${dir}/x.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/garp_extra_if|Unknown keyword/);
  });
});

describe("interface_up_down_delays (top level)", () => {
  test("IFNAME DOWN [UP] per line, UP defaulting to DOWN, in seconds; through keepalived.conf, JSON and CBOR unchanged", () => {
    const c = ok(read(`interface_up_down_delays {\n  eth0 0.5\n  eth1 1 2.25\n}\n${INSTANCE}`), "delays");
    expect(c.interfaceUpDownDelays).toEqual([
      { interface: "eth0", downDelayMs: 500, upDelayMs: 500 },
      { interface: "eth1", downDelayMs: 1000, upDelayMs: 2250 },
    ]);
    expect(ok(read(writeKeepalived(c)), "rewrite").interfaceUpDownDelays).toEqual(c.interfaceUpDownDelays);
    expect(ok(readJson(configToJson(c)), "json").interfaceUpDownDelays).toEqual(c.interfaceUpDownDelays);
    expect(ok(readCbor(configToCbor(c)), "cbor").interfaceUpDownDelays).toEqual(c.interfaceUpDownDelays);
  });
  test("a line without a delay, with three values, or over keepalived's 255 s is an error at its line", () => {
    expect(findings(read(`interface_up_down_delays {\n  eth0\n}\n${INSTANCE}`)).join("\n")).toContain("2: 'eth0': an interface_up_down_delays line is IFNAME DOWN_DELAY [UP_DELAY]");
    expect(findings(read(`interface_up_down_delays {\n  eth0 1 2 3\n}\n${INSTANCE}`)).join("\n")).toContain("2: 'eth0': an interface_up_down_delays line is IFNAME DOWN_DELAY [UP_DELAY]");
    expect(findings(read(`interface_up_down_delays {\n  eth0 256\n}\n${INSTANCE}`)).join("\n")).toMatch(/^2: .*256000 is out of range 0\.\.255000 ms/m);
  });
});
