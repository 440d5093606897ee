// One bounded TCP (or TLS) exchange for the checkers: connect, optionally
// write a request, read until the consumer has enough or the peer closes.
// Every step is bounded by an idle timeout (keepalived's connect_timeout
// applies per step) and the whole exchange by an absolute deadline, and an
// AbortSignal lets the scheduler cancel it. node:net/node:tls are Bun's
// native sockets underneath; they are used here because they expose the
// source address/port that bindto/bind_port need.
import net from "node:net";
import tls from "node:tls";

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
  signal?: AbortSignal;
}

export class CheckError extends Error {}

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
    let settled = false;
    let sock: net.Socket;
    const left = o.deadline - performance.now();
    if (left <= 0) return reject(new CheckError("deadline passed before connecting"));
    if (o.signal?.aborted) return reject(new CheckError("aborted"));

    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      o.signal?.removeEventListener("abort", onAbort);
      sock.removeAllListeners("data");
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(new CheckError("aborted"));
    const overall = setTimeout(() => finish(new CheckError(`no answer within ${Math.round(left)} ms`)), left);
    o.signal?.addEventListener("abort", onAbort, { once: true });

    const base = { host: o.host, port: o.port, localAddress: o.localAddress, localPort: o.localPort };
    let connected = false;
    try {
      if (o.tls) {
        sock = tls.connect({
          ...base,
          servername: o.tls.servername,
          rejectUnauthorized: o.tls.verify,
          ca: o.tls.ca,
        });
        sock.once("secureConnect", onConnect);
      } else {
        sock = net.connect(base);
        sock.once("connect", onConnect);
      }
    } catch (e) {
      clearTimeout(overall);
      o.signal?.removeEventListener("abort", onAbort);
      return reject(new CheckError(`cannot connect: ${(e as Error).message}`));
    }
    sock.setTimeout(o.stepTimeoutMs, () =>
      finish(new CheckError(connected ? `read timed out after ${o.stepTimeoutMs} ms` : `connect timed out after ${o.stepTimeoutMs} ms`)),
    );
    sock.on("error", (e: Error) => finish(new CheckError(connected ? `read failed: ${e.message}` : `connect failed: ${e.message}`)));
    sock.on("end", () => finish());
    sock.on("close", () => finish());

    function onConnect() {
      connected = true;
      if (request) sock.write(request);
      if (!onData) return finish();
      sock.on("data", (chunk: Buffer) => {
        if (settled) return;
        let enough: boolean;
        try {
          enough = onData(chunk);
        } catch (e) {
          return finish(e instanceof Error ? new CheckError(e.message) : new CheckError(String(e)));
        }
        if (enough) finish();
      });
    }
  });
}
