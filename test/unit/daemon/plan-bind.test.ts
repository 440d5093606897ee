// Binding a plan to the box as a board boots (pure): what an instance needs from
// its interfaces before it can start, and the reason it gives while it cannot.
import { describe, expect, test } from "bun:test";
import { readKeepalivedText } from "./plan-helpers.ts";
import { type AddrInfo, configPlans, type InstancePlan, type LinkInfo } from "../../../src/daemon/plan.ts";
import { addressUsable, bindPlan, linkProblem } from "../../../src/daemon/plan-bind.ts";
import { IFA_F_DADFAILED, IFA_F_OPTIMISTIC, IFA_F_TENTATIVE } from "../../../src/sys/abi.ts";

const LO: LinkInfo = { index: 1, name: "lo", mac: "", up: true, running: true };
const ETH0: LinkInfo = { index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true, running: true };
const ETH1: LinkInfo = { index: 3, name: "eth1", mac: "02:00:00:00:00:02", up: true, running: true };
const V4: AddrInfo = { ifindex: 2, family: 4, address: "198.18.0.1", prefix: 24, scope: 0 };
const LL: AddrInfo = { ifindex: 2, family: 6, address: "fe80::1", prefix: 64, scope: 253 };

function template(body: string, global = ""): InstancePlan {
  const c = configPlans(readKeepalivedText(`${global}
vrrp_instance VI {
  interface eth0
  virtual_router_id 9
  priority 100
  advert_int 1
${body}
}`));
  expect(c.errors).toEqual([]);
  return c.plans[0];
}
const v4 = (extra = "") => template(`${extra}\n  virtual_ipaddress { 198.18.0.9 }`);
const v6 = (extra = "") => template(`${extra}\n  virtual_ipaddress { fd00::9/128 }`);
const reason = (t: InstancePlan, links: LinkInfo[], addrs: AddrInfo[]) => {
  const b = bindPlan(t, links, addrs);
  return "wait" in b ? b.wait.reason : `bound, source ${b.plan.params.primary}`;
};

describe("the config stage leaves the box's facts unbound", () => {
  test("no ifindex, MAC or source yet; a configured source is kept", () => {
    const t = v4();
    expect([t.ifindex, t.mac, t.params.primary, t.params.ifindex, t.vips[0].ifindex]).toEqual([0, "", "", 0, 0]);
    expect(v4("mcast_src_ip 198.18.0.77").params.primary).toBe("198.18.0.77");
  });
});

describe("an instance waits for", () => {
  test("its interface: absent (a pushed config names it as such)", () => {
    const b = bindPlan(v4(), [LO], []);
    expect(b).toEqual({ wait: { reason: "interface eth0 does not exist", interfaces: ["eth0"], absent: true } });
  });

  test("the interface of a VIP placed elsewhere (`dev`)", () => {
    const t = template("  virtual_ipaddress { 198.18.0.9 dev br-lan }");
    expect(bindPlan(t, [LO, ETH0], [V4])).toEqual({ wait: { reason: "interface br-lan (of virtual address 198.18.0.9) does not exist", interfaces: ["br-lan"], absent: true } });
  });

  test("an IPv4 address to send from; the link's state says why there is none", () => {
    expect(reason(v4(), [ETH0], [])).toBe("interface eth0 has no IPv4 address to send adverts from");
    expect(reason(v4(), [{ ...ETH0, up: false }], [])).toBe("interface eth0 is down (and no IPv4 address to send adverts from)");
    // a loopback-scope address is no advert source
    expect(reason(v4(), [ETH0], [{ ...V4, address: "127.0.0.2", scope: 254 }])).toBe("interface eth0 has no IPv4 address to send adverts from");
  });

  test("RFC 5798 §5.1.2.1: an IPv6 link-local address, which the kernel adds only once the link is up with carrier", () => {
    expect(reason(v6(), [{ ...ETH0, running: false }], [])).toBe("interface eth0 has no carrier (and no IPv6 link-local address to send adverts from)");
    expect(reason(v6(), [{ ...ETH0, up: false }], [])).toBe("interface eth0 is down (and no IPv6 link-local address to send adverts from)");
    // a global address is not an IPv6 advert source
    expect(reason(v6(), [ETH0], [{ ...LL, address: "fd00::1", scope: 0 }])).toBe("interface eth0 has no IPv6 link-local address to send adverts from");
  });

  test("RFC 4862 §5.4: a tentative link-local (bind() would fail with EADDRNOTAVAIL) or one that failed DAD", () => {
    expect(reason(v6(), [ETH0], [{ ...LL, flags: IFA_F_TENTATIVE }])).toBe("fe80::1 on eth0 is tentative (duplicate address detection in progress)");
    expect(reason(v6(), [ETH0], [{ ...LL, flags: IFA_F_TENTATIVE | IFA_F_DADFAILED }])).toBe("fe80::1 on eth0 failed duplicate address detection (another host uses it)");
  });

  test("a unicast_src_ip that is not on the box yet, or is tentative", () => {
    const t = v6("  unicast_src_ip fd00::1\n  unicast_peer {\n    fd00::2\n  }");
    expect(reason(t, [ETH0], [LL])).toBe("source address fd00::1 is not on this box");
    expect(reason(t, [ETH0], [LL, { ...LL, address: "fd00::1", scope: 0, flags: IFA_F_TENTATIVE }])).toBe("source address fd00::1 on eth0 is tentative (duplicate address detection in progress)");
    expect(reason(t, [ETH0, ETH1], [{ ...LL, ifindex: 3, address: "fd00::1", scope: 0 }])).toBe("bound, source fd00::1");
    const u4 = v4("  unicast_src_ip 198.18.0.5\n  unicast_peer {\n    198.18.0.2\n  }");
    expect(reason(u4, [{ ...ETH0, running: false }], [V4])).toBe("source address 198.18.0.5 is not on this box (interface eth0 has no carrier)");
  });

  test("a link-local mcast_src_ip must be on the instance's own interface", () => {
    const t = v6("  mcast_src_ip fe80::7");
    expect(reason(t, [ETH0, ETH1], [{ ...LL, ifindex: 3, address: "fe80::7" }])).toBe("source address fe80::7 is not on interface eth0");
    expect(reason(t, [ETH0, ETH1], [{ ...LL, address: "FE80:0::7" }])).toBe("bound, source fe80::7");
  });
});

