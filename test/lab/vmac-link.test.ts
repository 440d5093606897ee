// The use_vmac adapter against a real kernel, in a throwaway namespace: create,
// adopt, replace, refuse, sysctls (keepalived's vrrp_if_config.c set plus
// arp_announce) and their restoration, and the IPv6 vmac's link-local address.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "bun";
import { readFileSync, rmSync } from "node:fs";
import { ensureVmac, procSysctl, redirectedVmacs, removeVmac, type Sysctl, type VmacSpec } from "../../src/daemon/vmac.ts";
import { VrrpSocket } from "../../src/sys/vrrp-socket.ts";
import type { NetlinkSocket } from "../../src/sys/netlink/socket.ts";
import { openRtnetlink } from "../../src/sys/rtnetlink/socket.ts";
import { Netns } from "../helpers/netns.ts";

let ns: Netns;
let nl: NetlinkSocket;
let parent = 0;

interface IpLink { ifindex: number; ifname: string; address: string; link?: string; flags: string[]; linkinfo?: { info_kind: string; info_data?: { mode?: string } } }
function link(dev: string): IpLink | null {
  const out = ns.exec(["ip", "-j", "-d", "link", "show", "dev", dev], { allowFail: true });
  return out.trim() ? (JSON.parse(out) as IpLink[])[0] ?? null : null;
}
const sysctl = (path: string) => ns.exec(["cat", `/proc/sys/${path}`]).trim();
const parentArp = () => ["arp_ignore", "arp_filter", "arp_announce"].map((k) => sysctl(`net/ipv4/conf/eth0/${k}`));

const spec = (vrid: number, extra: Partial<VmacSpec> = {}): VmacSpec => ({
  name: `vrrp.${vrid}`, mac: `00:00:5e:00:01:${vrid.toString(16).padStart(2, "0")}`, parent, parentName: "eth0",
  family: 4, ipv6Vips: false, ...extra,
});

