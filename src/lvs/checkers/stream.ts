// One bounded TCP (or TLS) exchange for the checkers: connect, optionally
// write a request, read until the consumer has enough or the peer closes.
// Every step is bounded by an idle timeout (keepalived's connect_timeout
// applies per step), the whole exchange by an absolute deadline, and an
// abort signal (AbortSignal or the lighter Cancel) lets the scheduler cancel it.
//
// Plain TCP to an address literal goes through src/sys/tcp-client.ts (raw
// syscalls on one epoll set: half the CPU of node:net, which is what lets
// thousands of checks per second stay within a few percent of a core). TLS and
// host names go through node:net/node:tls, loaded on first use (lazy-builtins.ts). Not Bun.connect: it cannot bind a
// source address (bindto/bind_port) and, measured here, cannot cancel a
// connect in progress — a check against a blackholed real server would leave
// its SYN_SENT socket behind for the kernel's full SYN retry time (~2 min).
// Both paths close a connecting socket at once.
import { errorText } from "../../error-text.ts";
import type net from "node:net";
import { parseIP } from "../../net/ip-address.ts";
import { nodeNet, nodeTls } from "../../sys/lazy-builtins.ts";
import { tcpClient, type TcpClientTarget } from "../../sys/tcp-client.ts";
import type { CancelSignal } from "./cancel.ts";

export interface ExchangeOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  /** set for SSL_GET */
  tls?: { servername?: string; verify: boolean; ca?: string };
  /** per-step idle timeout (connect, handshake, each read) */
  stepTimeoutMs: number;
  /** absolute time limit in performance.now() milliseconds */
  deadline: number;
  signal?: CancelSignal;
}

export class CheckError extends Error {
  override name = "CheckError";
}

/** What both socket flavours feed into the shared bookkeeping. */
interface Events {
  connected(): void;
  data(chunk: Uint8Array): void;
  closed(): void;
  failed(message: string): void;
  /** the earlier of the step and overall limits has come */
  expired(now: number): void;
}

interface Conn {
  write(b: Uint8Array): void;
  close(): void;
  /** when to call events.expired (performance.now() ms) */
  expiresAt: number;
}

/**
 * Reads a chunk; returns true when it has read enough. `send` writes more on
 * the connection (a dialogue such as SMTP's); the bytes must stay unchanged
 * until the exchange ends.
 */
export type OnData = (chunk: Uint8Array, send: (b: Uint8Array) => void) => boolean;

/**
 * Runs one exchange. `onData` returns true when it has read enough, which
 * closes the connection early; returning normally after the peer's EOF means
 * the caller decides from what it has seen. Throws CheckError with the reason.
 */
export function exchange(
  o: ExchangeOptions,
  request: Uint8Array | undefined,
  onData?: OnData,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const now = performance.now();
    if (o.deadline - now <= 0) return reject(new CheckError("deadline passed before connecting"));
    if (o.signal?.aborted) return reject(new CheckError("aborted"));
    new Exchange(o, request, onData, resolve, reject, now).start();
  });
}

/**
 * One exchange's bookkeeping, as one object rather than a dozen closures: at
 * thousands of checks per second the garbage shows up as CPU. One expiry time
 * serves both limits: the earlier of the step (idle) and overall deadlines,
 * moved on by activity.
 */
class Exchange implements Events {
  private settled = false;
  private isConnected = false;
  private conn: Conn | undefined;
  private lastActivity: number;
  private readonly onAbort = () => this.finish(new CheckError("aborted"));
  private readonly send = (b: Uint8Array) => {
    if (!this.settled) this.conn?.write(b);
  };

  constructor(
    private readonly o: ExchangeOptions,
    private readonly request: Uint8Array | undefined,
    private readonly onData: OnData | undefined,
    private readonly resolve: () => void,
    private readonly reject: (e: Error) => void,
    private readonly startedAt: number,
  ) {
    this.lastActivity = startedAt;
  }

  start(): void {
    const o = this.o;
    o.signal?.addEventListener("abort", this.onAbort, { once: true });
    try {
      const raw = o.tls ? undefined : rawTarget(o);
      this.conn = raw ? tcpClient().connect(raw, this) : nodeConnect(o, this);
      this.conn.expiresAt = this.nextExpiry();
    } catch (e) {
      this.finish(new CheckError(`cannot connect: ${errorText(e)}`));
    }
  }

