// keepalived 2.2.7's address options on virtual_ipaddress(_excluded) and static_ipaddress
// entries (home, -nodad, mngtmpaddr, noprefixroute, autojoin, preferred_lft N|forever):
// read, written back, carried by JSON and CBOR, checked, and turned into the RTM_NEWADDR
// flags and preferred lifetime keepalived gives (measured: `ip -d addr` under keepalived 2.2.7).
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { addressOptions, preferredSeconds } from "../../../src/daemon/address-options.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, INFINITY_LIFE_TIME } from "../../../src/sys/abi.ts";
import { read, addressConf, warningLines } from "./read-text.ts";

const conf = addressConf;
const warnings = warningLines;

describe("keepalived address options", () => {
  const text = conf(
    ["198.18.0.10/24 noprefixroute", "198.18.0.11/24 dev eth1 no_track"],
    ["fd00:1::1/64 home -nodad mngtmpaddr noprefixroute", "fd00:1::2/128 preferred_lft forever", "fd00:1::3/64 preferred_lft 30", "ff0e::101/128 autojoin"],
    ["fd00:2::1/64 dev eth0 preferred_lft 0", "198.18.1.1/24 dev eth0 noprefixroute"],
  );

  test("each flag and preferred_lft N|forever is read into the model, and nothing else is set", () => {
    const r = read(text);
    expect(r.errors).toEqual([]);
    const inst = r.config!.instances[0]!;
    expect(inst.virtualIpaddress).toEqual([{ address: "198.18.0.10", prefix: 24, noprefixroute: true }, { address: "198.18.0.11", prefix: 24, dev: "eth1", noTrack: true }]);
    expect(inst.virtualIpaddressExcluded).toEqual([
      { address: "fd00:1::1", prefix: 64, home: true, dad: true, mngtmpaddr: true, noprefixroute: true },
      { address: "fd00:1::2", prefix: 128, preferredLft: "forever" },
      { address: "fd00:1::3", prefix: 64, preferredLft: 30 },
      { address: "ff0e::101", prefix: 128, autojoin: true },
    ]);
    expect(r.config!.staticIpaddress).toEqual([
      { address: "fd00:2::1", prefix: 64, dev: "eth0", preferredLft: 0 },
      { address: "198.18.1.1", prefix: 24, dev: "eth0", noprefixroute: true },
    ]);
  });

  test("the keepalived writer, JSON and CBOR give the same config back", () => {
    const cfg = read(text).config!;
    expect(read(writeKeepalived(cfg)).config).toEqual(cfg);
    expect(readJson(configToJson(cfg)).config).toEqual(cfg);
    expect(readCbor(configToCbor(cfg)).config).toEqual(cfg);
  });

  test("preferred_lft takes seconds 0-4294967295 (the kernel's forever) or forever; anything else is ignored with a warning, as keepalived does", () => {
    const r = read(conf(["fd00::1/64 preferred_lft 4294967295", "fd00::2/64 preferred_lft 4294967296", "fd00::3/64 preferred_lft -1"]));
    expect(r.config!.instances[0]!.virtualIpaddress.map((v) => v.preferredLft)).toEqual(["forever", undefined, undefined]);
    expect(warnings(r)).toEqual([
      "6:30 preferred_lft '4294967296' is not a number of seconds (0-4294967295) or 'forever', ignored (as keepalived 2.2.7 ignores it)",
      "7:30 preferred_lft '-1' is not a number of seconds (0-4294967295) or 'forever', ignored (as keepalived 2.2.7 ignores it)",
    ]);
  });

  test("IPv6-only flags on an IPv4 address, and autojoin on a unicast one, warn (keepalived 2.2.7 leaves the first off; the kernel refuses the second)", () => {
    const r = read(conf(["198.18.0.10/24 home -nodad preferred_lft 5", "198.18.0.11/24 autojoin", "224.0.0.251/32 autojoin"]));
    expect(warnings(r).map((w) => w.replace(/^\S+ /, ""))).toEqual([
      "'home' is for IPv6 addresses: keepalived 2.2.7 leaves it off 198.18.0.10, and so does vigil",
      "'-nodad' is for IPv6 addresses: keepalived 2.2.7 leaves it off 198.18.0.10, and so does vigil",
      "'preferred_lft' is for IPv6 addresses: keepalived 2.2.7 leaves it off 198.18.0.10, and so does vigil",
      "'autojoin' is for multicast addresses: the kernel refuses to add 198.18.0.11 with it (EINVAL), as it does under keepalived",
    ]);
  });
});

