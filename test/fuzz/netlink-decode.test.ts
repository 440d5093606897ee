// Fuzzes every netlink decoder with seeded mutations of valid replies: the only
// exception allowed to escape is NetlinkDecodeError. Set FUZZ_SEED to replay.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  IFA_F_NODAD, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_MACVLAN_MODE, IFLA_MTU,
  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLMSG_ERROR, RTM_NEWLINK,
} from "../../src/sys/abi.ts";
import { Attrs, NetlinkDecodeError, type NlAttr } from "../../src/sys/netlink/attr.ts";
import { beginGenl, decodeFamily, parseGenl } from "../../src/sys/netlink/genetlink.ts";
import { MessageBuilder, type NlMessage, parseError, parseMessages } from "../../src/sys/netlink/message.ts";
import { buildNewAddress, decodeAddress } from "../../src/sys/rtnetlink/address.ts";
import { AddressSyntaxError, formatIP, parseIP } from "../../src/sys/rtnetlink/inet.ts";
import { beginLinkRequest, decodeLink } from "../../src/sys/rtnetlink/link.ts";
import { decodeRtEvent } from "../../src/sys/rtnetlink/monitor.ts";
import { SysError } from "../../src/sys/errno.ts";
import { scanReply } from "../../src/sys/netlink/reply.ts";
import { setSeq } from "../../src/sys/netlink/message.ts";
import { mulberry32 as prng } from "../../src/lvs/checkers/prng.ts";
import { buildRoute, decodeRoute, RTN_UNICAST } from "../../src/sys/rtnetlink/route.ts";
import { buildRule, decodeRule, FR_ACT_TO_TBL, RTM_NEWRULE } from "../../src/sys/rtnetlink/rule.ts";
import { decodeProcEvent, type ProcEventSink } from "../../src/sys/proc-connector.ts";
import { RTM_NEWROUTE } from "../../src/sys/abi.ts";

// Most mutated inputs end in a thrown error; capturing a stack for each one
// dominates the run time, and a failure report prints seed + input instead.
let savedStackLimit: number | undefined;
beforeAll(() => {
  savedStackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
});
afterAll(() => {
  Error.stackTraceLimit = savedStackLimit ?? 10;
});


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

