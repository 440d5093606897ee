// keepalived 2.2.7 global_defs vrrp_mcast_group4 / vrrp_mcast_group6: the group
// multicast adverts go to and are received on instead of RFC 5798 §5.1.1.2's
// 224.0.0.18 / §5.1.2.2's ff02::12. Read, written, round-tripped and refused
// like keepalived's other global_defs; the core sends to and accepts only it.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { Drop } from "../../../src/vrrp/drop-reasons.ts";
import { resolveParams, VrrpParamsError } from "../../../src/vrrp/params.ts";
import { parseIP } from "../../../src/net/ip-address.ts";
import { fold, sum16, pseudoSumV6 } from "../../../src/net/checksum.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (globals: string, vip = "198.18.5.1", src = "") =>
  `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n${src}  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;

function meta(src: string, dst: string): RxMeta {
  const m = new RxMeta();
  m.src.set(parseIP(src).bytes);
  m.dst.set(parseIP(dst).bytes);
  m.ttl = 255;
  return m;
}

describe("vrrp_mcast_group4 / vrrp_mcast_group6", () => {
  const text = conf("  vrrp_mcast_group4 224.0.0.19\n  vrrp_mcast_group6 ff02::13");

  test("read, written back, and through JSON and CBOR unchanged", () => {
    const c = read(text).config!;
    expect([c.global.vrrpMcastGroup4, c.global.vrrpMcastGroup6]).toEqual(["224.0.0.19", "ff02::13"]);
    expect(writeKeepalived(c)).toContain("    vrrp_mcast_group4 224.0.0.19\n    vrrp_mcast_group6 ff02::13\n");
    expect(read(writeKeepalived(c)).config).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
    const none = read(conf("")).config!;
    expect([none.global.vrrpMcastGroup4, none.global.vrrpMcastGroup6]).toEqual([undefined, undefined]);
  });

  test("a group that is not a multicast address of its family is refused with its line", () => {
    for (const [line, want] of [
      ["vrrp_mcast_group4 198.18.0.1", "vrrp_mcast_group4: 198.18.0.1 is not a multicast address (IPv4 224.0.0.0/4)"],
      ["vrrp_mcast_group4 ff02::12", "vrrp_mcast_group4: 'ff02::12' is not an IPv4 address"],
      ["vrrp_mcast_group6 fd00::1", "vrrp_mcast_group6: fd00::1 is not a multicast address (IPv6 ff00::/8)"],
      ["vrrp_mcast_group6 224.0.0.18", "vrrp_mcast_group6: '224.0.0.18' is not an IPv6 address"],
    ] as const) {
      const r = read(conf(`  ${line}`));
      expect({ line, config: r.config === undefined, msg: r.errors[0]?.message, at: r.errors[0]?.loc?.line }).toEqual({ line, config: true, msg: want, at: 2 });
    }
  });

  test("each instance takes the group of its family; absent, RFC 5798's", () => {
    const c = read(text).config!;
    expect(paramsFromConfig(c, c.instances[0]!, { primary: "198.18.5.2" }).mcastGroup).toBe("224.0.0.19");
    const c6 = read(conf("  vrrp_mcast_group4 224.0.0.19\n  vrrp_mcast_group6 ff02::13", "fd00::5")).config!;
    expect(paramsFromConfig(c6, c6.instances[0]!, { primary: "fe80::2" }).mcastGroup).toBe("ff02::13");
    const plain = read(conf("")).config!;
    expect(Array.from(resolveParams(paramsFromConfig(plain, plain.instances[0]!, { primary: "198.18.5.2" })).mcastGroup)).toEqual([224, 0, 0, 18]);
  });

  test("RFC 5798 §5.2.8: the v3 checksum's pseudo-header carries the configured group, and only adverts to it are accepted", () => {
    const base = { vrid: 5, version: 3 as const, family: 6 as const, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0, accept: false, vips: ["fd00::5"] };
    const enc = new AdvertEncoder(resolveParams({ ...base, primary: "fe80::1", mcastGroup: "ff02::13" }));
    const n = enc.encode(100);
    expect(fold(sum16(enc.buf, 0, n) + pseudoSumV6(parseIP("fe80::1").bytes, 0, parseIP("ff02::13").bytes, 0, 112, n))).toBe(0);
    const v = new AdvertValidator(resolveParams({ ...base, primary: "fe80::2", mcastGroup: "ff02::13" }));
    expect(v.check(enc.buf, 0, n, meta("fe80::1", "ff02::13"))).toBe(Drop.None);
    expect(v.check(enc.buf, 0, n, meta("fe80::1", "ff02::12"))).toBe(Drop.WrongDestination);
    expect(new AdvertValidator(resolveParams({ ...base, primary: "fe80::2" })).check(enc.buf, 0, n, meta("fe80::1", "ff02::13"))).toBe(Drop.WrongDestination);
    expect(() => resolveParams({ ...base, primary: "fe80::2", mcastGroup: "fd00::1" })).toThrow(VrrpParamsError);
  });
});
