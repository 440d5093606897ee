// keepalived vrrp_instance keywords about the interface's addresses, in the kernel:
// - promote_secondaries: with net.ipv4.conf.<if>.promote_secondaries 0 the kernel
//   deletes a subnet's secondary addresses with its primary one; a VIP that is the
//   first address of its subnet is that primary. vigil sets the knob to 1 while the
//   instance runs (and puts the 0 it found back at stop), so removing the VIP keeps
//   the other address. Without the keyword the other address goes (the control).
// - track_src_ip: the instance is FAULT while its mcast_src_ip is not on its
//   interface: at start (it waits), and when the address is deleted; back when it returns.
// - use_vmac_addr: a VIP on another interface, and an eVIP of the other family, each
//   get a private macvlan with their family's virtual router MAC (RFC 5798 §7.3); the
//   client's neighbour entry for the eVIP is that MAC; the vmacs go at stop.
import { describe, expect, test } from "bun:test";
import { useLab } from "../helpers/lab.ts";
import { instanceStatus, startVigil, stopVigil, waitUntil } from "../helpers/vigil.ts";

const lab = useLab({ routers: 1 });

const conf = (extra: string[], vip: string) => [
  "global_defs {", "  router_id r1", "}",
  "vrrp_instance VI_A {", "  interface eth0", "  virtual_router_id 71", "  priority 150", "  advert_int 0.1", "  version 3",
  ...extra.map((x) => `  ${x}`), "  virtual_ipaddress {", `    ${vip} dev eth0`, "  }", "}", "",
].join("\n");
const knob = () => lab().exec(1, ["cat", "/proc/sys/net/ipv4/conf/eth0/promote_secondaries"]).trim();
const eth0 = () => lab().exec(1, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]);

describe("promote_secondaries", () => {
  /** VIP 198.18.7.1/24 (the primary of its subnet) as master, a second address of the subnet added by hand, then vigil stops. */
  async function removeThePrimaryVip(extra: string[]): Promise<{ during: string; secondaryKept: boolean; after: string }> {
    const h = await startVigil(lab(), 1, conf(extra, "198.18.7.1/24"));
    try {
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_A"))?.state === "MASTER" && eth0().includes("198.18.7.1/24"), 5000)).toBe(true);
      lab().exec(1, ["ip", "addr", "add", "198.18.7.2/24", "dev", "eth0"]);
      expect(eth0()).toMatch(/198\.18\.7\.2\/24 .*secondary/);
      const during = knob();
      await stopVigil(lab(), h);
      const a = eth0();
      expect(a).not.toContain("198.18.7.1/24");
      return { during, secondaryKept: a.includes("198.18.7.2/24"), after: knob() };
    } finally {
      lab().exec(1, ["ip", "addr", "del", "198.18.7.2/24", "dev", "eth0"], true);
    }
  }

  test("the kernel's default (0) takes the subnet's other address along with the VIP (control)", async () => {
    expect(knob()).toBe("0");
    expect(await removeThePrimaryVip([])).toEqual({ during: "0", secondaryKept: false, after: "0" });
  }, 20_000);

  test("with promote_secondaries the knob is 1 while the instance runs, the other address survives the VIP's removal, and 0 is put back at stop", async () => {
    expect(await removeThePrimaryVip(["promote_secondaries"])).toEqual({ during: "1", secondaryKept: true, after: "0" });
  }, 20_000);

  test("a knob already 1 is left at 1 after stop (keepalived resets only what it set)", async () => {
    lab().exec(1, ["sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1"]);
    try {
      expect(await removeThePrimaryVip(["promote_secondaries"])).toEqual({ during: "1", secondaryKept: true, after: "1" });
    } finally {
      lab().exec(1, ["sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=0"]);
    }
  }, 20_000);
});

