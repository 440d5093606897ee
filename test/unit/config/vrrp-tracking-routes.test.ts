// VRRP tracking and route constructs through every representation: read from
// keepalived.conf as keepalived 2.2.7 reads it, one round trip per construct
// through keepalived.conf, JSON and CBOR, keepalived -t accepting vigil's
// rewrite, and keepalived options vigil does not run refused by name.
import { describe, expect, test } from "bun:test";
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

const FIXTURE = `${import.meta.dir}/../../fixtures/vrrp-tracking-routes.conf`;

function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}
const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const viaKeepalived = (c: Config) => ok(read(writeKeepalived(c)), "keepalived");
const viaJson = (c: Config) => ok(readJson(configToJson(c)), "json");
const viaCbor = (c: Config) => ok(readCbor(configToCbor(c)), "cbor");
const errors = (r: LoadResult) => r.errors.map((d) => d.message);

const cfg = ok(loadConfigFile(FIXTURE), "fixture");
const inst = cfg.instances[0]!;

describe("reading keepalived 2.2.7's grammar", () => {
  test("vrrp_track_process: parameters mean a full-command match; param_match; quorum_max 0 alone means none may run; delay sets both delays", () => {
    expect(cfg.trackProcesses.map((p) => [p.name, p.process, p.parameters, p.paramMatch, p.fullCommand, p.weight, p.weightReverse, p.quorum, p.quorumMax, p.forkDelayMs, p.terminateDelayMs])).toEqual([
      ["haproxy", "haproxy", [], "none", false, -20, false, 1, 4, 500, 500],
      ["py_server", "/usr/bin/python3", ["-m", "http.server"], "partial", true, 10, true, 1, 65535, 1000, 2000],
      ["no_telnetd", "telnetd", [], "none", false, 0, false, 0, 0, 0, 0],
      ["kube", "/usr/bin/kubelet", [], "none", true, 0, false, 1, 65535, 0, 0],
    ]);
  });
  test("track_file/track_process entries: NAME [weight W [reverse|noreverse]]", () => {
    expect(inst.trackFile).toEqual([{ name: "maint" }, { name: "maint2", weight: 5 }]);
    expect(inst.trackProcess).toEqual([{ name: "haproxy" }, { name: "py_server", weight: 3, reverse: false }, { name: "no_telnetd", weight: 0 }, { name: "kube", weight: -7, reverse: true }]);
  });
  test("routes: type, via, dev, src (either place), metric, table names, scope, onlink, default, IPv6", () => {
    expect(inst.virtualRoutes).toEqual([
      { type: "unicast", to: "198.18.50.0/24", via: "198.18.0.254", dev: "eth0", metric: 10, table: 100, src: "198.18.0.10", onlink: false },
      { type: "unicast", to: "198.18.51.0/24", src: "198.18.0.10", dev: "eth0", scope: "link", onlink: false },
      { type: "blackhole", to: "198.18.52.0/24", table: 100, onlink: false },
      { type: "prohibit", to: "198.18.53.0/24", onlink: false },
      { type: "unicast", to: "0.0.0.0/0", via: "198.18.0.1", table: 254, onlink: true },
      { type: "unicast", to: "fd00:50::/64", via: "fd00::1", dev: "eth0", metric: 5, onlink: false },
    ]);
    expect(cfg.staticRoutes[1]).toEqual({ type: "unreachable", to: "fd00:61::/64", protocol: 4, onlink: false });
  });
  test("rules: from/to (all = none), table/lookup, priority/preference, not, fwmark/mask, iif, actions, inet6", () => {
    expect(inst.virtualRules).toEqual([
      { family: 4, from: "198.18.50.0/24", table: 100, priority: 1000, invert: false },
      { family: 4, to: "198.18.53.0/24", table: 200, priority: 1001, invert: false },
      { family: 6, from: "fd00:50::/64", table: 100, priority: 1002, invert: false },
      { family: 6, action: "unreachable", priority: 1003, invert: false },
    ]);
    expect(cfg.staticRules[1]).toEqual({ family: 4, invert: true, to: "198.18.62.0/24", fwmark: 7, fwmask: 255, iif: "eth1", action: "blackhole", priority: 2001 });
    expect(cfg.staticIpaddress).toEqual([{ address: "198.18.60.1", prefix: 24, dev: "eth1", label: "eth1:st" }]);
  });
});

