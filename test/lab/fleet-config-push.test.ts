// Operator side to device side through a real broker: `vigil config keygen/sign/push`
// (the CLI, as subprocesses) -> mosquitto -> FleetReporter -> verify, store, apply.
// Every rejection must show up on config/state with its exact reason, and the
// running config (and the store) must stay untouched.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { decode as cborgDecode } from "cborg";
import { encodeDeterministic } from "../../src/config/cbor.ts";
import { readCbor } from "../../src/config/config-cbor.ts";
import { signBlob } from "../../src/config-io/cose-sign.ts";
import { defaultFleet } from "../../src/config/model.ts";
import { ConfigStore } from "../../src/config-io/store.ts";
import { keyId, parsePrivateKeyPem, TrustStore } from "../../src/config-io/trust.ts";
import { configReceiver, modelValidator } from "../../src/fleet/config-delivery.ts";
import { FleetReporter } from "../../src/fleet/reporter.ts";
import { Mosquitto, Watcher } from "../helpers/mosquitto.ts";
import { BUN, ROOT } from "../helpers/netns.ts";
import { createPublicKey } from "node:crypto";

const broker = new Mosquitto();
const dir = mkdtempSync("/tmp/vigil-push-");
let reporter: FleetReporter;
let watcher: Watcher;
const applied: number[] = [];

function vigil(...args: string[]) {
  const r = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
function conf(name: string, iface: string, extraVips = 0) {
  const vips = Array.from({ length: extraVips }, (_, i) => `        198.18.${(i >> 8) + 100}.${i & 255}/32`).join("\n");
  writeFileSync(`${dir}/${name}`, `global_defs {\n    router_id gw-p\n}\nvrrp_instance VI_1 {\n    state BACKUP\n    interface ${iface}\n    virtual_router_id 42\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        198.18.42.1/32\n${vips}\n    }\n}\n`);
  return `${dir}/${name}`;
}
function sign(config: string, serial: number, out: string, ...extra: string[]) {
  const r = vigil("config", "sign", config, "--key", `${dir}/fleet.key`, "--serial", String(serial), "--fleet", "edge", ...extra, "--out", `${dir}/${out}`);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return `${dir}/${out}`;
}
function push(blob: string, ...target: string[]) {
  const r = vigil("config", "push", blob, "--broker", broker.url, "--fleet", "edge", ...(target.length ? target : ["--node", "gw-p"]));
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
}
async function nextState() {
  const from = watcher.msgs.length;
  const m = await watcher.waitFor((m) => m.topic === "vigil/v1/edge/gw-p/config/state", 15_000, from);
  return cborgDecode(m.body) as Record<string, unknown>;
}

beforeAll(async () => {
  await broker.start();
  expect(vigil("config", "keygen", "--out", `${dir}/fleet`).code).toBe(0);
  expect(vigil("config", "keygen", "--out", `${dir}/rogue`).code).toBe(0);
  const trust = TrustStore.fromFiles([`${dir}/fleet.pub`]);
  const store = new ConfigStore(`${dir}/state`);
  const receive = configReceiver({
    trust, fleet: "edge", node: "gw-p", store, running: { serial: 0, hash: "", floor: 0 },
    maxBytes: 4096, validateConfig: modelValidator(),
    // Applying needs the instance's interface on this box, as the daemon's apply would.
    apply: async (p) => {
      const cfg = readCbor(p.config).config!;
      for (const i of cfg.instances) if (!existsSync(`/sys/class/net/${i.interface}`)) throw new Error(`vrrp_instance ${i.name}: interface ${i.interface} does not exist`);
      applied.push(p.serial);
    },
  });
  reporter = new FleetReporter({
    config: { ...defaultFleet(), broker: broker.url, fleet: "edge" }, node: "gw-p", version: "t", bootTime: 0, configSerial: () => 0,
    onConfigBlob: receive,
  });
  reporter.start();
  watcher = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt" }, ["vigil/v1/edge/gw-p/#"]);
  await watcher.waitFor((m) => m.topic.endsWith("/status"));
}, 30_000);

afterAll(async () => {
  await reporter?.stop().catch(() => {});
  await watcher?.close().catch(() => {});
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

test("keygen writes a 0600 PKCS#8 private key and an SPKI public key, and refuses to overwrite", () => {
  expect(readFileSync(`${dir}/fleet.key`, "utf8")).toContain("BEGIN PRIVATE KEY");
  expect(readFileSync(`${dir}/fleet.pub`, "utf8")).toContain("BEGIN PUBLIC KEY");
  expect(Bun.spawnSync(["stat", "-c", "%a", `${dir}/fleet.key`]).stdout.toString().trim()).toBe("600");
  const again = vigil("config", "keygen", "--out", `${dir}/fleet`);
  expect(again.code).toBe(1);
  expect(again.err).toContain("EEXIST");
}, 30_000);

test("good blob pushed to the node: accepted, stored, applied; config/state carries serial and hash", async () => {
  push(sign(conf("good.conf", "lo"), 5, "good5.cose"));
  const s = await nextState();
  expect(s).toMatchObject({ accepted: true, serial: 5 });
  expect(String(s.hash)).toMatch(/^[0-9a-f]{64}$/);
  expect(applied).toEqual([5]);
  expect(readFileSync(`${dir}/state/current.blob`)).toEqual(readFileSync(`${dir}/good5.cose`));
}, 30_000);

test("the same blob again is refused as stale-serial (replay)", async () => {
  push(`${dir}/good5.cose`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "stale-serial", serial: 5 });
  expect(applied).toEqual([5]);
}, 30_000);

test("blob signed by a key outside the trust store: unknown-key; tampered blob: bad-signature", async () => {
  const r = vigil("config", "sign", conf("g2.conf", "lo"), "--key", `${dir}/rogue.key`, "--serial", "9", "--fleet", "edge", "--out", `${dir}/rogue.cose`);
  expect(r.code).toBe(0);
  push(`${dir}/rogue.cose`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "unknown-key" });
  const t = new Uint8Array(readFileSync(sign(conf("g3.conf", "lo"), 9, "t9.cose")));
  t[t.length - 80] ^= 0x01;
  writeFileSync(`${dir}/tampered.cose`, t);
  push(`${dir}/tampered.cose`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "bad-signature" });
}, 30_000);

