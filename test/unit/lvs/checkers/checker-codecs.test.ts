// The pure parts of PING_CHECK, UDP_CHECK and SMTP_CHECK: the ICMP echo codec,
// what a UDP probe's outcome means, the extended error of an error queue, the
// SMTP conversation and the split of SMTP_CHECK host blocks into checkers.
import { describe, expect, test } from "bun:test";
import { defaultRealServer, type SmtpCheck, type UdpCheck } from "../../../../src/config/model.ts";
import { ECHO_PAYLOAD, encodeEchoRequest, judgeIcmp } from "../../../../src/lvs/checkers/icmp-codec.ts";
import { SmtpDialog } from "../../../../src/lvs/checkers/smtp-dialog.ts";
import { expandSmtpHosts } from "../../../../src/lvs/checkers/smtp-hosts.ts";
import { judgeUdp, matchReply } from "../../../../src/lvs/checkers/udp.ts";
import { fold, sum16 } from "../../../../src/net/checksum.ts";
import { isDestUnreachable, readExtendedErr } from "../../../../src/sys/udp-errqueue.ts";

const bytes = (...x: number[]) => new Uint8Array(x);

describe("ICMP echo codec", () => {
  test("an IPv4 echo request: type 8, id, seq, keepalived's payload, a checksum that verifies (RFC 792)", () => {
    const b = new Uint8Array(200);
    const n = encodeEchoRequest(b, 4, 0x1234, 0xabcd);
    expect(n).toBe(8 + 128);
    expect([...b.subarray(0, 8)].filter((_, i) => i !== 2 && i !== 3)).toEqual([8, 0, 0x12, 0x34, 0xab, 0xcd]);
    expect(fold(sum16(b, 0, n))).toBe(0);
    expect(new TextDecoder().decode(b.subarray(8, 8 + 19))).toBe("keepalived check - ");
    expect(ECHO_PAYLOAD.length).toBe(128);
  });
  test("an ICMPv6 echo request leaves the checksum to the kernel (RFC 3542 §3.1)", () => {
    const b = new Uint8Array(200);
    encodeEchoRequest(b, 6, 7, 9);
    expect([...b.subarray(0, 8)]).toEqual([128, 0, 0, 0, 0, 7, 0, 9]);
  });

  const ipv4 = (proto: number, src: number[], dst: number[], payload: number[]) => bytes(0x45, 0, 0, 20 + payload.length, 0, 0, 0, 0, 64, proto, 0, 0, ...src, ...dst, ...payload);
  test("replies are matched by identifier and sequence", () => {
    const reply = ipv4(1, [198, 18, 0, 2], [198, 18, 0, 1], [0, 0, 0, 0, 0x12, 0x34, 0, 5, 1, 2, 3]);
    expect(judgeIcmp(4, reply)).toEqual({ kind: "reply", id: 0x1234, seq: 5 });
    expect(judgeIcmp(6, bytes(129, 0, 0, 0, 0, 7, 0, 9))).toEqual({ kind: "reply", id: 7, seq: 9 });
  });
  test("a destination unreachable or time exceeded quoting our request names the request and its destination", () => {
    const quoted = ipv4(1, [198, 18, 0, 1], [198, 18, 0, 3], [8, 0, 0, 0, 0x12, 0x34, 0, 6]);
    const err = ipv4(1, [198, 18, 0, 1], [198, 18, 0, 1], [3, 1, 0, 0, 0, 0, 0, 0, ...quoted]);
    const v = judgeIcmp(4, err);
    expect(v).toMatchObject({ kind: "error", id: 0x1234, seq: 6, reason: "ICMP host unreachable" });
    expect([...(v as { quotedDst: Uint8Array }).quotedDst]).toEqual([198, 18, 0, 3]);
    const v6quoted = [0x60, 0, 0, 0, 0, 8, 58, 64, ...new Array(16).fill(0), 0xfd, ...new Array(14).fill(0), 3, 128, 0, 0, 0, 0, 7, 0, 10];
    expect(judgeIcmp(6, bytes(1, 3, 0, 0, 0, 0, 0, 0, ...v6quoted))).toMatchObject({ kind: "error", id: 7, seq: 10, reason: "ICMPv6 address unreachable" });
    expect(judgeIcmp(6, bytes(3, 0, 0, 0, 0, 0, 0, 0, ...v6quoted))).toMatchObject({ kind: "error", reason: "ICMPv6 time exceeded" });
  });
  test("echo requests, foreign protocols in the quote, other types and truncated packets are ignored", () => {
    expect(judgeIcmp(4, ipv4(1, [1, 1, 1, 1], [2, 2, 2, 2], [8, 0, 0, 0, 0, 1, 0, 1]))).toEqual({ kind: "ignore" });
    const udpQuote = ipv4(17, [198, 18, 0, 1], [198, 18, 0, 3], [0, 53, 0, 53, 0, 8, 0, 0]);
    expect(judgeIcmp(4, ipv4(1, [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 0, 0, 0, 0, 0, 0, ...udpQuote]))).toEqual({ kind: "ignore" });
    expect(judgeIcmp(4, ipv4(1, [1, 1, 1, 1], [2, 2, 2, 2], [0, 0, 0]))).toEqual({ kind: "ignore" });
    expect(judgeIcmp(4, bytes(0x45, 0, 0))).toEqual({ kind: "ignore" });
    expect(judgeIcmp(6, bytes(135, 0, 0, 0, 0, 0, 0, 0))).toEqual({ kind: "ignore" });
  });
});

