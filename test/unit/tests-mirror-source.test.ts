// Tests mirror the source: the unit tests of src/<folder> live in
// test/unit/<folder> (fuzz tests in test/fuzz), so a reader finds a file's tests
// where the file is. ci/ and docs/ test the repository itself, not src.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";

const UNIT = resolve(import.meta.dir);
const SRC = resolve(import.meta.dir, "../../src");
const NOT_SOURCE = new Set(["ci", "docs"]);

function folders(dir: string, rel = ""): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = `${dir}/${n}`;
    if (!statSync(p).isDirectory()) return [];
    const r = rel ? `${rel}/${n}` : n;
    return [r, ...folders(p, r)];
  });
}

test("every folder of test/unit is a folder of src (tests live where their source is)", () => {
  const all = folders(UNIT).filter((f) => !NOT_SOURCE.has(f.split("/")[0]!));
  expect(all).toContain("config-io");
  expect(all.filter((f) => !existsSync(`${SRC}/${f}`))).toEqual([]);
});
