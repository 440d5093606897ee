// `vigil config check` and `vigil config convert`, run as the user runs them
// (a child process on src/main.ts): exit codes, messages, files written.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readCbor } from "../../../src/config/config-cbor.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";

const ROOT = `${import.meta.dir}/../../..`;
const FIX = `${ROOT}/test/fixtures`;
const dir = mkdtempSync(`${tmpdir()}/vigil-cli-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, `${ROOT}/src/main.ts`, "config", ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString(), raw: r.stdout };
}

describe("vigil config check", () => {
  test("a good config exits 0 and prints its warnings with file:line:col", () => {
    const r = vigil("check", `${FIX}/user-sample.conf`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("user-sample.conf: OK (keepalived: 1 vrrp_instance, 3 virtual_server, 5 real_server; 2 warning(s))");
    expect(r.err).toContain("user-sample.conf:26:5: warning: vrrp_strict: authentication is ignored (as keepalived does) (at 'authentication {')");
  });
  test("errors exit 1 and name file:line:col with the offending text; --strict turns unknown keywords into errors", () => {
    const f = `${dir}/bad.conf`;
    writeFileSync(f, "vrrp_instance X {\n  interface eth0\n  virtual_router_id 7\n  advert_int 1\n  prority 50\n}\n");
    const lax = vigil("check", f);
    expect(lax.code).toBe(0);
    expect(lax.err).toContain(`${f}:5:3: warning: unknown keyword 'prority' in vrrp_instance X, ignored (at 'prority 50')`);
    const strict = vigil("check", "--strict", f);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain(`${f}:5:3: error: unknown keyword 'prority' in vrrp_instance X (at 'prority 50')`);
    expect(strict.err).toContain("1 error(s), 0 warning(s)");
  });
  test("auth_type AH is read (VRRPv2); a bad auth_type is an error naming the value and its file:line:col", () => {
    const f = `${dir}/ah.conf`;
    writeFileSync(f, "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  version 2\n  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    198.18.0.10/24\n  }\n}\n");
    expect(vigil("check", f).code).toBe(0);
    writeFileSync(f, "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n  version 2\n  authentication {\n    auth_type ESP\n    auth_pass secret\n  }\n  virtual_ipaddress {\n    198.18.0.10/24\n  }\n}\n");
    const r = vigil("check", f);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:6:15: error:`);
    expect(r.err).toContain("ESP");
  });
  test("a missing file, binary junk and usage errors", () => {
    expect(vigil("check", `${dir}/nope.conf`)).toMatchObject({ code: 1 });
    writeFileSync(`${dir}/junk.bin`, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const junk = vigil("check", `${dir}/junk.bin`);
    expect(junk.code).toBe(1);
    expect(junk.err).toContain("binary content (NUL byte at offset 4), not a keepalived.conf");
    const dev = vigil("check", "/dev/zero");
    expect(dev.code).toBe(1);
    expect(dev.err).toContain("cannot read /dev/zero: not a regular file");
    expect(vigil("check").code).toBe(2);
    expect(vigil("check", "--frob", "x").code).toBe(2);
  });
});

describe("vigil config convert", () => {
  test("keepalived -> cbor -> json -> keepalived keeps the config, through files", () => {
    const src = `${FIX}/dr-director.conf`;
    expect(vigil("convert", src, "--to", "cbor", "--out", `${dir}/c.cbor`).code).toBe(0);
    expect(vigil("convert", `${dir}/c.cbor`, "--to", "json", "--out", `${dir}/c.json`).code).toBe(0);
    expect(vigil("convert", `${dir}/c.json`, "--to", "keepalived", "--out", `${dir}/c.conf`).code).toBe(0);
    const orig = loadConfigFile(src).config;
    expect(readCbor(readFileSync(`${dir}/c.cbor`)).config).toEqual(orig!);
    expect(loadConfigFile(`${dir}/c.json`).config).toEqual(orig!);
    expect(loadConfigFile(`${dir}/c.conf`).config).toEqual(orig!);
  });
  test("CBOR to stdout is the exact bytes; the format is detected by content without an extension", () => {
    const r = vigil("convert", `${FIX}/unicast.conf`, "--to", "cbor");
    expect(r.code).toBe(0);
    writeFileSync(`${dir}/noext`, r.raw);
    expect(loadConfigFile(`${dir}/noext`).format).toBe("cbor");
    expect(loadConfigFile(`${dir}/noext`).config).toEqual(loadConfigFile(`${FIX}/unicast.conf`).config!);
  });
  test("--to keepalived writes the expanded config for the -i config id: no definitions, ~SEQ or @ lines left", () => {
    const src = `${FIX}/grammar/accept/seq-instances.conf`;
    const r = vigil("convert", "-i", "r2", src, "--to", "keepalived", "--out", `${dir}/expanded.conf`);
    expect(r.code).toBe(0);
    const text = readFileSync(`${dir}/expanded.conf`, "utf8");
    expect(text).not.toMatch(/[$@~]/);
    expect(text).toContain("vrrp_instance VI_3 {");
    expect(text).toContain("router_id lb-r2");
    expect(loadConfigFile(`${dir}/expanded.conf`).config).toEqual(loadConfigFile(src, { configId: "r2" }).config!);
    expect(vigil("convert", "--config-id", src, "--to", "json").code).toBe(2);
  });
  test("refuses a bad --to and a config with errors", () => {
    expect(vigil("convert", `${FIX}/unicast.conf`, "--to", "yaml").code).toBe(2);
    writeFileSync(`${dir}/e.json`, JSON.stringify({ instances: [{ name: "x" }] }));
    const r = vigil("convert", `${dir}/e.json`, "--to", "keepalived");
    expect(r.code).toBe(1);
    expect(r.err).toContain("instances[0].interface: error: missing required field in VrrpInstance");
  });
});
