// keepalived use_vmac_addr (2.2.7 vrrp.c vrrp_complete_instance): a VIP or eVIP on
// another interface than the instance's, or of the other address family, goes on
// a vmac of its own — a private macvlan on that interface with the virtual router
// MAC of the VIP's family (RFC 5798 §7.3), one per interface and family, named as
// keepalived's create_vmac_name does (vrrp.VRID; IPv6 then vrrp6.VRID; then
// vrrp1.VRID, vrrp2.VRID, ...). The instance's own family on its own interface stays
// use_vmac's (or the interface's).
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { addrVmacName } from "../../../src/daemon/plan-addr-vmacs.ts";
import { bindPlan } from "../../../src/daemon/plan-bind.ts";
import { type AddrInfo, configPlans, type LinkInfo } from "../../../src/daemon/plan.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (extra: string, vips: string[], evips: string[] = []) =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 72\n  ${extra}\n  virtual_ipaddress {\n${vips.map((v) => `    ${v}\n`).join("")}  }\n` +
  (evips.length ? `  virtual_ipaddress_excluded {\n${evips.map((v) => `    ${v}\n`).join("")}  }\n` : "") + "}\n";
const ETH0: LinkInfo = { index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true, running: true };
const LAN: LinkInfo = { index: 3, name: "lan0", mac: "02:00:00:00:00:02", up: true, running: true };
const V4: AddrInfo = { ifindex: 2, family: 4, address: "198.18.0.1", prefix: 24, scope: 0 };

