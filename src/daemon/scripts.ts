// Runs notify and track scripts the way keepalived does: the configured string is
// split on spaces (quotes group words), the process is killed by PID when it
// outlives its timeout, and nothing here blocks the caller. With
// enable_script_security/script_user the script runs as that user.
import { errorText } from "../error-text.ts";
import { log } from "./log.ts";

export interface ScriptOptions {
  timeoutMs: number;
  uid?: number;
  gid?: number;
  env?: Record<string, string>;
}

export interface ScriptResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** keepalived's word splitting: whitespace separates, single/double quotes group. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let has = false;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === " " || ch === "\t") {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

const running = new Set<ReturnType<typeof Bun.spawn>>();

export async function runScript(command: string, extraArgs: string[], opts: ScriptOptions): Promise<ScriptResult> {
  const argv = [...splitCommand(command), ...extraArgs];
  if (argv.length === 0) return { exitCode: null, signal: null, timedOut: false };
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(argv, {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...opts.env },
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    } as Parameters<typeof Bun.spawn>[1]);
  } catch (err) {
    log.warn(`script ${argv[0]}: cannot start: ${errorText(err)}`);
    return { exitCode: 127, signal: null, timedOut: false };
  }
  running.add(proc);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killScript(proc, argv[0]!);
  }, opts.timeoutMs);
  try {
    await proc.exited;
  } finally {
    clearTimeout(timer);
    running.delete(proc);
  }
  return { exitCode: timedOut ? null : proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode), timedOut };
}

/** Fire-and-forget for notify scripts; failures are logged, never thrown. */
export function notify(command: string | undefined, extraArgs: string[], opts: ScriptOptions): void {
  if (!command) return;
  runScript(command, extraArgs, opts).then(
    (r) => {
      if (r.timedOut) log.warn(`notify ${command}: killed after ${opts.timeoutMs} ms`);
      else if (r.exitCode !== 0) log.warn(`notify ${command}: exit ${r.exitCode ?? r.signal}`);
    },
    (err) => log.warn(`notify ${command}: ${err}`),
  );
}

/** Kills scripts still running (on shutdown), by the PIDs we started. */
export function killRunningScripts(): void {
  for (const p of running) killScript(p, "script");
}

/**
 * SIGKILL by PID. A script running as another user cannot be killed without CAP_KILL
 * (a unit whose bounding set lacks it): EPERM is logged, never thrown from a timer,
 * where it would take the daemon down.
 */
function killScript(proc: { pid: number; kill(sig: "SIGKILL"): void }, name: string): void {
  try {
    proc.kill("SIGKILL");
  } catch (err) {
    log.warn(`script ${name} (pid ${proc.pid}): cannot kill it: ${errorText(err)}`);
  }
}
