// auth_type AH (RFC 2338 §5.3.6.3; RFC 2402 AH with HMAC-MD5-96, RFC 2403) against
// keepalived 2.2.7's own adverts: vigil encodes them byte for byte, accepts them,
// and refuses them altered, replayed, with another key or a forged SPI; the HMAC
// matches RFC 2202's test vectors and node:crypto. (Allocation per packet:
// test/bench/vrrp-core.bench.ts counts collections around the AH loops.)
import { describe, expect, test } from "bun:test";
import { createHmac, randomBytes } from "node:crypto";
import { HmacMd5 } from "../../../src/vrrp/hmac-md5.ts";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { Drop } from "../../../src/vrrp/drop-reasons.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { VrrpInstance } from "../../../src/vrrp/instance.ts";
import { resolveParams, type VrrpParams } from "../../../src/vrrp/params.ts";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import { ETH_LEN, KA_SENDER, KA_V2_AH_1, KA_V2_AH_2, KA_VIP } from "./vectors.ts";

const AH_PARAMS: VrrpParams = {
  vrid: 51, version: 2, family: 4, priority: 150, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: [KA_VIP], primary: KA_SENDER, authPass: "1111", authType: "AH",
};
const ip = (f: Uint8Array) => f.slice(ETH_LEN);
const IHL = 20;

/** RxMeta as the daemon fills it for an IPv4 packet whose header is at offset 0. */
function meta(src = KA_SENDER): RxMeta {
  const m = new RxMeta();
  m.src.set(parseIPv4(src));
  m.dst.set(parseIPv4("224.0.0.18"));
  m.ttl = 255;
  m.ipHeader = 0;
  return m;
}
/** A backup configured like keepalived's peer. */
const peer = (over: Partial<VrrpParams> = {}) => new AdvertValidator(resolveParams({ ...AH_PARAMS, primary: "198.18.0.2", priority: 100, ...over }));
const check = (v: AdvertValidator, pkt: Uint8Array, m = meta()) => v.check(pkt, IHL, pkt.length - IHL, m);

