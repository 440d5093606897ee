// Local status socket: a client connects, sends one request line ("status"), and
// gets one JSON document back. Unix socket permissions (0600, root) are the access
// control; nothing here is reachable from the network.
import { errorText } from "../error-text.ts";
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";

// the client side lives in status-client.ts (no node:fs for `vigil status`); re-exported for the daemon's users
export { DEFAULT_STATUS_SOCKET, queryStatus } from "./status-client.ts";

export type StatusProvider = (request: string) => unknown | Promise<unknown>;

const MAX_REQUEST = 256;

export function startStatusServer(path: string, provide: StatusProvider): { stop(): void } {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = Bun.listen<{ buf: string }>({
    unix: path,
    socket: {
      open(s) {
        s.data = { buf: "" };
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
          .then((body) => s.end(`${body}\n`));
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
