// rtnetlink message codecs (no kernel): requests are decoded back with the same
// decoders the monitor uses, and kernel-shaped replies are built by hand.
import { describe, expect, test } from "bun:test";
import {
  AF_INET, AF_INET6, IFA_ADDRESS, IFA_CACHEINFO, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_FLAGS, IFA_LOCAL, IFF_LOWER_UP,
  IFF_RUNNING, IFF_UP, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO,
  IFLA_MACVLAN_MODE, IFLA_MTU, IFLA_OPERSTATE, MACVLAN_MODE_PRIVATE, NLM_F_CREATE, NLM_F_REPLACE, RTM_DELADDR,
  RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE,
} from "../../../src/sys/abi.ts";
import { NetlinkDecodeError } from "../../../src/sys/netlink/attr.ts";
import { MessageBuilder, parseMessages } from "../../../src/sys/netlink/message.ts";
import { buildDelAddress, buildNewAddress, decodeAddress } from "../../../src/sys/rtnetlink/address.ts";
import { decodeLink } from "../../../src/sys/rtnetlink/link.ts";
import { decodeRtEvent } from "../../../src/sys/rtnetlink/monitor.ts";

function linkMsg(fill: (b: MessageBuilder) => void, flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP, index = 4): Uint8Array {
  const b = new MessageBuilder();
  b.begin(RTM_NEWLINK, 0);
  const off = b.struct(16);
  b.view.setInt32(off + 4, index, true);
  b.view.setUint32(off + 8, flags, true);
  fill(b);
  return b.finish().slice();
}

function addrMsg(type: number, family: number, prefixlen: number, fill: (b: MessageBuilder) => void): Uint8Array {
  const b = new MessageBuilder();
  b.begin(type, 0);
  const off = b.struct(8);
  b.view.setUint8(off, family);
  b.view.setUint8(off + 1, prefixlen);
  b.view.setUint32(off + 4, 3, true);
  fill(b);
  return b.finish().slice();
}

const one = (bytes: Uint8Array) => parseMessages(bytes)[0];

describe("link decoding (ifinfomsg + IFLA_*)", () => {
  test("a macvlan link: name, mtu, MAC, parent, kind, mode, operstate, flags", () => {
    const m = linkMsg((b) => {
      b.string(IFLA_IFNAME, "vrrp.7").u32(IFLA_MTU, 1500).bytes(IFLA_ADDRESS, new Uint8Array([0, 0, 0x5e, 0, 1, 7]));
      b.u32(IFLA_LINK, 3).u8(IFLA_OPERSTATE, 6);
      b.nest(IFLA_LINKINFO, (li) => li.string(IFLA_INFO_KIND, "macvlan").nest(IFLA_INFO_DATA, (d) => d.u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE)));
    });
    expect(decodeLink(one(m))).toEqual({
      index: 4, name: "vrrp.7", flags: IFF_UP | IFF_RUNNING | IFF_LOWER_UP, up: true, running: true, lowerUp: true,
      mac: "00:00:5e:00:01:07", mtu: 1500, kind: "macvlan", parent: 3, master: 0, operstate: "up", macvlanMode: MACVLAN_MODE_PRIVATE,
    });
  });
  test("a down link without kind or MAC", () => {
    const l = decodeLink(one(linkMsg((b) => b.string(IFLA_IFNAME, "d1"), 0)));
    expect(l).toMatchObject({ up: false, running: false, kind: "", mac: "", operstate: "unknown" });
  });
  test("a payload shorter than ifinfomsg is rejected", () => {
    const b = new MessageBuilder();
    b.begin(RTM_NEWLINK, 0).struct(8);
    expect(() => decodeLink(one(b.finish()))).toThrow(/need 16 for ifinfomsg/);
  });
  test("a short IFLA_MTU is rejected, naming the attribute", () => {
    expect(() => decodeLink(one(linkMsg((b) => b.u16(IFLA_MTU, 1500))))).toThrow(/attribute type 4: 2 bytes, need 4/);
  });
});

