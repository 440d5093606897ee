import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { defaultGlobal } from "../../../src/config/model.ts";
import { scriptIds } from "../../../src/daemon/script-user.ts";
import { runScript } from "../../../src/daemon/scripts.ts";

const nobody = Number(readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))!.split(":")[2]);

test("keepalived: scripts run as root unless script_user says otherwise", async () => {
  expect(await scriptIds(defaultGlobal())).toEqual({});
});

test("script_user USER runs notify and track scripts as that user", async () => {
  const ids = await scriptIds({ ...defaultGlobal(), scriptUser: "nobody" });
  expect(ids.uid).toBe(nobody);
  const dir = mkdtempSync(`${tmpdir()}/vigil-su-`);
  chmodSync(dir, 0o777);
  try {
    const r = await runScript(`/bin/sh -c 'id -u > ${dir}/uid'`, [], { timeoutMs: 5000, ...ids });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(`${dir}/uid`, "utf8").trim()).toBe(String(nobody));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a vrrp_script's own user wins over script_user; an unknown script_user falls back to root with an error", async () => {
  expect((await scriptIds({ ...defaultGlobal(), scriptUser: "root" }, "nobody")).uid).toBe(nobody);
  expect(await scriptIds({ ...defaultGlobal(), scriptUser: "no-such-user-vigil" })).toEqual({});
});