test("another fleet's blob is foreign-fleet; a blob for other nodes sent to `all` is not-for-node", async () => {
  const r = vigil("config", "sign", conf("f.conf", "lo"), "--key", `${dir}/fleet.key`, "--serial", "10", "--fleet", "core", "--out", `${dir}/core.cose`);
  expect(r.code).toBe(0);
  push(`${dir}/core.cose`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "foreign-fleet" });
  push(sign(conf("n.conf", "lo"), 10, "other-node.cose", "--node", "gw-q"), "--all");
  expect(await nextState()).toMatchObject({ accepted: false, reason: "not-for-node" });
}, 30_000);

test("oversized blob (> device limit 4096 B) is refused before parsing", async () => {
  push(sign(conf("big.conf", "lo", 250), 11, "big.cose"));
  expect(readFileSync(`${dir}/big.cose`).length).toBeGreaterThan(4096);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "oversized" });
}, 30_000);

test("unsigned config is not-cose; a signed blob whose config fails the model checks is config-invalid", async () => {
  writeFileSync(`${dir}/unsigned.bin`, encodeDeterministic({ instances: [] }));
  push(`${dir}/unsigned.bin`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "not-cose" });
  const key = parsePrivateKeyPem(readFileSync(`${dir}/fleet.key`, "utf8"), "fleet.key");
  const bad = signBlob({ serial: 12, fleet: "edge", issuedAt: 0, config: encodeDeterministic({ instances: 5 }) }, key, keyId(createPublicKey(key)));
  writeFileSync(`${dir}/invalid.cose`, bad);
  push(`${dir}/invalid.cose`);
  const s = await nextState();
  expect(s).toMatchObject({ accepted: false, reason: "config-invalid" });
  expect(String(s.message)).toContain("instances");
}, 30_000);

test("fleet-wide push (--all) is accepted; a config that cannot be applied rolls back to last-known-good", async () => {
  push(sign(conf("all.conf", "lo"), 13, "all13.cose"), "--all");
  expect(await nextState()).toMatchObject({ accepted: true, serial: 13 });
  push(sign(conf("missing.conf", "vt-missing9"), 14, "missing14.cose"));
  const s = await nextState();
  expect(s).toMatchObject({ accepted: false, reason: "apply-failed", serial: 14 });
  expect(String(s.message)).toContain("interface vt-missing9 does not exist; rolled back to serial 13");
  expect(applied).toEqual([5, 13]);
  expect(readFileSync(`${dir}/state/current.blob`)).toEqual(readFileSync(`${dir}/all13.cose`));
  // The failed serial is burnt: pushing it again is a replay.
  push(`${dir}/missing14.cose`);
  expect(await nextState()).toMatchObject({ accepted: false, reason: "stale-serial" });
}, 30_000);

test("push reports a refused connection and exits non-zero", () => {
  const r = vigil("config", "push", `${dir}/good5.cose`, "--broker", "mqtt://127.0.0.1:1", "--fleet", "edge", "--all", "--timeout-ms", "3000");
  expect(r.code).toBe(1);
  expect(r.err).toContain("ECONNREFUSED");
  expect(vigil("config", "push", `${dir}/good5.cose`, "--broker", broker.url, "--fleet", "edge").code).toBe(2);
}, 30_000);
