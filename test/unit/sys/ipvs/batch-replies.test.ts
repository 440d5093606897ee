import { describe, expect, test } from "bun:test";
import { type BatchFailure, scanBatchReplies } from "../../../../src/sys/ipvs/batch.ts";
import { NetlinkDecodeError } from "../../../../src/sys/netlink/attr.ts";
import { mulberry32 } from "../../lvs/reconcile-model.ts";

const NLMSG_ERROR = 2, NLMSG_DONE = 3, NLM_F_CAPPED = 0x100;

/** An NLMSG_ERROR reply as the kernel sends it with NETLINK_CAP_ACK: errno + the echoed request header. */
function errorMsg(seq: number, errno: number): Uint8Array {
  const b = new Uint8Array(36);
  const v = new DataView(b.buffer);
  v.setUint32(0, 36, true);
  v.setUint16(4, NLMSG_ERROR, true);
  v.setUint16(6, NLM_F_CAPPED, true);
  v.setUint32(8, seq, true);
  v.setInt32(16, -errno, true);
  v.setUint32(20, 16, true); // echoed nlmsg_len
  v.setUint32(28, seq, true);
  return b;
}
function doneMsg(seq: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint32(0, 20, true);
  v.setUint16(4, NLMSG_DONE, true);
  v.setUint32(8, seq, true);
  return b;
}
const cat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) { out.set(x, o); o += x.length; }
  return out;
};

describe("batch reply scanning", () => {
  test("failures before the final ACK are collected by request index; the ACK ends the batch", () => {
    const f: BatchFailure[] = [];
    expect(scanBatchReplies(cat(errorMsg(1002, 2), errorMsg(1005, 17)), 1000, 10, 300, f)).toBe(false);
    expect(scanBatchReplies(errorMsg(1009, 0), 1000, 10, 300, f)).toBe(true);
    expect(f).toEqual([{ index: 302, errno: 2, message: undefined }, { index: 305, errno: 17, message: undefined }]);
  });

  test("a failure of the last request ends the batch too", () => {
    const f: BatchFailure[] = [];
    expect(scanBatchReplies(errorMsg(9, 3), 5, 5, 0, f)).toBe(true);
    expect(f).toEqual([{ index: 4, errno: 3, message: undefined }]);
  });

  test("replies to other sequence numbers (late answers to older requests) are ignored, also across wraparound", () => {
    const f: BatchFailure[] = [];
    expect(scanBatchReplies(cat(errorMsg(999, 2), doneMsg(1001), errorMsg(2000, 0)), 1000, 5, 0, f)).toBe(false);
    expect(f).toEqual([]);
    expect(scanBatchReplies(errorMsg(1, 0), 0xffffffff, 3, 0, f)).toBe(true);
  });

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
