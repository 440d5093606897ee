// keepalived track_src_ip: an instance whose configured unicast_src_ip/mcast_src_ip
// is not on its interface is FAULT: at start it waits (bindPlan says why), and a
// running one follows the interface's address changes (SourceAddressTrack, the
// runtime's fault source). keepalived clears the flag without a configured source.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { bindPlan } from "../../../src/daemon/plan-bind.ts";
import { type AddrInfo, configPlans, type LinkInfo } from "../../../src/daemon/plan.ts";
import { SourceAddressTrack } from "../../../src/vrrp/source-track.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (lines: string[]) =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n${lines.map((l) => `  ${l}\n`).join("")}  virtual_ipaddress {\n    198.18.5.1\n  }\n}\n`;
const ETH0: LinkInfo = { index: 2, name: "eth0", mac: "02:00:00:00:00:01", up: true, running: true };
const ETH1: LinkInfo = { index: 3, name: "eth1", mac: "02:00:00:00:00:02", up: true, running: true };
const on = (ifindex: number, address: string): AddrInfo => ({ ifindex, family: 4, address, prefix: 24, scope: 0 });

describe("track_src_ip", () => {
  test("a running instance's source leaving its interface is a fault, its return ends it; other addresses and interfaces change nothing", () => {
    const t = new SourceAddressTrack("198.18.0.7", 2);
    expect(t.present).toBe(true);
    expect(t.changed("del", 3, "198.18.0.7")).toBe(false);
    expect(t.changed("del", 2, "198.18.0.8")).toBe(false);
    expect(t.changed("del", 2, "198.18.0.7")).toBe(true);
    expect(t.present).toBe(false);
    expect(t.changed("del", 2, "198.18.0.7")).toBe(false);
    expect(t.changed("new", 2, "198.18.0.7")).toBe(true);
    expect(t.present).toBe(true);
    // after lost notifications, a dump decides
    expect(t.resync([{ index: 3, address: "198.18.0.7" }])).toBe(true);
    expect(t.present).toBe(false);
    expect(t.resync([{ index: 2, address: "198.18.0.7" }])).toBe(true);
    expect(t.resync([{ index: 2, address: "198.18.0.7" }])).toBe(false);
    // IPv6 compares as addresses, not text
    const six = new SourceAddressTrack("fd00:0::7", 2);
    expect(six.changed("del", 2, "fd00::7")).toBe(true);
  });

  test("at start the configured source must be on the instance's own interface, even for an IPv4 multicast source the kernel takes as given", () => {
    const plan = (lines: string[]) => configPlans(read(conf(lines)).config!).plans[0]!;
    const tracked = plan(["mcast_src_ip 198.18.0.7", "track_src_ip"]);
    expect(tracked.trackSrcIp).toBe(true);
    const why = (addrs: AddrInfo[]) => { const b = bindPlan(tracked, [ETH0, ETH1], addrs); return "wait" in b ? b.wait.reason : "bound"; };
    expect(why([])).toBe("source address 198.18.0.7 is not on interface eth0 (track_src_ip)");
    expect(why([on(3, "198.18.0.7")])).toBe("source address 198.18.0.7 is not on interface eth0 (track_src_ip)");
    expect(why([on(2, "198.18.0.7")])).toBe("bound");
    // without the keyword an IPv4 multicast source is taken as given (it is only named to the kernel)
    expect("plan" in bindPlan(plan(["mcast_src_ip 198.18.0.7"]), [ETH0], [])).toBe(true);
    // keepalived clears track_saddr when no source is configured
    expect(plan(["track_src_ip"]).trackSrcIp).toBeUndefined();
  });

  test("read, written back, through JSON and CBOR; without a source address it is warned about", () => {
    const c = read(conf(["unicast_src_ip 198.18.0.7", "track_src_ip", "unicast_peer {", "  198.18.0.8", "}"])).config!;
    expect(c.instances[0]!.trackSrcIp).toBe(true);
    expect(writeKeepalived(c)).toContain("    track_src_ip\n");
    expect(read(writeKeepalived(c)).config).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
    const none = read(conf(["track_src_ip"]));
    expect(none.warnings.map((w) => [w.loc?.line, w.message])).toContainEqual([4, expect.stringContaining("track_src_ip follows the configured unicast_src_ip/mcast_src_ip; this instance has none")]);
    const bad = read(conf(["track_src_ip maybe"]));
    expect([bad.config, bad.errors[0]?.loc?.line, bad.errors[0]?.loc?.col]).toEqual([undefined, 4, 16]);
  });
});
