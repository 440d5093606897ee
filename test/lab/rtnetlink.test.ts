// rtnetlink adapter against the real kernel, inside a throwaway namespace, with
// iproute2 (`ip -j`) as the oracle. Addresses: 198.18.0.0/15 and fd00::/8 only.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { IFA_F_NODAD, IFA_F_NOPREFIXROUTE, MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PRIVATE, RT_SCOPE_LINK } from "../../src/sys/abi.ts";
import { SysError } from "../../src/sys/errno.ts";
import type { NetlinkSocket } from "../../src/sys/netlink/socket.ts";
import { addAddress, deleteAddress, listAddresses, removeAddressIfPresent, replaceAddress } from "../../src/sys/rtnetlink/address.ts";
import { AddressLease } from "../../src/sys/rtnetlink/address-lease.ts";
import { deleteLink, getLink, listLinks, setLinkUp } from "../../src/sys/rtnetlink/link.ts";
import { createMacvlan } from "../../src/sys/rtnetlink/macvlan.ts";
import { vrrpMac } from "../../src/vrrp/virtual-mac.ts";
import { type RtEvent, RtMonitor } from "../../src/sys/rtnetlink/monitor.ts";
import { openRtnetlink } from "../../src/sys/rtnetlink/socket.ts";
import { BUN, Netns, ROOT, sh } from "../helpers/netns.ts";

let ns: Netns;
let sock: NetlinkSocket;
let mon: RtMonitor;
let d0 = 0;
let d1 = 0;
const tmp = mkdtempSync(`${tmpdir()}/vt-rtnl-`);

// biome-ignore lint: iproute2 JSON is loosely typed
type IpJson = any;
const ipAddr = (dev: string): IpJson[] => JSON.parse(ns.exec(["ip", "-j", "addr", "show", "dev", dev]))[0]?.addr_info ?? [];
const ipLink = (dev: string): IpJson => JSON.parse(ns.exec(["ip", "-j", "-d", "link", "show", "dev", dev]))[0];
const hasAddr = (dev: string, a: string) => ipAddr(dev).some((x) => x.local === a);

function sysErr(fn: () => unknown): SysError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SysError) return e;
    throw e;
  }
  throw new Error("expected a SysError, the call succeeded");
}

