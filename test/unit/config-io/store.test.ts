import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { configHash, signBlob, verifyBlob } from "../../../src/config-io/cose-sign.ts";
import { COMMIT_STEPS, ConfigStore, CURRENT, LAST_KNOWN_GOOD } from "../../../src/config-io/store.ts";
import { TrustStore } from "../../../src/config-io/trust.ts";
import { crashDuringCommit } from "./store-crash.ts";

const root = mkdtempSync("/tmp/vigil-store-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const k = generateKeyPairSync("ed25519");
const trust = new TrustStore();
const kid = trust.add(k.publicKey);
const configOf = (n: number) => new TextEncoder().encode(`config number ${n} `.repeat(200));
const blobOf = (n: number) => signBlob({ serial: n, fleet: "edge", issuedAt: 1, config: configOf(n) }, k.privateKey, kid);
const validate = (b: Uint8Array) => {
  const r = verifyBlob(b, { trust, fleet: "edge", node: "gw-a", currentSerial: 0 });
  return r.ok ? r.payload.serial : null;
};

describe("config store", () => {
  test("commit keeps the previous current as last-known-good and records the floor", () => {
    const s = new ConfigStore(`${root}/a`);
    s.commit(blobOf(1), 1, configHash(configOf(1)));
    s.commit(blobOf(2), 2, configHash(configOf(2)));
    expect(validate(new Uint8Array(readFileSync(`${root}/a/${CURRENT}`)))).toBe(2);
    expect(validate(new Uint8Array(readFileSync(`${root}/a/${LAST_KNOWN_GOOD}`)))).toBe(1);
    expect(s.readState()).toEqual({ serial: 2, hash: configHash(configOf(2)), floor: 2 });
    expect(s.boot(validate)).toMatchObject({ which: "current", serial: 2, floor: 2 });
    // No temp files left behind.
    expect(readdirSync(`${root}/a`).sort()).toEqual([CURRENT, LAST_KNOWN_GOOD, "state.json"].sort());
  });

  test("rollback restores last-known-good but never lowers the replay floor", () => {
    const s = new ConfigStore(`${root}/b`);
    s.commit(blobOf(3), 3, "h3");
    s.commit(blobOf(4), 4, "h4");
    s.rollback(3, "h3");
    expect(s.boot(validate)).toMatchObject({ which: "current", serial: 3, floor: 4 });
  });

  test("boot falls back to last-known-good when current is corrupt, and to nothing when both are", () => {
    const s = new ConfigStore(`${root}/c`);
    s.commit(blobOf(5), 5, "h5");
    s.commit(blobOf(6), 6, "h6");
    writeFileSync(`${root}/c/${CURRENT}`, "garbage");
    expect(s.boot(validate)).toMatchObject({ which: "last-known-good", serial: 5, floor: 6 });
    writeFileSync(`${root}/c/${LAST_KNOWN_GOOD}`, "");
    expect(s.boot(validate)).toBeNull();
  });

  test("a torn state.json loses only the floor hint", () => {
    const s = new ConfigStore(`${root}/d`);
    s.commit(blobOf(8), 8, "h8");
    writeFileSync(`${root}/d/state.json`, '{"serial": 8, "ha');
    expect(s.readState()).toBeNull();
    expect(s.boot(validate)).toMatchObject({ serial: 8, floor: 8 });
  });

  // Power loss at every step: a child commits serial 11 over (current 10, lkg 9) and
  // is SIGKILLed after step N. Whatever the step, boot finds a valid config, and once
  // the rename of current happened it is the new one.
  for (const [i, step] of COMMIT_STEPS.entries()) {
    test(`power loss after step ${i + 1} '${step}' leaves a bootable config`, () => {
      const dir = crashDuringCommit({ root, run: i, step, blobOf });
      const choice = new ConfigStore(dir).boot(validate);
      expect(choice).not.toBeNull();
      const landed = i >= COMMIT_STEPS.indexOf("current-renamed");
      expect(choice!.serial).toBe(landed ? 11 : 10);
      expect(choice!.floor).toBeGreaterThanOrEqual(10);
      // A later commit still works on top of whatever the crash left.
      new ConfigStore(dir).commit(blobOf(12), 12, "h12");
      expect(new ConfigStore(dir).boot(validate)).toMatchObject({ serial: 12, floor: 12 });
    });
  }
});
