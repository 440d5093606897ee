// test/summary.ts reads bun's own JUnit report: the fixture is a real one, written
// by `bun test --reporter=junit` over a throwaway test file in a temp directory
// (never under test/, where the suite would pick it up): junit-fixture.ts. Its fuzz
// test is test/fuzz/ci-summary.test.ts.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { formatFailures, parseJUnit, summaryLine, xmlText } from "../../summary.ts";
import { BUN, useJunitReport } from "./junit-fixture.ts";

const SUMMARY = join(import.meta.dir, "..", "..", "summary.ts");
const report = useJunitReport();

describe("JUnit summary for CI", () => {
  test("counts passed, failed and skipped tests of a real bun report", () => {
    const cases = parseJUnit(report.xml);
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ["passes", "passed"],
      ["fails with a long message", "failed"],
      ["throws 'quoted' \"text\"", "failed"],
      ["skipped one", "skipped"],
      ["passes too", "passed"],
    ]);
    expect(summaryLine(cases)).toBe("2 passed, 2 failed, 1 skipped");
    expect(summaryLine(cases.filter((c) => c.status !== "skipped"))).toBe("2 passed, 2 failed");
  });

  test("a failure is printed with its file, describe chain and name, and its message decoded", () => {
    const out = formatFailures(parseJUnit(report.xml));
    expect(out).toContain("FAIL fixture.test.ts > outer <group> & co > fails with a long message");
    expect(out).toContain("FAIL fixture.test.ts > throws 'quoted' \"text\"");
    expect(out.some((l) => l.includes("boom <b> & done"))).toBe(true);
  });

  test("a long message is cut after 30 lines and says how many more there were", () => {
    const cases = parseJUnit(report.xml).filter((c) => c.name === "fails with a long message");
    const all = cases[0].message.replace(/\s+$/, "").split("\n");
    expect(all.length).toBeGreaterThan(30);
    const out = formatFailures(cases);
    expect(out.length).toBe(1 + 30 + 1);
    expect(out[1]).toBe(`    ${all[0]}`);
    expect(out[31]).toBe(`    … ${all.length - 30} more line(s)`);
    expect(out.join("\n")).toContain("record line 1");
  });

  test("CLI: the summary line alone by default, failures only with --failures; a missing report is one failure", () => {
    const file = join(report.dir, "junit.xml");
    const run = (...args: string[]) => Bun.spawnSync([BUN, SUMMARY, ...args], { stdout: "pipe", stderr: "pipe" });
    const plain = run(file);
    expect(plain.stdout.toString()).toBe("2 passed, 2 failed, 1 skipped\n");
    const failures = run("--failures", file).stdout.toString();
    expect(failures.startsWith("FAIL fixture.test.ts > outer <group> & co > fails with a long message\n")).toBe(true);
    expect(failures).not.toContain("passed,");
    const missing = run(join(report.dir, "nope.xml"));
    expect([missing.exitCode, missing.stdout.toString()]).toEqual([1, "0 passed, 1 failed\n"]);
  });

  test("entities: named and numeric references decode, unknown ones stay as written", () => {
    expect(xmlText("a&lt;b&gt;&amp;&quot;&apos;&#10;&#x41;&bogus;&#x110000;")).toBe("a<b>&\"'\nA&bogus;&#x110000;");
  });
});