beforeAll(() => {
  ns = new Netns("rtnl");
  ns.exec(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
  sock = openRtnetlink({ netns: ns.name });
  mon = new RtMonitor({ netns: ns.name });
  d0 = getLink(sock, "d0").index;
  d1 = getLink(sock, "d1").index;
});

afterAll(() => {
  sock?.close();
  mon?.close();
  ns?.delete();
  rmSync(tmp, { recursive: true, force: true });
});

describe("rtnetlink links", () => {
  test("listLinks agrees with `ip -j -d link` on index, name, mtu, MAC, flags and kind", () => {
    const oracle: IpJson[] = JSON.parse(ns.exec(["ip", "-j", "-d", "link"]));
    const ours = listLinks(sock);
    expect(ours.map((l) => l.index).sort()).toEqual(oracle.map((l) => l.ifindex).sort());
    for (const o of oracle) {
      const l = ours.find((x) => x.index === o.ifindex)!;
      expect(l.name).toBe(o.ifname);
      expect(l.mtu).toBe(o.mtu);
      expect(l.mac).toBe(o.address);
      expect(l.up).toBe(o.flags.includes("UP"));
      expect(l.kind).toBe(o.linkinfo?.info_kind ?? "");
    }
    expect(ours.find((l) => l.name === "d0")!.parent).toBe(d1);
  });

  test("setLinkUp raises and lowers IFF_UP only", () => {
    setLinkUp(sock, d0, true);
    setLinkUp(sock, d1, true);
    expect(ipLink("d1").flags).toContain("UP");
    expect(getLink(sock, d1).up).toBe(true);
    setLinkUp(sock, d1, false);
    expect(ipLink("d1").flags).not.toContain("UP");
    expect(ipLink("d1").mtu).toBe(1500);
    setLinkUp(sock, d1, true);
    // veth carrier needs both ends up: the kernel reports RUNNING once it settles
    expect(getLink(sock, d1).up).toBe(true);
  });

  test("a missing link is SysError ENODEV naming the lookup", () => {
    const e = sysErr(() => getLink(sock, "vt-nolink"));
    expect(e.code).toBe("ENODEV");
    expect(e.message).toContain("get link vt-nolink");
    expect(sysErr(() => setLinkUp(sock, 99999, true)).code).toBe("ENODEV");
  });
});

describe("rtnetlink addresses", () => {
  test("IPv4 add with label, scope, broadcast and finite lifetimes shows up in `ip -j addr`", () => {
    addAddress(sock, { index: d0, address: "198.18.0.1", prefixlen: 24, label: "d0:vip", broadcast: "auto", validLft: 300, preferredLft: 200 });
    addAddress(sock, { index: d0, address: "198.18.5.5", prefixlen: 32, scope: RT_SCOPE_LINK, broadcast: "198.18.5.255" });
    const a = ipAddr("d0").find((x) => x.local === "198.18.0.1");
    expect(a).toMatchObject({ prefixlen: 24, label: "d0:vip", broadcast: "198.18.0.255", scope: "global", dynamic: true });
    expect(a.valid_life_time).toBeLessThanOrEqual(300);
    expect(a.valid_life_time).toBeGreaterThan(250);
    expect(a.preferred_life_time).toBeLessThanOrEqual(200);
    const b = ipAddr("d0").find((x) => x.local === "198.18.5.5");
    expect(b).toMatchObject({ prefixlen: 32, scope: "link", broadcast: "198.18.5.255", valid_life_time: 4294967295 });
  });

  test("IPv6 add with IFA_F_NODAD and IFA_F_NOPREFIXROUTE (flags above 0xff travel in IFA_FLAGS)", () => {
    addAddress(sock, { index: d0, address: "fd00:198:18::1", prefixlen: 64, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE, validLft: 300 });
    const a = ipAddr("d0").find((x) => x.local === "fd00:198:18::1");
    expect(a).toMatchObject({ family: "inet6", prefixlen: 64, nodad: true, noprefixroute: true });
    expect(a.tentative).toBeUndefined();
    const route = ns.exec(["ip", "-6", "route", "show", "dev", "d0"]);
    expect(route).not.toContain("fd00:198:18::/64");
  });

  test("listAddresses agrees with `ip -j addr` (addresses, prefixes, labels, flags, lifetimes)", () => {
    const ours = listAddresses(sock, { index: d0 });
    const oracle = ipAddr("d0");
    expect(ours.map((a) => a.address).sort()).toEqual(oracle.map((a) => a.local).sort());
    for (const o of oracle) {
      const a = ours.find((x) => x.address === o.local)!;
      expect(a.family).toBe(o.family === "inet" ? 4 : 6);
      expect(a.prefixlen).toBe(o.prefixlen);
      if (a.family === 4) expect(a.label).toBe(o.label);
      expect(a.broadcast).toBe(o.broadcast);
      // lifetimes tick between the two reads: allow a few seconds
      expect(Math.abs(a.validLft - o.valid_life_time)).toBeLessThanOrEqual(3);
    }
    expect(listAddresses(sock, { family: 6, index: d0 }).every((a) => a.family === 6)).toBe(true);
  });

  test("NLM_F_REPLACE refreshes the lifetime of an existing address", () => {
    replaceAddress(sock, { index: d0, address: "198.18.0.1", prefixlen: 24, label: "d0:vip", broadcast: "auto", validLft: 5000 });
    const a = ipAddr("d0").find((x) => x.local === "198.18.0.1");
    expect(a.valid_life_time).toBeGreaterThan(4900);
    expect(ipAddr("d0").filter((x) => x.local === "198.18.0.1")).toHaveLength(1);
  });

  test("adding an address twice is SysError EEXIST naming the address", () => {
    const e = sysErr(() => addAddress(sock, { index: d0, address: "198.18.0.1", prefixlen: 24 }));
    expect(e.code).toBe("EEXIST");
    expect(e.message).toContain(`add address 198.18.0.1/24 on link ${d0}`);
    expect(e.message).toMatch(/kernel: .*already assigned/i); // the extended ack text travels along
  });

  test("deleting an address the link lacks is SysError EADDRNOTAVAIL; delete removes it", () => {
    expect(sysErr(() => deleteAddress(sock, { index: d0, address: "198.18.9.9", prefixlen: 24 })).code).toBe("EADDRNOTAVAIL");
    deleteAddress(sock, { index: d0, address: "198.18.5.5", prefixlen: 32 });
    expect(hasAddr("d0", "198.18.5.5")).toBe(false);
    expect(removeAddressIfPresent(sock, { index: d0, address: "198.18.5.5", prefixlen: 32 })).toBe(false);
    expect(sysErr(() => removeAddressIfPresent(sock, { index: 99999, address: "198.18.5.5", prefixlen: 32 })).code).toBe("ENODEV");
  });

  test("a point-to-point address (keepalived peer): added, replaced and deleted naming local and peer; an IPv4 delete naming only the local one finds nothing", () => {
    for (const [address, peer, prefixlen] of [["198.18.77.1", "198.18.77.2", 32], ["fd00:77::1", "fd00:77::2", 128]] as const) {
      addAddress(sock, { index: d0, address, prefixlen, peer, flags: IFA_F_NODAD, validLft: 30 });
      replaceAddress(sock, { index: d0, address, prefixlen, peer, flags: IFA_F_NODAD, validLft: 5000 });
      const held = ipAddr("d0").filter((x) => x.local === address);
      expect(held.map((x) => [x.address, x.prefixlen, x.valid_life_time > 4900])).toEqual([[peer, prefixlen, true]]);
      expect(listAddresses(sock, { index: d0 }).find((x) => x.address === address)).toMatchObject({ peer, prefixlen });
    }
    // the kernel's inet_rtm_deladdr matches IFA_ADDRESS against the peer: vigil's VIP removal must name it
    expect(removeAddressIfPresent(sock, { index: d0, address: "198.18.77.1", prefixlen: 32 })).toBe(false);
    expect(removeAddressIfPresent(sock, { index: d0, address: "198.18.77.1", prefixlen: 32, peer: "198.18.77.2" })).toBe(true);
    expect(removeAddressIfPresent(sock, { index: d0, address: "fd00:77::1", prefixlen: 128, peer: "fd00:77::2" })).toBe(true);
    expect(hasAddr("d0", "198.18.77.1") || hasAddr("d0", "fd00:77::1")).toBe(false);
  });

  test("an address on a missing link is SysError ENODEV", () => {
    expect(sysErr(() => addAddress(sock, { index: 99999, address: "198.18.0.7", prefixlen: 24 })).code).toBe("ENODEV");
  });

  test("bad lifetimes and IPv6 labels are refused before reaching the kernel", () => {
    expect(() => addAddress(sock, { index: d0, address: "198.18.0.8", prefixlen: 24, validLft: 0 })).toThrow(/valid lifetime 0/);
    expect(() => addAddress(sock, { index: d0, address: "198.18.0.8", prefixlen: 24, validLft: 5, preferredLft: 9 })).toThrow(/preferred lifetime 9/);
    expect(() => addAddress(sock, { index: d0, address: "fd00::8", prefixlen: 64, label: "d0:x" })).toThrow(/IPv4-only/);
    expect(() => addAddress(sock, { index: d0, address: "198.18.0.256", prefixlen: 24 })).toThrow(/invalid address/);
  });

  test("without CAP_NET_ADMIN the kernel answers EPERM, reported as SysError naming the operation", () => {
    const script = `${tmp}/eperm.ts`;
    writeFileSync(script, `
      import { addAddress } from "${ROOT}/src/sys/rtnetlink/address.ts";
      import { openRtnetlink } from "${ROOT}/src/sys/rtnetlink/socket.ts";
      const s = openRtnetlink();
      try { addAddress(s, { index: ${d0}, address: "198.18.0.66", prefixlen: 24 }); console.log("added"); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
    `);
    const out = ns.exec(["setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin", BUN, script]).trim();
    const r = JSON.parse(out);
    expect(r).toMatchObject({ name: "SysError", code: "EPERM" });
    expect(r.message).toContain("add address 198.18.0.66/24");
    expect(hasAddr("d0", "198.18.0.66")).toBe(false);
  });
});

describe("split brain: the kernel removes a VIP whose lease is not renewed", () => {
  test("valid_lft 2 s addresses expire (IPv4 and IPv6) while a renewed lease survives, then expires once renewals stop", async () => {
    addAddress(sock, { index: d0, address: "198.18.0.20", prefixlen: 32, validLft: 2 });
    addAddress(sock, { index: d0, address: "fd00:198:18::20", prefixlen: 128, flags: IFA_F_NODAD, validLft: 2 });
    const lease = new AddressLease({ index: d0, address: "198.18.0.21", prefixlen: 32, label: "d0:lease", validLft: 2 });
    lease.renew(sock);
    expect(hasAddr("d0", "198.18.0.20")).toBe(true);
    expect(hasAddr("d0", "fd00:198:18::20")).toBe(true);
    expect(ipAddr("d0").find((x) => x.local === "198.18.0.21").valid_life_time).toBeLessThanOrEqual(2);

    // renew every 400 ms until both unrenewed addresses are gone (bounded: 40 rounds ≈ 16 s)
    let rounds = 0;
    let leaseAlways = true;
    for (; rounds < 40; rounds++) {
      await Bun.sleep(400);
      lease.renew(sock);
      leaseAlways &&= hasAddr("d0", "198.18.0.21");
      if (!hasAddr("d0", "198.18.0.20") && !hasAddr("d0", "fd00:198:18::20")) break;
    }
    expect(hasAddr("d0", "198.18.0.20")).toBe(false);
    expect(hasAddr("d0", "fd00:198:18::20")).toBe(false);
    expect(leaseAlways).toBe(true);
    expect(rounds).toBeGreaterThanOrEqual(3); // it really outlived its 2 s lifetime through renewals

    // renewals stop (the owner died): the kernel deletes the lease too
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await Bun.sleep(250);
      gone = !hasAddr("d0", "198.18.0.21");
    }
    expect(gone).toBe(true);
    expect(lease.release(sock)).toBe(false); // already expired: not an error
    lease.renew(sock);
    expect(lease.release(sock)).toBe(true);
    expect(hasAddr("d0", "198.18.0.21")).toBe(false);
  }, 60_000);
});