describe("HMAC-MD5 (RFC 2104) without allocation", () => {
  test("RFC 2202 §2 test cases 1, 2 and 6 (a key longer than the block)", () => {
    const mac = (key: Uint8Array, msg: Uint8Array) => {
      const h = new HmacMd5(key);
      const out = new Uint8Array(16);
      h.begin();
      h.update(msg, 0, msg.length);
      h.finish(out, 0);
      return Buffer.from(out).toString("hex");
    };
    expect(mac(new Uint8Array(16).fill(0x0b), new TextEncoder().encode("Hi There"))).toBe("9294727a3638bb1c13f48ef8158bfc9d");
    expect(mac(new TextEncoder().encode("Jefe"), new TextEncoder().encode("what do ya want for nothing?"))).toBe("750c783e6ab0b503eaa86e310a5db738");
    expect(mac(new Uint8Array(80).fill(0xaa), new TextEncoder().encode("Test Using Larger Than Block-Size Key - Hash Key First"))).toBe("6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
  });
  test("matches node:crypto for 500 random keys and messages fed in pieces", () => {
    const out = new Uint8Array(16);
    for (let t = 0; t < 500; t++) {
      const key = randomBytes(t % 90);
      const msg = randomBytes((t * 13) % 400);
      const h = new HmacMd5(key);
      h.begin();
      const cut = (t * 7) % (msg.length + 1);
      h.update(msg, 0, cut);
      h.update(msg, cut, msg.length - cut);
      h.finish(out, 0);
      expect(Buffer.from(out).toString("hex")).toBe(createHmac("md5", key).update(msg).digest("hex"));
    }
  });
});

describe("keepalived 2.2.7's AH adverts", () => {
  test("vigil encodes them byte for byte: protocol 51, AH (next header 112, length 4, SPI = source, sequence), VRRP auth type 2 with zero auth data, the ICV", () => {
    const enc = new AdvertEncoder(resolveParams(AH_PARAMS));
    expect(enc.length).toBe(64);
    for (const [id, pkt] of [[1, KA_V2_AH_1], [2, KA_V2_AH_2]] as const) {
      const n = enc.encode(150, 0, id);
      expect(Buffer.from(enc.buf.subarray(0, n)).toString("hex")).toBe(Buffer.from(ip(pkt)).toString("hex"));
    }
  });
  test("a backup accepts them in order, and refuses the same one again (RFC 2402 §3.4.3 anti-replay, as keepalived)", () => {
    const v = peer();
    expect(check(v, ip(KA_V2_AH_1))).toBe(Drop.None);
    expect(v.priority).toBe(150);
    expect(check(v, ip(KA_V2_AH_2))).toBe(Drop.None);
    expect(check(v, ip(KA_V2_AH_2))).toBe(Drop.AhReplay);
    expect(check(v, ip(KA_V2_AH_1))).toBe(Drop.AhReplay);
  });
  test("the mutable IP fields (TOS, fragment bits, checksum) are outside the ICV; the id, addresses and every VRRP byte are inside", () => {
    const mutated = ip(KA_V2_AH_1);
    mutated[1] = 0; mutated[6] = 0x40; mutated[10] ^= 0xff;
    expect(check(peer(), mutated)).toBe(Drop.None);
    for (const at of [4, 16 + 3, 20 + 8 + 3]) {
      const p = ip(KA_V2_AH_1);
      p[at] ^= 1;
      expect({ at, r: check(peer(), p, meta()) }).toEqual({ at, r: Drop.AhBadIcv });
    }
    // a VRRP byte: the checksum catches it first (keepalived: same packet dropped)
    const prio = ip(KA_V2_AH_1);
    prio[20 + 24 + 2] = 151;
    expect(check(peer(), prio)).toBe(Drop.BadChecksum);
  });
  test("another key, a forged SPI, a plain advert, a PASS instance: each refused with its own reason", () => {
    expect(check(peer({ authPass: "2222" }), ip(KA_V2_AH_1))).toBe(Drop.AhBadIcv);
    // an SPI that is not the source, with a valid ICV (signed so by a sender that lies about itself)
    const enc = new AdvertEncoder(resolveParams(AH_PARAMS));
    enc.buf.set(parseIPv4("198.18.0.9"), 20 + 4);
    const n = enc.encode(150, 0, 7);
    expect(check(peer(), enc.buf.subarray(0, n))).toBe(Drop.AhBadSpi);
    expect(peer({ authType: "PASS" }).check(ip(KA_V2_AH_1), IHL + 24, 20, meta())).toBe(Drop.AuthUnsupported);
    // no IPv4 header before the AH (ipHeader -1): refused, never read out of range
    const m = meta();
    m.ipHeader = -1;
    expect(check(peer(), ip(KA_V2_AH_1), m)).toBe(Drop.TooShort);
  });
  test("one counter per instance for sending and receiving: a backup that heard seq 2 and takes over sends 3; a master hearing a lower advert jumps past it (keepalived's ipsecah_counter)", () => {
    const backup = new VrrpInstance({ ...AH_PARAMS, primary: "198.18.0.2", priority: 100 });
    expect(backup.receive(0, ip(KA_V2_AH_2), IHL, 44, meta())).toBe(Drop.None);
    const n = backup.encoder.encode(100, 0, 1);
    expect((backup.encoder.buf[28] << 24 | backup.encoder.buf[29] << 16 | backup.encoder.buf[30] << 8 | backup.encoder.buf[31]) >>> 0).toBe(3);
    expect(n).toBe(64);
    const master = new VrrpInstance({ ...AH_PARAMS, primary: "198.18.0.2", priority: 200 });
    master.fsm.startup(0);
    master.fsm.tick(10_000); // Master_Down_Interval ran out: MASTER
    expect(master.fsm.state).toBe(State.Master);
    master.receive(10_001, ip(KA_V2_AH_2), IHL, 44, meta());
    expect(master.validator.ah!.counter.seq).toBe(3);
    // and a backup hearing the same does not jump (only a master does)
    const b2 = new VrrpInstance({ ...AH_PARAMS, primary: "198.18.0.2", priority: 100 });
    b2.receive(0, ip(KA_V2_AH_2), IHL, 44, meta());
    expect(b2.validator.ah!.counter.seq).toBe(2);
  });
  test("AH is IPv4 VRRPv2 only", () => {
    expect(() => resolveParams({ ...AH_PARAMS, version: 3, family: 6, vips: ["fd00::1"], primary: "fd00::2" })).toThrow();
  });
});