describe("an instance starts with", () => {
  test("a usable link-local, even when a tentative one comes first; an optimistic one is usable (RFC 4429)", () => {
    expect(reason(v6(), [ETH0], [{ ...LL, address: "fe80::5", flags: IFA_F_TENTATIVE }, LL])).toBe("bound, source fe80::1");
    expect(reason(v6(), [ETH0], [{ ...LL, flags: IFA_F_TENTATIVE | IFA_F_OPTIMISTIC }])).toBe("bound, source fe80::1");
    expect([0, IFA_F_TENTATIVE, IFA_F_TENTATIVE | IFA_F_OPTIMISTIC, IFA_F_DADFAILED | IFA_F_TENTATIVE | IFA_F_OPTIMISTIC].map((f) => addressUsable(f))).toEqual([true, false, true, false]);
  });

  test("an IPv4 multicast mcast_src_ip as configured: it is only named to the kernel (IP_MULTICAST_IF), never bound", () => {
    expect(reason(v4("  mcast_src_ip 198.18.0.77"), [ETH0], [])).toBe("bound, source 198.18.0.77");
  });

  test("an IPv4 address on a link that is down or without carrier: it starts, and the link makes it FAULT", () => {
    expect(reason(v4(), [{ ...ETH0, up: false }], [V4])).toBe("bound, source 198.18.0.1");
    expect(reason(v4(), [{ ...ETH0, running: false }], [V4])).toBe("bound, source 198.18.0.1");
  });

  test("every kernel fact filled in; binding a bound plan again changes nothing; a re-created interface rebinds to its new index", () => {
    const t = template("  track_interface {\n    eth1\n  }\n  virtual_ipaddress {\n    198.18.0.9\n    198.18.1.9/24 dev eth1\n  }");
    const b = bindPlan(t, [LO, ETH0, ETH1], [V4]);
    if (!("plan" in b)) throw new Error(b.wait.reason);
    const p = b.plan;
    expect([p.ifindex, p.mac, p.params.primary, p.params.ifindex]).toEqual([2, "02:00:00:00:00:01", "198.18.0.1", 2]);
    expect(p.vips.map((v) => [v.dev, v.ifindex])).toEqual([["eth0", 2], ["eth1", 3]]);
    expect(p.trackInterfaces).toEqual([{ name: "eth1", ifindex: 3 }]);
    expect(bindPlan(p, [LO, ETH0, ETH1], [V4])).toEqual({ plan: p });
    const again = bindPlan(p, [LO, { ...ETH0, index: 12 }, ETH1], [{ ...V4, ifindex: 12 }]);
    if (!("plan" in again)) throw new Error(again.wait.reason);
    expect([again.plan.ifindex, again.plan.params.ifindex, again.plan.vips[0].ifindex]).toEqual([12, 12, 12]);
  });

  test("use_vmac: the parent's index and, for IPv6, its link-local as the vmac's advert source", () => {
    const t = v6("  use_vmac");
    expect(t.vmac).toMatchObject({ name: "vrrp.9", parent: 0, parentName: "eth0" });
    const b = bindPlan(t, [ETH0], [LL]);
    if (!("plan" in b)) throw new Error(b.wait.reason);
    expect(b.plan.vmac).toMatchObject({ parent: 2, parentName: "eth0", linkLocal: "fe80::1" });
    expect(b.plan.params.ifindex).toBe(0);
    expect(reason(t, [ETH0], [{ ...LL, flags: IFA_F_TENTATIVE }])).toBe("fe80::1 on eth0 is tentative (duplicate address detection in progress)");
  });
});

test("link problems, in the order that explains the most", () => {
  expect(linkProblem(undefined, "eth0")).toBe("interface eth0 does not exist");
  expect(linkProblem({ up: false, running: false }, "eth0")).toBe("interface eth0 is down");
  expect(linkProblem({ up: true, running: false }, "eth0")).toBe("interface eth0 has no carrier");
  expect(linkProblem({ up: true, running: true }, "eth0")).toBe("");
  expect(linkProblem({ up: true }, "eth0")).toBe("");
});
