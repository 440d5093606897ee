// src/sys/durable-file.ts: a replaced file holds the old content or the new,
// never a torn one, whatever step fails; the steps come in the order that makes
// the new content survive a power loss (data fsynced before the rename, the
// directory fsynced after it).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { replaceFileDurably, type DurableStep } from "../../../src/sys/durable-file.ts";

const root = mkdtempSync(`${tmpdir()}/vigil-durable-`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const STEPS: DurableStep[] = ["tmp-opened", "tmp-half-written", "tmp-written", "tmp-fsynced", "renamed", "dir-fsynced"];

describe("durable file replacement", () => {
  test("steps in power-loss-safe order: temp written and fsynced, renamed, directory fsynced", () => {
    const seen: DurableStep[] = [];
    replaceFileDurably(`${root}/order`, new TextEncoder().encode("new\n"), { afterStep: (s) => seen.push(s) });
    expect(seen).toEqual(STEPS);
    expect(readFileSync(`${root}/order`, "utf8")).toBe("new\n");
    expect(statSync(`${root}/order`).mode & 0o777).toBe(0o600);
  });

  for (const failAt of STEPS) {
    test(`a failure after '${failAt}' leaves the old content or the whole new one, and no temp file`, () => {
      const dir = mkdtempSync(`${root}/fail-`);
      writeFileSync(`${dir}/f`, "old content\n");
      expect(() =>
        replaceFileDurably(`${dir}/f`, new TextEncoder().encode("the new content\n"), {
          afterStep: (s) => {
            if (s === failAt) throw new Error(`stop at ${s}`);
          },
        }),
      ).toThrow(`stop at ${failAt}`);
      const renamed = STEPS.indexOf(failAt) >= STEPS.indexOf("renamed");
      expect(readFileSync(`${dir}/f`, "utf8")).toBe(renamed ? "the new content\n" : "old content\n");
      expect(readdirSync(dir)).toEqual(["f"]);
    });
  }
});
