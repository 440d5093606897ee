// The recvmsg ancillary-data walker (src/sys/vrrp-socket-cmsg.ts) on hand-built
// chains and on seeded random garbage: it must extract ifindex / hop limit /
// destination from well-formed chains and never throw or read past controlLen.
import { describe, expect, test } from "bun:test";
import { IP_PKTINFO, IPV6_HOPLIMIT, IPV6_PKTINFO, SOL_IP, SOL_IPV6 } from "../../../src/sys/abi.ts";
import { type PacketInfo, readPacketInfo } from "../../../src/sys/vrrp-socket-cmsg.ts";
import { formatIPv6, parseIPv6 } from "../../../src/net/ip-address.ts";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";

const SEED = 0xc0ffee;


/** Appends one cmsg (16-byte header + data, padded to 8) the way the kernel lays it out. */
function put(buf: Uint8Array, off: number, level: number, type: number, data: Uint8Array): number {
  const dv = new DataView(buf.buffer);
  dv.setUint32(off, 16 + data.length, true);
  dv.setUint32(off + 4, 0, true);
  dv.setInt32(off + 8, level, true);
  dv.setInt32(off + 12, type, true);
  buf.set(data, off + 16);
  return off + ((16 + data.length + 7) & ~7);
}

const fresh = (): PacketInfo => ({ ifindex: 0, hopLimit: -1, destination6: new Uint8Array(16) });

describe("cmsg walker", () => {
  test("IPv4: IP_PKTINFO gives the ingress ifindex", () => {
    const buf = new Uint8Array(256);
    const pk = new Uint8Array(12);
    new DataView(pk.buffer).setInt32(0, 7, true);
    const len = put(buf, 0, SOL_IP, IP_PKTINFO, pk);
    const out = fresh();
    expect(readPacketInfo(buf, new Int32Array(buf.buffer), len, out)).toBe(true);
    expect(out.ifindex).toBe(7);
    expect(out.hopLimit).toBe(-1);
  });

  test("IPv6: IPV6_PKTINFO and IPV6_HOPLIMIT in either order", () => {
    const pk = new Uint8Array(20);
    pk.set(parseIPv6("ff02::12"), 0);
    new DataView(pk.buffer).setInt32(16, 4, true);
    const hl = new Uint8Array(4);
    new DataView(hl.buffer).setInt32(0, 255, true);
    for (const order of [[pk, hl], [hl, pk]]) {
      const buf = new Uint8Array(256);
      let off = 0;
      for (const d of order) off = put(buf, off, SOL_IPV6, d === pk ? IPV6_PKTINFO : IPV6_HOPLIMIT, d);
      const out = fresh();
      expect(readPacketInfo(buf, new Int32Array(buf.buffer), off, out)).toBe(true);
      expect(out.ifindex).toBe(4);
      expect(out.hopLimit).toBe(255);
      expect(formatIPv6(out.destination6)).toBe("ff02::12");
    }
  });

  test("a header whose length runs past controlLen is reported malformed", () => {
    const buf = new Uint8Array(64);
    new DataView(buf.buffer).setUint32(0, 60, true);
    expect(readPacketInfo(buf, new Int32Array(buf.buffer), 32, fresh())).toBe(false);
  });

  test("a truncated IPV6_PKTINFO payload is ignored, not read past", () => {
    const buf = new Uint8Array(64);
    const len = put(buf, 0, SOL_IPV6, IPV6_PKTINFO, new Uint8Array(8).fill(9));
    const out = fresh();
    expect(readPacketInfo(buf, new Int32Array(buf.buffer), len, out)).toBe(true);
    expect(out.ifindex).toBe(0);
  });

  test(`never throws and stays inside controlLen on random chains (seed ${SEED}, 20 000 cases)`, () => {
    const rnd = mulberry32(SEED);
    const buf = new Uint8Array(256);
    const b32 = new Int32Array(buf.buffer);
    const dv = new DataView(buf.buffer);
    for (let i = 0; i < 20_000; i++) {
      for (let k = 0; k < buf.length; k++) buf[k] = Math.floor(rnd() * 256);
      // Half the cases: plausible headers with random lengths/levels/types, so the
      // walker gets past the first header often.
      if (rnd() < 0.5) {
        for (let off = 0; off + 16 <= 256; off += 8 * (2 + Math.floor(rnd() * 4))) {
          dv.setUint32(off, Math.floor(rnd() * 64), true);
          dv.setUint32(off + 4, 0, true);
          dv.setInt32(off + 8, rnd() < 0.5 ? SOL_IP : SOL_IPV6, true);
          dv.setInt32(off + 12, [IP_PKTINFO, IPV6_PKTINFO, IPV6_HOPLIMIT][Math.floor(rnd() * 3)], true);
        }
      }
      const controlLen = Math.floor(rnd() * 300);
      const out = fresh();
      try {
        const ok = readPacketInfo(buf, b32, controlLen, out);
        expect(typeof ok).toBe("boolean");
        expect(Number.isInteger(out.ifindex)).toBe(true);
        expect(Number.isInteger(out.hopLimit)).toBe(true);
        // Bytes past controlLen must not matter: scramble them and expect the same result.
        const alt = buf.slice();
        for (let k = controlLen; k < alt.length; k++) alt[k] = Math.floor(rnd() * 256);
        const out2 = fresh();
        expect(readPacketInfo(alt, new Int32Array(alt.buffer), controlLen, out2)).toBe(ok);
        expect(out2.ifindex).toBe(out.ifindex);
        expect(out2.hopLimit).toBe(out.hopLimit);
        expect([...out2.destination6]).toEqual([...out.destination6]);
      } catch (e) {
        throw new Error(`case ${i} (seed ${SEED}) threw: ${e}`);
      }
    }
  });
});
