import { describe, expect, test } from "bun:test";
import { canonicalAddress, formatAddress } from "../../../src/lvs/reconcile-address.ts";
import { AddressError, parseIPv6 } from "../../../src/net/ip-address.ts";
import { mulberry32 } from "./reconcile-model.ts";

describe("IPVS address canonical form", () => {
  test("RFC 5952 §4.2.2: the longest zero run is compressed, lower case", () => {
    expect(canonicalAddress("FD00:0:0:0:0:0:0:1")).toBe("fd00::1");
    expect(canonicalAddress("fd00:0:0:1:0:0:0:1")).toBe("fd00:0:0:1::1");
    expect(canonicalAddress("::")).toBe("::");
    expect(canonicalAddress("::ffff:198.18.0.1")).toBe("::ffff:c612:1");
  });
  test("RFC 5952 §4.2.2: a single zero group is not compressed", () => {
    expect(canonicalAddress("fd00:1:0:1:1:1:1:1")).toBe("fd00:1:0:1:1:1:1:1");
  });
  test("RFC 5952 §4.1: leading zeros dropped", () => {
    expect(canonicalAddress("fd00:0001::0a")).toBe("fd00:1::a");
  });
  test("IPv4 round-trips and rejects junk with the input named", () => {
    expect(canonicalAddress("198.18.0.1")).toBe("198.18.0.1");
    expect(() => canonicalAddress("198.18.0.256")).toThrow(`invalid address "198.18.0.256": part 4 is not 0-255`);
    expect(() => canonicalAddress("198.18.0.1.5")).toThrow("IPv4 needs 4 dotted parts");
    expect(() => canonicalAddress("198.18..1")).toThrow("part 3 is not 0-255");
    expect(() => canonicalAddress("198.18.0")).toThrow(AddressError);
    expect(() => canonicalAddress("fd00::1::2")).toThrow('"::" appears more than once');
    expect(() => canonicalAddress("fd00:xyz::1")).toThrow("not 1-4 hex digits");
  });
  test("fuzz: random strings either parse to a stable canonical form or throw AddressError", () => {
    const rnd = mulberry32(6);
    const alphabet = "0123456789abcdefABCDEF:.:x ";
    for (let i = 0; i < 20000; i++) {
      const len = Math.floor(rnd() * 24);
      let s = "";
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        const c = canonicalAddress(s);
        expect(canonicalAddress(c)).toBe(c);
      } catch (e) {
        expect(e).toBeInstanceOf(AddressError);
      }
    }
  });
  test("fuzz: random 16-byte addresses format and parse back to the same bytes", () => {
    const rnd = mulberry32(16);
    for (let i = 0; i < 5000; i++) {
      const b = new Uint8Array(16).map(() => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 256)));
      expect([...parseIPv6(formatAddress(b, 6))]).toEqual([...b]);
    }
  });
});