describe("RTM_NEWADDR flags and preferred lifetime (keepalived 2.2.7 netlink_ipaddress)", () => {
  test("IPv6 addresses are nodad unless -nodad; home and mngtmpaddr are IPv6 flags, noprefixroute and autojoin both families'", () => {
    expect(addressOptions({ address: "fd00::1", prefix: 64 }, 6)).toEqual({ ifaFlags: IFA_F_NODAD });
    expect(addressOptions({ address: "fd00::1", prefix: 64, dad: true }, 6)).toEqual({ ifaFlags: 0 });
    expect(addressOptions({ address: "fd00::1", prefix: 64, home: true, mngtmpaddr: true, noprefixroute: true, autojoin: true }, 6).ifaFlags)
      .toBe(IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN);
    expect(addressOptions({ address: "198.18.0.1", prefix: 24, home: true, dad: true, mngtmpaddr: true, noprefixroute: true, autojoin: true, preferredLft: 0 }, 4))
      .toEqual({ ifaFlags: IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN });
  });

  test("an IPv6 /128 is deprecated (preferred 0) unless preferred_lft says otherwise; other prefixes are preferred for ever", () => {
    expect(addressOptions({ address: "fd00::1", prefix: 128 }, 6).preferredLft).toBe(0);
    expect(addressOptions({ address: "fd00::1", prefix: 128, preferredLft: "forever" }, 6).preferredLft).toBeUndefined();
    expect(addressOptions({ address: "fd00::1", prefix: 128, preferredLft: 40 }, 6).preferredLft).toBe(40);
    expect(addressOptions({ address: "fd00::1", prefix: 64 }, 6).preferredLft).toBeUndefined();
  });

  test("preferred_lft counts down from when the address was added and never exceeds the valid lifetime", () => {
    const o = { ifaFlags: 0, preferredLft: 30 };
    expect(preferredSeconds(o, 3, 1000, 1000)).toBe(3);
    expect(preferredSeconds(o, 3, 1000, 1000 + 28_500)).toBe(2);
    expect(preferredSeconds(o, 3, 1000, 1000 + 31_000)).toBe(0);
    expect(preferredSeconds(o, INFINITY_LIFE_TIME, 0, 10_000)).toBe(20);
    expect(preferredSeconds({ ifaFlags: 0 }, 3, 0, 99_000)).toBe(3);
    expect(preferredSeconds({ ifaFlags: 0, preferredLft: 0 }, 3, 0, 0)).toBe(0);
  });
});

describe("VIP interface tracking (keepalived 2.2.7 vrrp_complete_instance; no_track)", () => {
  test("the interface of each VIP and eVIP on another dev is tracked with weight 0 (FAULT while down), once, unless no_track", () => {
    const cfg = read(conf(
      ["198.18.0.10/24", "198.18.1.10/24 dev eth1", "198.18.1.11/24 dev eth1", "198.18.2.10/24 dev eth2 no_track", "198.18.0.12/24 dev eth0"],
      ["198.18.3.10/24 dev eth3", "fd00:4::1/64 dev eth4 no_track"],
    )).config!;
    expect(configPlans(cfg).plans[0]!.trackInterfaces).toEqual([{ name: "eth1", ifindex: 0 }, { name: "eth3", ifindex: 0 }]);
  });

  test("a virtual route's dev is tracked too, unless the route says no_track; the writer keeps no_track", () => {
    const text = conf(["198.18.0.10/24"]).replace("  virtual_ipaddress {", "  virtual_routes {\n    198.18.5.0/24 dev eth5\n    198.18.6.0/24 dev eth6 no_track\n  }\n  virtual_ipaddress {");
    const r = read(text);
    expect(r.config!.instances[0]!.virtualRoutes.map((x) => [x.dev, x.noTrack])).toEqual([["eth5", undefined], ["eth6", true]]);
    expect(configPlans(r.config!).plans[0]!.trackInterfaces).toEqual([{ name: "eth5", ifindex: 0 }]);
    expect(read(writeKeepalived(r.config!)).config).toEqual(r.config);
  });

  test("a track_interface with a weight on the same interface does not stop the weight-0 one, as with track_group", () => {
    const text = conf(["198.18.1.10/24 dev eth1"]).replace("  virtual_ipaddress {", "  track_interface {\n    eth1 weight -20\n  }\n  virtual_ipaddress {");
    expect(configPlans(read(text).config!).plans[0]!.trackInterfaces).toEqual([{ name: "eth1", ifindex: 0, weight: -20 }, { name: "eth1", ifindex: 0 }]);
  });

  test("no_track on a static address is read and written back, with a warning that it does nothing there", () => {
    const r = read(conf(["198.18.0.10/24"], [], ["198.18.9.1/24 dev eth0 no_track"]));
    expect(r.config!.staticIpaddress).toEqual([{ address: "198.18.9.1", prefix: 24, dev: "eth0", noTrack: true }]);
    expect(warnings(r).map((w) => w.replace(/^\S+ /, ""))).toEqual(["'no_track' does nothing on a static_ipaddress entry: only a vrrp_instance tracks its VIPs' interfaces"]);
    expect(read(writeKeepalived(r.config!)).config).toEqual(r.config);
  });
});