describe("address decoding (ifaddrmsg + IFA_*)", () => {
  test("IPv4 with label, broadcast, lifetimes", () => {
    const m = addrMsg(RTM_NEWADDR, AF_INET, 24, (b) => {
      b.bytes(IFA_ADDRESS, new Uint8Array([198, 18, 0, 1])).bytes(IFA_LOCAL, new Uint8Array([198, 18, 0, 1]));
      b.bytes(4, new Uint8Array([198, 18, 0, 255])).string(3, "d0:vip");
      const ci = new Uint8Array(16);
      new DataView(ci.buffer).setUint32(0, 20, true);
      new DataView(ci.buffer).setUint32(4, 30, true);
      b.bytes(IFA_CACHEINFO, ci).u32(IFA_FLAGS, 0);
    });
    expect(decodeAddress(one(m))).toEqual({
      family: 4, index: 3, address: "198.18.0.1", prefixlen: 24, label: "d0:vip", scope: 0, flags: 0,
      broadcast: "198.18.0.255", validLft: 30, preferredLft: 20,
    });
  });
  test("point-to-point: IFA_ADDRESS differing from IFA_LOCAL is the peer", () => {
    const m = addrMsg(RTM_NEWADDR, AF_INET, 32, (b) => {
      b.bytes(IFA_LOCAL, new Uint8Array([198, 18, 0, 1])).bytes(IFA_ADDRESS, new Uint8Array([198, 18, 0, 2]));
    });
    expect(decodeAddress(one(m))).toMatchObject({ address: "198.18.0.1", peer: "198.18.0.2", validLft: 0xffffffff });
  });
  test("IPv6 address of the wrong length, a missing address, an unknown family, a short IFA_CACHEINFO are all rejected", () => {
    const bad = [
      addrMsg(RTM_NEWADDR, AF_INET6, 64, (b) => b.bytes(IFA_ADDRESS, new Uint8Array(4))),
      addrMsg(RTM_NEWADDR, AF_INET, 24, () => {}),
      addrMsg(RTM_NEWADDR, 99, 24, (b) => b.bytes(IFA_ADDRESS, new Uint8Array(4))),
      addrMsg(RTM_NEWADDR, AF_INET, 24, (b) => b.bytes(IFA_ADDRESS, new Uint8Array(4)).bytes(IFA_CACHEINFO, new Uint8Array(8))),
    ];
    for (const m of bad) expect(() => decodeAddress(one(m))).toThrow(NetlinkDecodeError);
  });
});

