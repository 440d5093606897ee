// Fuzz: the IPVS batch reply scanner (src/sys/ipvs/batch.ts) on random and
// mutated datagrams, seeded so a failure reproduces.
import { describe, expect, test } from "bun:test";
import { type BatchFailure, scanBatchReplies } from "../../src/sys/ipvs/batch.ts";
import { NetlinkDecodeError } from "../../src/sys/netlink/attr.ts";
import { mulberry32 } from "../unit/lvs/reconcile-model.ts";
import { cat, errorMsg } from "../unit/sys/ipvs/netlink-replies.ts";

describe("batch reply scanning", () => {
  test("fuzz: random and mutated datagrams either scan or throw NetlinkDecodeError", () => {
    const rnd = mulberry32(0xbadc0de);
    const seed = cat(errorMsg(100, 2), errorMsg(101, 0), errorMsg(103, 0));
    let threw = 0, scanned = 0;
    for (let i = 0; i < 20000; i++) {
      let b: Uint8Array;
      if (i % 3 === 0) b = new Uint8Array(Math.floor(rnd() * 80)).map(() => Math.floor(rnd() * 256));
      else {
        b = seed.slice();
        for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.3) b = b.subarray(0, Math.floor(rnd() * b.length));
      }
      const f: BatchFailure[] = [];
      try {
        scanBatchReplies(b, 100, 4, 0, f);
        scanned++;
        for (const x of f) {
          expect(x.index >= 0 && x.index < 4).toBe(true);
          expect(x.errno).not.toBe(0);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(NetlinkDecodeError);
        threw++;
      }
    }
    expect(threw).toBeGreaterThan(100);
    expect(scanned).toBeGreaterThan(100);
  });
});
