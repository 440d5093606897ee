// RFC 8949 deterministic encoding (§4.2.1) and strict decoding, checked
// against hand-written bytes and against cborg, an independent implementation.
import { describe, expect, test } from "bun:test";
import * as cborg from "cborg";
import { CborError, decodeStrict, encodeDeterministic } from "../../../src/config/cbor.ts";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { randomConfig } from "./random-config.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ""), "hex"));
const CBORG_STRICT = { strict: true, rejectDuplicateMapKeys: true, allowIndefinite: false, allowUndefined: false, allowInfinity: false, allowNaN: false, useMaps: false };

describe("RFC 8949 §4.2.1 deterministic encoding", () => {
  test("integers use the shortest form (appendix A vectors)", () => {
    const cases: Array<[number | bigint, string]> = [
      [0, "00"], [23, "17"], [24, "1818"], [255, "18ff"], [256, "190100"], [65535, "19ffff"], [65536, "1a00010000"],
      [2 ** 32 - 1, "1affffffff"], [2 ** 32, "1b0000000100000000"], [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
      [18446744073709551615n, "1bffffffffffffffff"], [-1, "20"], [-24, "37"], [-25, "3818"], [-256, "38ff"], [-257, "390100"],
      [-(2 ** 32), "3affffffff"], [-(2 ** 32) - 1, "3b0000000100000000"], [-18446744073709551615n, "3bfffffffffffffffe"],
    ];
    for (const [v, h] of cases) expect([v, hex(encodeDeterministic(v))]).toEqual([v, h]);
  });
  test("map keys are sorted by their encoded bytes: shorter first, then bytewise", () => {
    // "2" "a" "b" (one byte, bytewise) before "10" "bb" (two bytes)
    expect(hex(encodeDeterministic({ bb: 1, b: 2, a: 3, "10": 4, "2": 5 }))).toBe(["a5", "613205", "616103", "616202", "62313004", "62626201"].join(""));
  });
  test("insertion order, Maps and integer-like keys do not change the bytes", () => {
    const a = encodeDeterministic({ z: 1, a: [1, { y: true, b: null }], "7": "x" });
    const b = encodeDeterministic(new Map<string, unknown>([["7", "x"], ["a", [1, new Map<string, unknown>([["b", null], ["y", true]])]], ["z", 1]]));
    expect(hex(a)).toBe(hex(b));
    expect(hex(a)).toBe(hex(cborg.encode({ z: 1, a: [1, { y: true, b: null }], "7": "x" })));
  });
  test("unset (undefined) fields are omitted, not written as null", () => {
    expect(hex(encodeDeterministic({ a: 1, b: undefined }))).toBe("a1616101");
  });
  test("definite lengths; byte strings untagged; UTF-8 text", () => {
    expect(hex(encodeDeterministic([new Uint8Array([1, 2]), "é", []]))).toBe("83420102 62c3a9 80".replace(/ /g, ""));
  });
  test("values vigil never encodes are refused with the path", () => {
    expect(() => encodeDeterministic({ a: [1, { t: 1.5 }] })).toThrow(new CborError("a[1].t: 1.5 is not an integer (vigil CBOR carries no floats; use integer milliseconds)"));
    expect(() => encodeDeterministic({ a: [undefined] })).toThrow("a[0]: undefined in an array");
    expect(() => encodeDeterministic({ f: () => 1 })).toThrow("f: function cannot be encoded");
    expect(() => encodeDeterministic(new Map([[1, 2]]) as never)).toThrow("map keys must be strings");
    expect(() => encodeDeterministic(2 ** 60)).toThrow("beyond 2^53");
    expect(() => encodeDeterministic(-(2n ** 64n))).toThrow("does not fit in 64 bits");
  });
});

describe("strict decoding", () => {
  const bad: Array<[string, string, string]> = [
    ["trailing bytes", "0000", "trailing bytes after the data item at offset 1 (1 extra)"],
    ["truncated", "a16161", "truncated: data item expected at offset 3"],
    ["truncated string", "6461", "truncated: 4-byte string at offset 0"],
    ["indefinite-length array", "9f00ff", "indefinite length at offset 0 is not deterministic CBOR (RFC 8949 §4.2.1)"],
    ["non-shortest integer", "1817", "non-shortest integer or length encoding at offset 0 (RFC 8949 §4.2.1)"],
    ["non-shortest 64-bit", "1b00000000ffffffff", "non-shortest integer or length encoding at offset 0 (RFC 8949 §4.2.1)"],
    ["unsorted keys", "a2616201616102", "map key 'a' at offset 4 is out of order (RFC 8949 §4.2.1)"],
    ["longer key first", "a262616101616202", "map key 'b' at offset 5 is out of order (RFC 8949 §4.2.1)"],
    ["duplicate keys", "a2616101616102", "map key 'a' at offset 4 is a duplicate (RFC 8949 §4.2.1)"],
    ["integer key", "a10101", "map key at offset 1 is not a text string"],
    ["float", "f93c00", "floating-point value at offset 0: not used in vigil CBOR"],
    ["undefined", "f7", "simple value 23 at offset 0 is not used (only false, true, null)"],
    ["tag", "c11a514b67b0", "tag 1 at offset 0 is not allowed here"],
    ["invalid UTF-8", "62c328", "invalid UTF-8 in text string at offset 0"],
    ["__proto__ key", "a1695f5f70726f746f5f5f01", "map key '__proto__' at offset 1 is not allowed"],
    ["huge declared array", "9b00000001000000000000", "array of 4294967296 items at offset 0 is longer than the input"],
    ["reserved info", "1c", "reserved additional information 28 at offset 0"],
    ["empty", "", "empty input"],
  ];
  for (const [what, h, msg] of bad) {
    test(`rejects ${what}`, () => {
      expect(() => decodeStrict(unhex(h))).toThrow(new CborError(msg));
    });
  }
  test("depth and size limits", () => {
    expect(() => decodeStrict(unhex(`${"81".repeat(100)}00`))).toThrow("nested deeper than 64");
    expect(() => decodeStrict(new Uint8Array(100), { maxBytes: 10 })).toThrow("input is 100 bytes, more than the limit of 10");
  });
  test("allowed tags (e.g. COSE_Sign1 = 18) decode as {tag, value}", () => {
    expect(decodeStrict(unhex("d28100"), { allowTags: [18] })).toEqual({ tag: 18, value: [0] });
  });
  test("bytes, big integers, booleans and null survive a round trip", () => {
    const v = { b: new Uint8Array([0, 255]), n: -5, u: 18446744073709551615n, big: 2 ** 40, t: true, f: false, z: null };
    expect(decodeStrict(encodeDeterministic(v))).toEqual(v);
  });
});

describe("an independent decoder (cborg, strict options) reads vigil's CBOR", () => {
  test("the fixtures and random configs decode to the same tree as their JSON, and cborg's canonical encoding is byte-identical", () => {
    const configs = [
      loadConfigFile(`${import.meta.dir}/../../fixtures/user-sample.conf`).config!,
      loadConfigFile(`${import.meta.dir}/../../fixtures/dr-director.conf`).config!,
      ...Array.from({ length: 100 }, (_, i) => randomConfig(1000 + i)),
    ];
    for (const c of configs) {
      const bytes = configToCbor(c);
      const plain = JSON.parse(JSON.stringify(c));
      expect(cborg.decode(bytes, CBORG_STRICT)).toEqual(plain);
      expect(hex(cborg.encode(plain))).toBe(hex(bytes));
    }
  });
  test("readCbor accepts what cborg writes and refuses what it writes non-canonically", () => {
    const c = randomConfig(7);
    expect(readCbor(cborg.encode(JSON.parse(JSON.stringify(c)))).config).toEqual(c);
    // same data, keys in insertion order (not sorted): valid CBOR, not deterministic
    const unsorted = cborg.encode({ virtualServers: [], global: {} }, { mapSorter: () => 0 } as never);
    const r = readCbor(unsorted, "x.cbor");
    expect(r.config).toBeUndefined();
    expect(r.errors[0]!.message).toBe("x.cbor: invalid CBOR: map key 'global' at offset 17 is out of order (RFC 8949 §4.2.1)");
  });
});

describe("one CBOR reader, a profile per use (src/config/cbor-reader.ts)", () => {
  // {"a": 1} with the 1 in a non-shortest one-byte argument (0x18 0x01)
  const nonShortest = unhex("a161611801");
  test("RFC 8949 §4.2.1: configs and COSE envelopes refuse non-shortest heads, message bodies (any client's CBOR) accept them", async () => {
    const { decodeCbor } = await import("../../../src/fleet/cbor-body.ts");
    const { parseSign1 } = await import("../../../src/config/cose.ts");
    expect(() => decodeStrict(nonShortest)).toThrow("non-shortest integer or length encoding at offset 3");
    expect(decodeCbor(nonShortest)).toEqual({ a: 1 });
    // tag 18 around [h'', {}, h'', h''] with the array length written non-shortest
    expect(parseSign1(unhex("d2980440a04040"))).toMatchObject({ reason: "malformed", message: expect.stringContaining("non-shortest") });
  });
  test("every profile refuses indefinite lengths and declared sizes beyond the input, with CborError", async () => {
    const { decodeCbor } = await import("../../../src/fleet/cbor-body.ts");
    for (const h of ["9f00ff", "9b00000001000000000000", "5a00010000"]) {
      expect(() => decodeStrict(unhex(h))).toThrow(CborError);
      expect(() => decodeCbor(unhex(h))).toThrow(CborError);
    }
  });
});