describe("split brain: SIGKILL of the lease holder", () => {
  test("a process renewing IPv4 and IPv6 VIP leases is killed -9; the kernel removes both VIPs by itself", async () => {
    const script = `${tmp}/holder.ts`;
    writeFileSync(script, `
      import { AddressLease } from "${ROOT}/src/sys/rtnetlink/address-lease.ts";
      import { openRtnetlink } from "${ROOT}/src/sys/rtnetlink/socket.ts";
      const s = openRtnetlink();
      const v4 = new AddressLease({ index: ${d0}, address: "198.18.0.30", prefixlen: 32, label: "d0:vrrp", validLft: 2 });
      const v6 = new AddressLease({ index: ${d0}, address: "fd00:198:18::30", prefixlen: 128, flags: ${IFA_F_NODAD}, validLft: 2 });
      for (let i = 0; i < 600; i++) { v4.renew(s); v6.renew(s); if (i === 0) console.log("holding"); await Bun.sleep(100); }
    `);
    const child = Bun.spawn([...ns.prefix(), BUN, script], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = child.stdout.getReader();
      const first = await Promise.race([reader.read(), Bun.sleep(20_000).then(() => null)]);
      expect(new TextDecoder().decode(first?.value)).toContain("holding");
      await Bun.sleep(2500); // longer than the lifetime: only renewals keep them
      expect(hasAddr("d0", "198.18.0.30")).toBe(true);
      expect(hasAddr("d0", "fd00:198:18::30")).toBe(true);
      child.kill(9);
      await child.exited;
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) {
        await Bun.sleep(250);
        gone = !hasAddr("d0", "198.18.0.30") && !hasAddr("d0", "fd00:198:18::30");
      }
      expect(gone).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill(9);
      await child.exited;
    }
  }, 60_000);
});

