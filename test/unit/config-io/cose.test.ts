import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { decode as cborgDecode } from "cborg";
import { encodePayload } from "../../../src/config/cose.ts";
import { configHash, signBlob, verifyBlob, type VerifyContext } from "../../../src/config-io/cose-sign.ts";
import { keyId, TrustStore } from "../../../src/config-io/trust.ts";

const signer = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");
const trust = new TrustStore();
const kid = trust.add(signer.publicKey);
const config = new Uint8Array([0xa1, 0x61, 0x61, 0x01]); // {"a": 1}

function ctx(over: Partial<VerifyContext> = {}): VerifyContext {
  return { trust, fleet: "edge", node: "gw-a", currentSerial: 4, ...over };
}
function blob(over: Partial<Parameters<typeof signBlob>[0]> = {}, key = signer.privateKey, k = kid) {
  return signBlob({ serial: 5, fleet: "edge", issuedAt: 1_700_000_000, config, ...over }, key, k);
}

describe("COSE_Sign1 wire format", () => {
  test("RFC 9052 §4.2: blob is tag 18 over [protected, unprotected, payload, signature], readable by another decoder", () => {
    const b = blob({ nodes: ["gw-a", "gw-b"] });
    expect(b[0]).toBe(0xd2);
    const tagged = cborgDecode(b, { useMaps: true, tags: Object.assign([], { 18: (v: unknown) => ({ t18: v }) }) }) as { t18: unknown[] };
    const [prot, unprot, payload, sig] = tagged.t18 as [Uint8Array, Map<number, Uint8Array> | Record<number, Uint8Array>, Uint8Array, Uint8Array];
    // RFC 9053 §2.2: alg EdDSA = -8 in the protected header.
    expect(Array.from(prot)).toEqual([0xa1, 0x01, 0x27]);
    expect(sig.length).toBe(64);
    const p = cborgDecode(payload, { useMaps: true }) as Map<string, unknown>;
    expect(p.get("serial")).toBe(5);
    expect(p.get("fleet")).toBe("edge");
    expect(p.get("nodes")).toEqual(["gw-a", "gw-b"]);
    expect(p.get("issued_at")).toBe(1_700_000_000);
    expect(Array.from(p.get("config") as Uint8Array)).toEqual(Array.from(config));
    void unprot;
  });

  test("RFC 8949 §4.2.1: payload map keys are in deterministic order and encoding is stable", () => {
    const p = { serial: 300, fleet: "f", issuedAt: 70000, config, nodes: ["n"] };
    const a = encodePayload(p), b = encodePayload({ ...p });
    expect(a).toEqual(b);
    const keys = [...(cborgDecode(a, { useMaps: true }) as Map<string, unknown>).keys()];
    expect(keys).toEqual(["fleet", "nodes", "config", "serial", "issued_at"]);
  });

  test("kid is the truncated SHA-256 of the SPKI DER and is stable per key", () => {
    expect(keyId(signer.publicKey)).toEqual(kid);
    expect(kid.length).toBe(16);
    expect(keyId(other.publicKey)).not.toEqual(kid);
  });
});

describe("verification reasons", () => {
  test("accepts a good blob and reports the config hash", () => {
    const r = verifyBlob(blob(), ctx());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.payload.serial).toBe(5);
      expect(r.hash).toBe(configHash(config));
      expect(r.payload.config).toEqual(config);
    }
  });
  test("unsigned (plain CBOR config) is refused as not-cose", () => {
    const r = verifyBlob(config, ctx());
    expect(r).toMatchObject({ ok: false, reason: "not-cose" });
  });
  test("empty input is not-cose", () => {
    expect(verifyBlob(new Uint8Array(0), ctx())).toMatchObject({ ok: false, reason: "not-cose" });
  });
  test("truncated blob is malformed", () => {
    const b = blob();
    expect(verifyBlob(b.subarray(0, b.length - 1), ctx())).toMatchObject({ ok: false, reason: "malformed" });
  });
  test("key not in trust store is unknown-key", () => {
    const r = verifyBlob(blob({}, other.privateKey, keyId(other.publicKey)), ctx());
    expect(r).toMatchObject({ ok: false, reason: "unknown-key" });
  });
  test("signature by another key under a trusted kid is bad-signature", () => {
    expect(verifyBlob(blob({}, other.privateKey, kid), ctx())).toMatchObject({ ok: false, reason: "bad-signature" });
  });
  test("one flipped payload bit is bad-signature", () => {
    const b = blob();
    b[b.length - 70] ^= 1; // inside the payload's config bytes
    expect(verifyBlob(b, ctx())).toMatchObject({ ok: false, reason: "bad-signature" });
  });
  test("serial equal to current is stale-serial (replay)", () => {
    expect(verifyBlob(blob({ serial: 4 }), ctx())).toMatchObject({ ok: false, reason: "stale-serial", serial: 4 });
  });
  test("serial below current is stale-serial (rollback)", () => {
    expect(verifyBlob(blob({ serial: 2 }), ctx())).toMatchObject({ ok: false, reason: "stale-serial" });
  });
  test("another fleet's blob is foreign-fleet", () => {
    expect(verifyBlob(blob({ fleet: "core" }), ctx())).toMatchObject({ ok: false, reason: "foreign-fleet" });
  });
  test("a blob listing other nodes is not-for-node; listing us is accepted", () => {
    expect(verifyBlob(blob({ nodes: ["gw-b"] }), ctx())).toMatchObject({ ok: false, reason: "not-for-node" });
    expect(verifyBlob(blob({ nodes: ["gw-b", "gw-a"] }), ctx()).ok).toBe(true);
  });
  test("blob above the size limit is oversized before any parsing", () => {
    const big = blob({ config: new Uint8Array(2000) });
    expect(verifyBlob(big, ctx({ maxBytes: 1000 }))).toMatchObject({ ok: false, reason: "oversized" });
  });
  test("validator message is passed through as config-invalid", () => {
    const r = verifyBlob(blob(), ctx({ validateConfig: () => "vrrp_instance VI_1: interface missing" }));
    expect(r).toMatchObject({ ok: false, reason: "config-invalid", message: "vrrp_instance VI_1: interface missing" });
  });
  test("a throwing validator is still a config-invalid result, not a crash", () => {
    const r = verifyBlob(blob(), ctx({ validateConfig: () => { throw new Error("boom"); } }));
    expect(r).toMatchObject({ ok: false, reason: "config-invalid", message: "boom" });
  });
  test("signing refuses a serial of 0 and an empty fleet", () => {
    expect(() => blob({ serial: 0 })).toThrow(/serial/);
    expect(() => blob({ fleet: "" })).toThrow(/fleet/);
  });
});

describe("trust store", () => {
  test("rejects non-Ed25519 and garbage PEM with the file named", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/vigil-trust-");
    try {
      const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
      writeFileSync(`${dir}/rsa.pub`, rsa.publicKey.export({ type: "spki", format: "pem" }));
      writeFileSync(`${dir}/junk.pub`, "hello");
      writeFileSync(`${dir}/ok.pub`, signer.publicKey.export({ type: "spki", format: "pem" }));
      expect(() => TrustStore.fromFiles([`${dir}/rsa.pub`])).toThrow(/rsa\.pub: key type is rsa/);
      expect(() => TrustStore.fromFiles([`${dir}/junk.pub`])).toThrow(/junk\.pub: not a PEM public key/);
      expect(() => TrustStore.fromFiles([`${dir}/missing.pub`])).toThrow(/missing\.pub: ENOENT/);
      const t = TrustStore.fromFiles([`${dir}/ok.pub`]);
      expect(t.lookup(kid)).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
