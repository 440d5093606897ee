// ConfigDelivery end to end on a real store and real signatures, with the apply
// and the probation window driven by the test: commit-confirm passes and fails,
// signed rollback requests (and the ones that must be refused), and the node's
// own log line for each rejection and rollback, once per blob.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type SignedPayload } from "../../../src/config/cose.ts";
import { configHash, signBlob } from "../../../src/config-io/cose-sign.ts";
import { ConfigStore } from "../../../src/config-io/store.ts";
import { TrustStore } from "../../../src/config-io/trust.ts";
import { ConfigDelivery, type DeliveryOptions } from "../../../src/fleet/config-delivery.ts";
import type { ConfigResult } from "../../../src/fleet/reporter.ts";
import { signRollbackRequest } from "../../../src/fleet/rollback-request.ts";

const root = mkdtempSync("/tmp/vigil-delivery-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fleetKey = generateKeyPairSync("ed25519");
const rogueKey = generateKeyPairSync("ed25519");
const trust = new TrustStore();
const kid = trust.add(fleetKey.publicKey);
const rogueKid = new TrustStore().add(rogueKey.publicKey);
const cfgBytes = (n: number) => new TextEncoder().encode(`config ${n}`);
const blob = (n: number, key = fleetKey.privateKey, k = kid) => signBlob({ serial: n, fleet: "edge", issuedAt: 1, config: cfgBytes(n) }, key, k);
const rollbackReq = (serial: number, o: { node?: string; key?: typeof fleetKey.privateKey; kid?: Uint8Array } = {}) =>
  signRollbackRequest({ fleet: "edge", nodes: [o.node ?? "gw-a"], serial, issuedAt: 1 }, o.key ?? fleetKey.privateKey, o.kid ?? kid);

let n = 0;
let applied: Array<[number, string]>;
let logs: string[];
let verdict: string[];
let progress: ConfigResult[];

function delivery(extra: Partial<DeliveryOptions> = {}) {
  const store = new ConfigStore(`${root}/s${++n}`);
  const running = { serial: 0, hash: configHash(cfgBytes(0)), floor: 0 };
  const d = new ConfigDelivery({
    trust, fleet: "edge", node: "gw-a", store, running, runningConfig: cfgBytes(0),
    apply: async (p: SignedPayload, why) => { applied.push([p.serial, `${why}:${new TextDecoder().decode(p.config)}`]); },
    confirm: { timeoutMs: 30_000, begin: () => () => verdict, wait: async () => {} },
    onProgress: (r) => progress.push(r),
    log: (level, m) => logs.push(`${level} ${m}`),
    ...extra,
  });
  return { d, store, running };
}

beforeEach(() => {
  applied = [];
  logs = [];
  verdict = [];
  progress = [];
});

describe("commit-confirm in the delivery", () => {
  test("confirmed: confirming first, then applied; the store keeps it; the previous config becomes the rollback target", async () => {
    const { d, store, running } = delivery();
    const r = await d.receive(blob(1));
    expect(progress).toEqual([expect.objectContaining({ accepted: true, state: "confirming", serial: 1, confirm_ms: 30_000 })]);
    expect(r).toMatchObject({ accepted: true, state: "applied", serial: 1, running_serial: 1, running_hash: configHash(cfgBytes(1)) });
    expect(store.pendingSerial()).toBeNull();
    expect(running).toMatchObject({ serial: 1, floor: 1 });
    expect(applied).toEqual([[1, "push:config 1"]]);
    expect(logs).toEqual([]);
  });

  test("failed probation: the previous config is applied again, the store rolled back, the reason reported and logged", async () => {
    const { d, store, running } = delivery();
    await d.receive(blob(1));
    verdict = ["new-fault: VI_1 is FAULT, was BACKUP"];
    const r = await d.receive(blob(2));
    expect(r).toMatchObject({ accepted: false, state: "rolled-back", reason: "confirm-failed", serial: 2, running_serial: 1 });
    expect(r.message).toBe("new-fault: VI_1 is FAULT, was BACKUP; rolled back to serial 1");
    expect(applied).toEqual([[1, "push:config 1"], [2, "push:config 2"], [1, "rollback:config 1"]]);
    expect(running).toMatchObject({ serial: 1, hash: configHash(cfgBytes(1)), floor: 2 });
    expect(store.boot(() => 1)).toMatchObject({ which: "current" });
    expect(store.pendingSerial()).toBeNull();
    expect(logs).toEqual([`warn fleet: config serial 2 (kid ${Buffer.from(kid).toString("hex")}) rolled back to serial 1: confirm-failed: new-fault: VI_1 is FAULT, was BACKUP`]);
    expect(d.running?.serial).toBe(1);
  });

  test("timeout 0 accepts at once: no probation, no marker", async () => {
    const { d, store } = delivery({ confirm: { timeoutMs: 0, begin: () => () => ["never asked"] } });
    expect(await d.receive(blob(1))).toMatchObject({ accepted: true, state: "applied" });
    expect(progress).toEqual([]);
    expect(store.pendingSerial()).toBeNull();
  });
});

describe("signed rollback requests", () => {
  test("a request for the running serial puts the last known good back (bootstrap file: serial 0)", async () => {
    const { d, running, store } = delivery();
    await d.receive(blob(1));
    const r = await d.rollback(rollbackReq(1));
    expect(r).toMatchObject({ accepted: false, state: "rolled-back", reason: "rollback-requested", serial: 1, running_serial: 0 });
    expect(applied.at(-1)).toEqual([0, "rollback:config 0"]);
    expect(running.serial).toBe(0);
    expect(store.boot(() => 1)).toBeNull(); // the file boots again
    expect(logs.at(-1)).toContain("fleet: config serial 1 (kid ");
    expect(logs.at(-1)).toContain(") rolled back to serial 0: rollback-requested");
  });

  test("refused: another serial, a replay after the rollback, a key outside the trust store, another node", async () => {
    const { d } = delivery();
    await d.receive(blob(1));
    await d.receive(blob(2));
    expect(await d.rollback(rollbackReq(1))).toMatchObject({ state: "rollback-refused", reason: "not-running", serial: 1 });
    expect(await d.rollback(rollbackReq(2, { node: "gw-b" }))).toMatchObject({ state: "rollback-refused", reason: "not-for-node" });
    expect(await d.rollback(rollbackReq(2, { key: rogueKey.privateKey, kid: rogueKid }))).toMatchObject({ state: "rollback-refused", reason: "unknown-key" });
    expect(await d.rollback(rollbackReq(2))).toMatchObject({ state: "rolled-back", running_serial: 1 });
    const replay = rollbackReq(2);
    expect(await d.rollback(replay)).toMatchObject({ state: "rollback-refused", reason: "not-running" });
    // one step back only: what ran before serial 1 is not kept once 1 is the last known good again
    expect(await d.rollback(rollbackReq(1))).toMatchObject({ state: "rollback-refused", reason: "no-last-known-good" });
    // the blob serial 2 can never come back: its serial is below the floor
    expect(await d.receive(blob(2))).toMatchObject({ accepted: false, reason: "stale-serial" });
  });

  test("a config blob is no rollback request, nor a request a config blob", async () => {
    const { d } = delivery();
    await d.receive(blob(1));
    expect(await d.rollback(blob(5))).toMatchObject({ state: "rollback-refused", reason: "malformed" });
    expect(await d.receive(rollbackReq(1))).toMatchObject({ accepted: false, reason: "malformed" });
  });
});

describe("the node's own log", () => {
  test("every rejection is logged once per blob with reason, serial and kid; a replay flood adds nothing", async () => {
    const { d } = delivery();
    await d.receive(blob(3));
    const stale = blob(2);
    for (let i = 0; i < 5; i++) expect(await d.receive(stale)).toMatchObject({ reason: "stale-serial" });
    const rogue = blob(9, rogueKey.privateKey, rogueKid);
    await d.receive(rogue);
    await d.receive(rogue);
    const hex = (k: Uint8Array) => Buffer.from(k).toString("hex");
    expect(logs).toEqual([
      `warn fleet: config rejected: stale-serial: serial 2, kid ${hex(kid)}: serial 2 <= current 3 (replay or rollback refused)`,
      `warn fleet: config rejected: unknown-key: serial 9 (unverified), kid ${hex(rogueKid)}: kid ${hex(rogueKid)} is not in the trust store`,
    ]);
  });

  test("garbage is logged without a serial or kid", async () => {
    const { d } = delivery();
    await d.receive(new TextEncoder().encode("not a blob"));
    expect(logs).toEqual(["warn fleet: config rejected: not-cose: serial -, kid -: blob is not a COSE_Sign1 (expected CBOR tag 18); unsigned configs are refused"]);
  });

  test("a failed apply is logged with the rollback", async () => {
    const { d } = delivery({ apply: async () => { throw new Error("vrrp_instance VI_1: interface nosuch0 does not exist"); } });
    const r = await d.receive(blob(4));
    expect(r).toMatchObject({ reason: "apply-failed", state: "rejected" });
    expect(logs).toEqual([`warn fleet: config serial 4 (kid ${Buffer.from(kid).toString("hex")}) rolled back to serial 0: apply-failed: vrrp_instance VI_1: interface nosuch0 does not exist`]);
  });
});
