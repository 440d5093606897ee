import { expect, test } from "bun:test";
import { readKeepalivedText } from "./plan-helpers.ts";
import { planInstances, type AddrInfo, type LinkInfo } from "../../../src/daemon/plan.ts";

const links: LinkInfo[] = [
  { index: 1, name: "lo", mac: "", up: true },
  { index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true },
  { index: 3, name: "eth1", mac: "02:00:00:00:00:02", up: true },
];
const addrs: AddrInfo[] = [
  { ifindex: 1, family: 4, address: "127.0.0.1", prefix: 8, scope: 254 },
  { ifindex: 2, family: 4, address: "198.18.0.1", prefix: 24, scope: 0 },
  { ifindex: 2, family: 6, address: "fd00::1", prefix: 64, scope: 0 },
  { ifindex: 2, family: 6, address: "fe80::1", prefix: 64, scope: 253 },
];

test("an instance sends from its interface's first IPv4 address; VIP attributes carry through", () => {
  const cfg = readKeepalivedText(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 120
  advert_int 1
  virtual_ipaddress {
    198.18.0.100/24 dev eth1 label eth1:vip
    198.18.0.101
  }
  virtual_ipaddress_excluded { 198.18.1.1/32 }
}`);
  const { plans, errors } = planInstances(cfg, links, addrs);
  expect(errors).toEqual([]);
  const p = plans[0];
  expect(p.params.primary).toBe("198.18.0.1");
  expect(p.params.vips).toEqual(["198.18.0.100", "198.18.0.101"]);
  expect(p.vips.map((v) => [v.address, v.prefix, v.dev, v.label ?? "", v.advertised])).toEqual([
    ["198.18.0.100", 24, "eth1", "eth1:vip", true],
    ["198.18.0.101", 32, "eth0", "", true],
    ["198.18.1.1", 32, "eth0", "", false],
  ]);
  expect(p.vipLifetimeMs).toBe(3000);
});

test("RFC 5798 §5.1.2.1: IPv6 instances send from the link-local address and run VRRPv3 even under vrrp_version 2", () => {
  const cfg = readKeepalivedText(`
global_defs { vrrp_version 2 }
vrrp_instance V6 {
  interface eth0
  virtual_router_id 7
  priority 100
  advert_int 1
  virtual_ipaddress { fd00::100/64 }
}`);
  const { plans, errors } = planInstances(cfg, links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].params.primary).toBe("fe80::1");
  expect(plans[0].params.version).toBe(3);
  expect(plans[0].params.family).toBe(6);
});

test("an absent interface makes its instance wait (boot order), not an error; a missing track_interface is named and counts as down", () => {
  const cfg = readKeepalivedText(`
vrrp_script chk { script "/bin/true" }
vrrp_instance A {
  interface eth9
  virtual_router_id 1
  priority 100
  advert_int 1
  virtual_ipaddress { 198.18.0.50 }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  priority 100
  advert_int 1
  virtual_ipaddress { 198.18.0.51 }
  track_interface { eth7 weight -10 }
  track_script { chk weight 5 }
}`);
  const { templates, plans, waiting, errors } = planInstances(cfg, links, addrs);
  expect(templates.map((p) => p.name)).toEqual(["A", "B"]);
  expect(plans.map((p) => p.name)).toEqual(["B"]);
  expect(waiting.map((w) => [w.plan.name, w.block])).toEqual([["A", { reason: "interface eth9 does not exist", interfaces: ["eth9"], absent: true }]]);
  expect(errors).toEqual(["vrrp_instance B: track_interface eth7 does not exist (treated as down)"]);
  expect(plans[0].trackInterfaces).toEqual([{ name: "eth7", ifindex: 0, weight: -10 }]);
  expect(plans[0].trackScripts[0]).toMatchObject({ name: "chk", script: "/bin/true", weight: 5 });
});

test("a config error the core's parameter check finds leaves the instance out at plan time (retrying never fixes it)", () => {
  const cfg = readKeepalivedText(`
vrrp_instance P {
  interface eth9
  virtual_router_id 4
  priority 100
  advert_int 1
  version 2
  authentication { auth_type PASS
    auth_pass secret }
  virtual_ipaddress { 198.18.0.52 }
}`);
  // a model validation would refuse (JSON pushed past it, say): the core's own check stops it
  cfg.instances[0]!.authentication!.pass = "123456789";
  const { templates, waiting, errors } = planInstances(cfg, links, addrs);
  expect(templates).toEqual([]);
  expect(waiting).toEqual([]);
  expect(errors).toEqual(["vrrp instance P: auth_pass must be 1..8 bytes, got 9"]);
});

test("vip_lifetime permanent opts out of kernel lifetimes; unicast peers carry through", () => {
  const cfg = readKeepalivedText(`
global_defs { vip_lifetime permanent }
vrrp_instance U {
  interface eth0
  virtual_router_id 3
  priority 100
  advert_int 1
  unicast_src_ip 198.18.0.1
  unicast_peer {
    198.18.0.2
    198.18.0.3
  }
  virtual_ipaddress { 198.18.0.60 }
}`);
  const { plans } = planInstances(cfg, links, addrs);
  expect(plans[0].vipLifetimeMs).toBe("permanent");
  expect(plans[0].params.unicastPeers).toEqual(["198.18.0.2", "198.18.0.3"]);
});
