import { describe, expect, test } from "bun:test";
import { canonicalAddress } from "../../../src/lvs/reconcile-address.ts";
import { AddressError } from "../../../src/net/ip-address.ts";

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
});
