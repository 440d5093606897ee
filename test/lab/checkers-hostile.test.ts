// Hostile real servers: a check against them may fail, but it always ends
// (bounded in time) and reads a bounded number of bytes.
import { afterAll, describe, expect, test } from "bun:test";
import { defaultCheckerCommon, type HttpCheck } from "../../src/config/model.ts";
import { checkHttp } from "../../src/lvs/checkers/http.ts";
import { startServer, type Handler, type TestServer } from "../unit/lvs/checkers/checkers-servers.ts";

const servers: TestServer[] = [];
afterAll(() => {
  for (const s of servers) s.stop();
});
function serve(h: Handler): TestServer {
  const s = startServer(h);
  servers.push(s);
  return s;
}

const withDigest: HttpCheck = { type: "HTTP_GET", ...defaultCheckerCommon(), url: [{ path: "/", digest: "0".repeat(32) }] };
const statusOnly: HttpCheck = { type: "HTTP_GET", ...defaultCheckerCommon(), url: [{ path: "/" }] };

function check(c: HttpCheck, port: number, stepMs: number, totalMs: number, signal?: AbortSignal) {
  return checkHttp(c, { host: "127.0.0.1", port }, undefined, stepMs, performance.now() + totalMs, signal);
}

/** Writes `chunk` every `ms` until the peer goes away (bounded by the test's server stop). */
function drip(prefix: string, chunk: string | Uint8Array, ms: number): Handler {
  return (_req, s) => {
    s.write(prefix);
    s.data.timers.push(setInterval(() => s.write(chunk), ms));
  };
}

describe("hostile servers", () => {
  test("slow: a server dripping header bytes is cut off at the attempt deadline", async () => {
    const s = serve(drip("HTTP/1.0 200 OK\r\n", "X", 20));
    const r = await check(statusOnly, s.port, 5000, 600);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/no answer within \d+ ms/);
  });

  test("garbage: random bytes instead of HTTP fail as a malformed status line", async () => {
    const junk = new Uint8Array(600);
    let seed = 5;
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    junk.set([13, 10, 13, 10], 300);
    const s = serve((_q, sock) => {
      sock.write(junk);
      sock.end();
    });
    const r = await check(statusOnly, s.port, 2000, 5000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/malformed status line/);
  });

  test("never-closing: header and half a body, then silence, ends at the read timeout", async () => {
    const s = serve((_q, sock) => {
      sock.write("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    });
    const r = await check(withDigest, s.port, 300, 10_000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/read timed out after 300 ms/);
  });

  test("never-closing: a status-only url does not wait for the body or EOF", async () => {
    const s = serve((_q, sock) => {
      sock.write("HTTP/1.0 200 OK\r\n\r\nand then nothing, ever");
    });
    expect(await check(statusOnly, s.port, 5000, 10_000)).toEqual({ ok: true });
  });

  test("silent: accepting and never answering ends at the read timeout", async () => {
    const s = serve(() => {});
    const r = await check(statusOnly, s.port, 300, 10_000);
    expect(r.reason).toMatch(/read timed out/);
  });

  test("huge body: an endless body stops at the 4 MiB bound instead of being buffered", async () => {
    const block = new Uint8Array(64 * 1024).fill(65);
    const s = serve(drip("HTTP/1.0 200 OK\r\n\r\n", block, 1));
    const before = process.memoryUsage().rss;
    const r = await check(withDigest, s.port, 5000, 60_000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/body exceeds 4194304 bytes/);
    // the body is hashed as it streams, never kept: memory does not grow by the body size
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  test("huge header: a header without end stops at the 16 KiB bound", async () => {
    const s = serve(drip("HTTP/1.0 200 OK\r\n", "X-Filler: " + "f".repeat(500) + "\r\n", 1));
    const r = await check(statusOnly, s.port, 5000, 60_000);
    expect(r.reason).toMatch(/header exceeds 16384 bytes/);
  });

  test("abort: the scheduler's abort ends a hanging check at once", async () => {
    const s = serve(() => {});
    const ctl = new AbortController();
    const p = check(statusOnly, s.port, 60_000, 60_000, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    const r = await p;
    expect(r.reason).toMatch(/aborted/);
  });

  test("TLS: a server that never finishes the handshake ends at the step timeout; garbage instead of TLS fails", async () => {
    const silent = serve(() => {});
    const tlsCheck: HttpCheck = { ...statusOnly, type: "SSL_GET" };
    const r1 = await check(tlsCheck, silent.port, 300, 10_000);
    expect(r1.reason).toMatch(/connect timed out after 300 ms/);
    // a raw server that answers the ClientHello with plain text
    const text = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data(sock) { sock.write("HTTP/1.0 200 OK\r\n\r\nnot tls"); sock.end(); } } });
    try {
      const r2 = await check(tlsCheck, text.port, 2000, 10_000);
      expect(r2.ok).toBe(false);
      expect(r2.reason).toMatch(/connect failed/);
    } finally {
      text.stop(true);
    }
  });

  test("many hostile servers at once do not stop a healthy check from passing", async () => {
    const bad = [
      serve(() => {}),
      serve(drip("HTTP/1.0 200 OK\r\n", "Y", 5)),
      serve((_q, sock) => sock.write("HTTP/1.0 200 OK\r\n\r\n")),
    ];
    const good = serve((_q, sock) => {
      sock.write("HTTP/1.0 200 OK\r\n\r\nfine");
      sock.end();
    });
    const hostile = [];
    for (let i = 0; i < 60; i++) hostile.push(check(withDigest, bad[i % 3]!.port, 400, 800));
    const healthy = await check(statusOnly, good.port, 2000, 5000);
    expect(healthy).toEqual({ ok: true });
    const results = await Promise.all(hostile);
    expect(results.every((r) => !r.ok)).toBe(true);
  });
});
