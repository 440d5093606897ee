// Fuzz the COSE_Sign1 decoder/verifier with seeded mutations of a valid blob:
// it must never throw and never accept bytes other than the original.
import { expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { signBlob, verifyBlob } from "../../src/config-io/cose-sign.ts";
import { TrustStore } from "../../src/config-io/trust.ts";

// xorshift32: reproducible from the printed seed.
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 0xc05e18);
const ITERATIONS = 100_000;

test(`COSE_Sign1 verifier: ${ITERATIONS} seeded mutations never throw and never verify (seed ${SEED})`, () => {
  const k = generateKeyPairSync("ed25519");
  const trust = new TrustStore();
  const kid = trust.add(k.publicKey);
  const config = new TextEncoder().encode("x".repeat(40));
  const good = signBlob({ serial: 7, fleet: "edge", nodes: ["gw-a"], issuedAt: 1_700_000_000, config }, k.privateKey, kid);
  const ctx = { trust, fleet: "edge", node: "gw-a", currentSerial: 1, validateConfig: () => null };
  expect(verifyBlob(good, ctx).ok).toBe(true);

  const rnd = prng(SEED);
  const reasons = new Map<string, number>();
  const interesting = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd2, 0xf4, 0xf6, 0xf7, 0xff];
  for (let i = 0; i < ITERATIONS; i++) {
    let b = Uint8Array.from(good);
    const edits = 1 + (rnd() % 4);
    for (let e = 0; e < edits; e++) {
      const at = rnd() % Math.max(1, b.length);
      switch (rnd() % 6) {
        case 0: b[at] ^= 1 << (rnd() % 8); break;
        case 1: b[at] = interesting[rnd() % interesting.length]; break;
        case 2: b[at] = rnd() & 0xff; break;
        case 3: b = b.subarray(0, at); break;
        case 4: { const n = new Uint8Array(b.length + 1); n.set(b.subarray(0, at)); n[at] = rnd() & 0xff; n.set(b.subarray(at), at + 1); b = n; break; }
        case 5: { const n = new Uint8Array(b.length - (b.length > 0 ? 1 : 0)); n.set(b.subarray(0, at)); n.set(b.subarray(at + 1), at); b = n; break; }
      }
    }
    let r;
    try {
      r = verifyBlob(b, ctx);
    } catch (e) {
      throw new Error(`iteration ${i} (seed ${SEED}) threw: ${(e as Error).message}`);
    }
    if (r.ok && !(b.length === good.length && b.every((x, j) => x === good[j]))) {
      throw new Error(`iteration ${i} (seed ${SEED}) accepted a mutated blob: ${Buffer.from(b).toString("hex")}`);
    }
    if (!r.ok) {
      expect(typeof r.message).toBe("string");
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    }
  }
  // The mutations must reach past the envelope parser, or the fuzz proves little.
  expect(reasons.get("malformed") ?? 0).toBeGreaterThan(1000);
  expect(reasons.get("bad-signature") ?? 0).toBeGreaterThan(1000);
  expect(reasons.get("not-cose") ?? 0).toBeGreaterThan(100);
}, 120_000);

test("COSE_Sign1 verifier: 20000 random byte strings behind a tag-18 prefix never throw", () => {
  const trust = new TrustStore();
  const rnd = prng(SEED ^ 0x5a5a);
  for (let i = 0; i < 20_000; i++) {
    const n = 1 + (rnd() % 64);
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = rnd() & 0xff;
    b[0] = 0xd2;
    const r = verifyBlob(b, { trust, fleet: "f", node: "n", currentSerial: 0 });
    expect(r.ok).toBe(false);
  }
});
