// `vigil run --state-dir DIR`: the fleet's config store when vigil_fleet names no
// state_dir. A node booted with it finds the config the fleet pushed there; a
// block that names its own state_dir keeps it.
import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configToCbor } from "../../../src/config/config-cbor.ts";
import { configHash, signBlob } from "../../../src/config-io/cose-sign.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { ConfigStore } from "../../../src/config-io/store.ts";
import { keyId } from "../../../src/config-io/trust.ts";
import { bootConfig } from "../../../src/daemon/boot-config.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-state-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = generateKeyPairSync("ed25519");
const pub = join(dir, "fleet.pub");
writeFileSync(pub, keys.publicKey.export({ type: "spki", format: "pem" }) as string);

function bootstrap(name: string, extra = ""): string {
  const file = join(dir, name);
  writeFileSync(file, `vigil_fleet {\n  broker mqtt://127.0.0.1:1\n  fleet f\n  node n1\n  trust_key ${pub}\n${extra}}\n`);
  return file;
}

/** a signed config with one instance, committed as serial 5 into `stateDir` */
function pushInto(stateDir: string) {
  const src = join(dir, "pushed.conf");
  writeFileSync(src, "vrrp_instance VI_P {\n  interface eth0\n  virtual_router_id 9\n  priority 100\n  virtual_ipaddress {\n    192.0.2.9/32\n  }\n}\n");
  const loaded = loadConfigFile(src);
  if (!loaded.config) throw new Error(JSON.stringify(loaded.errors));
  const config = configToCbor(loaded.config);
  const blob = signBlob({ serial: 5, fleet: "f", nodes: ["n1"], issuedAt: Math.floor(Date.now() / 1000), config }, keys.privateKey, keyId(keys.publicKey));
  new ConfigStore(stateDir).commit(blob, 5, configHash(config));
}

describe("bootConfig with --state-dir", () => {
  test("no state_dir in the block: the pushed config is read from --state-dir", () => {
    const state = join(dir, "state-a");
    pushInto(state);
    const b = bootConfig(bootstrap("a.conf"), false, state);
    expect({ serial: b.serial, source: b.source, instances: b.cfg.instances.map((i) => i.name), stateDir: b.cfg.fleet?.stateDir })
      .toEqual({ serial: 5, source: `${state}/current`, instances: ["VI_P"], stateDir: state });
  });

  test("a state_dir in the block wins over --state-dir", () => {
    const named = join(dir, "state-named");
    const other = join(dir, "state-other");
    pushInto(other);
    const b = bootConfig(bootstrap("b.conf", `  state_dir ${named}\n`), false, other);
    expect({ serial: b.serial, stateDir: b.cfg.fleet?.stateDir }).toEqual({ serial: 0, stateDir: named });
  });
});