describe("UDP_CHECK verdicts (keepalived check_udp.c, layer4.c)", () => {
  const plain: UdpCheck = { type: "UDP_CHECK", connectTimeoutMs: 1000, retry: 1, delayBeforeRetryMs: 1000, requireReply: false, minReplyLength: 0, maxReplyLength: 255 };
  const icmp = (origin: number, type: number, code: number) => ({ kind: "error" as const, err: { errno: 111, origin, type, code, offender: "198.18.0.2" } });
  test("without require_reply: silence and any reply are up, a destination unreachable is down", () => {
    expect(judgeUdp(plain, { kind: "timeout" }, 1000)).toEqual({ ok: true });
    expect(judgeUdp(plain, { kind: "reply", data: bytes(1) }, 5)).toEqual({ ok: true });
    expect(judgeUdp(plain, icmp(2, 3, 3), 5)).toEqual({ ok: false, reason: "ICMP port unreachable from 198.18.0.2" });
    expect(judgeUdp(plain, icmp(3, 1, 4), 5)).toEqual({ ok: false, reason: "ICMPv6 port unreachable from 198.18.0.2" });
    expect(judgeUdp(plain, icmp(2, 11, 0), 5)).toEqual({ ok: false, reason: "ICMP time exceeded from 198.18.0.2" });
    expect(judgeUdp(plain, { kind: "failed", reason: "send: network is unreachable (ENETUNREACH)" }, 0)).toEqual({ ok: false, reason: "send: network is unreachable (ENETUNREACH)" });
  });
  test("with require_reply: silence is down; a reply is checked against the pattern over the shorter length", () => {
    const rr: UdpCheck = { ...plain, requireReply: true, replyData: "12x4", minReplyLength: 1, maxReplyLength: 4 };
    expect(judgeUdp(rr, { kind: "timeout" }, 1000)).toEqual({ ok: false, reason: "no UDP reply within 1000 ms" });
    expect(judgeUdp(rr, { kind: "reply", data: bytes(0x12, 0xf4, 9) }, 5)).toEqual({ ok: true });
    expect(judgeUdp(rr, { kind: "reply", data: bytes(0x12) }, 5)).toEqual({ ok: true });
    expect(judgeUdp(rr, { kind: "reply", data: bytes(0x12, 0xf5) }, 5)).toEqual({ ok: false, reason: "UDP reply differs from require_reply at byte 1" });
    expect(matchReply(rr, bytes(1, 2, 3, 4, 5))).toEqual({ ok: false, reason: "UDP reply of 5 bytes, expected 1..4" });
    expect(matchReply(rr, bytes())).toEqual({ ok: false, reason: "UDP reply of 0 bytes, expected 1..4" });
    // keepalived compares lengths only when a pattern is given
    expect(judgeUdp({ ...rr, replyData: undefined }, { kind: "reply", data: bytes(1, 2, 3, 4, 5, 6) }, 5)).toEqual({ ok: true });
  });

  test("an error queue message: sock_extended_err and the offender's address", () => {
    const c = new Uint8Array(64);
    const dv = new DataView(c.buffer);
    const clen = 16 + 16 + 16; // cmsghdr + sock_extended_err + sockaddr_in
    dv.setUint32(0, clen, true);
    dv.setInt32(8, 0, true); // SOL_IP
    dv.setInt32(12, 11, true); // IP_RECVERR
    dv.setUint32(16, 111, true); // ECONNREFUSED
    c.set([2, 3, 3], 20); // origin ICMP, type 3, code 3
    dv.setUint16(32, 2, true); // AF_INET
    c.set([198, 18, 0, 2], 36);
    const e = readExtendedErr(c, clen)!;
    expect(e).toEqual({ errno: 111, origin: 2, type: 3, code: 3, offender: "198.18.0.2" });
    expect(isDestUnreachable(e)).toBe(true);
    expect(readExtendedErr(c, 8)).toBeUndefined();
    dv.setUint32(0, 100, true);
    expect(readExtendedErr(c, clen)).toBeUndefined(); // a length past the buffer is not read
  });
});

