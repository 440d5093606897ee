// scanBatchReplies: the kernel's answers to one IPVS batch (its fuzz test: test/fuzz/ipvs-batch-replies.test.ts).
import { describe, expect, test } from "bun:test";
import { type BatchFailure, scanBatchReplies } from "../../../../src/sys/ipvs/batch.ts";
import { cat, doneMsg, errorMsg } from "./netlink-replies.ts";

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
});
