// Client side of the local status socket (status-server.ts): one request line, one
// JSON document back. Apart from the server so that `vigil status` loads no node:fs
// or node:path (cold start, test/bench/cold-start.bench.ts).

export const DEFAULT_STATUS_SOCKET = "/run/vigil/vigil.sock";

/**
 * The request of `vigil status`'s table: the status without what the table does
 * not show (each VIP as the kernel holds it, an address dump the daemon would
 * make per request). "status" is the whole document (--json, tests, tools).
 */
export const STATUS_BRIEF = "status brief";

/** Client side, used by `vigil status`. */
export async function queryStatus(path: string, request = "status", timeoutMs = 3000): Promise<unknown> {
  return await new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    Bun.connect({
      unix: path,
      socket: {
        open(s) {
          s.write(`${request}\n`);
        },
        data(_s, chunk) {
          buf += chunk.toString();
        },
        close() {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(buf));
          } catch {
            reject(new Error(`malformed answer from ${path}: ${buf.slice(0, 200)}`));
          }
        },
        error(_s, err) {
          clearTimeout(timer);
          reject(err);
        },
      },
    }).catch((err) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach vigil at ${path}: ${err.message ?? err}`));
    });
  });
}
