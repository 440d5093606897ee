// withShortRunJit (src/cli/jit-policy.ts): `vigil config check` reads the config
// under a reluctant JIT policy; the wrapper must give back what the reader gives,
// errors included, and leave the normal policy in place for in-process callers.
import { describe, expect, test } from "bun:test";
import { SHORT_RUN_JIT_POLICY, withShortRunJit } from "../../../src/cli/jit-policy.ts";

describe("withShortRunJit", () => {
  test("returns what the function returns", () => {
    expect(withShortRunJit(() => 42)).toBe(42);
  });

  test("a throw goes through unchanged, and a later call still works", () => {
    const boom = new Error("reader bug");
    expect(() => withShortRunJit(() => { throw boom; })).toThrow(boom);
    expect(withShortRunJit(() => "again")).toBe("again");
  });

  test("this Bun has the policy switch, and the scale is one it accepts (a finite number >= 1)", () => {
    expect(typeof (Bun as unknown as { unsafe: { setJITPolicy?: unknown } }).unsafe.setJITPolicy).toBe("function");
    expect(Number.isFinite(SHORT_RUN_JIT_POLICY) && SHORT_RUN_JIT_POLICY >= 1).toBe(true);
  });
});
