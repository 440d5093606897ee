// The sans-IO cores stay sans-IO: src/vrrp, src/net, src/config, the top
// level of src/lvs and the fleet rollout engine (src/fleet/rollout, with the
// fleet's topic names and body decoding it folds messages with) take events
// and time in and give actions out, so they are
// tested without a kernel, a clock or a network. They import nothing but each
// other (and a pure npm codec): nothing from the adapters (src/sys,
// src/daemon, src/fleet, src/cli, src/config-io, src/lvs/checkers), no
// node:* or Bun API, and they read no clock. What does I/O lives in an adapter
// folder; README.md's layout says which folders are which.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { tsFiles } from "../helpers/source-files.ts";

const SRC = resolve(import.meta.dir, "../../src");
/** folders that are pure with everything under them */
const PURE_TREES = ["vrrp", "net", "config", "fleet/rollout"];
/** folders whose own files are pure but not their subfolders (lvs/checkers runs the health checks: sockets, processes) */
const PURE_TOP_LEVEL = ["lvs"];
const PURE_FILES = ["error-text.ts", "fleet/topics.ts", "fleet/body-decode.ts", "fleet/cbor-body.ts", "fleet/config-result.ts"];
/** npm packages a core may use: pure codecs ("cbor-x/encode", not "cbor-x", whose root loads a native addon) */
const PURE_PACKAGES = new Set(["cbor-x/encode"]);

function isPure(abs: string): boolean {
  const rel = relative(SRC, abs);
  const parts = rel.split("/");
  if (PURE_FILES.includes(rel)) return true;
  if (PURE_TREES.some((t) => rel.startsWith(`${t}/`))) return true;
  return PURE_TOP_LEVEL.includes(parts[0]!) && parts.length === 2;
}

function pureFiles(): string[] {
  return [
    ...PURE_TREES.flatMap((d) => tsFiles(`${SRC}/${d}`)),
    ...PURE_TOP_LEVEL.flatMap((d) => tsFiles(`${SRC}/${d}`, false)),
    ...PURE_FILES.map((f) => `${SRC}/${f}`),
  ];
}

/** Comments out, strings kept: an import or a clock named in a comment is not one. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "").replace(/([;,{}()\s])\/\/ .*$/gm, "$1");
}

const IMPORTS = [
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm, // import … from "x", export … from "x" (type-only too)
  /^\s*import\s*["']([^"']+)["']/gm, // import "x"
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, // import("x")
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g, // require("x")
];

// Clocks and process-wide I/O: Date.now(), new Date() (now), performance.now(),
// process.hrtime(), any Bun.* or process.* API, timers, Node's Buffer.
const AMBIENT = /\bDate\.now\b|\bnew Date\(\s*\)|\bperformance\.now\b|\bprocess\.|\bBun\.|\bset(?:Timeout|Interval|Immediate)\s*\(|\bBuffer\./g;

/** What in `text` (the source of `file`) breaks the boundary. */
export function violations(file: string, text: string): string[] {
  const out: string[] = [];
  const src = code(text);
  for (const re of IMPORTS) {
    for (const m of src.matchAll(re)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!isPure(target)) out.push(`imports ${spec} (${relative(SRC, target)} is an adapter)`);
      } else if (spec.startsWith("node:") || spec === "bun" || spec.startsWith("bun:") || builtinModules.includes(spec)) {
        out.push(`imports ${spec} (I/O or runtime API)`);
      } else if (!PURE_PACKAGES.has(spec)) {
        out.push(`imports the package ${spec} (not on the pure list)`);
      }
    }
  }
  for (const m of src.matchAll(AMBIENT)) out.push(`uses ${m[0].trim()} (a clock or a runtime API)`);
  return out;
}

describe("pure cores (sans-IO)", () => {
  test("src/vrrp, src/net, src/config, src/lvs/*.ts and src/fleet/rollout import no adapter, node:* or Bun API and read no clock", () => {
    const all = pureFiles();
    // the boundary covers the cores it names (a rename must not empty it)
    for (const f of ["vrrp/fsm.ts", "net/ip-address.ts", "config/cose.ts", "config/cbor-reader.ts", "lvs/scheduler.ts", "lvs/reconcile.ts", "fleet/rollout/engine.ts", "fleet/rollout/fleet-state.ts", "fleet/body-decode.ts"]) {
      expect(all).toContain(`${SRC}/${f}`);
    }
    const found: string[] = [];
    for (const f of all) for (const v of violations(f, readFileSync(f, "utf8"))) found.push(`${relative(SRC, f)}: ${v}`);
    expect(found).toEqual([]);
  });

  test("the check itself flags each kind of violation", () => {
    const f = `${SRC}/lvs/example.ts`;
    const bad = [
      'import { libc } from "../sys/libc.ts";',
      'import type { DaemonStatus } from "../daemon/status-types.ts";',
      'import { ConfigStore } from "../config-io/store.ts";',
      'import { runCheck } from "./checkers/run-check.ts";',
      'import { readFileSync } from "node:fs";',
      'import { dlopen } from "bun:ffi";',
      'import os from "os";',
      "const at = Date.now();",
      "const t = performance.now();",
      "const [s] = process.hrtime();",
      "const n = Bun.nanoseconds();",
      'const m = await import("../fleet/reporter.ts");',
      'import { FleetSession } from "../fleet/rollout-session.ts";',
    ];
    for (const line of bad) expect({ line, found: violations(f, line).length }).toEqual({ line, found: 1 });
    const fine = ['import { parseIP } from "../net/ip-address.ts";', 'import { Encoder } from "cbor-x/encode";', 'import { ROOT } from "../fleet/topics.ts";', 'import { decodeBody } from "../fleet/body-decode.ts";', "// Date.now() is read by the driver", "const d = new Date(ms);"];
    for (const line of fine) expect({ line, found: violations(f, line) }).toEqual({ line, found: [] });
  });
});
