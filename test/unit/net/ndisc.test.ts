import { describe, expect, test } from "bun:test";
import { formatIPv6, parseIPv6, parseMac } from "../../../src/net/ip-address.ts";
import {
  ICMPV6_NA, ICMPV6_NS, NA_FLAG_OVERRIDE, NA_FLAG_ROUTER, NA_FLAG_SOLICITED, ndShowsConflict, parseNdisc,
  solicitedNodeGroup, UNSOLICITED_NA_LEN, writeNeighborSolicitation, writeUnsolicitedNa,
} from "../../../src/net/ndisc.ts";

const MAC = parseMac("02:00:5e:00:01:33");
const VIP = parseIPv6("fd00:198:18::100");

/** Independent RFC 1071 reference: builds the RFC 8200 §8.1 pseudo-header explicitly and sums 16-bit words. */
function referenceIcmp6Checksum(frame: Uint8Array): number {
  const ip6 = 14;
  const plen = (frame[ip6 + 4] << 8) | frame[ip6 + 5];
  const pseudo = new Uint8Array(40 + plen);
  pseudo.set(frame.subarray(ip6 + 8, ip6 + 40), 0);
  new DataView(pseudo.buffer).setUint32(32, plen);
  pseudo[39] = 58;
  pseudo.set(frame.subarray(ip6 + 40, ip6 + 40 + plen), 40);
  pseudo[40 + 2] = 0; pseudo[40 + 3] = 0;
  let s = 0;
  for (let i = 0; i < pseudo.length; i += 2) s += (pseudo[i] << 8) | (pseudo[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

describe("unsolicited Neighbor Advertisement", () => {
  const frame = new Uint8Array(UNSOLICITED_NA_LEN);
  writeUnsolicitedNa(frame, 0, MAC, VIP, false);

  test("RFC 4861 §7.2.6: sent to all-nodes ff02::1 via 33:33:00:00:00:01 from our MAC", () => {
    expect([...frame.subarray(0, 14)]).toEqual([0x33, 0x33, 0, 0, 0, 1, ...MAC, 0x86, 0xdd]);
    expect(formatIPv6(frame, 14 + 24)).toBe("ff02::1");
  });

  test("RFC 4861 §7.1.2: hop limit 255, next header ICMPv6, payload 32 bytes", () => {
    expect(frame[14]).toBe(0x60);
    expect(frame[14 + 7]).toBe(255);
    expect(frame[14 + 6]).toBe(58);
    expect((frame[14 + 4] << 8) | frame[14 + 5]).toBe(32);
    expect(UNSOLICITED_NA_LEN).toBe(86);
  });

  test("RFC 4861 §4.4: type 136, Override set, Solicited clear, target = VIP, Target Link-Layer option = our MAC", () => {
    const icmp = 54;
    expect(frame[icmp]).toBe(136);
    expect(frame[icmp + 1]).toBe(0);
    expect(frame[icmp + 4]).toBe(NA_FLAG_OVERRIDE);
    expect(formatIPv6(frame, icmp + 8)).toBe("fd00:198:18::100");
    expect([...frame.subarray(icmp + 24, icmp + 32)]).toEqual([2, 1, ...MAC]);
    expect(formatIPv6(frame, 14 + 8)).toBe("fd00:198:18::100"); // source = VIP, as keepalived sends it
  });

  test("RFC 4443 §2.3: checksum over the IPv6 pseudo-header matches an independent computation", () => {
    expect((frame[56] << 8) | frame[57]).toBe(referenceIcmp6Checksum(frame));
  });

  test("RFC 4861 §4.4: Router flag set when the sender forwards IPv6", () => {
    const f = new Uint8Array(UNSOLICITED_NA_LEN);
    writeUnsolicitedNa(f, 0, MAC, VIP, true);
    expect(f[58]).toBe(NA_FLAG_OVERRIDE | NA_FLAG_ROUTER);
    expect((f[56] << 8) | f[57]).toBe(referenceIcmp6Checksum(f));
  });

  test("parses back as a valid NA", () => {
    const r = parseNdisc(frame, frame.length);
    if (!r.ok) throw new Error(r.reason);
    expect(r.nd.type).toBe(ICMPV6_NA);
    expect([...r.nd.lladdr!]).toEqual([...MAC]);
    expect(formatIPv6(r.nd.target)).toBe("fd00:198:18::100");
  });
});

describe("Neighbor Solicitation probe", () => {
  test("RFC 4291 §2.7.1: solicited-node group is ff02::1:ff + low 24 bits of the target", () => {
    expect(formatIPv6(solicitedNodeGroup(parseIPv6("fd00::12:3456")))).toBe("ff02::1:ff12:3456");
  });

  test("RFC 4862 §5.4.2 / RFC 4861 §7.2.2: DAD-style probe has source :: and no Source Link-Layer option", () => {
    const f = new Uint8Array(100);
    const n = writeNeighborSolicitation(f, 0, MAC, VIP, null);
    expect(n).toBe(78);
    expect([...f.subarray(0, 6)]).toEqual([0x33, 0x33, 0xff, 0x00, 0x01, 0x00]);
    expect(formatIPv6(f, 14 + 8)).toBe("::");
    expect(formatIPv6(f, 14 + 24)).toBe("ff02::1:ff00:100");
    expect(f[54]).toBe(135);
    expect((f[56] << 8) | f[57]).toBe(referenceIcmp6Checksum(f.subarray(0, n)));
    const r = parseNdisc(f, n);
    if (!r.ok) throw new Error(r.reason);
    expect(r.nd.type).toBe(ICMPV6_NS);
    expect(r.nd.lladdr).toBeNull();
  });

  test("with a source address the Source Link-Layer option carries our MAC", () => {
    const f = new Uint8Array(100);
    const n = writeNeighborSolicitation(f, 0, MAC, VIP, parseIPv6("fe80::1"));
    expect(n).toBe(86);
    expect([...f.subarray(78, 86)]).toEqual([1, 1, ...MAC]);
    expect((f[56] << 8) | f[57]).toBe(referenceIcmp6Checksum(f.subarray(0, n)));
  });
});

describe("ND parser validity checks (RFC 4861 §7.1)", () => {
  const good = new Uint8Array(UNSOLICITED_NA_LEN);
  writeUnsolicitedNa(good, 0, MAC, VIP, false);
  const cases: [string, (f: Uint8Array) => number, RegExp][] = [
    ["§7.1.2 hop limit not 255", (f) => { f[21] = 64; return f.length; }, /hop limit 64/],
    ["§7.1.2 bad checksum", (f) => { f[57] ^= 1; return f.length; }, /checksum/],
    ["§7.1.2 code not 0", (f) => { f[55] = 1; return f.length; }, /code 1/],
    ["§7.1.2 target is multicast", (f) => { f[62] = 0xff; return f.length; }, /multicast/],
    ["§7.1.2 Solicited flag on a multicast NA", (f) => { f[58] |= NA_FLAG_SOLICITED; return f.length; }, /Solicited/],
    ["§7.1.2 zero-length option", (f) => { f[79] = 0; return f.length; }, /length 0/],
    ["not ICMPv6", (f) => { f[20] = 17; return f.length; }, /next header 17/],
    ["not IPv6", (f) => { f[12] = 0x08; f[13] = 0x06; return f.length; }, /EtherType/],
    ["payload length past frame", (f) => { f[19] = 200; return f.length; }, /runs past/],
    ["short frame", () => 60, /too short/],
  ];
  for (const [name, mutate, re] of cases) {
    test(name, () => {
      const f = good.slice();
      const len = mutate(f);
      // Re-seal the checksum so each case fails on its own rule, not on the checksum.
      if (!name.includes("checksum") && f[20] === 58) {
        const c = referenceIcmp6Checksum(f);
        f[56] = c >>> 8; f[57] = c & 0xff;
      }
      const r = parseNdisc(f, len);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(re);
    });
  }

  test("an NA for the probed VIP from another MAC is a conflict, from our MAC it is not", () => {
    const r = parseNdisc(good, good.length);
    if (!r.ok) throw new Error(r.reason);
    expect(ndShowsConflict(r.nd, VIP, parseMac("02:00:00:00:00:99"))).toBe(true);
    expect(ndShowsConflict(r.nd, VIP, MAC)).toBe(false);
    expect(ndShowsConflict(r.nd, parseIPv6("fd00::1"), parseMac("02:00:00:00:00:99"))).toBe(false);
  });
});