beforeAll(() => {
  ns = new Netns("vmacl");
  // no dummy module on this kernel: a veth pair whose peer stays here
  ns.exec(["ip", "link", "add", "eth0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "p0"]);
  ns.exec(["ip", "link", "set", "p0", "up"]);
  ns.exec(["ip", "link", "set", "eth0", "up"]);
  ns.exec(["ip", "addr", "add", "fe80::1/64", "dev", "eth0", "nodad"]);
  parent = link("eth0")!.ifindex;
  nl = openRtnetlink({ netns: ns.name });
});

afterAll(() => {
  nl?.close();
  ns?.delete();
});

test("creates a private macvlan with the virtual MAC, up, with keepalived's sysctls; removal restores the parent's ARP sysctls", () => {
  const warnings: string[] = [];
  expect(parentArp()).toEqual(["0", "0", "0"]);
  const h = ns.run(() => ensureVmac(nl, spec(51), (m) => warnings.push(m)));
  expect(h.adopted).toBe(false);
  const l = link("vrrp.51");
  expect(l).toMatchObject({ ifindex: h.index, address: "00:00:5e:00:01:33", link: "eth0", linkinfo: { info_kind: "macvlan", info_data: { mode: "private" } } });
  expect(l!.flags).toContain("UP");
  expect(["arp_ignore", "accept_local", "rp_filter", "promote_secondaries"].map((k) => sysctl(`net/ipv4/conf/vrrp.51/${k}`))).toEqual(["1", "1", "0", "1"]);
  expect(sysctl("net/ipv6/conf/vrrp.51/disable_ipv6")).toBe("1");
  expect(parentArp()).toEqual(["1", "1", "2"]);
  ns.run(() => removeVmac(nl, h, (m) => warnings.push(m)));
  expect(link("vrrp.51")).toBeNull();
  expect(parentArp()).toEqual(["0", "0", "0"]);
  expect(warnings).toEqual([]);
});

test("adopts a leftover vmac with the right MAC, parent and mode (same ifindex, nothing recreated)", () => {
  ns.exec(["ip", "link", "add", "vrrp.9", "link", "eth0", "address", "00:00:5e:00:01:09", "type", "macvlan", "mode", "private"]);
  const before = link("vrrp.9")!.ifindex;
  const h = ns.run(() => ensureVmac(nl, spec(9), () => {}));
  expect(h).toMatchObject({ adopted: true, index: before });
  expect(link("vrrp.9")!.flags).toContain("UP");
  ns.run(() => removeVmac(nl, h, () => {}));
  expect(link("vrrp.9")).toBeNull();
});

test("replaces a macvlan of that name with the wrong MAC or mode, and says so", () => {
  ns.exec(["ip", "link", "add", "vrrp.10", "link", "eth0", "address", "02:00:00:00:10:10", "type", "macvlan", "mode", "bridge"]);
  const warnings: string[] = [];
  const h = ns.run(() => ensureVmac(nl, spec(10), (m) => warnings.push(m)));
  expect(h.adopted).toBe(false);
  expect(link("vrrp.10")).toMatchObject({ address: "00:00:5e:00:01:0a", linkinfo: { info_data: { mode: "private" } } });
  expect(warnings).toEqual(["use_vmac vrrp.10: existing macvlan has MAC 02:00:00:00:10:10 on link " + parent + "; replacing it with 00:00:5e:00:01:0a on eth0"]);
  ns.run(() => removeVmac(nl, h, () => {}));
});

test("refuses to take over a real interface that carries the vmac's name, and leaves it alone", () => {
  ns.exec(["ip", "link", "add", "vrrp.11", "type", "veth", "peer", "name", "x11"]);
  expect(() => ns.run(() => ensureVmac(nl, spec(11), () => {}))).toThrow(
    "use_vmac vrrp.11: an interface of that name exists and is not a macvlan (veth); vigil will not take it over");
  expect(link("vrrp.11")?.linkinfo?.info_kind).toBe("veth");
  ns.exec(["ip", "link", "del", "vrrp.11"]);
  expect(() => ns.run(() => ensureVmac(nl, spec(12, { name: "eth0" }), () => {}))).toThrow("cannot have the name of its own interface");
});

test("two vmacs on one parent: the parent's ARP sysctls go back only when the last one is removed", () => {
  const a = ns.run(() => ensureVmac(nl, spec(21), () => {}));
  const b = ns.run(() => ensureVmac(nl, spec(22), () => {}));
  ns.run(() => removeVmac(nl, a, () => {}));
  expect(parentArp()).toEqual(["1", "1", "2"]);
  ns.run(() => removeVmac(nl, b, () => {}));
  expect(parentArp()).toEqual(["0", "0", "0"]);
});

test("a parent ARP knob someone else changed while the vmac ran keeps their value; the ones still ours go back", () => {
  const h = ns.run(() => ensureVmac(nl, spec(23), () => {}));
  expect(parentArp()).toEqual(["1", "1", "2"]);
  ns.exec(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_announce"]);
  ns.run(() => removeVmac(nl, h, () => {}));
  expect(parentArp()).toEqual(["0", "0", "1"]);
  ns.exec(["sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_announce"]);
});

test("a sysctl that cannot be written is a warning naming it, not a failure", () => {
  const warnings: string[] = [];
  const failing: Sysctl = {
    read: (p) => procSysctl.read(p),
    write: (p, v) => {
      if (p.endsWith("/accept_local")) throw new Error("EACCES (test)");
      procSysctl.write(p, v);
    },
  };
  const h = ns.run(() => ensureVmac(nl, spec(30), (m) => warnings.push(m), failing));
  expect(warnings).toEqual(["use_vmac: cannot set net.ipv4.conf.vrrp.30.accept_local = 1: EACCES (test)"]);
  expect(link("vrrp.30")!.flags).toContain("UP");
  ns.run(() => removeVmac(nl, h, () => {}, failing));
  expect(link("vrrp.30")).toBeNull();
});

test("RFC 5798 §7.4: an IPv6 vmac gets no EUI-64 link-local from the virtual MAC, only the parent's link-local as advert source", () => {
  const h = ns.run(() => ensureVmac(nl, spec(40, { mac: "00:00:5e:00:02:28", family: 6, linkLocal: "fe80::1" }), () => {}));
  expect(sysctl("net/ipv6/conf/vrrp.40/addr_gen_mode")).toBe("1");
  const out = JSON.parse(ns.exec(["ip", "-j", "-6", "addr", "show", "dev", "vrrp.40"])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  expect(out[0].addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(["fe80::1/64"]);
  // IPv4-only knobs are keepalived's for IPv4 vmacs; the parent is untouched here
  expect(parentArp()).toEqual(["0", "0", "0"]);
  ns.run(() => removeVmac(nl, h, () => {}));
  expect(link("vrrp.40")).toBeNull();
});

test("IGMP reports for a group joined on the vmac leave from the parent's MAC, never the virtual one (keepalived's nftables dup + drop)", async () => {
  const h = ns.run(() => ensureVmac(nl, spec(60), () => {}));
  expect(redirectedVmacs()).toBe(1);
  const file = `/tmp/vt-vmacl-igmp-${process.pid}.txt`;
  // the veth peer p0 sees exactly what leaves eth0
  const dump = spawn([...ns.prefix(), "timeout", "6", "tcpdump", "-i", "p0", "-e", "-n", "-l", "--immediate-mode", "igmp"], { stdout: Bun.file(file), stderr: "ignore" });
  let sock: VrrpSocket | null = null;
  try {
    await Bun.sleep(800);
    // the daemon's own socket joins 224.0.0.18 on the vmac: the kernel reports it at once and once more shortly after
    sock = ns.run(() => new VrrpSocket({ family: 4, ifname: "vrrp.60" }));
    await Bun.sleep(1500);
  } finally {
    sock?.close();
    dump.kill();
    await dump.exited;
  }
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.includes("igmp"));
  rmSync(file, { force: true });
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.includes("00:00:5e:00:01:3c"))).toEqual([]);
  expect(lines.every((l) => l.includes("02:00:00:00:00:01 >"))).toBe(true);
  ns.run(() => removeVmac(nl, h, () => {}));
  expect(redirectedVmacs()).toBe(0);
}, 20_000);
