// Fuzz of the owned-services state parser: mutated documents and random keys,
// bounded and seeded (mulberry32) so a failure reproduces from the printed seed.
// Every input either parses into keys that are their own canonical spelling, or
// fails with an OwnedStateError; nothing else escapes, nothing hangs.
import { expect, test } from "bun:test";
import { serviceKeyString } from "../../src/lvs/ipvs-model.ts";
import { mulberry32 } from "../../src/lvs/checkers/prng.ts";
import { encodeOwnedState, OwnedStateError, parseOwnedState, parseServiceKey } from "../../src/lvs/owned-state.ts";

const SEED = 0x0a11ed;
const ITERATIONS = 20_000;
const ALPHABET = 'tcpudsfwm:[]0123456789abcdef.,"{}\\ \u0000\u00ffversion';

function check(text: string): void {
  let keys: Set<string>;
  try {
    keys = parseOwnedState(text);
  } catch (e) {
    if (!(e instanceof OwnedStateError)) throw new Error(`non-OwnedStateError ${String(e)} for ${JSON.stringify(text.slice(0, 200))}`);
    return;
  }
  for (const k of keys) expect(serviceKeyString(parseServiceKey(k))).toBe(k);
}

test(`fuzz: ${ITERATIONS} mutated state files parse or fail with OwnedStateError (seed ${SEED})`, () => {
  const rnd = mulberry32(SEED);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const base = encodeOwnedState(["tcp:198.18.0.10:80", "udp:[fd00::1]:53", "fwm:4:7", "sctp:198.19.255.255:65535"]);
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    let t = base;
    const edits = 1 + Math.floor(rnd() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * (t.length + 1));
      const roll = rnd();
      if (roll < 0.35) t = t.slice(0, at) + pick(ALPHABET) + t.slice(at + 1); // replace
      else if (roll < 0.6) t = t.slice(0, at) + pick(ALPHABET) + t.slice(at); // insert
      else if (roll < 0.85) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 3)); // delete
      else t = t.slice(0, at); // truncate
    }
    try {
      check(t);
      parsed++;
    } catch (e) {
      throw new Error(`seed ${SEED} iteration ${i}: ${e instanceof Error ? e.message : e}`);
    }
  }
  expect(parsed).toBe(ITERATIONS);
});

test(`fuzz: random service keys round-trip exactly or are refused (seed ${SEED + 1})`, () => {
  const rnd = mulberry32(SEED + 1);
  const pieces = ["tcp:", "udp:", "sctp:", "fwm:", "4:", "6:", "[", "]", ":", "::", "fd00", "0", "1", "255", "256", ".", "198.18.0.1", "65535", "65536", "00"];
  let accepted = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    let k = "";
    const n = 1 + Math.floor(rnd() * 8);
    for (let j = 0; j < n; j++) k += pieces[Math.floor(rnd() * pieces.length)];
    try {
      expect(serviceKeyString(parseServiceKey(k))).toBe(k);
      accepted++;
    } catch (e) {
      if (!(e instanceof OwnedStateError)) throw new Error(`seed ${SEED + 1} iteration ${i}: key ${JSON.stringify(k)}: ${String(e)}`);
    }
  }
  expect(accepted).toBeGreaterThan(0); // the generator does reach valid keys
});
