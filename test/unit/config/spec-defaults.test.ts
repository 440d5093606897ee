// check.ts takes a scalar default as it stands, without checking it against its
// field's spec (most fields of a config are defaults; a cold `vigil config check`
// pays for each check). So every default in the spec must be valid by itself:
// this walks the whole spec and checks each one. No field may be named like a
// member every object inherits (toString, constructor, ...), and a checked
// object's fields come out in deterministic CBOR order.
import { describe, expect, test } from "bun:test";
import { cborKeyOrder } from "../../../src/config/cbor-key-order.ts";
import { checkValue, placeholders, type Issue } from "../../../src/config/check.ts";
import { configSpec, type ObjectSpec, type Spec } from "../../../src/config/spec.ts";

function objectSpecs(spec: Spec, seen = new Set<ObjectSpec>()): Set<ObjectSpec> {
  switch (spec.kind) {
    case "object":
      if (seen.has(spec)) break;
      seen.add(spec);
      for (const f of Object.values(spec.fields)) objectSpecs(f.spec, seen);
      break;
    case "array":
      objectSpecs(spec.items, seen);
      break;
    case "oneOf":
      for (const s of spec.of) objectSpecs(s, seen);
      break;
    case "tagged":
      for (const v of Object.values(spec.variants)) objectSpecs(v, seen);
      break;
  }
  return seen;
}

describe("spec defaults", () => {
  const objects = [...objectSpecs(configSpec)];

  test("the walk reaches the config's objects (instances, real servers, checkers)", () => {
    const names = objects.map((o) => o.name);
    expect(names.length).toBeGreaterThan(20);
    for (const n of ["Config", "VrrpInstance", "RealServer", "HttpCheck"]) expect(names).toContain(n);
  });

  test("no field is named like an Object.prototype member", () => {
    const inherited = Object.getOwnPropertyNames(Object.prototype);
    const bad = objects.flatMap((o) => Object.keys(o.fields).filter((k) => inherited.includes(k)).map((k) => `${o.name}.${k}`));
    expect(bad).toEqual([]);
  });

  test("every default passes its own field's check, and none is a placeholder left unfilled", () => {
    const bad: string[] = [];
    for (const o of objects) {
      for (const [key, f] of Object.entries(o.fields)) {
        if (f.default === undefined) continue;
        if (typeof f.default === "symbol" || typeof f.default === "function") {
          bad.push(`${o.name}.${key}: default is a ${typeof f.default}`);
          continue;
        }
        const issues: Issue[] = [];
        checkValue(structuredClone(f.default), f.spec, [o.name, key], issues);
        for (const is of issues) bad.push(`${is.path.join(".")}: ${is.message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("a checked object's fields come out in RFC 8949 §4.2.1 order (check.ts sorts ASCII names without encoding them)", () => {
    const bad: string[] = [];
    let fields = 0;
    for (const o of objects) {
      // the spec's stand-in object (required fields and defaults) with every optional field written too
      const v = placeholders(undefined, o) as Record<string, unknown>;
      for (const [key, f] of Object.entries(o.fields)) if (f.optional && v[key] === undefined) v[key] = placeholders(undefined, f.spec);
      const out = checkValue(v, o, [o.name], []) as Record<string, unknown>;
      const keys = Object.keys(out);
      fields += keys.length;
      const want = [...keys].sort(cborKeyOrder);
      if (keys.join() !== want.join()) bad.push(`${o.name}: ${keys.join()} (want ${want.join()})`);
    }
    expect(bad).toEqual([]);
    expect(fields).toBeGreaterThan(300);
  });
});
