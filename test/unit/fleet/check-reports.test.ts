// Which health-check results go to the broker: each real server's first check, then a latency refresh at most every RS_REFRESH_MS.
import { describe, expect, test } from "bun:test";
import { checkReportDue, RS_REFRESH_MS } from "../../../src/fleet/check-reports.ts";

describe("check reports", () => {
  test("a real server's first check goes out", () => {
    expect(checkReportDue(undefined, 0)).toBe(true);
    expect(checkReportDue(undefined, 123_456)).toBe(true);
  });
  test("later checks within RS_REFRESH_MS of the last report stay home", () => {
    expect(checkReportDue(1000, 1000)).toBe(false);
    expect(checkReportDue(1000, 1000 + RS_REFRESH_MS - 1)).toBe(false);
  });
  test("the first check RS_REFRESH_MS after the last report refreshes it", () => {
    expect(checkReportDue(1000, 1000 + RS_REFRESH_MS)).toBe(true);
    expect(checkReportDue(1000, 1000 + 5 * RS_REFRESH_MS)).toBe(true);
  });
});
