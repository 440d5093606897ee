// Fuzz: ≥100 000 mutated inputs through the keepalived.conf reader, the CBOR
// loader and the JSON loader. Seeded, so a failure names the iteration that
// reproduces it. Oracles: nothing throws; a rejected input has at least one
// error; no "internal error" (the readers' last-resort net) is ever reached;
// an accepted input is a valid config that survives a keepalived round trip.
// The keepalived inputs include keepalived's expansion grammar ($NAME
// definitions, multi-line ones, @ID, ~SEQ/~LST, includes), mutated like the rest.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { encodeDeterministic } from "../../src/config/cbor.ts";
import { configToCbor, readCbor } from "../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../src/config/json.ts";
import { readKeepalived } from "../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../src/config/keepalived-writer.ts";
import { loadConfigFile } from "../../src/config-io/load.ts";
import type { LoadResult } from "../../src/config/result.ts";
import { DEFAULT_LIMITS, memorySource, type SourceLimits } from "../../src/config/source.ts";
import { prng, randomConfig, type Rng } from "../unit/config/random-config.ts";

const FIX = `${import.meta.dir}/../fixtures`;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const N_KEEPALIVED = 60_000;
const N_CBOR = 25_000;
const N_JSON = 15_000;

const texts = readdirSync(FIX).filter((f) => f.endsWith(".conf")).map((f) => readFileSync(`${FIX}/${f}`, "utf8"));
const GRAMMAR = `${FIX}/grammar`;
texts.push(...readdirSync(GRAMMAR, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".conf")).map((f) => readFileSync(`${GRAMMAR}/${f}`, "utf8")));
// the expansion bounds, lowered so a mutated ~SEQ cannot make one input take seconds
const LIMITS: SourceLimits = { ...DEFAULT_LIMITS, expand: { maxSteps: 20_000, maxLineLength: 8192, maxDepth: 32 } };
const configs = [
  ...readdirSync(FIX).filter((f) => f.endsWith(".conf")).map((f) => loadConfigFile(`${FIX}/${f}`).config!),
  ...Array.from({ length: 20 }, (_, i) => randomConfig(9000 + i)),
];
texts.push(...configs.slice(-20).map(writeKeepalived));
const lines = texts.flatMap((t) => t.split("\n"));
const words = [...new Set(lines.flatMap((l) => l.trim().split(/\s+/)).filter(Boolean))];
const SPECIAL = ["{", "}", '"', "!", "#", "！", "include", "include *.conf", "include sub/*.inc", "include [z-a]", "include ../../etc/passwd", "\u0000", "\ufeff", "\r", "\t", "-1", "999999999999999999999", "0.0001", "1e3", "permanent", "fd00::1/129", "198.18.0.1/33", "é", "\ud800", "vrrp_instance", "virtual_server fwmark", "real_server", "url", "{{{{", "}}}}",
  "$A=1", "$A=198.18.0.1", "$M= \\", " \\", "\\", "$A", "${A}", "${M}", "$M", "$UNDEF", "${_PWD}", "${_RANDOM 1 9}", "${_HASH}", "$X=${X}", "$A = 1",
  "virtual_server_group", "virtual_server group", "198.18.0.1-10", "198.18.0.250-198.18.1.2", "198.18.0.8/29", "fd00::a-1f", "fwmark 7 inet6",
  "payload 0a0b 1", "require_reply 1x", "min_reply_length", "helo_name", "host {", "track_file", "FILE_CHECK", "init_file 1 overwrite", "weight 5 reverse",
  "@vm ", "@^vm ", "@other ", "@", "~SEQ(I,1,3) ", "~SEQ(I,3,1,1) ", "~SEQx(H,0x9,0xc) ", "~SEQ(I,1,5000) ", "~LST(L,a,b) ", "~LST({A,B},{1,2}) ", "~SEQ(", "${I}", "\\#", "include ${A}.conf"];

function mutateText(r: Rng, base: string): string {
  let s = base;
  const n = r.int(1, 6);
  for (let k = 0; k < n; k++) {
    const at = r.int(0, s.length);
    switch (r.int(0, 7)) {
      case 0: s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at); break;
      case 1: s = s.slice(0, at) + r.pick(words) + (r.chance(0.5) ? " " : "\n") + s.slice(at); break;
      case 2: s = s.slice(0, at) + s.slice(Math.min(s.length, at + r.int(1, 40))); break;
      case 3: s = s.slice(0, at); break; // truncation
      case 4: { const from = r.int(0, s.length); s = s.slice(0, at) + s.slice(from, from + r.int(1, 200)) + s.slice(at); break; }
      case 5: s = s.slice(0, at) + String.fromCharCode(r.int(0, 0xffff)) + s.slice(at + 1); break;
      case 6: s = s.slice(0, at) + `\n${r.pick(lines)}\n` + s.slice(at); break;
      default: s = s.slice(0, at) + "{\n".repeat(r.int(1, 50)) + s.slice(at); break;
    }
  }
  return s;
}

function mutateBytes(r: Rng, base: Uint8Array): Uint8Array {
  const b = Array.from(base);
  const n = r.int(1, 4);
  for (let k = 0; k < n; k++) {
    const at = r.int(0, b.length);
    switch (r.int(0, 5)) {
      case 0: if (b.length) b[Math.min(at, b.length - 1)] = r.int(0, 255); break;
      case 1: b.splice(at, 0, r.int(0, 255)); break;
      case 2: b.splice(at, r.int(1, 16)); break;
      case 3: b.length = at; break;
      case 4: b.splice(at, 0, ...[0x9f, 0xbf, 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc6, 0xf7, 0xfa].slice(r.int(0, 13))); break;
      default: if (b.length) b[Math.min(at, b.length - 1)]! ^= 1 << r.int(0, 7); break;
    }
  }
  return new Uint8Array(b);
}

