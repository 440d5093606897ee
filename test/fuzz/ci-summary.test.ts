// Fuzz: test/summary.ts (the CI's JUnit summary) on seeded mutations of a real
// bun report: it never throws and never counts more tests than the text has.
import { describe, expect, test } from "bun:test";
import { mulberry32 } from "../../src/lvs/checkers/prng.ts";
import { formatFailures, parseJUnit, summaryLine } from "../summary.ts";
import { useJunitReport } from "../unit/ci/junit-fixture.ts";

const report = useJunitReport();

describe("JUnit summary for CI", () => {
  test("fuzz: mutated reports never throw and never count more tests than <testcase> tags (seed 20261126, 2000 cases)", () => {
    const rand = mulberry32(20261126);
    const alphabet = ["<", ">", "/", "\"", "&", "&#", ";", "<testcase ", "</testcase>", "<failure>", "<skipped/>", "\n", "x"];
    for (let i = 0; i < 2000; i++) {
      let s = report.xml;
      const edits = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * s.length);
        const r = rand();
        if (r < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 40));
        else if (r < 0.8) s = s.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + s.slice(at);
        else s = s.slice(0, at);
      }
      const cases = parseJUnit(s);
      expect(cases.length).toBeLessThanOrEqual((s.match(/<testcase\b/g) ?? []).length);
      expect(summaryLine(cases)).toMatch(/^\d+ passed, \d+ failed(, \d+ skipped)?$/);
      formatFailures(cases);
    }
  });
});
