// use_ipvlan's RTM_NEWLINK (keepalived 2.2.7 vrrp_vmac.c netlink_link_add_ipvlan):
// kind "ipvlan", IFLA_IPVLAN_MODE = L2 and IFLA_IPVLAN_FLAGS = the configured type,
// both u16 inside IFLA_INFO_DATA (linux/if_link.h). Decoded here with the same
// attribute reader the daemon uses on the kernel's replies.
import { describe, expect, test } from "bun:test";
import {
  IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_IPVLAN_FLAGS, IFLA_IPVLAN_MODE, IFLA_LINK, IFLA_LINKINFO, IPVLAN_MODE_L2,
  NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWLINK, SIZEOF,
} from "../../../src/sys/abi.ts";
import { Attrs } from "../../../src/sys/netlink/attr.ts";
import { encodeCreateIpvlan } from "../../../src/sys/rtnetlink/ipvlan.ts";

function decode(msg: Uint8Array) {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const a = new Attrs(msg.subarray(16 + SIZEOF.ifinfomsg));
  const data = a.nested(IFLA_LINKINFO)!.nested(IFLA_INFO_DATA)!;
  return {
    len: dv.getUint32(0, true) === msg.length, type: dv.getUint16(4, true), flags: dv.getUint16(6, true),
    name: a.string(IFLA_IFNAME), link: a.u32(IFLA_LINK), kind: a.nested(IFLA_LINKINFO)!.string(IFLA_INFO_KIND),
    mode: data.u16(IFLA_IPVLAN_MODE), ipvlanFlags: data.u16(IFLA_IPVLAN_FLAGS),
    // u16 attributes: 4-byte header + 2 bytes, padded to 8
    dataLens: data.list.map((x) => x.data.length),
  };
}

describe("use_ipvlan's link request: an L2 ipvlan with the type as IFLA_IPVLAN_FLAGS", () => {
  for (const [type, flags] of [["bridge", 0], ["private", 1], ["vepa", 2]] as const) {
    test(`${type} -> IFLA_IPVLAN_FLAGS ${flags}, mode L2, created exclusively`, () => {
      expect(decode(encodeCreateIpvlan({ name: "vrrp.51", parent: 7, type }))).toEqual({
        len: true, type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, name: "vrrp.51", link: 7, kind: "ipvlan",
        mode: IPVLAN_MODE_L2, ipvlanFlags: flags, dataLens: [2, 2],
      });
    });
  }
  test("a name longer than IFNAMSIZ allows is refused before the kernel sees it", () => {
    expect(() => encodeCreateIpvlan({ name: "a-very-long-name", parent: 1, type: "bridge" })).toThrow("1-15 bytes");
  });
});
