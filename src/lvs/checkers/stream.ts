// One bounded TCP (or TLS) exchange for the checkers: connect, optionally
// write a request, read until the consumer has enough or the peer closes.
// Every step is bounded by an idle timeout (keepalived's connect_timeout
// applies per step), the whole exchange by an absolute deadline, and an
// abort signal (AbortSignal or the lighter Cancel) lets the scheduler cancel it.
//
// node:net/node:tls (Bun's native sockets underneath) rather than
// Bun.connect: Bun.connect cannot bind a source address (bindto/bind_port)
// and, measured here, cannot cancel a connect in progress — a check against a
// blackholed real server would leave its SYN_SENT socket behind for the
// kernel's full SYN retry time (~2 min), one per attempt. destroy() on a
// node:net socket closes it at once.
import net from "node:net";
import tls from "node:tls";
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

export class CheckError extends Error {}

/** What both socket flavours feed into the shared bookkeeping. */
interface Events {
  connected(): void;
  data(chunk: Uint8Array): void;
  closed(): void;
  failed(message: string): void;
}

interface Conn {
  write(b: Uint8Array): void;
  close(): void;
}

/**
 * Runs one exchange. `onData` returns true when it has read enough, which
 * closes the connection early; returning normally after the peer's EOF means
 * the caller decides from what it has seen. Throws CheckError with the reason.
 */
export function exchange(
  o: ExchangeOptions,
  request: Uint8Array | undefined,
  onData?: (chunk: Uint8Array) => boolean,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const now = performance.now();
    const left = o.deadline - now;
    if (left <= 0) return reject(new CheckError("deadline passed before connecting"));
    if (o.signal?.aborted) return reject(new CheckError("aborted"));

    let settled = false;
    let connected = false;
    let conn: Conn | undefined;
    // one timer serves both limits: it fires at the earlier of the step and
    // overall deadlines and re-arms itself when there was activity since
    let lastActivity = now;
    let timer: ReturnType<typeof setTimeout>;
    const arm = () => {
      const stepAt = lastActivity + o.stepTimeoutMs;
      const at = Math.min(stepAt, o.deadline);
      timer = setTimeout(onTimer, Math.max(0, at - performance.now()));
    };
    const onTimer = () => {
      const t = performance.now();
      if (t >= o.deadline) return finish(new CheckError(`no answer within ${Math.round(left)} ms`));
      if (t >= lastActivity + o.stepTimeoutMs) {
        return finish(new CheckError(connected ? `read timed out after ${o.stepTimeoutMs} ms` : `connect timed out after ${o.stepTimeoutMs} ms`));
      }
      arm();
    };
    const onAbort = () => finish(new CheckError("aborted"));
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      conn?.close();
      if (err) reject(err);
      else resolve();
    };
    arm();
    o.signal?.addEventListener("abort", onAbort, { once: true });

    const ev: Events = {
      connected() {
        if (settled) return;
        connected = true;
        lastActivity = performance.now();
        if (request) conn!.write(request);
        if (!onData) finish();
      },
      data(chunk) {
        if (settled || !onData) return;
        lastActivity = performance.now();
        let enough: boolean;
        try {
          enough = onData(chunk);
        } catch (e) {
          return finish(new CheckError(e instanceof Error ? e.message : String(e)));
        }
        if (enough) finish();
      },
      closed() {
        if (!connected) finish(new CheckError("connect failed: connection closed"));
        else finish();
      },
      failed(message) {
        finish(new CheckError(connected ? `read failed: ${message}` : `connect failed: ${message}`));
      },
    };
    try {
      conn = nodeConnect(o, ev);
    } catch (e) {
      finish(new CheckError(`cannot connect: ${(e as Error).message}`));
    }
  });
}

function nodeConnect(o: ExchangeOptions, ev: Events): Conn {
  const base = { host: o.host, port: o.port, localAddress: o.localAddress, localPort: o.localPort };
  const sock: net.Socket = o.tls
    ? tls.connect({ ...base, servername: o.tls.servername, rejectUnauthorized: o.tls.verify, ca: o.tls.ca })
    : net.connect(base);
  sock.once(o.tls ? "secureConnect" : "connect", () => ev.connected());
  sock.on("data", (b: Buffer) => ev.data(b));
  sock.on("error", (e: Error) => ev.failed(e.message));
  sock.on("end", () => ev.closed());
  sock.on("close", () => ev.closed());
  return {
    write(b) {
      sock.write(b);
    },
    close() {
      sock.removeAllListeners("data");
      sock.destroy();
    },
  };
}
