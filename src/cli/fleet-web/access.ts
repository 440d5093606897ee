// Who may see the fleet page. The page is read-only, but it shows the whole
// fleet's topology, so:
//   - the listen address defaults to loopback; any other (except a unix
//     socket, which file permissions guard) needs --auth-file;
//   - the auth file holds `USER:PASSWORD` lines (HTTP basic) and/or
//     `bearer TOKEN` lines (`Authorization: Bearer`; a browser, which cannot set
//     that header on EventSource, gives the token as the basic password with
//     any user name); it must not be readable by group or others;
//   - on loopback (or a unix socket) without auth, only a Host header naming loopback is served,
//     so a web page elsewhere cannot read it through DNS rebinding.
import { errorText } from "../../error-text.ts";
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";

export type ListenAddress = { host: string; port: number } | { unix: string };

/** HOST:PORT, [IPV6]:PORT, or unix:PATH (a socket file, for a reverse proxy on the same machine). */
export function parseListen(s: string): ListenAddress {
  if (s.startsWith("unix:")) {
    const path = s.slice(5);
    if (!path.startsWith("/")) throw new Error(`--listen unix:PATH needs an absolute path, got '${s}'`);
    return { unix: path };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`--listen expects HOST:PORT or [IPV6]:PORT, got '${s}'`);
  const host = m[1] ?? m[2]!;
  if (m[1] && isIP(host) !== 6) throw new Error(`--listen: '${host}' is not an IPv6 address`);
  return { host, port };
}

/** Loopback or a unix socket: only this machine reaches it (the default needs no --auth-file). */
export function isLocal(l: ListenAddress): boolean {
  return "unix" in l || isLoopback(l.host);
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** The Host header of a request to a loopback listener: loopback names only (any port). */
export function loopbackHost(hostHeader: string | null): boolean {
  if (!hostHeader) return false;
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(hostHeader);
  return !!m && isLoopback(m[1] ?? m[2]!);
}

const digest = (s: string) => createHash("sha256").update(s).digest();
const same = (a: Buffer, b: Buffer) => timingSafeEqual(a, b);

export class Credentials {
  private constructor(private readonly basic: Buffer[], private readonly bearer: Buffer[]) {}

  /** Reads and checks the auth file; throws with the line or the permission that is wrong. */
  static fromFile(path: string): Credentials {
    let mode: number;
    let body: string;
    try {
      mode = statSync(path).mode;
      body = readFileSync(path, "utf8");
    } catch (e) {
      throw new Error(`--auth-file ${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
    }
    if (mode & 0o077) throw new Error(`--auth-file ${path}: mode ${(mode & 0o777).toString(8)} lets others read it; chmod 600 it`);
    const basic: Buffer[] = [];
    const bearer: Buffer[] = [];
    body.split("\n").forEach((raw, i) => {
      const line = raw.replace(/\r$/, "");
      if (!line.trim() || line.trimStart().startsWith("#")) return;
      const b = /^bearer\s+(\S{16,})\s*$/.exec(line);
      if (b) return void bearer.push(digest(b[1]!));
      if (/^bearer\b/.test(line)) throw new Error(`--auth-file ${path}:${i + 1}: a bearer token needs 16 characters or more`);
      const c = line.indexOf(":");
      if (c <= 0 || c === line.length - 1) throw new Error(`--auth-file ${path}:${i + 1}: expected USER:PASSWORD or 'bearer TOKEN'`);
      basic.push(digest(line));
    });
    if (!basic.length && !bearer.length) throw new Error(`--auth-file ${path}: no USER:PASSWORD or 'bearer TOKEN' line`);
    return new Credentials(basic, bearer);
  }

  /** Whether the request's Authorization header names a credential of the file. Every candidate is compared (constant time each). */
  allows(authorization: string | null): boolean {
    if (!authorization) return false;
    const sp = authorization.indexOf(" ");
    const scheme = authorization.slice(0, sp).toLowerCase();
    const value = authorization.slice(sp + 1).trim();
    let ok = false;
    if (scheme === "bearer") {
      const d = digest(value);
      for (const t of this.bearer) ok = same(t, d) || ok;
    } else if (scheme === "basic") {
      const pair = Buffer.from(value, "base64").toString("utf8");
      const d = digest(pair);
      for (const c of this.basic) ok = same(c, d) || ok;
      const pass = digest(pair.slice(pair.indexOf(":") + 1));
      for (const t of this.bearer) ok = same(t, pass) || ok;
    }
    return ok;
  }
}
