// The daemon re-executes itself once so mimalloc starts with MIMALLOC_PURGE_DELAY=0:
// same PID, same argv, the variable set, and no second re-exec.
import { describe, expect, test } from "bun:test";
import { ALLOCATOR_ENV, allocatorTuned } from "../../../src/sys/allocator-env.ts";

const CHILD = `${import.meta.dir}/allocator-env-child.ts`;

function runChild(env: Record<string, string | undefined>) {
  const r = Bun.spawnSync([process.execPath, CHILD, "--flag", "two words"], { env: { PATH: process.env.PATH, ...env }, stdout: "pipe", stderr: "pipe" });
  expect(r.exitCode).toBe(0);
  return r.stdout.toString().trim().split("\n").map((l) => JSON.parse(l));
}

describe("allocator environment re-exec", () => {
  test("re-executes once, keeping the PID and the argv, with MIMALLOC_PURGE_DELAY=0", () => {
    const lines = runChild({});
    // first image: no variable; second image: variable set, same pid, nothing further
    expect(lines).toHaveLength(3);
    expect(lines[0].purge).toBeNull();
    expect(lines[1]).toEqual({ pid: lines[0].pid, purge: "0", args: ["--flag", "two words"] });
    expect(lines[2]).toEqual({ returned: null });
  });

  test("a user's own MIMALLOC_PURGE_DELAY is left alone, with the reason", () => {
    const lines = runChild({ MIMALLOC_PURGE_DELAY: "-1" });
    expect(lines).toHaveLength(2);
    expect(lines[1].returned).toMatch(/set by the user/);
    expect(lines[0].purge).toBe("-1");
  });

  test("allocatorTuned reads the environment", () => {
    expect(allocatorTuned({ ...ALLOCATOR_ENV })).toBe(true);
    expect(allocatorTuned({})).toBe(false);
  });
});
