// Real local servers for the checker tests: raw TCP (optionally TLS) on
// 127.0.0.1 with a per-request handler, so tests control every byte —
// including hostile behaviour. Each server records the requests it received.
import type { Socket, TCPSocketListener } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Handler = (request: string, sock: Socket<ConnState>) => void;

export interface ConnState {
  buf: string;
  handled: boolean;
  timers: ReturnType<typeof setInterval>[];
}

export interface TestServer {
  port: number;
  requests: string[];
  remotes: string[];
  stop(): void;
}

export function startServer(handler: Handler, tls?: { cert: string; key: string }, hostname = "127.0.0.1"): TestServer {
  const requests: string[] = [];
  const remotes: string[] = [];
  const open = new Set<Socket<ConnState>>();
  const listener: TCPSocketListener<ConnState> = Bun.listen<ConnState>({
    hostname,
    port: 0,
    tls: tls ? { cert: Bun.file(tls.cert), key: Bun.file(tls.key) } : undefined,
    socket: {
      open(s) {
        s.data = { buf: "", handled: false, timers: [] };
        open.add(s);
        remotes.push(s.remoteAddress);
      },
      data(s, d) {
        s.data.buf += new TextDecoder("latin1").decode(d);
        if (!s.data.handled && s.data.buf.includes("\r\n\r\n")) {
          s.data.handled = true;
          requests.push(s.data.buf);
          handler(s.data.buf, s);
        }
      },
      close(s) {
        for (const t of s.data?.timers ?? []) clearInterval(t);
        open.delete(s);
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    requests,
    remotes,
    stop() {
      for (const s of open) {
        for (const t of s.data?.timers ?? []) clearInterval(t);
        s.terminate();
      }
      listener.stop(true);
    },
  };
}

/** Replies with fixed bytes and closes. */
export function reply(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_req, s) => {
    const h = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    s.write(`HTTP/1.0 ${status} X\r\n${h}\r\n${body}`);
    s.end();
  };
}

/** Routes by request path. */
export function routes(table: Record<string, Handler>, fallback: Handler = reply(404, "nope")): Handler {
  return (req, s) => {
    const path = req.split(" ")[1] ?? "";
    (table[path] ?? fallback)(req, s);
  };
}

/** A self-signed certificate for 127.0.0.1/localhost, made by openssl. */
export function makeCert(): { dir: string; cert: string; key: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-chk-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = Bun.spawnSync([
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
  return { dir, cert, key, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** MD5 by the md5sum binary: independent of the code under test. */
export function md5sum(data: string): string {
  const r = Bun.spawnSync(["md5sum"], { stdin: Buffer.from(data, "utf8"), stdout: "pipe" });
  return r.stdout.toString().split(" ")[0]!;
}

/** keepalived's own genhash, when installed. Async: the server runs in this process. */
export async function genhash(port: number, path: string, opts: { ssl?: boolean; vhost?: string } = {}): Promise<string | undefined> {
  if (!Bun.which("genhash")) return undefined;
  const argv = ["genhash", "-s", "127.0.0.1", "-p", String(port), "-u", path, "-t", "5"];
  if (opts.ssl) argv.push("-S");
  if (opts.vhost) argv.push("-V", opts.vhost);
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", timeout: 15_000 });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out.trim().split("\n").pop();
}
