import { describe, expect, test } from "bun:test";
import { formatIPv4, formatIPv6, formatMac, isIPv6LinkLocal, parseIPv4, parseIPv6, parseMac } from "../../../src/net/ip-address.ts";

describe("IPv4 text", () => {
  test("round-trips", () => {
    expect([...parseIPv4("198.18.0.1")]).toEqual([198, 18, 0, 1]);
    expect(formatIPv4(parseIPv4("224.0.0.18"))).toBe("224.0.0.18");
  });
  for (const bad of ["198.18.0", "198.18.0.256", "198.18.0.01", "a.b.c.d", "1.2.3.4.5", "", " 1.2.3.4"]) {
    test(`rejects "${bad}" with the reason`, () => expect(() => parseIPv4(bad)).toThrow(/invalid address/));
  }
});

describe("IPv6 text", () => {
  test("RFC 4291 §2.2 forms parse, RFC 5952 form prints", () => {
    expect(formatIPv6(parseIPv6("ff02::12"))).toBe("ff02::12");
    expect(formatIPv6(parseIPv6("FD00:0:0:0:0:0:0:1"))).toBe("fd00::1");
    expect(formatIPv6(parseIPv6("::"))).toBe("::");
    expect(formatIPv6(parseIPv6("::ffff:198.18.0.1"))).toBe("::ffff:c612:1");
    expect(formatIPv6(parseIPv6("fd00:1:0:0:1:0:0:1"))).toBe("fd00:1::1:0:0:1");
    expect(formatIPv6(parseIPv6("1:2:3:4:5:6:7:8"))).toBe("1:2:3:4:5:6:7:8");
  });
  for (const bad of ["fd00::1::2", "fd00:1", "12345::", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "g::1", "1:2:3:4:5:6:7::8"]) {
    test(`rejects "${bad}" with the reason`, () => expect(() => parseIPv6(bad)).toThrow(/invalid address/));
  }
  test("link-local fe80::/10", () => {
    expect(isIPv6LinkLocal(parseIPv6("fe80::1"))).toBe(true);
    expect(isIPv6LinkLocal(parseIPv6("febf::1"))).toBe(true);
    expect(isIPv6LinkLocal(parseIPv6("fec0::1"))).toBe(false);
    expect(isIPv6LinkLocal(parseIPv6("fd00::1"))).toBe(false);
  });
});

describe("MAC text", () => {
  test("round-trips and rejects malformed", () => {
    expect(formatMac(parseMac("EE:bf:0b:87:9a:a5"))).toBe("ee:bf:0b:87:9a:a5");
    expect(() => parseMac("ee:bf:0b:87:9a")).toThrow(/six hex octets/);
    expect(formatMac(parseMac("ee-bf-0b-87-9a-a5"))).toBe("ee:bf:0b:87:9a:a5"); // dash form, as some tools print it
  });
});