describe("macvlan for use_vmac", () => {
  test("RFC 5798 §7.3: virtual MAC is 00:00:5e:00:01:{VRID} (IPv4) and 00:00:5e:00:02:{VRID} (IPv6)", () => {
    expect(vrrpMac(7, 4)).toBe("00:00:5e:00:01:07");
    expect(vrrpMac(255, 6)).toBe("00:00:5e:00:02:ff");
    expect(() => vrrpMac(0, 4)).toThrow(RangeError);
  });

  test("create private and bridge macvlans with the VRRP MAC; `ip -d link` confirms; delete removes them", () => {
    createMacvlan(sock, { name: "vrrp.7", parent: d0, mac: vrrpMac(7, 4), mode: "private" });
    createMacvlan(sock, { name: "vrrp6.9", parent: d0, mac: vrrpMac(9, 6), mode: "bridge" });
    const v4 = ipLink("vrrp.7");
    expect(v4.address).toBe("00:00:5e:00:01:07");
    expect(v4.link).toBe("d0");
    expect(v4.linkinfo.info_kind).toBe("macvlan");
    expect(v4.linkinfo.info_data.mode).toBe("private");
    expect(ipLink("vrrp6.9").linkinfo.info_data.mode).toBe("bridge");
    const ours = getLink(sock, "vrrp.7");
    expect(ours).toMatchObject({ kind: "macvlan", parent: d0, mac: "00:00:5e:00:01:07", macvlanMode: MACVLAN_MODE_PRIVATE });
    expect(getLink(sock, "vrrp6.9").macvlanMode).toBe(MACVLAN_MODE_BRIDGE);

    expect(sysErr(() => createMacvlan(sock, { name: "vrrp.7", parent: d0, mac: vrrpMac(7, 4), mode: "private" })).code).toBe("EEXIST");
    expect(sysErr(() => createMacvlan(sock, { name: "vrrp.8", parent: 99999, mac: vrrpMac(8, 4), mode: "private" })).code).toBe("ENODEV");
    expect(() => createMacvlan(sock, { name: "vrrp.8", parent: d0, mac: "01:00:5e:00:01:08", mode: "private" })).toThrow(/multicast/);

    deleteLink(sock, ours.index);
    deleteLink(sock, getLink(sock, "vrrp6.9").index);
    expect(ns.exec(["ip", "link", "show", "vrrp.7"], { allowFail: true })).toBe("");
  });
});

