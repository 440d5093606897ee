// keepalived 2.2.7's `use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]`
// (vrrp_parser.c vrrp_ipvlan_handler): words in any order, an address is the
// ipvlan's address (a missing prefix is the whole address), bridge/private/vepa its
// type, any other word its name; repeats and over-long names are config errors.
// Read, written back, and carried through JSON and CBOR unchanged; the plan puts
// the instance's VIPs on it as on a vmac.
import { expect, test } from "bun:test";
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
import { formatData } from "../../../src/daemon/data-dump.ts";
import { configPlans } from "../../../src/daemon/plan.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}
const instance = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  virtual_ipaddress {\n    198.18.5.${vrid}/24\n  }\n${extra}}\n`;

test("use_ipvlan's words in any order: address (prefix defaults to the whole address), type, name; alone it is vrrp.<VRID> in bridge type", () => {
  const c = ok(read(
    instance("A", 1, "  use_ipvlan private ipv1 198.18.5.201/24\n") + instance("B", 2, "  use_ipvlan 198.18.5.202 vepa\n") + instance("C", 3, "  use_ipvlan\n"),
  ), "read");
  expect(c.instances.map((i) => i.useIpvlan)).toEqual([
    { type: "private", name: "ipv1", address: "198.18.5.201/24" },
    { address: "198.18.5.202/32", type: "vepa" },
    {},
  ]);
  const plans = configPlans(c).plans;
  // keepalived takes the ipvlan's address as the advert source when none is configured
  expect(plans.map((p) => [p.vmac?.name, p.vmac?.ipvlan, p.vmac?.xmitBase, p.vips.map((v) => [v.dev, v.onVmac]), p.params.primary])).toEqual([
    ["ipv1", { type: "private", address: "198.18.5.201/24" }, true, [["ipv1", true]], "198.18.5.201"],
    ["vrrp.2", { type: "vepa", address: "198.18.5.202/32" }, true, [["vrrp.2", true]], "198.18.5.202"],
    ["vrrp.3", { type: "bridge" }, true, [["vrrp.3", true]], ""],
  ]);
  // a configured mcast_src_ip stays the source
  const own = ok(read(instance("A", 1, "  use_ipvlan 198.18.5.201/24\n  mcast_src_ip 198.18.5.7\n")), "read");
  expect(configPlans(own).plans[0]!.params.primary).toBe("198.18.5.7");
});

test("use_ipvlan goes through keepalived.conf, JSON and CBOR unchanged", () => {
  const c = ok(read(instance("A", 1, "  use_ipvlan ipv1 198.18.5.201/24 private\n") + instance("B", 2, "  use_ipvlan\n")), "read");
  expect(writeKeepalived(c)).toMatch(/^\s*use_ipvlan ipv1 198\.18\.5\.201\/24 private$/m);
  expect(writeKeepalived(c)).toMatch(/^\s*use_ipvlan$/m);
  expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
  expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
  expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
});

test("a repeated use_ipvlan, type, address or name, and a name of 16 bytes, are errors at their file:line:col (as keepalived reports them)", () => {
  const r = read(instance("A", 1, "  use_ipvlan ipv1 private bridge 198.18.5.1 198.18.5.2 other\n  use_ipvlan\n") + instance("B", 2, "  use_ipvlan abcdefghijklmnop\n"));
  expect(r.errors.map((d) => formatDiagnostic(d).replace(/ \(at '.*$/, ""))).toEqual([
    "/t/k.conf:8:27: error: use_ipvlan: ipvlan type already specified, 'bridge' ignored",
    "/t/k.conf:8:45: error: use_ipvlan: ipvlan address already specified, '198.18.5.2' ignored",
    "/t/k.conf:8:56: error: use_ipvlan: ipvlan interface already specified, 'other' ignored",
    "/t/k.conf:9:3: error: use_ipvlan already specified (keepalived ignores the second)",
    "/t/k.conf:18:14: error: use_ipvlan: interface name 'abcdefghijklmnop' too long (at most 15 bytes)",
  ]);
});

test("an IPv4 use_ipvlan without an address is warned about (keepalived holds it in FAULT, mcast_src_ip or not); with one, or IPv6, it is not", () => {
  const warned = (text: string) => read(text).warnings.map((d) => d.message).filter((m) => m.includes("use_ipvlan"));
  const noAddress = [expect.stringContaining("IPv4 use_ipvlan without an address: keepalived 2.2.7 holds such an instance in FAULT")];
  expect(warned(instance("A", 1, "  use_ipvlan\n"))).toEqual(noAddress);
  expect(warned(instance("A", 1, "  use_ipvlan\n  mcast_src_ip 198.18.5.3\n"))).toEqual(noAddress);
  expect(warned(instance("A", 1, "  use_ipvlan 198.18.5.9/24\n"))).toEqual([]);
  expect(warned("vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  priority 100\n  virtual_ipaddress {\n    fd00::1/64\n  }\n  use_ipvlan\n}\n")).toEqual([]);
});

test("a use_ipvlan address of the other family than the instance's is an error at its file:line:col (keepalived: MUST match vrrp instance family)", () => {
  const r = read(instance("A", 1, "  use_ipvlan fd00::9/64\n"));
  expect(r.errors.map((d) => formatDiagnostic(d).replace(/ \(at '.*$/, ""))).toEqual(["/t/k.conf:8:3: error: use_ipvlan address fd00::9/64 is not of the instance's family (IPv4)"]);
});

test("ipvlans of different types on one interface are warned about (the kernel keeps one type per parent, as the VM test saw)", () => {
  const r = read(instance("A", 1, "  use_ipvlan 198.18.5.201 private\n") + instance("B", 2, "  use_ipvlan 198.18.5.202\n") + instance("C", 3, "  use_ipvlan 198.18.5.203 private\n"));
  expect(r.warnings.map((d) => d.message).filter((m) => m.includes("one type per interface"))).toEqual([
    "use_ipvlan bridge on eth0, where another instance's ipvlan is private: the kernel keeps one type per interface, so the ipvlan created last sets it for all of them",
  ]);
});

test("use_ipvlan with use_vmac: a warning, and the VIPs go on the macvlan", () => {
  const r = read(instance("A", 1, "  use_vmac\n  use_ipvlan\n"));
  expect(r.warnings.map((d) => d.message)).toContain("use_ipvlan and use_vmac both set: the VIPs go on use_vmac's macvlan and no ipvlan is made");
  expect(configPlans(ok(r, "read")).plans[0]!.vmac).not.toHaveProperty("ipvlan");
});

test("keepalived 2.2.7 (keepalived -t) reads vigil's rewrite of use_ipvlan without a complaint, and reports a second type as vigil does", () => {
  const dir = mkdtempSync(`${tmpdir()}/vigil-ipvlan-`);
  try {
    const check = (text: string) => {
      writeFileSync(`${dir}/k.conf`, text);
      // setsid: keepalived's config test signals its own process group on exit
      const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
        { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      // environment, not syntax: this machine has no eth0
      return `${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l && !/doesn't exist|does not exist|Non-existent interface|Unknown interface/.test(l));
    };
    // an IPv4 ipvlan needs an address of its own (keepalived holds it in FAULT otherwise, even with mcast_src_ip: below)
    const c = ok(read(instance("A", 1, "  use_ipvlan ipv1 198.18.5.201/24 private\n") + instance("B", 2, "  use_ipvlan vepa 198.18.5.202\n")), "read");
    expect(check(writeKeepalived(c))).toEqual([]);
    for (const extra of ["  use_ipvlan\n", "  use_ipvlan\n  mcast_src_ip 198.18.5.3\n"]) {
      expect(check(instance("A", 1, extra))).toEqual(["(A) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state"]);
    }
    expect(check(instance("A", 1, "  use_ipvlan private bridge\n")).join("\n")).toContain("(A) ipvlan type already specified - ignoring 'bridge'");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("keepalived.data (SIGUSR1) names the ipvlan as keepalived's dump_vrrp does: i/f, its address, type", () => {
  const c = ok(read(instance("A", 1, "  use_ipvlan ipv1 198.18.5.201/24 private\n") + instance("B", 2, "  use_ipvlan 198.18.5.202\n")), "read");
  const text = formatData(c, { version: "t", pid: 1, startedAt: 0, configFile: "/t/k.conf", instances: [] });
  expect(text.split("\n").filter((l) => l.includes("IPVLAN"))).toEqual([
    "   Use IPVLAN, i/f ipv1, i/f address = 198.18.5.201/24, type private",
    "   Use IPVLAN, i/f vrrp.2, i/f address = 198.18.5.202/32, type bridge",
  ]);
});
