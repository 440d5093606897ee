// Prints the npm packages a compiled vigil can carry (package.json's
// dependencies and theirs, as installed in node_modules), one "name version
// license" line each, sorted: the package's copyright file lists them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const seen = new Map<string, string>();

function manifest(dir: string): { name: string; version: string; license?: unknown; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
}

/** node's lookup: the nearest node_modules/<name> from `from` upwards, within the checkout */
function locate(name: string, from: string): string | null {
  for (let dir = from; dir.startsWith(root); dir = join(dir, "..")) {
    const p = join(dir, "node_modules", name);
    if (existsSync(join(p, "package.json"))) return p;
    if (dir === root) break;
  }
  return null;
}

function walk(dir: string, depth: number): void {
  if (depth > 64) throw new Error(`dependency chain deeper than 64 at ${dir}`);
  for (const name of Object.keys(manifest(dir).dependencies ?? {})) {
    const p = locate(name, dir);
    // an optional dependency npm did not install is not in the binary; type declarations carry no code
    if (!p || seen.has(p) || name.startsWith("@types/")) continue;
    const m = manifest(p);
    const license = typeof m.license === "string" ? m.license : JSON.stringify(m.license ?? "UNKNOWN");
    seen.set(p, `${m.name} ${m.version} ${license}`);
    walk(p, depth + 1);
  }
}

walk(root, 0);
process.stdout.write([...new Set(seen.values())].sort().join("\n") + "\n");
