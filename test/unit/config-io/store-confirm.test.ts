// The store's part of commit-confirm: a config committed on probation that is
// never confirmed does not survive a restart, whatever step the crash came at,
// and a rollback to the bootstrap file leaves no blob to boot.
import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { signBlob, verifyBlob } from "../../../src/config-io/cose-sign.ts";
import { COMMIT_STEPS, ConfigStore, CURRENT, LAST_KNOWN_GOOD, PENDING } from "../../../src/config-io/store.ts";
import { TrustStore } from "../../../src/config-io/trust.ts";
import { crashDuringCommit } from "./store-crash.ts";

const root = mkdtempSync("/tmp/vigil-store-confirm-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const k = generateKeyPairSync("ed25519");
const trust = new TrustStore();
const kid = trust.add(k.publicKey);
const blobOf = (n: number) => signBlob({ serial: n, fleet: "edge", issuedAt: 1, config: new TextEncoder().encode(`config ${n}`) }, k.privateKey, kid);
const validate = (b: Uint8Array) => {
  const r = verifyBlob(b, { trust, fleet: "edge", node: "gw-a", currentSerial: -1 });
  return r.ok ? r.payload.serial : null;
};

describe("config store, commit-confirm", () => {
  test("a confirmed config boots; the marker is gone", () => {
    const s = new ConfigStore(`${root}/a`);
    s.commit(blobOf(1), 1, "h1");
    s.commit(blobOf(2), 2, "h2", { pending: true });
    expect(s.pendingSerial()).toBe(2);
    s.confirm(2);
    expect(s.pendingSerial()).toBeNull();
    expect(existsSync(`${root}/a/${PENDING}`)).toBe(false);
    expect(s.boot(validate)).toMatchObject({ which: "current", serial: 2 });
    expect(s.takeBootRollback()).toBeNull();
  });

  test("a restart during probation boots the last known good, keeps the floor, and tells once what it rolled back", () => {
    const s = new ConfigStore(`${root}/b`);
    s.commit(blobOf(3), 3, "h3");
    s.commit(blobOf(4), 4, "h4", { pending: true });
    const again = new ConfigStore(`${root}/b`);
    expect(again.boot(validate)).toMatchObject({ which: "current", serial: 3, floor: 4 });
    expect(again.takeBootRollback()).toEqual({ serial: 4, rolledBackTo: 3 });
    expect(again.takeBootRollback()).toBeNull();
    expect(again.pendingSerial()).toBeNull();
  });

  test("probation of the first push over the bootstrap file: a restart leaves no blob (the file boots)", () => {
    const s = new ConfigStore(`${root}/c`);
    s.commit(blobOf(5), 5, "h5", { pending: true });
    expect(new ConfigStore(`${root}/c`).boot(validate)).toBeNull();
    expect(existsSync(`${root}/c/${CURRENT}`)).toBe(false);
    expect(s.takeBootRollback()).toEqual({ serial: 5, rolledBackTo: 0 });
    expect(s.readState()).toMatchObject({ serial: 0, floor: 5 });
  });

  test("rollback to serial 0 removes current and last-known-good; a later push still works", () => {
    const s = new ConfigStore(`${root}/d`);
    s.commit(blobOf(6), 6, "h6");
    writeFileSync(`${root}/d/${LAST_KNOWN_GOOD}`, "stale");
    s.rollback(0, "");
    expect(s.boot(validate)).toBeNull();
    expect(s.readState()).toEqual({ serial: 0, hash: "", floor: 6 });
    s.commit(blobOf(7), 7, "h7");
    expect(s.boot(validate)).toMatchObject({ serial: 7, floor: 7 });
  });

  // Power loss at every step of a probation commit of serial 11 over (current 10, lkg 9):
  // the unconfirmed 11 never boots, and serial 10 always does.
  for (const [i, step] of COMMIT_STEPS.entries()) {
    test(`power loss after step ${i + 1} '${step}' of a probation commit boots serial 10`, () => {
      const dir = crashDuringCommit({ root, run: i, step, blobOf, pending: true });
      const after = new ConfigStore(dir);
      expect(after.boot(validate)).toMatchObject({ serial: 10 });
      expect(after.pendingSerial()).toBeNull();
      after.commit(blobOf(12), 12, "h12");
      expect(new ConfigStore(dir).boot(validate)).toMatchObject({ serial: 12, floor: 12 });
    });
  }
});