describe("one round trip per construct through keepalived.conf, JSON and CBOR", () => {
  const parts: Array<[string, (c: Config) => Config]> = [
    ["vrrp_track_process", (c) => ({ ...c, instances: c.instances.map((i) => ({ ...i, trackFile: [], virtualRoutes: [], virtualRules: [] })), staticIpaddress: [], staticRoutes: [], staticRules: [] })],
    ["track_file", (c) => ({ ...c, trackProcesses: [], instances: c.instances.map((i) => ({ ...i, trackProcess: [], virtualRoutes: [], virtualRules: [] })), staticIpaddress: [], staticRoutes: [], staticRules: [] })],
    ["virtual_routes/virtual_rules", (c) => ({ ...c, trackProcesses: [], trackFiles: [], instances: c.instances.map((i) => ({ ...i, trackProcess: [], trackFile: [] })), staticIpaddress: [], staticRoutes: [], staticRules: [] })],
    ["static_ipaddress/static_routes/static_rules", (c) => ({ ...c, trackProcesses: [], trackFiles: [], instances: c.instances.map((i) => ({ ...i, trackProcess: [], trackFile: [], virtualRoutes: [], virtualRules: [] })) })],
  ];
  for (const [what, only] of parts) {
    test(`${what}: keepalived.conf, JSON and CBOR give the same config back`, () => {
      const c = only(cfg);
      expect(viaKeepalived(c)).toEqual(c);
      expect(viaJson(c)).toEqual(c);
      expect(viaCbor(c)).toEqual(c);
    });
  }
});

const haveKeepalived = Bun.which("keepalived") !== null && Bun.which("setsid") !== null;
test.if(haveKeepalived)("keepalived -t accepts vigil's rewrite of the whole fixture (only this machine's missing interfaces and its route notes)", () => {
  const dir = mkdtempSync(`${tmpdir()}/vigil-vtr-`);
  try {
    const file = `${dir}/k.conf`;
    writeFileSync(file, writeKeepalived(cfg));
    const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    const lines = `${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
    const complaints = lines.filter((l) => !/doesn't exist|Non-existent interface|cannot track route .* with no interface specified|resetting protocol/.test(l));
    expect(complaints).toEqual([]);
    // the comparison can fail: keepalived does complain about a bad route
    writeFileSync(file, `${writeKeepalived(cfg)}\nstatic_routes {\n    198.18.70.0/24 frobnicate 3\n}\n`);
    const bad = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(`${bad.stdout}${bad.stderr}`).toContain("frobnicate");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("what vigil does not run is refused by name, with the line", () => {
  const V = (body: string) => `vrrp_instance V {\n interface eth0\n virtual_router_id 1\n${body}\n}\n`;
  test("route options (multipath, tos, mtu...) and rule options (goto, uidrange...)", () => {
    expect(errors(read(V(" virtual_routes {\n  198.18.1.0/24 via 198.18.0.1 or 198.18.0.2\n }")))).toEqual([
      "route option 'or' is not supported by vigil (keepalived runs it); remove it or manage this route outside vigil",
    ]);
    expect(errors(read("static_routes {\n 198.18.1.0/24 dev eth0 mtu 1400\n}\n"))).toEqual([
      "route option 'mtu' is not supported by vigil (keepalived runs it); remove it or manage this route outside vigil",
    ]);
    expect(errors(read("static_rules {\n from 198.18.1.0/24 goto 100 priority 5\n}\n"))).toEqual([
      "rule option 'goto' is not supported by vigil (keepalived runs it); remove it or manage this rule outside vigil",
    ]);
    expect(read("static_routes {\n 198.18.1.0/24 dev eth0 mtu 1400\n}\n").errors[0]!.loc).toMatchObject({ line: 2 });
  });
  test("references to undefined trackers, a quorum above quorum_max, a route whose gateway is of the other family", () => {
    expect(errors(read(`vrrp_track_process p {\n process x\n quorum_max 2\n quorum 3\n}\n${V(" track_process {\n  p\n  q\n }\n track_file {\n  nofile\n }\n virtual_routes {\n  fd00::/64 via 198.18.0.1\n }")}`))).toEqual([
      "quorum 3 is above quorum_max 2",
      "track_process refers to vrrp_track_process 'q', which does not exist",
      "track_file refers to track_file 'nofile', which does not exist",
      "'198.18.0.1' is IPv4 but the route to fd00::/64 is IPv6",
    ]);
  });
  test("track_bfd is reported by name (vigil has no BFD)", () => {
    expect(read(V(" track_bfd {\n  b1\n }")).warnings.map((d) => d.message)).toEqual([
      "keepalived feature not supported by vigil: 'track_bfd' in vrrp_instance V, ignored: vigil has no BFD (RFC 5880)",
    ]);
  });
});
