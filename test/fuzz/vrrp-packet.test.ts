// Fuzzes the VRRP advert validator with ≥100 000 seeded mutations of real adverts
// (keepalived's captures and our own encodings). Properties: it never throws, its
// counters account for every packet, and nothing it accepts has a wrong checksum,
// version, type, VRID or TTL (checked by an independent reference implementation).
import { describe, expect, test } from "bun:test";
import { AdvertEncoder } from "../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../src/vrrp/packet-validate.ts";
import { Drop, DROP_COUNT } from "../../src/vrrp/drop-reasons.ts";
import { resolveParams, type VrrpParams } from "../../src/vrrp/params.ts";
import { AddressError, formatAddress, parseIPv4, parseIPv6 } from "../../src/vrrp/addr.ts";
import { Prng } from "../unit/vrrp/prng.ts";
import { KA_V2_AH_1, KA_V2_AH_2, KA_V2_PASS, KA_V3_10MS, KA_V3_1S } from "../unit/vrrp/vectors.ts";
import { createHmac } from "node:crypto";

/** Straightforward RFC 1071 checksum, written separately from src/net/checksum.ts. */
function refChecksumOk(pkt: Uint8Array, len: number, version: number, src: Uint8Array, dst: Uint8Array): boolean {
  const bytes: number[] = [];
  if (version === 3) {
    if (src.length === 4) bytes.push(...src, ...dst, 0, 112, len >> 8, len & 0xff);
    else bytes.push(...src, ...dst, 0, 0, len >> 8, len & 0xff, 0, 0, 0, 112);
  }
  for (let i = 0; i < len; i++) bytes.push(pkt[i]);
  if (bytes.length % 2) bytes.push(0);
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += bytes[i] * 256 + bytes[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s === 0xffff;
}

interface Case {
  name: string;
  params: VrrpParams;
  seed: Uint8Array;
  src: Uint8Array;
  dst: Uint8Array;
}

const V4: VrrpParams = {
  vrid: 51, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.100"], primary: "198.18.0.2",
};

function cases(): Case[] {
  const ka = (f: Uint8Array) => f.subarray(34).slice();
  const src4 = parseIPv4("198.18.0.1"), grp4 = parseIPv4("224.0.0.18");
  const v6p: VrrpParams = { ...V4, family: 6, primary: "fe80::2", vips: ["fd00::100", "fd00::200", "fd00::300"] };
  const v6enc = new AdvertEncoder(resolveParams({ ...v6p, primary: "fe80::1" }));
  v6enc.encode(200);
  const multi: VrrpParams = { ...V4, vips: ["198.18.0.100", "198.18.0.101", "198.18.0.102", "198.18.0.103"], skipCheckAdvAddr: true };
  const menc = new AdvertEncoder(resolveParams({ ...multi, primary: "198.18.0.1" }));
  menc.encode(150);
  const v2none: VrrpParams = { ...V4, version: 2 };
  const v2enc = new AdvertEncoder(resolveParams({ ...v2none, primary: "198.18.0.1" }));
  v2enc.encode(1);
  return [
    { name: "keepalived v2 PASS", params: { ...V4, version: 2, authPass: "1111" }, seed: ka(KA_V2_PASS), src: src4, dst: grp4 },
    { name: "keepalived v3 1s", params: V4, seed: ka(KA_V3_1S), src: src4, dst: grp4 },
    { name: "keepalived v3 10ms", params: { ...V4, advertIntMs: 10 }, seed: ka(KA_V3_10MS), src: src4, dst: grp4 },
    { name: "v3 IPv6 3 VIPs", params: v6p, seed: v6enc.buf.slice(), src: parseIPv6("fe80::1"), dst: parseIPv6("ff02::12") },
    { name: "v3 4 VIPs skip_check", params: multi, seed: menc.buf.slice(), src: src4, dst: grp4 },
    { name: "v2 auth none", params: v2none, seed: v2enc.buf.slice(), src: src4, dst: grp4 },
  ];
}

function mutate(r: Prng, seed: Uint8Array, buf: Uint8Array): number {
  let len = seed.length;
  buf.set(seed);
  const n = r.int(1, 4);
  for (let k = 0; k < n; k++) {
    switch (r.int(0, 6)) {
      case 0: { const i = r.int(0, len - 1); buf[i] ^= 1 << r.int(0, 7); break; } // bit flip
      case 1: buf[r.int(0, len - 1)] = r.int(0, 255); break; // random byte
      case 2: buf[r.pick([0, 1, 2, 3, 4, 5])] = r.pick([0, 1, 2, 3, 0x21, 0x31, 0x32, 51, 255]); break; // header fields
      case 3: len = r.int(0, len); break; // truncate
      case 4: { const extra = r.int(1, 40); for (let i = 0; i < extra && len < buf.length; i++) buf[len++] = r.int(0, 255); break; }
      case 5: buf[3] = r.int(0, 255); break; // Count
      case 6: { // change a field and fix the checksum so deeper checks run
        buf[r.int(2, Math.max(2, len - 1))] = r.int(0, 255);
        if (len >= 8) fixChecksum(buf, len);
        break;
      }
    }
  }
  return len;
}

/** Recomputes a v2-style checksum (no pseudo-header): valid for v2, usually wrong for v3. */
function fixChecksum(b: Uint8Array, len: number): void {
  b[6] = b[7] = 0;
  let s = 0;
  for (let i = 0; i + 1 < len; i += 2) s += (b[i] << 8) | b[i + 1];
  if (len % 2) s += b[len - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  s = ~s & 0xffff;
  b[6] = s >> 8;
  b[7] = s & 0xff;
}

describe("fuzz: advert validator", () => {
  test("≥100 000 seeded mutated adverts: never throws, never accepts a bad checksum, counts everything", () => {
    const r = new Prng(0x5eed);
    const all = cases();
    const buf = new Uint8Array(512);
    let total = 0, accepted = 0;
    const reasons = new Set<number>();
    for (const c of all) {
      const p = resolveParams(c.params);
      const v = new AdvertValidator(p);
      const meta = new RxMeta();
      const iters = 20000;
      for (let n = 0; n < iters; n++) {
        const len = mutate(r, c.seed, buf);
        meta.src.set(c.src);
        meta.dst.set(c.dst);
        meta.ttl = r.chance(0.05) ? r.int(0, 255) : 255;
        meta.ifindex = 0;
        if (r.chance(0.02)) meta.src[meta.src.length > 4 ? 15 : 3] ^= 1;
        let res: Drop;
        try {
          res = v.check(buf, 0, len, meta);
        } catch (e) {
          throw new Error(`${c.name} iteration ${n}: validator threw ${e} on ${Buffer.from(buf.subarray(0, len)).toString("hex")}`);
        }
        reasons.add(res);
        total++;
        if (res === Drop.None) {
          accepted++;
          const srcBytes = meta.src.subarray(0, p.addrLen), dstBytes = meta.dst.subarray(0, p.addrLen);
          if (!refChecksumOk(buf, len, p.version, srcBytes, dstBytes)) {
            throw new Error(`${c.name} iteration ${n}: accepted a bad checksum: ${Buffer.from(buf.subarray(0, len)).toString("hex")}`);
          }
          expect(buf[0]).toBe((p.version << 4) | 1);
          expect(buf[1]).toBe(p.vrid);
          expect(meta.ttl).toBe(255);
        }
      }
      let sum = 0;
      for (let i = 0; i < DROP_COUNT; i++) sum += v.counters.counts[i];
      expect(sum).toBe(iters);
    }
    expect(total).toBeGreaterThanOrEqual(100000);
    // the fuzzer must reach both sides: some mutations survive (e.g. priority), most are dropped
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(total / 2);
    for (const d of [Drop.BadChecksum, Drop.LengthMismatch, Drop.VersionMismatch, Drop.VridMismatch, Drop.BadTtl, Drop.AuthFailure]) {
      expect(reasons.has(d)).toBe(true);
    }
  });
});

describe("fuzz: address parsers", () => {
  test("random text only ever raises AddressError; formatted random addresses round-trip", () => {
    const r = new Prng(77);
    const alphabet = "0123456789abcdefABCDEF:.:/%x ";
    for (let n = 0; n < 20000; n++) {
      let s = "";
      const len = r.int(0, 45);
      for (let i = 0; i < len; i++) s += alphabet[r.int(0, alphabet.length - 1)];
      for (const parse of [parseIPv4, parseIPv6]) {
        try {
          const b = parse(s);
          expect(b.length === 4 || b.length === 16).toBe(true);
        } catch (e) {
          if (!(e instanceof AddressError)) throw new Error(`parser threw ${e} for ${JSON.stringify(s)}`);
        }
      }
      const bytes = new Uint8Array(16);
      for (let i = 0; i < 16; i++) bytes[i] = r.chance(0.4) ? 0 : r.int(0, 255);
      expect(Array.from(parseIPv6(formatAddress(bytes)))).toEqual(Array.from(bytes));
      expect(Array.from(parseIPv4(formatAddress(bytes.subarray(0, 4))))).toEqual(Array.from(bytes.subarray(0, 4)));
    }
  });
});

/** RFC 2402 ICV of an AH advert (IPv4 header at 0, AH at 20) computed with node:crypto, apart from src/vrrp. */
function refAhIcvOk(pkt: Uint8Array, len: number, key: Uint8Array): boolean {
  const c = Buffer.from(pkt.subarray(0, len));
  c[1] = 0; c[6] = 0; c[7] = 0; c[10] = 0; c[11] = 0;
  c.fill(0, 32, 44);
  const mac = createHmac("md5", key).update(c).digest();
  return mac.subarray(0, 12).equals(Buffer.from(pkt.subarray(32, 44)));
}

describe("fuzz: auth_type AH adverts (IPv4 header + AH + VRRPv2)", () => {
  test("50 000 seeded mutations of fresh and of keepalived's AH adverts: never throws; whatever it accepts has the right ICV, SPI and a new sequence number", () => {
    const r = new Prng(0xa4);
    const params: VrrpParams = { ...V4, version: 2, authPass: "1111", authType: "AH", primary: "198.18.0.1", priority: 150 };
    const key = new Uint8Array(8);
    key.set(new TextEncoder().encode("1111"));
    const enc = new AdvertEncoder(resolveParams(params));
    const v = new AdvertValidator(resolveParams({ ...params, primary: "198.18.0.2", priority: 100 }));
    const meta = new RxMeta();
    meta.ipHeader = 0;
    const buf = new Uint8Array(512);
    const src = parseIPv4("198.18.0.1");
    let lastSeq = 0, accepted = 0;
    const iters = 50_000;
    for (let n = 0; n < iters; n++) {
      const fresh = r.chance(0.3);
      const seed = fresh ? enc.buf.subarray(0, enc.encode(150, 0, r.int(1, 0xffff))) : r.chance(0.5) ? KA_V2_AH_1.subarray(14) : KA_V2_AH_2.subarray(14);
      let len = seed.length;
      buf.set(seed);
      if (!fresh || r.chance(0.5)) {
        for (let k = r.int(1, 3); k > 0; k--) {
          switch (r.int(0, 3)) {
            case 0: buf[r.int(0, len - 1)] ^= 1 << r.int(0, 7); break;
            case 1: buf[r.pick([1, 6, 8, 10, 20, 21, 24, 28, 31, 44, 46])] = r.int(0, 255); break; // IP mutable fields, AH fields, VRRP header
            case 2: len = r.int(0, len); break;
            case 3: { const extra = r.int(1, 30); for (let i = 0; i < extra && len < buf.length; i++) buf[len++] = r.int(0, 255); break; }
          }
        }
      }
      meta.src.set(r.chance(0.02) ? parseIPv4("198.18.0.9") : src);
      meta.dst.set(parseIPv4("224.0.0.18"));
      meta.ttl = 255;
      let res: Drop;
      try {
        res = v.check(buf, 20, Math.max(0, len - 20), meta);
      } catch (e) {
        throw new Error(`iteration ${n}: validator threw ${e} on ${Buffer.from(buf.subarray(0, len)).toString("hex")}`);
      }
      if (res !== Drop.None) continue;
      accepted++;
      const seq = ((buf[28] << 24) | (buf[29] << 16) | (buf[30] << 8) | buf[31]) >>> 0;
      if (!refAhIcvOk(buf, len, key) || !bytesEq(buf.subarray(24, 28), meta.src.subarray(0, 4)) || seq <= lastSeq) {
        throw new Error(`iteration ${n}: accepted ${Buffer.from(buf.subarray(0, len)).toString("hex")} (seq ${seq}, last ${lastSeq})`);
      }
      lastSeq = seq;
    }
    let sum = 0;
    for (let i = 0; i < DROP_COUNT; i++) sum += v.counters.counts[i];
    expect(sum).toBe(iters);
    // fresh adverts do get through (the property is not vacuous), mutated ones mostly do not
    expect(accepted).toBeGreaterThan(iters * 0.1);
    for (const d of [Drop.AhBadIcv, Drop.AhReplay, Drop.AhBadSpi, Drop.TooShort]) expect(v.counters.get(d)).toBeGreaterThan(0);
  });
});

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
