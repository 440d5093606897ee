// Runs a script with a time limit. The child gets its own process group so a
// timeout kills it and anything it forked (a shell's `sleep`), by that group's
// id, never by name. A script that exits in time may leave background children
// running (notify scripts start services that way). Output is discarded like
// keepalived does.
import { errorText } from "../../error-text.ts";
import { nodeChildProcess } from "../../sys/lazy-builtins.ts";
import { splitCommandLine } from "./command-line.ts";
import type { CancelSignal } from "./cancel.ts";

export type SpawnResult =
  | { kind: "exit"; code: number }
  | { kind: "signal"; signal: string }
  | { kind: "timeout" }
  | { kind: "error"; message: string };

export function runBounded(
  commandLine: string,
  timeoutMs: number,
  signal?: CancelSignal,
  env?: Record<string, string>,
  ids?: { uid: number; gid: number },
): Promise<SpawnResult> {
  let argv: string[];
  try {
    argv = splitCommandLine(commandLine);
  } catch (e) {
    return Promise.resolve({ kind: "error", message: errorText(e) });
  }
  return new Promise((resolve) => {
    let done = false;
    let timedOut = false;
    const child = nodeChildProcess().spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: "ignore",
      env: env ? { ...process.env, ...env } : process.env,
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = () => {
      timedOut = true;
      killGroup();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (r: SpawnResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    child.on("error", (e) => settle({ kind: "error", message: `cannot run '${argv[0]}': ${e.message}` }));
    child.on("exit", (code, sig) => {
      if (timedOut) settle({ kind: "timeout" });
      else if (code !== null) settle({ kind: "exit", code });
      else settle({ kind: "signal", signal: sig ?? "unknown" });
    });
  });
}
