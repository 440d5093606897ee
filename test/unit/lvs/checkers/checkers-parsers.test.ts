import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { HttpResponseReader } from "../../../../src/lvs/checkers/http-response.ts";
import { statusAccepted } from "../../../../src/lvs/checkers/status-codes.ts";
import { buildGetRequest } from "../../../../src/lvs/checkers/http-request.ts";
import { splitCommandLine } from "../../../../src/lvs/checkers/command-line.ts";
import { miscOutcome } from "../../../../src/lvs/checkers/misc.ts";
import { encodeQuery, judgeReply } from "../../../../src/lvs/checkers/dns-codec.ts";
import { parseDigestUrl } from "../../../../src/lvs/checkers/digest.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const md5 = (s: string) => createHash("md5").update(s, "latin1").digest("hex");

function read(chunks: string[], digest = true, limits?: { maxHeaderBytes: number; maxBodyBytes: number }) {
  const r = new HttpResponseReader(digest, limits);
  for (const c of chunks) {
    r.feed(enc(c));
    if (r.done) break;
  }
  return r.finish();
}

describe("HTTP response reader", () => {
  test("digest: MD5 of the bytes after CRLFCRLF up to EOF", () => {
    expect(read(["HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello world"]).digest).toBe(md5("hello world"));
  });

  test("digest: cut at Content-Length as genhash does", () => {
    const r = read(["HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA"]);
    expect(r.digest).toBe(md5("hello"));
    expect(r.contentLength).toBe(5);
  });

  test("digest: genhash ignores lowercase content-length and one with trailing blanks", () => {
    expect(read(["HTTP/1.0 200 OK\r\ncontent-length: 5\r\n\r\nhelloEXTRA"]).digest).toBe(md5("helloEXTRA"));
    expect(read(["HTTP/1.0 200 OK\r\nContent-Length: 5 \r\n\r\nhelloEXTRA"]).digest).toBe(md5("helloEXTRA"));
  });

  test("digest: header terminator split across chunks, body split across many chunks", () => {
    const body = "x".repeat(3000) + "end";
    const whole = `HTTP/1.1 200 OK\r\nA: b\r\n\r\n${body}`;
    const chunks: string[] = [];
    for (let i = 0; i < whole.length; i += 7) chunks.push(whole.slice(i, i + 7));
    const r = read(chunks);
    expect(r.digest).toBe(md5(body));
    expect(r.bodyBytes).toBe(body.length);
  });

  test("Content-Length: 0 completes as soon as the header is in", () => {
    const r = new HttpResponseReader(true);
    r.feed(enc("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
    expect(r.done).toBe(true);
    expect(r.finish().digest).toBe(md5(""));
  });

  test("without a digest the reader is done after the header", () => {
    const r = new HttpResponseReader(false);
    r.feed(enc("HTTP/1.0 503 Busy\r\n\r\nlots of body"));
    expect(r.done).toBe(true);
    expect(r.finish()).toEqual({ status: 503, bodyBytes: 0 });
  });

  test("hostile: oversized header and body are refused with the limit named", () => {
    const lim = { maxHeaderBytes: 64, maxBodyBytes: 100 };
    expect(() => read(["HTTP/1.0 200 OK\r\n" + "X: y\r\n".repeat(20)], true, lim)).toThrow(/header exceeds 64 bytes/);
    expect(() => read(["HTTP/1.0 200 OK\r\n\r\n", "z".repeat(101)], true, lim)).toThrow(/body exceeds 100 bytes/);
    // a Content-Length within limits lets the extra bytes be ignored, not counted
    expect(read(["HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n", "z".repeat(500)], true, lim).bodyBytes).toBe(10);
  });

  test("garbage, truncated and empty responses fail with specific errors", () => {
    expect(() => read(["\x00\xff\x13garbage\r\n\r\n"])).toThrow(/malformed status line/);
    expect(() => read(["HTTP/1.0 2000 OK\r\n\r\n"])).toThrow(/malformed status line/);
    expect(() => read(["HTTP/1.0 200 OK\r\nA: b"])).toThrow(/inside the response header/);
    expect(() => read([])).toThrow(/without a response/);
  });

});

describe("status_code", () => {
  test("no status_code means any 2xx", () => {
    expect(statusAccepted(204, undefined)).toBe(true);
    expect(statusAccepted(200, [])).toBe(true);
    expect(statusAccepted(299, [])).toBe(true);
    expect(statusAccepted(301, [])).toBe(false);
    expect(statusAccepted(199, undefined)).toBe(false);
  });
  test("ranges accept their inclusive bounds only", () => {
    const r = [{ from: 200, to: 204 }, { from: 404, to: 404 }];
    expect([199, 200, 204, 205, 404, 405].map((c) => statusAccepted(c, r))).toEqual([false, true, true, false, true, false]);
  });
});

describe("GET request", () => {
  test("keepalived's request bytes: HTTP/1.0, KeepAliveClient, Host address:port", () => {
    expect(new TextDecoder().decode(buildGetRequest("/x", "198.18.0.1", 8080, undefined))).toBe(
      "GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 198.18.0.1:8080\r\n\r\n",
    );
  });
  test("virtualhost replaces the Host header; IPv6 literal goes in brackets", () => {
    expect(new TextDecoder().decode(buildGetRequest("/", "fd00::1", 80, "www.example.test"))).toContain("Host: www.example.test\r\n");
    expect(new TextDecoder().decode(buildGetRequest("/", "fd00::1", 80, undefined))).toContain("Host: [fd00::1]:80\r\n");
  });
  test("http_protocol 1.0C and 1.1 add Connection: close", () => {
    const s = new TextDecoder().decode(buildGetRequest("/", "198.18.0.1", 80, undefined, "1.1"));
    expect(s.startsWith("GET / HTTP/1.1\r\n")).toBe(true);
    expect(s).toContain("Connection: close\r\n");
  });
  test("request splitting via path or virtualhost is refused", () => {
    expect(() => buildGetRequest("/a\r\nX: y", "198.18.0.1", 80, undefined)).toThrow(/line breaks/);
    expect(() => buildGetRequest("/", "198.18.0.1", 80, "h\r\nX: y")).toThrow(/virtualhost/);
    expect(() => buildGetRequest("nopath", "198.18.0.1", 80, undefined)).toThrow(/must start with/);
  });
});

describe("script command lines", () => {
  test("words, quotes and escapes split like keepalived", () => {
    expect(splitCommandLine(`/usr/bin/check "a b" 'c d' e\\ f`)).toEqual(["/usr/bin/check", "a b", "c d", "e f"]);
    expect(splitCommandLine("  /bin/true  ")).toEqual(["/bin/true"]);
    expect(splitCommandLine(`x ""`)).toEqual(["x", ""]);
  });
  test("unterminated quotes and empty lines are errors", () => {
    expect(() => splitCommandLine(`x "abc`)).toThrow(/unterminated/);
    expect(() => splitCommandLine("   ")).toThrow(/empty/);
  });
});

describe("MISC_CHECK exit codes", () => {
  test("MISC_CHECK: exit 0 = up, anything else = down without misc_dynamic", () => {
    expect(miscOutcome(0, false)).toEqual({ ok: true });
    expect(miscOutcome(1, false).ok).toBe(false);
    expect(miscOutcome(7, false).ok).toBe(false);
  });
  test("misc_dynamic: 1 = down, 2..255 = up with weight exit-2", () => {
    expect(miscOutcome(1, true).ok).toBe(false);
    expect(miscOutcome(2, true)).toEqual({ ok: true, weight: 0 });
    expect(miscOutcome(12, true)).toEqual({ ok: true, weight: 10 });
    expect(miscOutcome(255, true)).toEqual({ ok: true, weight: 253 });
  });
});

describe("DNS_CHECK codec", () => {
  test("RFC 1035 §4.1: query carries the id, RD, one question of the asked type", () => {
    const q = encodeQuery(0x1234, "example.test", "A");
    expect([...q.subarray(0, 6)]).toEqual([0x12, 0x34, 0x01, 0x00, 0, 1]);
    expect([...q.subarray(12)]).toEqual([7, ...enc("example"), 4, ...enc("test"), 0, 0, 1, 0, 1]);
    expect([...encodeQuery(1, ".", "SOA").subarray(12)]).toEqual([0, 0, 6, 0, 1]);
  });
  test("bad names and types are rejected", () => {
    expect(() => encodeQuery(1, "a..b", "A")).toThrow(/label/);
    expect(() => encodeQuery(1, "x".repeat(64), "A")).toThrow(/1-63/);
    expect(() => encodeQuery(1, "x", "BOGUS")).toThrow(/unknown DNS_CHECK type/);
  });
  test("replies: matching NOERROR is up, RCODE != 0 is down, foreign/short datagrams are ignored", () => {
    const reply = (id: number, flags: number) => new Uint8Array([id >> 8, id & 255, flags >> 8, flags & 255, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(judgeReply(5, reply(5, 0x8180))).toEqual({ ok: true });
    expect(judgeReply(5, reply(5, 0x8183))).toEqual({ ok: false, reason: "DNS RCODE 3" });
    expect(judgeReply(5, reply(6, 0x8180))).toEqual({ ok: "ignore" });
    expect(judgeReply(5, reply(5, 0x0100))).toEqual({ ok: "ignore" });
    expect(judgeReply(5, new Uint8Array(5))).toEqual({ ok: "ignore" });
  });
});

describe("digest URL", () => {
  test("http and https URLs give host, port, path and SSL", () => {
    expect(parseDigestUrl("http://198.18.0.1/index.html")).toEqual({ host: "198.18.0.1", port: 80, path: "/index.html", ssl: false });
    expect(parseDigestUrl("https://[fd00::1]:8443/a?b=c")).toEqual({ host: "fd00::1", port: 8443, path: "/a?b=c", ssl: true });
    expect(parseDigestUrl("http://198.18.0.1:81/", true).ssl).toBe(true);
  });
  test("bad URLs are explained", () => {
    expect(() => parseDigestUrl("198.18.0.1/x")).toThrow(/not a URL/);
    expect(() => parseDigestUrl("ftp://198.18.0.1/")).toThrow(/unsupported scheme/);
  });
});

import { lookupId, resolveIds } from "../../../../src/lvs/checkers/user-ids.ts";

describe("MISC_CHECK user lookup", () => {
  const passwd = "root:x:0:0:root:/root:/bin/sh\n# comment\nbroken\nweb:x:33:34::/var/www:/bin/false\nbad:x:-1:2::/:/bin/false\n";
  test("passwd/group lines give uid and primary gid; malformed lines are skipped", () => {
    expect(lookupId(passwd, "web", 2, 3)).toEqual({ id: 33, gid: 34 });
    expect(lookupId(passwd, "bad", 2, 3)).toBeUndefined();
    expect(lookupId(passwd, "broken", 2, 3)).toBeUndefined();
    expect(lookupId("www:x:77:", "www", 2)).toEqual({ id: 77 });
  });
  test("numeric user and group pass through; unknown names are named in the error", async () => {
    expect(await resolveIds("1234", "99")).toEqual({ uid: 1234, gid: 99 });
    await expect(resolveIds("no-such-user-vigil", undefined)).rejects.toThrow("unknown user 'no-such-user-vigil'");
    await expect(resolveIds("root", "no-such-group-vigil")).rejects.toThrow("unknown group 'no-such-group-vigil'");
    await expect(resolveIds("1234", undefined)).rejects.toThrow(/no primary group/);
  });
});

import { Cancel } from "../../../../src/lvs/checkers/cancel.ts";

describe("Cancel", () => {
  test("fires each listener once, skips removed ones, and is a no-op after firing", () => {
    const c = new Cancel();
    const hits: string[] = [];
    const a = () => hits.push("a");
    const b = () => hits.push("b");
    c.addEventListener("abort", a);
    c.addEventListener("abort", b);
    c.removeEventListener("abort", a);
    expect(c.aborted).toBe(false);
    c.abort();
    c.abort();
    c.addEventListener("abort", a);
    expect(hits).toEqual(["b"]);
    expect(c.aborted).toBe(true);
  });
});
