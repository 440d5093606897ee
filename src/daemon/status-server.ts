// Local status socket: a client connects, sends one request line ("status"), and
// gets one JSON document back. Unix socket permissions (0600, root) are the access
// control; nothing here is reachable from the network.
import { errorText } from "../error-text.ts";
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Socket } from "bun";

// the client side lives in status-client.ts (no node:fs for `vigil status`); re-exported for the daemon's users
export { DEFAULT_STATUS_SOCKET, queryStatus } from "./status-client.ts";

export type StatusProvider = (request: string) => unknown | Promise<unknown>;

const MAX_REQUEST = 256;

/** One client: its request so far, and the part of the answer the socket has not taken yet. */
interface Conn { buf: string; out: Uint8Array | null }

export function startStatusServer(path: string, provide: StatusProvider): { stop(): void } {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = Bun.listen<Conn>({
    unix: path,
    socket: {
      open(s) {
        s.data = { buf: "", out: null };
      },
      data(s, chunk) {
        s.data.buf += chunk.toString();
        const nl = s.data.buf.indexOf("\n");
        if (nl < 0 && s.data.buf.length < MAX_REQUEST) return;
        const request = (nl < 0 ? s.data.buf : s.data.buf.slice(0, nl)).trim();
        s.data.buf = "";
        Promise.resolve()
          .then(() => provide(request))
          .then(
            (v) => JSON.stringify(v),
            (err) => JSON.stringify({ error: errorText(err) }),
          )
          .then((body) => {
            s.data.out = new TextEncoder().encode(`${body}\n`);
            flush(s);
          });
      },
      // the socket took part of the answer: the rest goes as it drains
      drain(s) {
        flush(s);
      },
    },
  });
  chmodSync(path, 0o600);
  return {
    stop() {
      server.stop(true);
      rmSync(path, { force: true });
    },
  };
}

/**
 * Writes what is left of the answer; ends the connection once all of it is out.
 * Bun's write() takes only what fits in the socket's send buffer (a 200-instance
 * status is larger than a unix socket's) and returns how much that was.
 */
function flush(s: Socket<Conn>): void {
  const out = s.data.out;
  if (!out) return;
  const n = s.write(out);
  if (n < 0) {
    s.data.out = null; // the client went away
    return;
  }
  if (n < out.length) {
    s.data.out = out.subarray(n);
    return;
  }
  s.data.out = null;
  s.end();
}
