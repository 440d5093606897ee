// `vigil fleet web`'s security defaults: loopback unless --auth-file, basic
// and bearer credentials from a private file, Host checks on loopback.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWebArgs } from "../../../src/cli/fleet-web.ts";
import { Credentials, isLoopback, loopbackHost, parseListen } from "../../../src/cli/fleet-web/access.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-web-access-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function authFile(text: string, mode = 0o600): string {
  const p = join(dir, `auth-${Math.random().toString(16).slice(2)}`);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const base = ["--broker", "mqtt://127.0.0.1:1883", "--fleet", "edge"];

describe("listen address", () => {
  test("defaults to loopback 127.0.0.1:8080; HOST:PORT and [IPV6]:PORT are read", () => {
    expect(parseWebArgs(base).listen).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(() => parseListen("8080")).toThrow("--listen expects HOST:PORT");
    expect(() => parseListen("[fe80::zz]:80")).toThrow("--listen expects");
    expect(() => parseListen("[1.2.3.4]:80")).toThrow("not an IPv6 address");
  });

  test("loopback is 127/8, ::1 and localhost, nothing else", () => {
    for (const h of ["127.0.0.1", "127.9.9.9", "::1", "localhost"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "198.18.0.1", "localhost.example"]) expect(isLoopback(h)).toBe(false);
  });

  test("a non-loopback listen without --auth-file is refused, naming the flag", () => {
    expect(() => parseWebArgs([...base, "--listen", "0.0.0.0:8080"])).toThrow("refusing to serve the fleet on 0.0.0.0:8080 without --auth-file");
    expect(() => parseWebArgs([...base, "--listen", "[::]:8080"])).toThrow("without --auth-file");
  });

  test("with --auth-file but no TLS it serves and warns; with --tls-cert/--tls-key it does not warn; one without the other is refused", () => {
    const f = authFile("ops:secret\n");
    const o = parseWebArgs([...base, "--listen", "0.0.0.0:8080", "--auth-file", f]);
    expect(o.warnings.join()).toContain("without TLS");
    expect(parseWebArgs([...base, "--listen", "0.0.0.0:8080", "--auth-file", f, "--tls-cert", "c.pem", "--tls-key", "k.pem"]).warnings).toEqual([]);
    expect(() => parseWebArgs([...base, "--tls-cert", "c.pem"])).toThrow("--tls-cert and --tls-key go together");
  });

  test("the Host header on a loopback listener must name loopback (DNS rebinding)", () => {
    expect(loopbackHost("127.0.0.1:8080")).toBe(true);
    expect(loopbackHost("localhost")).toBe(true);
    expect(loopbackHost("[::1]:8080")).toBe(true);
    expect(loopbackHost("evil.example:8080")).toBe(false);
    expect(loopbackHost(null)).toBe(false);
  });
});

describe("auth file", () => {
  test("USER:PASSWORD lines are HTTP basic; a bearer token works as a header or as the basic password", () => {
    const c = Credentials.fromFile(authFile("# operators\nops:s3cret:with:colons\nbearer 0123456789abcdef0123\n"));
    expect(c.allows(basic("ops", "s3cret:with:colons"))).toBe(true);
    expect(c.allows(basic("ops", "wrong"))).toBe(false);
    expect(c.allows(basic("eve", "s3cret:with:colons"))).toBe(false);
    expect(c.allows("Bearer 0123456789abcdef0123")).toBe(true);
    expect(c.allows("Bearer 0123456789abcdef0124")).toBe(false);
    expect(c.allows(basic("anyone", "0123456789abcdef0123"))).toBe(true);
    expect(c.allows(null)).toBe(false);
  });

  test("a file others can read, an empty file, a short token or a line without ':' are refused with the reason", () => {
    expect(() => Credentials.fromFile(authFile("ops:x\n", 0o644))).toThrow("mode 644 lets others read it");
    expect(() => Credentials.fromFile(authFile("# nothing\n"))).toThrow("no USER:PASSWORD or 'bearer TOKEN' line");
    expect(() => Credentials.fromFile(authFile("bearer short\n"))).toThrow(":1: a bearer token needs 16 characters or more");
    expect(() => Credentials.fromFile(authFile("\njustaword\n"))).toThrow(":2: expected USER:PASSWORD");
    expect(() => Credentials.fromFile(join(dir, "missing"))).toThrow("ENOENT");
  });
});
