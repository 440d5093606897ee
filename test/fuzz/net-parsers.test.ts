// Fuzz the frame and address parsers with a seeded PRNG (failures reproduce from
// the printed seed): mutated valid frames and random bytes must yield either a
// parse or a reason string, never an exception.
import { expect, test } from "bun:test";
import { parseArp, writeArpProbe, writeGratuitousArp } from "../../src/net/arp.ts";
import { AddressError, parseIPv4, parseIPv6, parseMac } from "../../src/net/ip-address.ts";
import { parseNdisc, UNSOLICITED_NA_LEN, writeNeighborSolicitation, writeUnsolicitedNa } from "../../src/net/ndisc.ts";
import { mulberry32 } from "../../src/lvs/checkers/prng.ts";

const SEED = 0x5eed_0112;
const ITERATIONS = 20_000;


function seeds(): Uint8Array[] {
  const mac = parseMac("02:00:00:00:00:01");
  const a = new Uint8Array(42); writeGratuitousArp(a, 0, mac, parseIPv4("198.18.0.100"));
  const b = new Uint8Array(42); writeArpProbe(b, 0, mac, parseIPv4("198.18.0.100"));
  const c = new Uint8Array(UNSOLICITED_NA_LEN); writeUnsolicitedNa(c, 0, mac, parseIPv6("fd00::100"), true);
  const d = new Uint8Array(86); writeNeighborSolicitation(d, 0, mac, parseIPv6("fd00::100"), parseIPv6("fe80::1"));
  return [a, b, c, d];
}

test(`ARP and ND parsers never throw on mutated frames (seed ${SEED}, ${ITERATIONS} cases)`, () => {
  const rnd = mulberry32(SEED);
  const base = seeds();
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const src = base[i % base.length];
    const f = new Uint8Array(src.length + 64);
    f.set(src);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) f[Math.floor(rnd() * src.length)] = Math.floor(rnd() * 256);
    const len = rnd() < 0.2 ? Math.floor(rnd() * f.length) : src.length;
    try {
      for (const r of [parseArp(f, len), parseNdisc(f, len)]) {
        if (r.ok) accepted++;
        else { rejected++; expect(r.reason.length).toBeGreaterThan(0); }
      }
    } catch (e) {
      throw new Error(`case ${i} (seed ${SEED}) threw: ${e}`);
    }
  }
  expect(accepted).toBeGreaterThan(0);
  expect(rejected).toBeGreaterThan(0);
});

test(`address parsers throw only AddressError on random text (seed ${SEED})`, () => {
  const rnd = mulberry32(SEED ^ 0xabcdef);
  const alphabet = "0123456789abcdefABCDEF:.%g ";
  for (let i = 0; i < ITERATIONS; i++) {
    let s = "";
    const n = Math.floor(rnd() * 45);
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    for (const p of [parseIPv4, parseIPv6, parseMac]) {
      try {
        const out = p(s);
        expect(out.length === 4 || out.length === 6 || out.length === 16).toBe(true);
      } catch (e) {
        if (!(e instanceof AddressError)) throw new Error(`case ${i} "${s}" (seed ${SEED}) threw ${e}`);
      }
    }
  }
});
