// IP/MAC text codec used by rtnetlink requests and decoders.
import { describe, expect, test } from "bun:test";
import { AddressSyntaxError, formatIP, formatMac, ipv4Broadcast, parseIP, parseIPv4, parseIPv6, parseMac } from "../../../src/sys/rtnetlink/inet.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("IPv4 text", () => {
  test("dotted quad to network-order bytes and back", () => {
    expect(hex(parseIPv4("198.18.0.1"))).toBe("c6120001");
    expect(formatIP(parseIPv4("198.19.255.254"))).toBe("198.19.255.254");
  });
  for (const bad of ["198.18.0", "198.18.0.1.2", "198.18.0.256", "198.18.0.01", "198.18.0.-1", "198.18..1", " 198.18.0.1", "a.b.c.d", ""]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseIPv4(bad)).toThrow(AddressSyntaxError);
    });
  }
  test("broadcast of a prefix sets the host bits (like `brd +`)", () => {
    expect(formatIP(ipv4Broadcast(parseIPv4("198.18.3.1"), 22))).toBe("198.18.3.255");
    expect(formatIP(ipv4Broadcast(parseIPv4("198.18.0.1"), 23))).toBe("198.18.1.255");
    expect(formatIP(ipv4Broadcast(parseIPv4("198.18.0.1"), 32))).toBe("198.18.0.1");
  });
});

describe("IPv6 text (RFC 4291 §2.2 in, RFC 5952 §4 out)", () => {
  const cases: [string, string, string][] = [
    ["fd00::1", "fd000000000000000000000000000001", "fd00::1"],
    ["::", "00000000000000000000000000000000", "::"],
    ["::1", "00000000000000000000000000000001", "::1"],
    ["FD00:0:0:1:0:0:0:1", "fd000000000000010000000000000001", "fd00:0:0:1::1"],
    ["fd00:1:0:0:1:0:0:1", "fd000001000000000001000000000001", "fd00:1::1:0:0:1"],
    ["fd00:0:1:2:3:4:5:6", "fd000000000100020003000400050006", "fd00:0:1:2:3:4:5:6"],
    ["::ffff:198.18.0.1", "00000000000000000000ffffc6120001", "::ffff:c612:1"],
    ["fe80::", "fe800000000000000000000000000000", "fe80::"],
  ];
  for (const [input, bytes, canonical] of cases) {
    test(`${input} -> ${canonical}`, () => {
      expect(hex(parseIPv6(input))).toBe(bytes);
      expect(formatIP(parseIPv6(input))).toBe(canonical);
    });
  }
  for (const bad of ["fd00::1::2", "fd00:1:2:3:4:5:6:7:8", "fd00:1:2:3:4:5:6", "fd00::g", "fd00:12345::1", "1:2:3:4:5:6:7::8", ":::"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseIPv6(bad)).toThrow(AddressSyntaxError);
    });
  }
  test("parseIP picks the family from the text", () => {
    expect(parseIP("fd00::1").family).toBe(6);
    expect(parseIP("198.18.0.1").family).toBe(4);
  });
});

describe("MAC text", () => {
  test("round trip, ':' or '-' separators", () => {
    expect(formatMac(parseMac("00:00:5E:00:01:07"))).toBe("00:00:5e:00:01:07");
    expect(formatMac(parseMac("00-00-5e-00-02-ff"))).toBe("00:00:5e:00:02:ff");
  });
  test("rejects malformed MACs", () => {
    for (const bad of ["00:00:5e:00:01", "00:00:5e:00:01:7", "00:00:5e:00:01:0g", ""]) expect(() => parseMac(bad)).toThrow(AddressSyntaxError);
  });
});
