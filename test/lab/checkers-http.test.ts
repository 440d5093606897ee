// HTTP_GET / SSL_GET against real servers on 127.0.0.1 started by the test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaultCheckerCommon, defaultVirtualServer, type HttpCheck, type HttpUrl, type RealServer, type VirtualServer } from "../../src/config/model.ts";
import { checkHttp } from "../../src/lvs/checkers/http.ts";
import { pageDigest } from "../../src/lvs/checkers/digest.ts";
import { runCheck } from "../../src/lvs/checkers/run-check.ts";
import { genhash, makeCert, md5sum, reply, routes, startServer, type TestServer } from "../unit/lvs/checkers/checkers-servers.ts";

const PAGE = "<html><body>vigil test page\n\u00e9\u0001</body></html>\n";
const servers: TestServer[] = [];
let cert: ReturnType<typeof makeCert>;

function serve(...a: Parameters<typeof startServer>): TestServer {
  const s = startServer(...a);
  servers.push(s);
  return s;
}

const site = () =>
  routes({
    "/": reply(200, PAGE),
    "/created": reply(201, "made"),
    "/moved": reply(302, "", { Location: "/" }),
    "/missing": reply(404, "no"),
    "/cl": reply(200, "helloEXTRA", { "Content-Length": "5" }),
    "/vhost": (req, s) => {
      const host = /\r\nHost: ([^\r]*)\r\n/.exec(req)?.[1] ?? "";
      s.write(`HTTP/1.0 ${host === "www.example.test" ? 200 : 421} X\r\n\r\n${host}`);
      s.end();
    },
  });

function http(url: HttpUrl[], extra: Partial<HttpCheck> = {}): HttpCheck {
  return { type: "HTTP_GET", ...defaultCheckerCommon(), url, ...extra };
}
function ssl(url: HttpUrl[], extra: Partial<HttpCheck> = {}): HttpCheck {
  return http(url, { type: "SSL_GET", ...extra });
}
/** keepalived status_code words as model ranges */
const codes = (...w: string[]) => w.map((x) => {
  const [a, b] = x.split("-").map(Number);
  return { from: a!, to: b ?? a! };
});

function vsOf(rs: RealServer): VirtualServer {
  return { ...defaultVirtualServer(), ip: "127.0.0.1", port: 80, delayLoopMs: 1000, realServers: [rs] };
}

async function check(c: HttpCheck, port: number, vhostFallback?: string) {
  return checkHttp(c, { host: "127.0.0.1", port }, vhostFallback, 2000, performance.now() + 5000);
}

beforeAll(() => {
  cert = makeCert();
});
afterAll(() => {
  for (const s of servers) s.stop();
  cert?.cleanup();
});

