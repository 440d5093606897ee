import { describe, expect, test } from "bun:test";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { Drop, DROP_NAMES } from "../../../src/vrrp/drop-reasons.ts";
import { resolveParams, VrrpParamsError, type VrrpParams } from "../../../src/vrrp/params.ts";
import { parseIPv4, parseIPv6 } from "../../../src/vrrp/addr.ts";
import { fold, sum16, pseudoSumV6 } from "../../../src/net/checksum.ts";
import { ETH_LEN, IP_LEN, KA_SENDER, KA_V2_PASS, KA_V3_10MS, KA_V3_1S, KA_VIP } from "./vectors.ts";

const base: VrrpParams = {
  vrid: 51, version: 3, family: 4, priority: 150, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: [KA_VIP], primary: KA_SENDER,
};
const ipFrame = (f: Uint8Array) => f.subarray(ETH_LEN);
const vrrpPart = (f: Uint8Array) => f.subarray(ETH_LEN + IP_LEN);
const ipId = (f: Uint8Array) => (f[ETH_LEN + 4] << 8) | f[ETH_LEN + 5];

/** RxMeta as the adapter would fill it for a packet from `src` to `dst`. */
function meta(src: string, dst = "224.0.0.18", ttl = 255, ifindex = 0): RxMeta {
  const m = new RxMeta();
  const six = src.includes(":");
  m.src.set(six ? parseIPv6(src) : parseIPv4(src));
  m.dst.set(six ? parseIPv6(dst) : parseIPv4(dst));
  m.ttl = ttl;
  m.ifindex = ifindex;
  return m;
}
/** A receiver configured like keepalived's peer: same VRID/VIPs, another primary. */
function receiver(over: Partial<VrrpParams> = {}) {
  return new AdvertValidator(resolveParams({ ...base, primary: "198.18.0.2", priority: 100, ...over }));
}

describe("encode matches keepalived 2.2.7 byte for byte", () => {
  test("RFC 3768 §5.3: VRRPv2 PASS advert (checksum 0x1ef1, password NUL-padded to 8 bytes)", () => {
    const enc = new AdvertEncoder(resolveParams({ ...base, version: 2, authPass: "1111" }), { ipHeader: true });
    const n = enc.encode(150, 0, ipId(KA_V2_PASS));
    expect(Array.from(enc.buf.subarray(0, n))).toEqual(Array.from(ipFrame(KA_V2_PASS)));
    expect((enc.buf[IP_LEN + 6] << 8) | enc.buf[IP_LEN + 7]).toBe(0x1ef1);
  });
  test("RFC 5798 §5.2.8: VRRPv3 IPv4 advert_int 1 s with pseudo-header checksum 0xcb4d", () => {
    const enc = new AdvertEncoder(resolveParams(base), { ipHeader: true });
    const n = enc.encode(150, 0, ipId(KA_V3_1S));
    expect(Array.from(enc.buf.subarray(0, n))).toEqual(Array.from(ipFrame(KA_V3_1S)));
  });
  test("RFC 5798 §5.2.7: VRRPv3 advert_int 10 ms = 1 centisecond, checksum 0xcbb0", () => {
    const enc = new AdvertEncoder(resolveParams({ ...base, advertIntMs: 10 }), { ipHeader: true });
    const n = enc.encode(150, 0, ipId(KA_V3_10MS));
    expect(Array.from(enc.buf.subarray(0, n))).toEqual(Array.from(ipFrame(KA_V3_10MS)));
  });
  test("without IP header the buffer is exactly the VRRP part", () => {
    const enc = new AdvertEncoder(resolveParams(base));
    expect(enc.encode(150)).toBe(12);
    expect(Array.from(enc.buf)).toEqual(Array.from(vrrpPart(KA_V3_1S)));
  });
  test("RFC 5798 §6.4.3: priority 0 advert re-checksums correctly from the template", () => {
    const enc = new AdvertEncoder(resolveParams(base));
    enc.encode(0);
    expect(enc.buf[2]).toBe(0);
    const v = receiver();
    expect(v.check(enc.buf, 0, enc.length, meta(KA_SENDER))).toBe(Drop.None);
    expect(v.priority).toBe(0);
  });
  test("RFC 5798 §5.2.8: IPv6 advert checksum covers the IPv6 pseudo-header", () => {
    const p = resolveParams({ ...base, family: 6, primary: "fe80::1", vips: ["fd00::100", "fd00::101"] });
    const enc = new AdvertEncoder(p);
    const n = enc.encode(200);
    expect(n).toBe(8 + 32);
    const src = parseIPv6("fe80::1"), dst = parseIPv6("ff02::12");
    expect(fold(sum16(enc.buf, 0, n) + pseudoSumV6(src, 0, dst, 0, 112, n))).toBe(0);
    const v = new AdvertValidator(resolveParams({ ...base, family: 6, primary: "fe80::2", vips: ["fd00::101", "fd00::100"] }));
    expect(v.check(enc.buf, 0, n, meta("fe80::1", "ff02::12"))).toBe(Drop.None);
    expect(v.priority).toBe(200);
  });
  test("unicast: one checksum per peer (the pseudo-header destination differs)", () => {
    const p = resolveParams({ ...base, unicastPeers: ["198.18.0.2", "198.18.0.3"] });
    const enc = new AdvertEncoder(p, { ipHeader: true });
    for (const [i, peer] of ["198.18.0.2", "198.18.0.3"].entries()) {
      enc.encode(150, i, 7);
      const v = receiver({ primary: peer, unicastPeers: [KA_SENDER], checkUnicastSrc: true });
      expect(v.check(enc.buf, IP_LEN, enc.vrrpLength, meta(KA_SENDER, peer))).toBe(Drop.None);
      expect(fold(sum16(enc.buf, 0, IP_LEN))).toBe(0);
      expect(Array.from(enc.buf.subarray(16, 20))).toEqual(Array.from(parseIPv4(peer)));
    }
  });
});

