// A real JUnit report of bun's, for test/summary.ts's unit and fuzz tests:
// `bun test --reporter=junit` over a throwaway test file in a temp directory
// (never under test/, where the suite would pick it up).
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BUN = join(import.meta.dir, "..", "..", "..", "node_modules", ".bin", "bun");

const LONG = Array.from({ length: 45 }, (_, i) => `record line ${i + 1}`).join("\n");

const FIXTURE = `
import { describe, expect, test } from "bun:test";
describe("outer <group> & co", () => {
  test("passes", () => { expect(1).toBe(1); });
  test("fails with a long message", () => { expect([${JSON.stringify(LONG)}]).toEqual([]); });
});
test("throws 'quoted' \\"text\\"", () => { throw new Error("boom <b> & done"); });
test.skip("skipped one", () => {});
test("passes too", () => {});
`;

/** The report (dir/junit.xml, and its text); the caller removes dir. Throws unless bun ran the fixture. */
export function junitReport(): { dir: string; xml: string } {
  const dir = mkdtempSync(join(tmpdir(), "vt-summary-"));
  try {
    writeFileSync(join(dir, "fixture.test.ts"), FIXTURE);
    const r = Bun.spawnSync([BUN, "test", "--reporter=junit", "--reporter-outfile=junit.xml", "fixture.test.ts"], { cwd: dir, stdout: "ignore", stderr: "ignore" });
    // two of the fixture's tests fail
    if (r.exitCode !== 1) throw new Error(`bun test over the fixture exited ${r.exitCode}, expected 1 (two tests fail)`);
    return { dir, xml: readFileSync(join(dir, "junit.xml"), "utf8") };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The report made once for the calling test file (beforeAll) and removed after it (afterAll); read it inside tests. */
export function useJunitReport(): { dir: string; xml: string } {
  const report = { dir: "", xml: "" };
  beforeAll(() => Object.assign(report, junitReport()));
  afterAll(() => {
    if (report.dir) rmSync(report.dir, { recursive: true, force: true });
  });
  return report;
}
