// Property: for any valid config, keepalived.conf, JSON and CBOR round trips
// are the identity (config -> text/bytes -> config), and so are the
// conversions between formats. Random configs come from a seeded generator, so
// a failing seed reproduces.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import type { Config } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";
import { randomConfig } from "./random-config.ts";

const FIXTURES = `${import.meta.dir}/../../fixtures`;
const SEEDS = 300;

function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}

const viaKeepalived = (c: Config) => ok(readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": writeKeepalived(c) })), "keepalived");
const viaJson = (c: Config) => ok(readJson(configToJson(c)), "json");
const viaCbor = (c: Config) => ok(readCbor(configToCbor(c)), "cbor");

describe("round trips over random valid configs", () => {
  test("the generator makes configs that the model accepts as they are", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = randomConfig(seed);
      // readJson of the exact model: no errors, and no default was missing
      expect({ seed, cfg: viaJson(c) }).toEqual({ seed, cfg: c });
    }
  });

  test("config -> keepalived.conf -> config is the identity", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = randomConfig(seed);
      expect({ seed, cfg: viaKeepalived(c) }).toEqual({ seed, cfg: c });
    }
  });

  test("config -> CBOR -> config is the identity, and re-encoding gives the same bytes", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = randomConfig(seed);
      const bytes = configToCbor(c);
      const back = viaCbor(c);
      expect({ seed, cfg: back }).toEqual({ seed, cfg: c });
      expect(Buffer.from(configToCbor(back)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  test("keepalived -> JSON -> CBOR -> keepalived chains keep the config", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const c = randomConfig(seed, 2);
      expect({ seed, cfg: viaKeepalived(viaCbor(viaJson(viaKeepalived(c)))) }).toEqual({ seed, cfg: c });
    }
  });

  test("one config has one CBOR encoding whatever the key order of the input", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const c = randomConfig(seed);
      const shuffled = JSON.parse(JSON.stringify(c), function (_k, v) {
        if (v && typeof v === "object" && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).reverse());
        return v;
      });
      expect(Buffer.from(configToCbor(shuffled)).equals(Buffer.from(configToCbor(c)))).toBe(true);
    }
  });
});

describe("round trips of the fixtures", () => {
  const files = ["user-sample.conf", "two-router-sync.conf", "ipv6.conf", "unicast.conf", "dr-director.conf", "fwmark.conf", "lvs-checkers.conf", "include/main.conf"];
  for (const f of files) {
    test(`${f}: keepalived, JSON and CBOR forms all give the same config`, () => {
      const c = ok(loadConfigFile(`${FIXTURES}/${f}`), f);
      expect(viaKeepalived(c)).toEqual(c);
      expect(viaJson(c)).toEqual(c);
      expect(viaCbor(c)).toEqual(c);
    });
  }
});