describe("track_src_ip", () => {
  test("FAULT while mcast_src_ip is not on the interface: at start, after its deletion; MASTER again once it is back", async () => {
    const SRC = "198.18.0.201";
    const h = await startVigil(lab(), 1, conf([`mcast_src_ip ${SRC}`, "track_src_ip"], "198.18.0.71/32"));
    const st = async () => await instanceStatus(h, "VI_A");
    try {
      // not there at start: keepalived starts the instance in FAULT
      expect(await waitUntil(async () => (await st())?.state === "FAULT", 3000)).toBe(true);
      expect((await st())?.fault).toContain(`source address ${SRC} is not on interface eth0 (track_src_ip)`);
      lab().exec(1, ["ip", "addr", "add", `${SRC}/24`, "dev", "eth0"]);
      expect(await waitUntil(async () => (await st())?.state === "MASTER", 5000)).toBe(true);
      lab().exec(1, ["ip", "addr", "del", `${SRC}/24`, "dev", "eth0"]);
      expect(await waitUntil(async () => (await st())?.state === "FAULT", 3000)).toBe(true);
      expect((await st())?.fault).toBe(`source address ${SRC} is not on eth0 (track_src_ip)`);
      expect(lab().addrs(1)).not.toContain("198.18.0.71");
      lab().exec(1, ["ip", "addr", "add", `${SRC}/24`, "dev", "eth0"]);
      expect(await waitUntil(async () => (await st())?.state === "MASTER", 5000)).toBe(true);
    } finally {
      await stopVigil(lab(), h);
      lab().exec(1, ["ip", "addr", "del", `${SRC}/24`, "dev", "eth0"], true);
    }
  }, 30_000);
});

describe("use_vmac_addr", () => {
  interface IpLink { ifname: string; address: string; link?: string; linkinfo?: { info_kind: string; info_data?: { mode?: string } } }
  const link = (dev: string): IpLink | null => {
    const out = lab().exec(1, ["ip", "-j", "-d", "link", "show", "dev", dev], true);
    return out.trim() ? (JSON.parse(out) as IpLink[])[0] ?? null : null;
  };
  const addrsOn = (dev: string) => lab().exec(1, ["ip", "-o", "addr", "show", "dev", dev], true);

  test("a VIP on another interface and an IPv6 eVIP of an IPv4 instance each get a private macvlan with their family's virtual MAC; the client sees that MAC; both go at stop", async () => {
    // a second interface on r1 for the `dev` VIP (veth: this kernel has no dummy)
    lab().exec(1, ["ip", "link", "add", "ex0", "type", "veth", "peer", "name", "ex1"]);
    lab().exec(1, ["ip", "link", "set", "ex0", "up"]);
    lab().exec(1, ["ip", "link", "set", "ex1", "up"]);
    const text = [
      "global_defs {", "  router_id r1", "}",
      "vrrp_instance VI_V {", "  interface eth0", "  virtual_router_id 72", "  priority 150", "  advert_int 0.1", "  version 3", "  use_vmac_addr",
      "  virtual_ipaddress {", "    198.18.0.72/32 dev eth0", "    198.18.9.1/24 dev ex0", "  }",
      "  virtual_ipaddress_excluded {", "    fd00:198:18::72/64", "  }", "}", "",
    ].join("\n");
    const h = await startVigil(lab(), 1, text);
    try {
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_V"))?.state === "MASTER" && addrsOn("vrrp6.72").includes("fd00:198:18::72/64"), 6000)).toBe(true);
      const v4 = link("vrrp.72")!;
      const v6 = link("vrrp6.72")!;
      expect([v4.link, v4.address, v4.linkinfo?.info_kind, v4.linkinfo?.info_data?.mode]).toEqual(["ex0", "00:00:5e:00:01:48", "macvlan", "private"]);
      expect([v6.link, v6.address, v6.linkinfo?.info_kind, v6.linkinfo?.info_data?.mode]).toEqual(["eth0", "00:00:5e:00:02:48", "macvlan", "private"]);
      expect(addrsOn("vrrp.72")).toContain("198.18.9.1/24");
      expect(addrsOn("eth0")).toContain("198.18.0.72/32");
      // on the wire: the client resolves the eVIP to the IPv6 virtual router MAC
      lab().exec("client", ["ping", "-6", "-c", "1", "-W", "2", "fd00:198:18::72"]);
      expect(lab().clientNeigh("fd00:198:18::72")?.mac).toBe("00:00:5e:00:02:48");
    } finally {
      await stopVigil(lab(), h);
    }
    expect([link("vrrp.72"), link("vrrp6.72")]).toEqual([null, null]);
    lab().exec(1, ["ip", "link", "del", "ex0"], true);
  }, 30_000);
});