describe("SMTP_CHECK conversation (keepalived check_smtp.c)", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b?: Uint8Array) => (b ? new TextDecoder().decode(b) : undefined);
  test("220 greeting -> HELO, 250 -> QUIT, any answer -> up", () => {
    const d = new SmtpDialog("lb.example");
    expect(dec(d.feed(enc("220 mx ready\r\n")).send)).toBe("HELO lb.example\r\n");
    expect(dec(d.feed(enc("250 hello\r\n")).send)).toBe("QUIT\r\n");
    expect(d.feed(enc("221 bye\r\n"))).toEqual({ done: { ok: true } });
  });
  test("replies split across reads and multi-line replies (RFC 5321 §4.2.1)", () => {
    const d = new SmtpDialog("h");
    expect(d.feed(enc("220-mx.example\r\n22"))).toEqual({});
    expect(dec(d.feed(enc("0 ready\r\n")).send)).toBe("HELO h\r\n");
    expect(dec(d.feed(enc("250-one\r\n250-two\r\n250 three\r\n")).send)).toBe("QUIT\r\n");
    expect(d.closed()).toEqual({ ok: false, reason: "connection closed before the QUIT reply" });
  });
  test("a wrong greeting or HELO answer is down with what the server said", () => {
    expect(new SmtpDialog("h").feed(enc("554 go away\r\n"))).toEqual({ done: { ok: false, reason: "SMTP greeting 554, expected 220: '554 go away'" } });
    const d = new SmtpDialog("h");
    d.feed(enc("220 ok\r\n"));
    expect(d.feed(enc("501 bad helo\r\n"))).toEqual({ done: { ok: false, reason: "HELO answered 501, expected 250: '501 bad helo'" } });
    expect(new SmtpDialog("h").feed(enc("hello there\r\n"))).toEqual({ done: { ok: false, reason: "malformed SMTP reply 'hello there'" } });
    expect(new SmtpDialog("h").closed()).toEqual({ ok: false, reason: "connection closed before the greeting" });
  });
  test("bounded: an overlong line is cut, an endless multi-line reply is refused", () => {
    const d = new SmtpDialog("h");
    expect(d.feed(enc(`220 ${"x".repeat(5000)}\r\n`)).send).toBeDefined();
    const e = new SmtpDialog("h");
    expect(e.feed(enc("220-x\r\n".repeat(65))).done).toEqual({ ok: false, reason: "SMTP reply of more than 64 lines" });
  });
});

describe("SMTP_CHECK host blocks (keepalived 2.2.7 smtp_check_end_handler)", () => {
  const base: SmtpCheck = { type: "SMTP_CHECK", connectTimeoutMs: 5000, retry: 2, delayBeforeRetryMs: 500, heloName: "h", host: [] };
  const rsWith = (c: SmtpCheck) => ({ ...defaultRealServer("198.18.9.1", 25), checkers: [c] });
  test("without hosts: the checker as it is", () => {
    const r = rsWith(base);
    expect(expandSmtpHosts(r)).toBe(r);
  });
  test("hosts only: one checker per host, sharing helo_name, retry and timing; connect_timeout inherited", () => {
    const c = { ...base, host: [{ connectIp: "198.18.9.2", connectPort: 2525 }, { connectIp: "198.18.9.3", connectTimeoutMs: 3000 }] };
    expect(expandSmtpHosts(rsWith(c)).checkers).toEqual([
      { type: "SMTP_CHECK", connectTimeoutMs: 5000, retry: 2, delayBeforeRetryMs: 500, heloName: "h", host: [], connectIp: "198.18.9.2", connectPort: 2525 },
      { type: "SMTP_CHECK", connectTimeoutMs: 3000, retry: 2, delayBeforeRetryMs: 500, heloName: "h", host: [], connectIp: "198.18.9.3" },
    ]);
  });
  test("connection options of its own make the SMTP_CHECK one more host", () => {
    const c = { ...base, connectPort: 587, host: [{ connectIp: "198.18.9.2" }] };
    expect(expandSmtpHosts(rsWith(c)).checkers.map((x) => [(x as SmtpCheck).connectIp, (x as SmtpCheck).connectPort])).toEqual([[undefined, 587], ["198.18.9.2", undefined]]);
    const t = { ...base, connectTimeoutMs: 2000, host: [{ connectIp: "198.18.9.2" }] };
    expect(expandSmtpHosts(rsWith(t)).checkers.length).toBe(2);
  });
});