  connected(): void {
    if (this.settled) return;
    this.isConnected = true;
    this.touch();
    if (this.request) this.conn!.write(this.request);
    if (!this.onData) this.finish();
  }

  data(chunk: Uint8Array): void {
    if (this.settled || !this.onData) return;
    this.touch();
    let enough: boolean;
    try {
      enough = this.onData(chunk, this.send);
    } catch (e) {
      return this.finish(new CheckError(errorText(e)));
    }
    if (enough) this.finish();
  }

  closed(): void {
    if (!this.isConnected) this.finish(new CheckError("connect failed: connection closed"));
    else this.finish();
  }

  failed(message: string): void {
    this.finish(new CheckError(this.isConnected ? `read failed: ${message}` : `connect failed: ${message}`));
  }

  expired(now: number): void {
    const o = this.o;
    if (now >= o.deadline) return this.finish(new CheckError(`no answer within ${Math.round(o.deadline - this.startedAt)} ms`));
    if (now >= this.lastActivity + o.stepTimeoutMs) {
      const what = this.isConnected ? "read" : "connect";
      return this.finish(new CheckError(`${what} timed out after ${o.stepTimeoutMs} ms`));
    }
    if (this.conn) this.conn.expiresAt = this.nextExpiry();
  }

  private touch(): void {
    this.lastActivity = performance.now();
    if (this.conn) this.conn.expiresAt = this.nextExpiry();
  }

  private nextExpiry(): number {
    return Math.min(this.lastActivity + this.o.stepTimeoutMs, this.o.deadline);
  }

  private finish(err?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.o.signal?.removeEventListener("abort", this.onAbort);
    this.conn?.close();
    if (err) this.reject(err);
    else this.resolve();
  }
}

/** The raw client's target when host (and source) are address literals; host names go through node:net. */
function rawTarget(o: ExchangeOptions): TcpClientTarget | undefined {
  const remote = literal(o.host);
  if (!remote) return undefined;
  const t: TcpClientTarget = { family: remote.family, address: remote.bytes, port: o.port };
  if (o.localAddress !== undefined) {
    const local = literal(o.localAddress);
    if (!local || local.family !== remote.family) return undefined; // node:net names the mismatch
    t.localAddress = local.bytes;
  }
  if (o.localPort !== undefined) t.localPort = o.localPort;
  return t;
}

/** Parsed address literals, by text: checks hit the same few thousand targets every delay_loop. */
const literals = new Map<string, { family: 4 | 6; bytes: Uint8Array } | null>();
const LITERALS_MAX = 8192;

function literal(host: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  let r = literals.get(host);
  if (r === undefined) {
    r = parseLiteral(host);
    if (literals.size >= LITERALS_MAX) literals.clear();
    literals.set(host, r);
  }
  return r ?? undefined;
}

function parseLiteral(host: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (host.includes("%")) return null; // scoped link-local: node:net resolves the zone
  try {
    return parseIP(host);
  } catch {
    return null;
  }
}

/** node:net/node:tls for TLS and host names; a timer stands in for the raw client's expiry polling. */
function nodeConnect(o: ExchangeOptions, ev: Events): Conn {
  const base = { host: o.host, port: o.port, localAddress: o.localAddress, localPort: o.localPort };
  const sock: net.Socket = o.tls
    ? nodeTls().connect({ ...base, servername: o.tls.servername, rejectUnauthorized: o.tls.verify, ca: o.tls.ca })
    : nodeNet().connect(base);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const conn: Conn = {
    expiresAt: Infinity,
    write(b) {
      sock.write(b);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      sock.removeAllListeners("data");
      sock.destroy();
    },
  };
  const check = () => {
    timer = undefined;
    if (closed) return;
    const now = performance.now();
    if (now >= conn.expiresAt) ev.expired(now);
    if (!closed) timer = setTimeout(check, Math.max(1, conn.expiresAt - performance.now()));
  };
  // first look after the caller has set expiresAt; activity only moves it later
  timer = setTimeout(check, 0);
  sock.once(o.tls ? "secureConnect" : "connect", () => ev.connected());
  sock.on("data", (b: Buffer) => ev.data(b));
  sock.on("error", (e: Error) => ev.failed(e.message));
  sock.on("end", () => ev.closed());
  sock.on("close", () => ev.closed());
  return conn;
}
