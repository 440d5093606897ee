// A source file's static import graph as the bundler sees it (Bun.Transpiler.scanImports:
// type-only imports are dropped, as in the build). Dynamic import() is not followed;
// require() calls are unless `lazyRequires` (they load when they run, not at start:
// src/sys/lazy-builtins.ts).
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** the static import graph of `entry`: repository-relative files and bare specifiers (node:fs, bun:ffi, packages) */
export function staticGraph(entry: string, o: { lazyRequires?: boolean } = {}): { files: Set<string>; specifiers: Set<string> } {
  const files = new Set<string>();
  const specifiers = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  // bounded: each file is visited once, and the tree has a few hundred
  while (queue.length > 0 && files.size < 5000) {
    const f = queue.pop()!;
    const rel = relative(ROOT, f);
    if (files.has(rel)) continue;
    files.add(rel);
    if (!f.endsWith(".ts")) continue; // package.json, a page's text: data, no imports
    for (const imp of transpiler.scanImports(readFileSync(f, "utf8"))) {
      if (imp.kind === "dynamic-import" || (o.lazyRequires && imp.kind === "require-call")) continue;
      if (!imp.path.startsWith(".")) {
        specifiers.add(imp.path);
        continue;
      }
      const p = resolve(dirname(f), imp.path);
      queue.push(existsSync(p) ? p : `${p}.ts`);
    }
  }
  return { files, specifiers };
}