describe("validate keepalived's adverts in place", () => {
  test("RFC 3768 §7.1: VRRPv2 PASS advert from keepalived is accepted", () => {
    const v = receiver({ version: 2, authPass: "1111" });
    expect(v.check(vrrpPart(KA_V2_PASS), 0, 20, meta(KA_SENDER))).toBe(Drop.None);
    expect(v.priority).toBe(150);
    expect(v.advertIntMs).toBe(1000);
  });
  test("RFC 5798 §7.1: VRRPv3 adverts at 1 s and 10 ms are accepted and the interval read", () => {
    const v = receiver();
    expect(v.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.None);
    expect(v.advertIntMs).toBe(1000);
    expect(v.check(vrrpPart(KA_V3_10MS), 0, 12, meta(KA_SENDER))).toBe(Drop.None);
    expect(v.advertIntMs).toBe(10);
    expect(v.counters.accepted).toBe(2);
  });
  test("RFC 5798 §7.1: TTL other than 255 is dropped and counted", () => {
    const v = receiver();
    expect(v.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER, "224.0.0.18", 254))).toBe(Drop.BadTtl);
    expect(v.counters.get(Drop.BadTtl)).toBe(1);
  });
  test("RFC 5798 §7.1: wrong VRID is dropped", () => {
    expect(receiver({ vrid: 52 }).check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.VridMismatch);
  });
  test("RFC 5798 §7.1: a flipped bit fails the checksum", () => {
    const pkt = vrrpPart(KA_V3_1S).slice();
    pkt[11] ^= 1;
    expect(receiver().check(pkt, 0, 12, meta(KA_SENDER))).toBe(Drop.BadChecksum);
  });
  test("RFC 5798 §5.2.8: v3 checksum depends on the pseudo-header source", () => {
    expect(receiver().check(vrrpPart(KA_V3_1S), 0, 12, meta("198.18.0.9"))).toBe(Drop.BadChecksum);
  });
  test("version mismatch (v3 packet at a v2 instance) is dropped", () => {
    expect(receiver({ version: 2 }).check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.VersionMismatch);
  });
  test("RFC 5798 §5.2.2: type other than ADVERTISEMENT is dropped", () => {
    const pkt = vrrpPart(KA_V3_1S).slice();
    pkt[0] = 0x32;
    expect(receiver().check(pkt, 0, 12, meta(KA_SENDER))).toBe(Drop.BadType);
  });
  test("length not matching Count is dropped (short and trailing bytes)", () => {
    const v = receiver();
    expect(v.check(vrrpPart(KA_V3_1S), 0, 11, meta(KA_SENDER))).toBe(Drop.LengthMismatch);
    expect(v.check(vrrpPart(KA_V3_1S), 0, 5, meta(KA_SENDER))).toBe(Drop.TooShort);
    const long = new Uint8Array(16);
    long.set(vrrpPart(KA_V3_1S));
    expect(v.check(long, 0, 16, meta(KA_SENDER))).toBe(Drop.LengthMismatch);
  });
  test("RFC 2338 auth: wrong password, auth type mismatch and AH are distinct drops", () => {
    expect(receiver({ version: 2, authPass: "2222" }).check(vrrpPart(KA_V2_PASS), 0, 20, meta(KA_SENDER))).toBe(Drop.AuthFailure);
    expect(receiver({ version: 2 }).check(vrrpPart(KA_V2_PASS), 0, 20, meta(KA_SENDER))).toBe(Drop.AuthTypeMismatch);
    const ah = vrrpPart(KA_V2_PASS).slice();
    ah[4] = 2;
    ah[6] -= 1; // auth type is the high byte of its word: keep the checksum valid so auth is what rejects it
    expect(fold(sum16(ah, 0, 20))).toBe(0);
    expect(receiver({ version: 2, authPass: "1111" }).check(ah, 0, 20, meta(KA_SENDER))).toBe(Drop.AuthUnsupported);
  });
  test("RFC 3768 §7.1: VRRPv2 advert interval mismatch is dropped", () => {
    expect(receiver({ version: 2, authPass: "1111", advertIntMs: 2000 }).check(vrrpPart(KA_V2_PASS), 0, 20, meta(KA_SENDER)))
      .toBe(Drop.IntervalMismatch);
  });
  test("RFC 5798 §7.1: address list mismatch is dropped unless the sender is the owner", () => {
    const v = receiver({ vips: ["198.18.0.101"] });
    expect(v.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.AddressMismatch);
    const owner = new AdvertEncoder(resolveParams({ ...base, priority: 255 }));
    owner.encode(255);
    expect(v.check(owner.buf, 0, owner.length, meta(KA_SENDER))).toBe(Drop.None);
  });
  test("vrrp_skip_check_adv_addr: list not checked when the advert is from the last master", () => {
    const v = receiver({ vips: ["198.18.0.101"], skipCheckAdvAddr: true });
    // first advert from this master: checked, mismatch
    expect(v.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.AddressMismatch);
    const owner = new AdvertEncoder(resolveParams({ ...base, priority: 255 }));
    owner.encode(255);
    expect(v.check(owner.buf, 0, owner.length, meta(KA_SENDER))).toBe(Drop.None);
    // same master again: the list is no longer checked
    expect(v.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.None);
    const w = receiver({ vips: ["198.18.0.101"], skipCheckAdvAddr: false });
    w.check(owner.buf, 0, owner.length, meta(KA_SENDER));
    expect(w.check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.AddressMismatch);
  });
  test("own looped-back advert, wrong interface, wrong destination, unknown unicast source", () => {
    expect(receiver({ primary: KA_SENDER }).check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.OwnAdvert);
    expect(receiver({ ifindex: 3 }).check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER, "224.0.0.18", 255, 4))).toBe(Drop.WrongInterface);
    expect(receiver().check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER, "224.0.0.19"))).toBe(Drop.WrongDestination);
    // keepalived: a multicast instance refuses unicast adverts and a unicast instance multicast ones
    expect(receiver().check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER, "198.18.0.2"))).toBe(Drop.WrongDestination);
    expect(receiver({ unicastPeers: [KA_SENDER] }).check(vrrpPart(KA_V3_1S), 0, 12, meta(KA_SENDER))).toBe(Drop.WrongDestination);
    const u = receiver({ unicastPeers: ["198.18.0.7"], checkUnicastSrc: true });
    const enc = new AdvertEncoder(resolveParams({ ...base, unicastPeers: ["198.18.0.2"] }));
    enc.encode(150);
    expect(u.check(enc.buf, 0, enc.length, meta(KA_SENDER, "198.18.0.2"))).toBe(Drop.UnknownSource);
  });
  test("v3 max advert interval 0 is dropped", () => {
    const pkt = vrrpPart(KA_V3_1S).slice();
    pkt[5] = 0;
    pkt[7] += 0x64; // compensate the checksum for the removed 0x0064
    expect(receiver().check(pkt, 0, 12, meta(KA_SENDER))).toBe(Drop.ZeroInterval);
  });
  test("every drop reason has a report name", () => {
    expect(DROP_NAMES[Drop.BadTtl]).toBe("bad_ttl");
    expect(DROP_NAMES[0]).toBe("accepted");
    expect(new Set(DROP_NAMES).size).toBe(DROP_NAMES.length);
    expect(Object.keys(receiver().counters.toRecord())).toEqual([...DROP_NAMES]);
  });
});

