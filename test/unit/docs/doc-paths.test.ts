// Every repository path the docs name exists: a page that points at a moved or
// deleted file misleads the next reader (docs/architecture.md is read first).
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");
const DOCS = join(ROOT, "docs");
/** top-level folders and files a path in the docs can start with */
const TOP = /^(?:src|test|docs|board|native|schema|\.ci)\/|^(?:README\.md|Makefile|package\.json)$/;

/**
 * Repository paths named in a markdown text: `code spans` that look like a path
 * from the repository root, and relative links to other files ([text](page.md)).
 * Placeholders (`<kind>`) and globs (`*`) are not paths.
 */
export function namedPaths(markdown: string): Array<{ path: string; fromDoc: boolean }> {
  const out: Array<{ path: string; fromDoc: boolean }> = [];
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[.,:;]$/, "");
    if (TOP.test(p) && !/[<>*]/.test(p)) out.push({ path: p, fromDoc: false });
  }
  for (const m of markdown.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const p = m[1];
    if (!/^[a-z]+:/i.test(p)) out.push({ path: p, fromDoc: true });
  }
  return out;
}

/** The named paths of `file` (under docs/) that do not exist in the repository. */
export function missingPaths(file: string): string[] {
  return namedPaths(readFileSync(file, "utf8"))
    .filter(({ path, fromDoc }) => !existsSync(fromDoc ? join(dirname(file), path) : join(ROOT, path)))
    .map(({ path }) => path);
}

const pages = readdirSync(DOCS).filter((f) => f.endsWith(".md")).sort();

describe("docs name only paths that exist", () => {
  test("the docs exist, architecture.md among them", () => {
    expect(pages).toContain("architecture.md");
  });

  for (const page of pages) {
    test(`docs/${page}`, () => {
      expect(missingPaths(join(DOCS, page))).toEqual([]);
    });
  }

  test("the path finder sees code-span paths and relative links, and skips placeholders, globs and URLs", () => {
    const found = namedPaths(
      "see `src/vrrp/fsm.ts`, `src/lvs/checkers/<kind>.ts`, `test/lab/vrrp-*.test.ts`, `vigil status`, " +
        "[fleet](fleet.md#topic-tree), [RFC](https://www.rfc-editor.org/rfc/rfc5798) and `README.md`.",
    );
    expect(found).toEqual([
      { path: "src/vrrp/fsm.ts", fromDoc: false },
      { path: "README.md", fromDoc: false },
      { path: "fleet.md", fromDoc: true },
    ]);
  });

  test("the README's layout section points new engineers at docs/architecture.md", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const layout = readme.slice(readme.indexOf("## Layout"));
    expect(layout).toContain("docs/architecture.md");
  });
});