describe("rtnetlink monitor", () => {
  async function until(pred: (evs: RtEvent[]) => boolean): Promise<RtEvent[]> {
    const seen: RtEvent[] = [];
    for (let i = 0; i < 100 && !pred(seen); i++) {
      seen.push(...mon.read());
      if (!pred(seen)) await Bun.sleep(20);
    }
    return seen;
  }

  test("sees an address added and deleted by `ip addr`, and a link going down", async () => {
    mon.read(); // drop what earlier tests caused
    ns.exec(["ip", "addr", "add", "198.18.1.1/24", "dev", "d1", "label", "d1:mon"]);
    const added = await until((evs) => evs.some((e) => e.kind === "address" && e.op === "new" && e.address.address === "198.18.1.1"));
    const ev = added.find((e) => e.kind === "address" && e.address.address === "198.18.1.1");
    expect(ev).toMatchObject({ kind: "address", op: "new", address: { index: d1, prefixlen: 24, label: "d1:mon", family: 4 } });

    ns.exec(["ip", "-6", "addr", "add", "fd00:1::1/64", "dev", "d1", "nodad"]);
    ns.exec(["ip", "addr", "del", "198.18.1.1/24", "dev", "d1"]);
    ns.exec(["ip", "link", "set", "d1", "down"]);
    const later = await until((evs) =>
      evs.some((e) => e.kind === "address" && e.op === "del" && e.address.address === "198.18.1.1") &&
      evs.some((e) => e.kind === "address" && e.op === "new" && e.address.address === "fd00:1::1") &&
      evs.some((e) => e.kind === "link" && e.link.index === d1 && !e.link.up));
    expect(later.some((e) => e.kind === "address" && e.op === "del" && e.address.address === "198.18.1.1")).toBe(true);
    expect(later.some((e) => e.kind === "address" && e.op === "new" && e.address.family === 6 && e.address.address === "fd00:1::1")).toBe(true);
    expect(later.some((e) => e.kind === "link" && e.link.name === "d1" && !e.link.up)).toBe(true);
    expect(later.filter((e) => e.kind === "malformed" || e.kind === "overrun")).toEqual([]);
  });

  test("a dump spanning many datagrams is complete, and a monitor whose buffer overflows reports an overrun", () => {
    const small = new RtMonitor({ netns: ns.name, rcvbuf: 4096 });
    try {
      ns.exec(["ip", "link", "add", "d2", "type", "veth", "peer", "name", "d3"]);
      const d2 = getLink(sock, "d2").index;
      for (let i = 0; i < 400; i++) addAddress(sock, { index: d2, address: `198.19.${i >> 8}.${i & 255}`, prefixlen: 32, label: `d2:${i}` });
      const ours = listAddresses(sock, { index: d2 });
      expect(ours).toHaveLength(400);
      expect(ipAddr("d2")).toHaveLength(400);
      expect(new Set(ours.map((a) => a.label)).size).toBe(400);
      const evs = small.read(1000);
      expect(evs.some((e) => e.kind === "overrun")).toBe(true);
      // after the overrun the socket keeps delivering
      ns.exec(["ip", "addr", "add", "198.18.2.2/32", "dev", "d2"]);
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        seen = small.read().some((e) => e.kind === "address" && e.address.address === "198.18.2.2");
        if (!seen) Bun.sleepSync(20);
      }
      expect(seen).toBe(true);
      ns.exec(["ip", "link", "del", "d2"]);
    } finally {
      small.close();
    }
  });

  test("read() drains in bounded chunks and returns nothing once idle (never blocks)", () => {
    let chunks = 0;
    while (chunks < 1000 && mon.read(8).length > 0) chunks++;
    expect(chunks).toBeGreaterThan(1); // earlier tests left more than 8 datagrams queued
    expect(mon.read()).toEqual([]);
  });
});

test("sockets opened with netns stay in that namespace: the host never sees their addresses", () => {
  expect(hasAddr("d0", "198.18.0.1")).toBe(true);
  expect(sh(["ip", "-j", "addr"])).not.toContain("d0:vip");
});