function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
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
    if (depth < 2 && a.data.length >= 4) {
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

const FUZZ_ITERATIONS = 100_000;

/**
 * Runs `check` on FUZZ_ITERATIONS seeded mutations of `seeds` (FUZZ_SEED replays a
 * run); whatever it throws escaped. The first escape (seed, iteration, error and
 * input, to replay it), or null, and the iterations run.
 */
function fuzzMutations(defaultSeed: number, seeds: Uint8Array[], check: (input: Uint8Array, iter: number) => void): { escaped: string | null; iterations: number } {
  const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
  const rnd = prng(seed);
  let iter = 0;
  for (; iter < FUZZ_ITERATIONS; iter++) {
    const input = mutate(seeds[iter % seeds.length], rnd);
    try {
      check(input, iter);
    } catch (e) {
      return { escaped: `seed ${seed} iteration ${iter}: ${e} input ${Buffer.from(input).toString("hex")}`, iterations: iter };
    }
  }
  return { escaped: null, iterations: iter };
}

/** The messages in `input` through the monitor (which must never throw) and `decoders` (which may raise only NetlinkDecodeError). */
function decodeNotifications(input: Uint8Array, decoders: Array<(m: NlMessage) => unknown>): void {
  let ms: NlMessage[] = [];
  try {
    ms = parseMessages(input, "fuzz");
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw e;
  }
  for (const m of ms) {
    decodeRtEvent(m); // must not throw at all
    for (const dec of decoders) {
      try {
        dec(m);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw e;
      }
    }
  }
}

describe("fuzz: netlink decoders", () => {
  test("100 000 mutated genetlink/error replies raise only NetlinkDecodeError", () => {
    const seeds = [familyReply(), errorReply(), new Uint8Array([...familyReply(), ...errorReply()])];
    expect(fuzzMutations(0x5eed1, seeds, decodeAll)).toEqual({ escaped: null, iterations: FUZZ_ITERATIONS });
  }, 60_000);
  test("the unmutated seeds decode (so the fuzzer starts from valid input)", () => {
    expect(decodeFamily(parseMessages(familyReply())[0]).groups.get("sync")).toBe(10);
    expect(parseError(parseMessages(errorReply())[0]).message).toBe("Address already assigned");
  });
});

function linkReply(): Uint8Array {
  const b = new MessageBuilder();
  beginLinkRequest(b, RTM_NEWLINK, NLM_F_MULTI, 4);
  b.string(IFLA_IFNAME, "vrrp.7").u32(IFLA_MTU, 1500).bytes(IFLA_ADDRESS, new Uint8Array([0, 0, 0x5e, 0, 1, 7])).u32(IFLA_LINK, 3);
  b.nest(IFLA_LINKINFO, (li) => li.string(IFLA_INFO_KIND, "macvlan").nest(IFLA_INFO_DATA, (d) => d.u32(IFLA_MACVLAN_MODE, 1)));
  return b.finish().slice();
}

function addrReply(v6: boolean): Uint8Array {
  const b = new MessageBuilder();
  const spec = v6
    ? { index: 3, address: "fd00::5", prefixlen: 64, flags: IFA_F_NODAD | 0x200, validLft: 9 }
    : { index: 3, address: "198.18.0.1", prefixlen: 24, label: "d0:vip", broadcast: "auto" as const, validLft: 9 };
  buildNewAddress(b, spec, NLM_F_MULTI);
  return b.finish().slice();
}

describe("fuzz: rtnetlink decoders", () => {
  test("100 000 mutated link/address notifications: decoders raise only NetlinkDecodeError, the monitor never throws", () => {
    const seeds = [linkReply(), addrReply(false), addrReply(true), new Uint8Array([...linkReply(), ...addrReply(false), ...addrReply(true)])];
    expect(fuzzMutations(0x5eed2, seeds, (input) => decodeNotifications(input, [decodeLink, decodeAddress]))).toEqual({ escaped: null, iterations: FUZZ_ITERATIONS });
  }, 60_000);

  test("the unmutated seeds decode", () => {
    expect(decodeLink(parseMessages(linkReply())[0]).mac).toBe("00:00:5e:00:01:07");
    expect(decodeAddress(parseMessages(addrReply(true))[0]).address).toBe("fd00::5");
  });
});

function routeMsg(v6: boolean): Uint8Array {
  const b = new MessageBuilder();
  buildRoute(b, RTM_NEWROUTE, NLM_F_MULTI, v6
    ? { family: 6, dst: "fd00:50::", dstLen: 64, type: RTN_UNICAST, table: 1000, protocol: 18, scope: 0, oif: 3, prefsrc: "fd00::5", metric: 1024 }
    : { family: 4, dst: "198.18.50.0", dstLen: 24, type: RTN_UNICAST, table: 100, protocol: 18, scope: 0, gateway: "198.18.0.254", oif: 3, metric: 10, onlink: true },
  v6 ? 3 : undefined);
  return b.finish().slice();
}

function ruleMsg(): Uint8Array {
  const b = new MessageBuilder();
  buildRule(b, RTM_NEWRULE, NLM_F_MULTI, { family: 4, src: "198.18.50.0/24", dst: "198.18.51.0/24", action: FR_ACT_TO_TBL, table: 1000, priority: 100, iif: "eth0", oif: "eth1", fwmark: 7, fwmask: 255, invert: true, protocol: 18 });
  return b.finish().slice();
}

/** A proc connector exec event as the kernel sends it: nlmsghdr, cn_msg, proc_event. */
function procMsg(what: number, data: number[]): Uint8Array {
  const m = new Uint8Array(16 + 20 + 16 + 24);
  const dv = new DataView(m.buffer);
  dv.setUint32(0, m.length, true);
  dv.setUint16(4, 3, true);
  dv.setUint32(16, 1, true);
  dv.setUint32(20, 1, true);
  dv.setUint16(32, 16 + 24, true);
  dv.setUint32(36, what, true);
  data.forEach((v, i) => dv.setUint32(52 + 4 * i, v, true));
  return m;
}

describe("fuzz: route, rule and process event decoders", () => {
  const sink: ProcEventSink = { fork() {}, exec() {}, comm() {}, exit() {}, overrun() {} };
  test("100 000 mutated route/rule notifications and proc connector events raise only NetlinkDecodeError, the monitor never throws", () => {
    const seeds = [routeMsg(false), routeMsg(true), ruleMsg(), procMsg(1, [10, 10, 11, 11]), procMsg(2, [12, 12]), procMsg(0x200, [13, 13, 0x64636261, 0]), procMsg(0x80000000, [14, 14, 0, 9])];
    const decoders = [decodeRoute, decodeRule, (x: NlMessage) => decodeProcEvent(x.payload, sink)];
    expect(fuzzMutations(0x5eed3, seeds, (input) => decodeNotifications(input, decoders))).toEqual({ escaped: null, iterations: FUZZ_ITERATIONS });
  }, 60_000);

  test("the unmutated seeds decode to what was encoded", () => {
    expect(decodeRoute(parseMessages(routeMsg(false))[0]!)).toEqual({
      family: 4, dst: "198.18.50.0", dstLen: 24, type: RTN_UNICAST, table: 100, protocol: 18, scope: 0, onlink: true, gateway: "198.18.0.254", oif: 3, metric: 10,
    });
    expect(decodeRoute(parseMessages(routeMsg(true))[0]!)).toMatchObject({ family: 6, dst: "fd00:50::", dstLen: 64, table: 1000, prefsrc: "fd00::5", expires: 3 });
    expect(decodeRule(parseMessages(ruleMsg())[0]!)).toEqual({
      family: 4, src: "198.18.50.0/24", dst: "198.18.51.0/24", action: FR_ACT_TO_TBL, table: 1000, priority: 100, iif: "eth0", oif: "eth1", fwmark: 7, fwmask: 255, invert: true,
    });
    const seen: string[] = [];
    const rec: ProcEventSink = { fork: (p, c) => seen.push(`fork ${p}>${c}`), exec: (p) => seen.push(`exec ${p}`), comm: (p, c) => seen.push(`comm ${p} ${c}`), exit: (p) => seen.push(`exit ${p}`), overrun() {} };
    for (const m of [procMsg(1, [10, 10, 11, 11]), procMsg(1, [10, 10, 12, 11]), procMsg(2, [12, 12]), procMsg(0x200, [13, 13, 0x64636261, 0]), procMsg(0x80000000, [14, 14, 0, 9])]) {
      decodeProcEvent(parseMessages(m)[0]!.payload, rec);
    }
    // the thread (child pid 12 of tgid 11) is skipped, as keepalived skips threads
    expect(seen).toEqual(["fork 10>11", "exec 12", "comm 13 abcd", "exit 14"]);
  });
});

describe("fuzz: IP address text", () => {
  test("100 000 random strings raise only AddressSyntaxError; every parsed address formats and re-parses to the same bytes", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 0x5eed3);
    const rnd = prng(seed);
    const alphabet = "0123456789abcdefABCDEF:.:.::g -";
    let escaped: string | null = null;
    let parsed = 0;
    for (let iter = 0; iter < 100_000 && escaped === null; iter++) {
      let s = "";
      const n = Math.floor(rnd() * 24);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        const { bytes } = parseIP(s);
        parsed++;
        const again = parseIP(formatIP(bytes)).bytes;
        if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) escaped = `${s}: round trip changed the bytes`;
      } catch (e) {
        if (!(e instanceof AddressSyntaxError)) escaped = `seed ${seed} input ${JSON.stringify(s)}: ${e}`;
      }
    }
    expect(escaped).toBeNull();
    expect(parsed).toBeGreaterThan(0);
  }, 60_000);

  test("random addresses survive format -> parse (RFC 5952 output is valid RFC 4291 input)", () => {
    const rnd = prng(Number(process.env.FUZZ_SEED ?? 0x5eed4));
    const wrong: string[] = [];
    for (let i = 0; i < 20_000 && wrong.length < 5; i++) {
      const b = new Uint8Array(rnd() < 0.5 ? 4 : 16);
      // sparse bytes make zero runs (the '::' cases) common
      for (let j = 0; j < b.length; j++) b[j] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
      const text = formatIP(b);
      if (!Buffer.from(parseIP(text).bytes).equals(Buffer.from(b))) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });
});

