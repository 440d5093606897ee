// Fuzz: the IPVS attribute decoders (src/sys/ipvs/codec.ts, stats.ts) on random
// and mutated bytes, seeded so a failure reproduces.
import { describe, expect, test } from "bun:test";
import { Attrs, AttrWriter, NetlinkDecodeError } from "../../src/sys/netlink/attr.ts";
import { decodeDest, decodeService, writeServiceFull } from "../../src/sys/ipvs/codec.ts";
import { decodeDestCounters, decodeStats } from "../../src/sys/ipvs/stats.ts";
import { normalizeService } from "../../src/lvs/reconcile.ts";
import { mulberry32, randomTable } from "../unit/lvs/reconcile-model.ts";

describe("IPVS decode fuzz", () => {
  test("fuzz: random and mutated attribute bytes give a decode error or a service (and counters), never a crash", () => {
    const rnd = mulberry32(0x1f5);
    const seeds: Uint8Array[] = [];
    for (const s of randomTable(mulberry32(3), 8)) {
      const w = new AttrWriter();
      writeServiceFull(w, normalizeService(s), "seed");
      seeds.push(w.buf.slice(4, w.len)); // inside the IPVS_CMD_ATTR_SERVICE nest
    }
    let decoded = 0, rejected = 0;
    for (let i = 0; i < 20000; i++) {
      let b: Uint8Array;
      if (i % 4 === 0 || seeds.length === 0) {
        b = new Uint8Array(Math.floor(rnd() * 96)).map(() => Math.floor(rnd() * 256));
      } else {
        b = seeds[i % seeds.length]!.slice();
        const flips = 1 + Math.floor(rnd() * 4);
        for (let f = 0; f < flips; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.2) b = b.subarray(0, Math.floor(rnd() * b.length));
      }
      try {
        const s = decodeService(new Attrs(b, "fuzz"));
        expect(typeof s.scheduler).toBe("string");
        decoded++;
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkDecodeError);
        rejected++;
      }
      try {
        decodeDest(new Attrs(b, "fuzz"), rnd() < 0.5 ? 4 : 6);
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkDecodeError);
      }
      try {
        const a = new Attrs(b, "fuzz");
        const c = decodeDestCounters(a);
        expect(Number.isFinite(c.stats.conns)).toBe(true);
        decodeStats(a, undefined);
        decodeStats(undefined, a);
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkDecodeError);
      }
    }
    // the mutations must exercise both outcomes or the fuzz proves nothing
    expect(decoded).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