describe("address requests", () => {
  test("RTM_NEWADDR carries IFA_LOCAL/IFA_ADDRESS, IFA_FLAGS for bits above 0xff, and IFA_CACHEINFO at the returned offset", () => {
    const b = new MessageBuilder(16);
    const ci = buildNewAddress(b, { index: 3, address: "fd00::5", prefixlen: 64, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE, validLft: 9, preferredLft: 4 }, NLM_F_CREATE | NLM_F_REPLACE);
    const msg = b.finish();
    const m = one(msg);
    expect(m.type).toBe(RTM_NEWADDR);
    expect(m.flags & (NLM_F_CREATE | NLM_F_REPLACE)).toBe(NLM_F_CREATE | NLM_F_REPLACE);
    expect(decodeAddress(m)).toMatchObject({ family: 6, address: "fd00::5", prefixlen: 64, flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE, validLft: 9, preferredLft: 4 });
    // the lease patches these two words in place
    const dv = new DataView(msg.buffer, msg.byteOffset);
    expect(dv.getUint32(ci + 4, true)).toBe(9);
    expect(dv.getUint32(ci, true)).toBe(4);
    expect(dv.getUint16(ci - 2, true)).toBe(IFA_CACHEINFO);
  });
  test("permanent addresses carry no IFA_CACHEINFO; flags that fit a byte skip IFA_FLAGS", () => {
    const b = new MessageBuilder();
    expect(buildNewAddress(b, { index: 3, address: "198.18.0.9", prefixlen: 24, label: "d0:x", broadcast: "auto", flags: IFA_F_NODAD }, NLM_F_CREATE)).toBe(-1);
    const a = decodeAddress(one(b.finish()));
    expect(a).toMatchObject({ label: "d0:x", broadcast: "198.18.0.255", flags: IFA_F_NODAD, validLft: 0xffffffff });
  });
  test("a point-to-point address: IFA_LOCAL is the address, IFA_ADDRESS the peer, in RTM_NEWADDR and RTM_DELADDR alike (ip addr add/del A peer P)", () => {
    const attrs = (msg: Uint8Array) => {
      const p = one(msg).payload;
      const out: Record<number, number[]> = {};
      for (let o = 8; o + 4 <= p.length;) {
        const len = p[o]! | (p[o + 1]! << 8);
        out[p[o + 2]! | (p[o + 3]! << 8)] = [...p.subarray(o + 4, o + len)];
        o += (len + 3) & ~3;
      }
      return out;
    };
    const b = new MessageBuilder();
    buildNewAddress(b, { index: 3, address: "198.18.77.1", prefixlen: 32, peer: "198.18.77.2" }, NLM_F_CREATE);
    const add = b.finish();
    expect(attrs(add)[IFA_LOCAL]).toEqual([198, 18, 77, 1]);
    expect(attrs(add)[IFA_ADDRESS]).toEqual([198, 18, 77, 2]);
    expect(decodeAddress(one(add))).toMatchObject({ address: "198.18.77.1", peer: "198.18.77.2", prefixlen: 32 });
    const d = new MessageBuilder();
    buildDelAddress(d, { index: 3, address: "fd00:77::1", prefixlen: 128, peer: "fd00:77::2" });
    const del = d.finish();
    expect(one(del).type).toBe(RTM_DELADDR);
    expect(decodeAddress(one(del))).toMatchObject({ family: 6, address: "fd00:77::1", peer: "fd00:77::2", prefixlen: 128 });
    // without a peer both carry the address itself
    const n = new MessageBuilder();
    buildDelAddress(n, { index: 3, address: "198.18.77.1", prefixlen: 24 });
    expect(attrs(n.finish())[IFA_ADDRESS]).toEqual([198, 18, 77, 1]);
    expect(() => buildNewAddress(new MessageBuilder(), { index: 3, address: "198.18.77.1", prefixlen: 32, peer: "fd00::2" }, 0)).toThrow(/peer fd00::2 is not IPv4/);
  });
  test("prefix lengths outside the family's range are refused", () => {
    expect(() => buildNewAddress(new MessageBuilder(), { index: 1, address: "198.18.0.1", prefixlen: 33 }, 0)).toThrow(/0-32/);
    expect(() => buildNewAddress(new MessageBuilder(), { index: 1, address: "fd00::1", prefixlen: 129 }, 0)).toThrow(/0-128/);
  });
});

describe("monitor event decoding", () => {
  test("RTM_DELADDR becomes an address del event; other types are ignored", () => {
    const m = addrMsg(RTM_DELADDR, AF_INET, 24, (b) => b.bytes(IFA_LOCAL, new Uint8Array([198, 18, 1, 1])));
    expect(decodeRtEvent(one(m))).toMatchObject({ kind: "address", op: "del", address: { address: "198.18.1.1" } });
    const b = new MessageBuilder();
    b.begin(RTM_NEWROUTE, 0).struct(12);
    expect(decodeRtEvent(one(b.finish()))).toBeNull();
  });
  test("a malformed notification becomes a malformed event instead of throwing", () => {
    const m = addrMsg(RTM_NEWADDR, AF_INET, 24, () => {});
    expect(decodeRtEvent(one(m))).toMatchObject({ kind: "malformed" });
  });
});