const ODD_VALUES: unknown[] = [null, -1, 0, 1.5, 2 ** 40, "", "x", "198.18.0.1", "fd00::1", "permanent", "a b", '"', "x".repeat(5000), [], {}, true, [1, "a"], { type: "TCP_CHECK" }];

/** Structural mutation: the document stays well-formed, its fields go wrong. */
function mutateTree(r: Rng, value: unknown): unknown {
  const root = structuredClone(value) as Record<string, unknown>;
  const n = r.int(1, 4);
  for (let k = 0; k < n; k++) {
    // walk to a random container
    let cur: unknown = root;
    for (let d = 0; d < r.int(0, 6); d++) {
      const keys = cur && typeof cur === "object" ? Object.keys(cur) : [];
      if (!keys.length) break;
      const next = (cur as Record<string, unknown>)[r.pick(keys)];
      if (!next || typeof next !== "object") break;
      cur = next;
    }
    if (!cur || typeof cur !== "object") continue;
    const o = cur as Record<string, unknown>;
    const keys = Object.keys(o);
    const choice = r.int(0, 2);
    if (choice === 0 && keys.length) o[r.pick(keys)] = structuredClone(r.pick(ODD_VALUES));
    else if (choice === 1 && keys.length) delete o[r.pick(keys)];
    else o[Array.isArray(o) ? o.length : r.pick(["extra", "name", "type", "priority", "__proto__"])] = structuredClone(r.pick(ODD_VALUES));
  }
  return root;
}

/** The oracles every reader result must satisfy. Returns a failure text or "". */
function judge(res: LoadResult, roundTrip: boolean): string {
  const internal = res.errors.find((d) => d.message.includes("internal error"));
  if (internal) return internal.message;
  if (!res.config) return res.errors.length ? "" : "rejected without an error";
  if (res.errors.length) return "a config together with errors";
  if (!roundTrip) return "";
  const again = readKeepalived("/rt.conf", memorySource({ "/rt.conf": writeKeepalived(res.config) }));
  return Bun.deepEquals(again.config, res.config, true) ? "" : "accepted config does not survive a keepalived round trip";
}

describe("config parser fuzz", () => {
  test(`keepalived.conf reader: ${N_KEEPALIVED} mutated inputs (seed ${SEED})`, () => {
    const r = prng(SEED);
    const failures: string[] = [];
    let accepted = 0;
    for (let i = 0; i < N_KEEPALIVED && failures.length < 5; i++) {
      const base = r.pick(texts);
      // a window of a few dozen lines keeps each input small and the run fast
      const ls = base.split("\n");
      const from = r.int(0, ls.length - 1);
      const text = mutateText(r, r.chance(0.8) ? ls.slice(from, from + r.int(5, 60)).join("\n") : base);
      const fs = memorySource({ "/f/k.conf": text, "/f/a.conf": "vrrp_script inc {\n script /bin/true\n}", "/f/sub/b.inc": r.pick(lines) });
      try {
        const res = readKeepalived("/f/k.conf", fs, { strict: r.chance(0.3), configId: r.pick(["vm", "r1", "main"]), limits: LIMITS });
        if (res.config) accepted++;
        const why = judge(res, i % 10 === 0);
        if (why) failures.push(`iteration ${i}: ${why}\n${text.slice(0, 400)}`);
      } catch (e) {
        failures.push(`iteration ${i}: threw ${(e as Error).stack}\n${text.slice(0, 400)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(accepted).toBeGreaterThan(0); // the mutator leaves some inputs valid, so the round-trip oracle runs
  }, 120_000);

  test(`CBOR loader: ${N_CBOR} mutated encodings (seed ${SEED})`, () => {
    const r = prng(SEED + 1);
    const bases = configs.map(configToCbor);
    const failures: string[] = [];
    for (let i = 0; i < N_CBOR && failures.length < 5; i++) {
      let bytes: Uint8Array;
      if (r.chance(0.7)) bytes = mutateBytes(r, r.pick(bases));
      else {
        try {
          bytes = encodeDeterministic(mutateTree(r, r.pick(configs)));
        } catch {
          continue; // the tree mutation made something CBOR cannot carry (e.g. 1.5)
        }
      }
      try {
        const why = judge(readCbor(bytes), false);
        if (why) failures.push(`iteration ${i}: ${why}: ${Buffer.from(bytes).toString("hex").slice(0, 200)}`);
      } catch (e) {
        failures.push(`iteration ${i}: threw ${(e as Error).stack}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test(`JSON loader: ${N_JSON} mutated documents (seed ${SEED})`, () => {
    const r = prng(SEED + 2);
    const bases = configs.map((c) => configToJson(c));
    const failures: string[] = [];
    for (let i = 0; i < N_JSON && failures.length < 5; i++) {
      const text = r.chance(0.7) ? mutateText(r, r.pick(bases)) : JSON.stringify(mutateTree(r, r.pick(configs)));
      try {
        const why = judge(readJson(text), false);
        if (why) failures.push(`iteration ${i}: ${why}: ${text.slice(0, 300)}`);
      } catch (e) {
        failures.push(`iteration ${i}: threw ${(e as Error).stack}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
