// The config id `@ID` lines are compared with: keepalived's default (the
// hostname up to its first dot) and `-i/--config-id` on vigil run, down to the
// config the daemon boots with.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { parseRunArgs } from "../../../src/cli/run-args.ts";
import { defaultConfigId } from "../../../src/config-io/config-id.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { bootConfig } from "../../../src/daemon/boot-config.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-cfgid-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONF = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  @r1 priority 200
  @r2 priority 100
  @${defaultConfigId()} priority 42
  virtual_ipaddress {
    198.18.0.1
  }
}
`;

describe("config id", () => {
  test("the default is the hostname up to its first dot, as keepalived's", () => {
    expect(defaultConfigId()).toBe(hostname().split(".")[0]!);
    const f = `${dir}/k.conf`;
    writeFileSync(f, CONF);
    expect(loadConfigFile(f).config!.instances[0]!.priority).toBe(42);
  });
  test("vigil run -i / --config-id reaches the config the daemon boots with", () => {
    const f = `${dir}/k.conf`;
    writeFileSync(f, CONF);
    const a = parseRunArgs(["-f", f, "-i", "r1"]);
    const b = parseRunArgs(["--config-id", "r2"]);
    if (typeof a === "string" || typeof b === "string") throw new Error(String(a));
    expect([a.configId, b.configId]).toEqual(["r1", "r2"]);
    expect(parseRunArgs(["-i"])).toBe("-i needs a value");
    expect(bootConfig(f, false, dir, a.configId).cfg.instances[0]!.priority).toBe(200);
    expect(bootConfig(f, false, dir, b.configId).cfg.instances[0]!.priority).toBe(100);
  });
});