describe("fuzz: reply scanning (the code that reads every kernel reply)", () => {
  function withSeq(m: Uint8Array, seq: number): Uint8Array {
    const c = m.slice();
    setSeq(c, seq);
    return c;
  }
  function done(seq: number, code = 0): Uint8Array {
    const b = new MessageBuilder();
    b.begin(3, NLM_F_MULTI);
    b.view.setInt32(b.struct(4), code, true);
    return withSeq(b.finish(), seq);
  }
  const SEQ = 0x1234;

  test("100 000 mutated reply datagrams raise only NetlinkDecodeError or SysError (an error reply)", () => {
    const seeds = [
      new Uint8Array([...withSeq(addrReply(false), SEQ), ...withSeq(linkReply(), SEQ), ...withSeq(addrReply(true), SEQ), ...done(SEQ)]),
      new Uint8Array([...withSeq(errorReply(), SEQ - 1), ...withSeq(familyReply(), SEQ), ...done(SEQ, -4)]),
      withSeq(errorReply(), SEQ),
    ];
    const scan = (input: Uint8Array, iter: number) => {
      try {
        scanReply(input, new DataView(input.buffer), input.length, SEQ, "fuzz request", iter & 1 ? [] : null);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError) && !(e instanceof SysError)) throw e;
      }
    };
    expect(fuzzMutations(0x5eed5, seeds, scan)).toEqual({ escaped: null, iterations: FUZZ_ITERATIONS });
  }, 60_000);
});
