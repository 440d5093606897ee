// Fuzz: the IPVS table's canonical address form (src/lvs/reconcile-address.ts)
// on seeded random text and random 16-byte addresses.
import { describe, expect, test } from "bun:test";
import { canonicalAddress, formatAddress } from "../../src/lvs/reconcile-address.ts";
import { AddressError, parseIPv6 } from "../../src/net/ip-address.ts";
import { mulberry32 } from "../unit/lvs/reconcile-model.ts";

describe("IPVS address canonical form (fuzz)", () => {
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
