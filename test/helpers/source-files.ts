// The .ts files under a source folder, for the tests that read the source itself
// (rules every file must keep: error names, FFI memory, pure cores).
import { readdirSync, statSync } from "node:fs";

/** Every .ts file under `dir` (with `deep` false, only those directly in it), in directory order. */
export function tsFiles(dir: string, deep = true): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = `${dir}/${n}`;
    if (statSync(p).isDirectory()) return deep ? tsFiles(p) : [];
    return p.endsWith(".ts") ? [p] : [];
  });
}
