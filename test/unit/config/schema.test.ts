// The published JSON Schema is generated from the spec and checked in; it must
// match the generator, and it must accept vigil's JSON and reject bad input
// the same way the reader does (checked with a small draft-2020-12 subset
// validator written here, independent of check.ts).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { configToJson } from "../../../src/config/json.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { schemaText } from "../../../src/config/schema.ts";
import { randomConfig } from "./random-config.ts";

const SCHEMA_FILE = `${import.meta.dir}/../../../schema/vigil-config.schema.json`;
type S = Record<string, any>;

/** Validates `v` against `s` (subset used by the generated schema); returns error paths. */
function validate(root: S, s: S, v: unknown, path = "$"): string[] {
  if (s.$ref) return validate(root, root.$defs[s.$ref.replace("#/$defs/", "")], v, path);
  const errs: string[] = [];
  if (s.allOf) for (const x of s.allOf) errs.push(...validate(root, x, v, path));
  if (s.oneOf) {
    const ok = s.oneOf.filter((x: S) => validate(root, x, v, path).length === 0).length;
    if (ok !== 1) errs.push(`${path}: matches ${ok} of oneOf`);
  }
  if ("const" in s && v !== s.const) errs.push(`${path}: not const`);
  if (s.enum && !s.enum.includes(v)) errs.push(`${path}: not in enum`);
  switch (s.type) {
    case "object": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return [...errs, `${path}: not an object`];
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) errs.push(`${path}.${r}: required`);
      for (const [k, x] of Object.entries(o)) {
        if (s.properties?.[k]) errs.push(...validate(root, s.properties[k], x, `${path}.${k}`));
        else if (s.additionalProperties === false) errs.push(`${path}.${k}: additional property`);
      }
      break;
    }
    case "array":
      if (!Array.isArray(v)) return [...errs, `${path}: not an array`];
      if (v.length > s.maxItems) errs.push(`${path}: too many items`);
      v.forEach((x, i) => errs.push(...validate(root, s.items, x, `${path}[${i}]`)));
      break;
    case "integer":
      if (!Number.isInteger(v)) return [...errs, `${path}: not an integer`];
      if ((v as number) < s.minimum || (v as number) > s.maximum) errs.push(`${path}: out of range`);
      if (s.multipleOf && (v as number) % s.multipleOf) errs.push(`${path}: not a multiple`);
      break;
    case "string":
      if (typeof v !== "string") return [...errs, `${path}: not a string`];
      if (v.length < s.minLength || v.length > s.maxLength) errs.push(`${path}: bad length`);
      if (s.pattern && !new RegExp(s.pattern, "u").test(v)) errs.push(`${path}: pattern`);
      break;
    case "boolean":
      if (typeof v !== "boolean") errs.push(`${path}: not a boolean`);
      break;
  }
  return errs;
}

describe("schema/vigil-config.schema.json", () => {
  test("is up to date with src/config/spec.ts (regenerate: bun src/config-io/write-schema.ts > schema/vigil-config.schema.json)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaText());
  });

  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as S;

  test("accepts the JSON form of every fixture and of random configs", () => {
    const files = ["user-sample.conf", "two-router-sync.conf", "ipv6.conf", "unicast.conf", "dr-director.conf", "fwmark.conf"];
    const configs = [...files.map((f) => loadConfigFile(`${import.meta.dir}/../../fixtures/${f}`).config!), ...Array.from({ length: 50 }, (_, i) => randomConfig(500 + i))];
    for (const c of configs) expect(validate(schema, schema, JSON.parse(configToJson(c)))).toEqual([]);
  });

  test("accepts a minimal file (defaults are optional) and rejects what the reader rejects", () => {
    expect(validate(schema, schema, { instances: [{ name: "VI", interface: "eth0", virtualRouterId: 7 }] })).toEqual([]);
    expect(validate(schema, schema, { instances: [{ name: "VI", interface: "eth0" }] })).toEqual(["$.instances[0].virtualRouterId: required"]);
    expect(validate(schema, schema, { instances: [{ name: "VI", interface: "eth0", virtualRouterId: 256 }] })).toEqual(["$.instances[0].virtualRouterId: out of range"]);
    expect(validate(schema, schema, { global: { vipLifetimeMs: "forever" } })).toEqual(["$.global.vipLifetimeMs: matches 0 of oneOf"]);
    expect(validate(schema, schema, { virtualServers: [{ fwmark: 1, lbAlgo: "wcl" }] })).toEqual(["$.virtualServers[0].lbAlgo: not in enum"]);
    expect(validate(schema, schema, { virtualServers: [{ fwmark: 1, realServers: [{ ip: "198.18.0.1", checkers: [{ type: "BFD_CHECK" }] }] }] })).toEqual([
      "$.virtualServers[0].realServers[0].checkers[0]: matches 0 of oneOf",
    ]);
    expect(validate(schema, schema, { bogus: 1 })).toEqual(["$.bogus: additional property"]);
  });
});