describe("use_vmac_addr", () => {
  test("keepalived create_vmac_name: vrrp.VRID, IPv6 then vrrp6.VRID, then vrrp1.VRID, vrrp2.VRID, ... (no vrrp6 for IPv4 order)", () => {
    expect(addrVmacName(72, 4, new Set())).toBe("vrrp.72");
    expect(addrVmacName(72, 4, new Set(["vrrp.72"]))).toBe("vrrp1.72");
    expect(addrVmacName(72, 6, new Set(["vrrp.72"]))).toBe("vrrp6.72");
    expect(addrVmacName(72, 6, new Set(["vrrp.72", "vrrp6.72", "vrrp1.72", "vrrp2.72", "vrrp3.72", "vrrp4.72", "vrrp5.72"]))).toBe("vrrp7.72");
    expect(addrVmacName(72, 4, new Set(["vrrp.72", "vrrp1.72", "vrrp2.72", "vrrp3.72", "vrrp4.72", "vrrp5.72"]))).toBe("vrrp6.72");
  });

  test("VIPs on another interface and of the other family get a vmac each (per interface and family, with that family's virtual MAC); the instance's own stay", () => {
    const c = read(conf("use_vmac_addr", ["198.18.0.72/24", "198.18.9.1/24 dev lan0", "198.18.9.2/24 dev lan0"], ["fd00::72/64"])).config!;
    const p = configPlans(c).plans[0]!;
    expect(p.addrVmacs!.map((m) => [m.name, m.parentName, m.family, m.mac])).toEqual([
      ["vrrp.72", "lan0", 4, "00:00:5e:00:01:48"],
      ["vrrp6.72", "eth0", 6, "00:00:5e:00:02:48"],
    ]);
    expect(p.vips.map((v) => [v.address, v.dev, v.vmacOf])).toEqual([
      ["198.18.0.72", "eth0", undefined], ["198.18.9.1", "vrrp.72", "vrrp.72"], ["198.18.9.2", "vrrp.72", "vrrp.72"], ["fd00::72", "vrrp6.72", "vrrp6.72"],
    ]);
    // with use_vmac the instance's family on its own interface is the vmac's; names do not collide
    const both = configPlans(read(conf("use_vmac_addr\n  use_vmac", ["198.18.0.72/24", "198.18.9.1/24 dev lan0"])).config!).plans[0]!;
    expect([both.vmac!.name, both.addrVmacs!.map((m) => m.name)]).toEqual(["vrrp.72", ["vrrp1.72"]]);
    expect(both.vips.map((v) => [v.dev, v.onVmac === true])).toEqual([["vrrp.72", true], ["vrrp1.72", false]]);
    // without the keyword nothing moves
    const plain = configPlans(read(conf("priority 100", ["198.18.0.72/24", "198.18.9.1/24 dev lan0"])).config!).plans[0]!;
    expect([plain.addrVmacs, plain.vips.map((v) => v.dev)]).toEqual([undefined, ["eth0", "lan0"]]);
  });

  test("an address's own use_vmac flag: a vmac of its own even on the instance's interface and family, unless the instance's vmac carries it", () => {
    const own = configPlans(read(conf("priority 100", ["198.18.0.72/24 use_vmac", "198.18.0.73/24"])).config!).plans[0]!;
    expect([own.addrVmacs!.map((m) => [m.name, m.parentName, m.mac]), own.vips.map((v) => v.dev)]).toEqual([[["vrrp.72", "eth0", "00:00:5e:00:01:48"]], ["vrrp.72", "eth0"]]);
    const withVmac = read(conf("use_vmac", ["198.18.0.72/24 use_vmac", "198.18.9.1/24 dev lan0 use_vmac"]));
    const p = configPlans(withVmac.config!).plans[0]!;
    expect(p.vips.map((v) => [v.dev, v.onVmac === true])).toEqual([["vrrp.72", true], ["vrrp1.72", false]]);
    expect(withVmac.warnings.map((w) => w.message)).toContain("use_vmac on 198.18.0.72 and on the instance: the instance's vmac carries it (as keepalived)");
    const both = read(conf("use_vmac_addr", ["198.18.0.72/24", "198.18.9.1/24 dev lan0 use_vmac"]));
    expect(both.warnings.map((w) => [w.loc?.line, w.message])).toContainEqual([7, "use_vmac on 198.18.9.1 repeats use_vmac_addr, which already gives it a vmac"]);
    // written back as keepalived reads it; a static address cannot have it (keepalived: unknown entry)
    expect(writeKeepalived(withVmac.config!)).toContain("        198.18.9.1/24 dev lan0 use_vmac\n");
    expect(read(writeKeepalived(withVmac.config!)).config).toEqual(withVmac.config);
    const stat = read(`static_ipaddress {\n  198.18.5.5/24 dev eth0 use_vmac\n}\n${conf("priority 100", ["198.18.0.72/24"])}`);
    expect(stat.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining("unknown address option"));
    expect(stat.config!.staticIpaddress[0]!.useVmac).toBeUndefined();
    const json = JSON.parse(configToJson(stat.config!));
    json.staticIpaddress[0].useVmac = true;
    expect(readJson(JSON.stringify(json)).errors.map((e) => e.message)).toContain("use_vmac is for virtual addresses; a static_ipaddress entry cannot have it");
  });

  test("binding: the vmac's own interface must exist (else the instance waits, naming it); its index is filled in", () => {
    const t = configPlans(read(conf("use_vmac_addr", ["198.18.0.72/24", "198.18.9.1/24 dev lan0"])).config!).plans[0]!;
    const missing = bindPlan(t, [ETH0], [V4]);
    expect("wait" in missing && missing.wait).toMatchObject({ reason: "interface lan0 (of use_vmac_addr's vrrp.72) does not exist", absent: true });
    const b = bindPlan(t, [ETH0, LAN], [V4]);
    expect("plan" in b && b.plan.addrVmacs!.map((m) => [m.name, m.parent])).toEqual([["vrrp.72", 3]]);
    expect("plan" in b && b.plan.vips[1]!.ifindex).toBe(0);
  });

  test("read, written back, through JSON and CBOR; without a VIP to move it is warned about", () => {
    const c = read(conf("use_vmac_addr", ["198.18.0.72/24", "198.18.9.1/24 dev lan0"])).config!;
    expect(c.instances[0]!.useVmacAddr).toBe(true);
    expect(writeKeepalived(c)).toContain("    use_vmac_addr\n");
    expect(read(writeKeepalived(c)).config).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
    const idle = read(conf("use_vmac_addr", ["198.18.0.72/24"]));
    expect(idle.warnings.map((w) => [w.loc?.line, w.message])).toContainEqual([4, expect.stringContaining("use_vmac_addr gives a vmac to VIPs on another interface")]);
  });
});
