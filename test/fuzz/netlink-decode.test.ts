// Fuzzes every netlink decoder with seeded mutations of valid replies: the only
// exception allowed to escape is NetlinkDecodeError. Set FUZZ_SEED to replay.
import { describe, expect, test } from "bun:test";
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_ERROR } from "../../src/sys/abi.ts";
import { Attrs, NetlinkDecodeError, type NlAttr } from "../../src/sys/netlink/attr.ts";
import { beginGenl, decodeFamily, parseGenl } from "../../src/sys/netlink/genetlink.ts";
import { MessageBuilder, type NlMessage, parseError, parseMessages } from "../../src/sys/netlink/message.ts";

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function familyReply(): Uint8Array {
  const b = new MessageBuilder();
  beginGenl(b, 16, 1, 2, NLM_F_MULTI);
  b.u16(1, 0x1c).string(2, "IPVS").u32(3, 1).u32(4, 0).u32(5, 9);
  b.nest(7, (g) => {
    g.nest(1, (x) => x.string(1, "events").u32(2, 9));
    g.nest(2, (x) => x.string(1, "sync").u32(2, 10));
  });
  return b.finish().slice();
}

function errorReply(): Uint8Array {
  const b = new MessageBuilder();
  b.begin(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  const off = b.struct(20);
  b.view.setInt32(off, -17, true);
  b.view.setUint32(off + 4, 16, true);
  b.string(1, "Address already assigned").u32(2, 24);
  return b.finish().slice();
}

export function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
  // one input in five is also truncated at a random point
  const out = rnd() < 0.2 ? seed.slice(0, 1 + Math.floor(rnd() * seed.length)) : seed.slice();
  const edits = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * out.length);
    const r = rnd();
    if (r < 0.4) out[at] ^= 1 << Math.floor(rnd() * 8);
    else if (r < 0.7) out[at] = Math.floor(rnd() * 256);
    else if (r < 0.9) out[at] = [0, 1, 3, 4, 0xff, 0x80][Math.floor(rnd() * 6)];
    else if (at + 1 < out.length) { out[at] = 0; out[at + 1] = 0; }
  }
  return out;
}

function walk(list: NlAttr[], depth: number): number {
  let n = 0;
  for (const a of list) {
    n++;
    // treat every attribute as possibly nested, as a careless consumer might
    if (depth < 4 && a.data.length >= 4) {
      try {
        n += walk(new Attrs(a.data, "fuzz").list, depth + 1);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw e;
      }
    }
  }
  return n;
}

function decodeAll(bytes: Uint8Array): void {
  let ms: NlMessage[];
  try {
    ms = parseMessages(bytes, "fuzz");
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return;
    throw e;
  }
  for (const m of ms) {
    for (const step of [() => parseError(m), () => decodeFamily(m), () => walk(parseGenl(m).attrs.list, 0)]) {
      try {
        step();
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw e;
      }
    }
  }
}

describe("fuzz: netlink decoders", () => {
  test("100 000 mutated genetlink/error replies raise only NetlinkDecodeError", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 0x5eed1);
    const rnd = prng(seed);
    const seeds = [familyReply(), errorReply(), new Uint8Array([...familyReply(), ...errorReply()])];
    let escaped: unknown = null;
    let iter = 0;
    for (; iter < 100_000 && escaped === null; iter++) {
      const input = mutate(seeds[iter % seeds.length], rnd);
      try {
        decodeAll(input);
      } catch (e) {
        escaped = `seed ${seed} iteration ${iter}: ${e} input ${Buffer.from(input).toString("hex")}`;
      }
    }
    expect(escaped).toBeNull();
    expect(iter).toBe(100_000);
  });
  test("the unmutated seeds decode (so the fuzzer starts from valid input)", () => {
    expect(decodeFamily(parseMessages(familyReply())[0]).groups.get("sync")).toBe(10);
    expect(parseError(parseMessages(errorReply())[0]).message).toBe("Address already assigned");
  });
});