describe("HTTP_GET", () => {
  test("status_code: default accepts any 2xx and refuses 3xx/4xx", async () => {
    const s = serve(site());
    expect((await check(http([{ path: "/" }, { path: "/created" }]), s.port)).ok).toBe(true);
    const moved = await check(http([{ path: "/moved" }]), s.port);
    expect(moved).toEqual({ ok: false, reason: "/moved: HTTP status 302" });
    expect((await check(http([{ path: "/missing" }]), s.port)).ok).toBe(false);
  });

  test("status_code: explicit codes, lists and ranges", async () => {
    const s = serve(site());
    expect((await check(http([{ path: "/missing", statusCode: codes("404") }]), s.port)).ok).toBe(true);
    expect((await check(http([{ path: "/moved", statusCode: codes("200", "301-303") }]), s.port)).ok).toBe(true);
    expect((await check(http([{ path: "/created", statusCode: codes("200-200", "202-299") }]), s.port)).ok).toBe(false);
  });

  test("several url blocks: all must pass; the failing path is named", async () => {
    const s = serve(site());
    const r = await check(http([{ path: "/" }, { path: "/missing" }, { path: "/created" }]), s.port);
    expect(r).toEqual({ ok: false, reason: "/missing: HTTP status 404" });
    // every url is a separate HTTP/1.0 request, in order, stopping at the first failure
    expect(s.requests.map((q) => q.split(" ")[1])).toEqual(["/", "/missing"]);
  });

  test("digest: matches md5sum of the body and keepalived's genhash", async () => {
    const s = serve(site());
    const expected = md5sum(PAGE);
    expect((await pageDigest({ url: `http://127.0.0.1:${s.port}/` })).digest).toBe(expected);
    const g = await genhash(s.port, "/");
    if (g !== undefined) expect(g).toBe(expected);
    expect((await check(http([{ path: "/", digest: expected }]), s.port)).ok).toBe(true);
    const bad = await check(http([{ path: "/", digest: "0".repeat(32) }]), s.port);
    expect(bad.ok).toBe(false);
    expect(bad.reason).toContain(`MD5 digest ${expected} != ${"0".repeat(32)}`);
  });

  test("digest: a Content-Length shorter than the body is honoured, like genhash", async () => {
    const s = serve(site());
    const d = (await pageDigest({ url: `http://127.0.0.1:${s.port}/cl` })).digest;
    expect(d).toBe(md5sum("hello"));
    const g = await genhash(s.port, "/cl");
    if (g !== undefined) expect(g).toBe(d);
  });

  test("request bytes are keepalived's (compared with genhash's own request)", async () => {
    const s = serve(site());
    await check(http([{ path: "/" }]), s.port);
    expect(s.requests[0]).toBe(`GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
    if (await genhash(s.port, "/")) expect(s.requests[1]).toBe(s.requests[0]);
  });

  test("virtualhost: url's, then checker's, then the server's virtualhost goes in Host", async () => {
    const s = serve(site());
    expect((await check(http([{ path: "/vhost", virtualhost: "www.example.test" }]), s.port)).ok).toBe(true);
    expect((await check(http([{ path: "/vhost" }], { virtualhost: "www.example.test" }), s.port)).ok).toBe(true);
    expect((await check(http([{ path: "/vhost" }]), s.port, "www.example.test")).ok).toBe(true);
    expect((await check(http([{ path: "/vhost" }]), s.port)).ok).toBe(false);
    expect((await check(http([{ path: "/vhost", virtualhost: "other.test" }], { virtualhost: "www.example.test" }), s.port)).ok).toBe(false);
    expect(s.requests.at(-1)).toContain("\r\nHost: other.test\r\n");
    if (await genhash(s.port, "/vhost", { vhost: "www.example.test" })) {
      expect(s.requests.at(-1)).toBe(s.requests[0]);
    }
  });

  test("connect_ip/connect_port: the check goes to the configured endpoint, not the real server's", async () => {
    const s = serve(site());
    const rs: RealServer = { ip: "127.0.0.9", port: 1, weight: 1, checkers: [] };
    const checker: HttpCheck = http([{ path: "/" }], { connectIp: "127.0.0.1", connectPort: s.port });
    expect(await runCheck({ vs: vsOf(rs), rs, checker, deadline: performance.now() + 5000 })).toEqual({ ok: true });
    expect(s.requests.length).toBe(1);
  });

  test("bindto: the connection leaves from the configured source address", async () => {
    const s = serve(site());
    const rs: RealServer = { ip: "127.0.0.1", port: s.port, weight: 1, checkers: [] };
    const checker: HttpCheck = http([{ path: "/" }], { bindto: "127.0.0.3" });
    expect(await runCheck({ vs: vsOf(rs), rs, checker, deadline: performance.now() + 5000 })).toEqual({ ok: true });
    expect(s.remotes).toEqual(["127.0.0.3"]);
  });

  test("IPv6: checks reach [::1] and send the bracketed Host header", async () => {
    const s = serve(site(), undefined, "::1");
    const r = await checkHttp(http([{ path: "/" }]), { host: "::1", port: s.port }, undefined, 2000, performance.now() + 5000);
    expect(r).toEqual({ ok: true });
    expect(s.requests[0]).toContain(`\r\nHost: [::1]:${s.port}\r\n`);
  });

  test("refused connection fails with the reason", async () => {
    const s = serve(site());
    const port = s.port;
    s.stop();
    const r = await check(http([{ path: "/" }]), port);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^\/: connect failed/);
  });
});

describe("SSL_GET", () => {
  test("self-signed server passes without verification, like keepalived; digest matches genhash -S", async () => {
    const s = serve(site(), { cert: cert.cert, key: cert.key });
    const c = ssl([{ path: "/", digest: md5sum(PAGE) }]);
    expect(await check(c, s.port)).toEqual({ ok: true });
    const g = await genhash(s.port, "/", { ssl: true });
    if (g !== undefined) expect(g).toBe(md5sum(PAGE));
    expect((await pageDigest({ url: `https://127.0.0.1:${s.port}/` })).digest).toBe(md5sum(PAGE));
  });

  test("certificate verification when asked: an unknown issuer fails, the right CA file passes", async () => {
    const s = serve(site(), { cert: cert.cert, key: cert.key });
    const c = ssl([{ path: "/" }]);
    const go = (caFile?: string) => checkHttp(c, { host: "127.0.0.1", port: s.port }, undefined, 2000, performance.now() + 5000, undefined, { verify: true, caFile });
    const r = await go();
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/connect failed/);
    expect(await go(cert.cert)).toEqual({ ok: true });
    expect((await go("/nonexistent/ca.pem")).reason).toMatch(/cannot read CA file/);
  });

  test("enable_sni: the virtualhost goes in the TLS server name", async () => {
    const names: string[] = [];
    const srv = Bun.listen({
      hostname: "127.0.0.1", port: 0,
      tls: { cert: Bun.file(cert.cert), key: Bun.file(cert.key) },
      socket: {
        open(sock) { names.push(String((sock as unknown as { getServername?: () => string }).getServername?.() ?? "")); },
        data(sock) { sock.write("HTTP/1.0 200 OK\r\n\r\n"); sock.end(); },
      },
    });
    try {
      expect(await check(ssl([{ path: "/" }], { enableSni: true, virtualhost: "www.example.test" }), srv.port)).toEqual({ ok: true });
    } finally {
      srv.stop(true);
    }
    expect(names).toEqual(["www.example.test"]);
  });

  test("plain HTTP server behind SSL_GET fails cleanly", async () => {
    const s = serve(site());
    const r = await checkHttp(ssl([{ path: "/" }]), { host: "127.0.0.1", port: s.port }, undefined, 300, performance.now() + 5000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/timed out|failed/);
  });
});