describe("params are checked with specific errors", () => {
  const bad = (over: Partial<VrrpParams>, msg: RegExp) => expect(() => resolveParams({ ...base, ...over })).toThrow(msg);
  test("ranges and family/version combinations", () => {
    bad({ vrid: 0 }, /virtual_router_id 0/);
    bad({ priority: 0 }, /priority 0/);
    bad({ advertIntMs: 5 }, /VRRPv3 needs 10\.\.40950/);
    bad({ version: 2, advertIntMs: 1500 }, /whole seconds/);
    bad({ version: 2, family: 6 }, /IPv4 only/);
    bad({ authPass: "x" }, /only in VRRPv2/);
    bad({ version: 2, authPass: "123456789" }, /1\.\.8 bytes/);
    bad({ vips: ["198.18.0.300"] }, /virtual_ipaddress #1: invalid address "198\.18\.0\.300": part 4 is not 0-255/);
    bad({ family: 6, vips: ["fd00::1::2"], primary: "fe80::1" }, /"::" appears more than once/);
    bad({ strict: true, unicastPeers: ["198.18.0.2"] }, /vrrp_strict forbids unicast/);
    bad({ strict: true, vips: [] }, /at least one/);
    bad({ garp: { masterRepeat: 0 } }, /garp_master_repeat/);
    expect(() => resolveParams({ ...base, vrid: 300 })).toThrow(VrrpParamsError);
  });
});
