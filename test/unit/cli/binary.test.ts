// The shipped artifacts: both compiled binaries run their CLI. The arm64 one runs
// under qemu-user with the arm64 cross sysroot as its library root.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import pkg from "../../../package.json" with { type: "json" };

const ROOT = `${import.meta.dir}/../../..`;
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

const targets = [
  { arch: "x64", argv: [`${ROOT}/dist/vigil-linux-x64`] },
  { arch: "arm64", argv: ["qemu-aarch64-static", "-L", ARM64_SYSROOT, `${ROOT}/dist/vigil-linux-arm64`] },
];

function run(argv: string[]) {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

for (const t of targets) {
  describe(`dist/vigil-linux-${t.arch}`, () => {
    test("is built (make build)", () => {
      expect(existsSync(`${ROOT}/dist/vigil-linux-${t.arch}`)).toBe(true);
    });
    test("`vigil version` names the version and its own architecture", () => {
      const r = run([...t.argv, "version"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`vigil ${pkg.version}`);
      expect(r.out).toContain(`linux-${t.arch}`);
    });
    test("`vigil config check` passes every fixture (the user's sample included)", () => {
      for (const f of ["user-sample.conf", "two-router-sync.conf", "ipv6.conf", "unicast.conf", "dr-director.conf", "fwmark.conf"]) {
        const r = run([...t.argv, "config", "check", `${ROOT}/test/fixtures/${f}`]);
        expect({ f, code: r.code, out: r.out }).toMatchObject({ f, code: 0, out: expect.stringContaining(": OK") });
      }
    }, 60_000); // qemu-user runs the arm64 binary several times slower
    test("`vigil config check` exits 1 naming file:line:col on a broken config", () => {
      // build/ is made by some make targets, not all: a fresh checkout or worktree lacks it
      mkdirSync(`${ROOT}/build`, { recursive: true });
      const bad = `${ROOT}/build/broken-${t.arch}.conf`;
      writeFileSync(bad, "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n");
      const r = run([...t.argv, "config", "check", bad]);
      expect(r.code).toBe(1);
      expect(r.out + r.err).toMatch(new RegExp(`broken-${t.arch}\\.conf:\\d+:\\d+: error`));
    });
    test("an unknown command exits 2 with usage", () => {
      const r = run([...t.argv, "no-such-command"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain("unknown command 'no-such-command'");
    });
  });
}
