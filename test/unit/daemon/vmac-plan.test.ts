// use_vmac in the plan (pure): which macvlan an instance gets, which MAC, which VIPs
// move onto it and what the runtime is told to bind.
import { expect, test } from "bun:test";
import { readKeepalivedText } from "./plan-helpers.ts";
import { planInstances, type AddrInfo, type LinkInfo } from "../../../src/daemon/plan.ts";

const links: LinkInfo[] = [
  { index: 1, name: "lo", mac: "", up: true },
  { index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true },
  { index: 3, name: "eth1", mac: "02:00:00:00:00:02", up: true },
];
const addrs: AddrInfo[] = [
  { ifindex: 2, family: 4, address: "198.18.0.1", prefix: 24, scope: 0 },
  { ifindex: 2, family: 6, address: "fe80::1", prefix: 64, scope: 253 },
  { ifindex: 3, family: 4, address: "198.18.1.1", prefix: 24, scope: 0 },
];

const inst = (name: string, vrid: number, extra: string, vips: string) => `
vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  ${extra}
  virtual_ipaddress {
${vips}
  }
}`;

test("RFC 5798 §7.3: use_vmac gives an IPv4 instance vrrp.<VRID> with MAC 00:00:5e:00:01:<VRID> on its interface", () => {
  const { plans, errors } = planInstances(readKeepalivedText(inst("VI_1", 51, "use_vmac", "198.18.0.100")), links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].vmac).toEqual({
    name: "vrrp.51", mac: "00:00:5e:00:01:33", parent: 2, parentName: "eth0", family: 4, xmitBase: false, ipv6Vips: false,
  });
  // the socket binds to a link that does not exist yet: no ifindex filter from the plan
  expect(plans[0].params.ifindex).toBe(0);
  expect(plans[0].params.primary).toBe("198.18.0.1");
});

test("RFC 5798 §7.3: an IPv6 instance gets 00:00:5e:00:02:<VRID> and keeps its link-local advert source for the vmac", () => {
  const { plans, errors } = planInstances(readKeepalivedText(inst("VI6_1", 255, "use_vmac", "fd00::100/128")), links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].vmac).toMatchObject({ name: "vrrp.255", mac: "00:00:5e:00:02:ff", family: 6, linkLocal: "fe80::1" });
});

test("use_vmac: VIPs meant for the instance's interface move onto the vmac (ifindex left to the runtime); `dev` VIPs elsewhere stay", () => {
  const { plans, errors } = planInstances(readKeepalivedText(inst("VI_1", 7, "use_vmac\n  virtual_ipaddress_excluded {\n    fd00::7/128\n  }",
    "    198.18.0.100\n    198.18.0.101/24 dev eth0\n    198.18.1.100 dev eth1")), links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].vips.map((v) => [v.address, v.dev, v.ifindex, v.onVmac ?? false])).toEqual([
    ["198.18.0.100", "vrrp.7", 0, true],
    ["198.18.0.101", "vrrp.7", 0, true],
    ["198.18.1.100", "eth1", 3, false],
    ["fd00::7", "vrrp.7", 0, true],
  ]);
  // an IPv6 VIP on an IPv4 vmac keeps IPv6 enabled there
  expect(plans[0].vmac?.ipv6Vips).toBe(true);
});

test("use_vmac NAME and vmac_xmit_base carry through; without use_vmac nothing changes", () => {
  const cfg = readKeepalivedText(inst("VI_1", 9, "use_vmac vip9\n  vmac_xmit_base", "198.18.0.100") + inst("VI_2", 10, "", "198.18.0.110"));
  const { plans, errors } = planInstances(cfg, links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].vmac).toMatchObject({ name: "vip9", xmitBase: true });
  expect(plans[1].vmac).toBeUndefined();
  expect(plans[1].params.ifindex).toBe(2);
  expect(plans[1].vips[0]).toMatchObject({ dev: "eth0", ifindex: 2 });
  expect(plans[1].vips[0].onVmac).toBeUndefined();
});

test("use_vmac: an IPv6 instance sharing a VRID with an IPv4 one falls back to vrrp6.<VRID>, as keepalived does", () => {
  const cfg = readKeepalivedText(inst("VI_4", 20, "use_vmac", "198.18.0.120") + inst("VI_6", 20, "use_vmac", "fd00::20/128"));
  const { plans, errors } = planInstances(cfg, links, addrs);
  expect(errors).toEqual([]);
  expect(plans.map((p) => [p.vmac?.name, p.vmac?.mac])).toEqual([["vrrp.20", "00:00:5e:00:01:14"], ["vrrp6.20", "00:00:5e:00:02:14"]]);
});

test("use_vmac: a name that is the instance's own interface or another instance's vmac is a clear error", () => {
  const own = planInstances(readKeepalivedText(inst("VI_1", 5, "use_vmac eth0", "198.18.0.100")), links, addrs);
  expect(own.plans).toEqual([]);
  expect(own.errors).toEqual(["vrrp_instance VI_1: use_vmac eth0 names the instance's own interface"]);
  const twice = planInstances(readKeepalivedText(inst("VI_1", 5, "use_vmac", "198.18.0.100") + inst("VI_2", 6, "use_vmac vrrp.5", "198.18.0.101")), links, addrs);
  expect(twice.plans.map((p) => p.name)).toEqual(["VI_1"]);
  expect(twice.errors).toEqual(["vrrp_instance VI_2: use_vmac vrrp.5 names another instance's vmac"]);
});

test("use_vmac plans are stable across replanning once the vmac exists (a reload must not restart the instance)", () => {
  const cfg = readKeepalivedText(inst("VI_1", 51, "use_vmac", "198.18.0.100"));
  const before = planInstances(cfg, links, addrs).plans[0];
  const after = planInstances(cfg, [...links, { index: 9, name: "vrrp.51", mac: "00:00:5e:00:01:33", up: true }], addrs).plans[0];
  expect(JSON.stringify({ ...after, source: undefined })).toBe(JSON.stringify({ ...before, source: undefined }));
});

test("use_vmac in unicast mode: adverts go from the parent (keepalived 2.2.7 sends unicast adverts from the parent's MAC)", () => {
  const cfg = readKeepalivedText(inst("VI_1", 12, "use_vmac\n  unicast_peer {\n    198.18.0.2\n  }", "198.18.0.100"));
  const { plans, errors } = planInstances(cfg, links, addrs);
  expect(errors).toEqual([]);
  expect(plans[0].vmac).toMatchObject({ name: "vrrp.12", xmitBase: true });
});
