// Line-oriented log to stderr ("2026-11-26T09:00:00.123Z vigil[pid] LEVEL message"),
// which procd/systemd capture; VIGIL_LOG=debug shows debug lines. `vigil run -l`
// also sends every line to the local syslog (src/sys/syslog.ts), as keepalived does.
import { SyslogWriter } from "../sys/syslog.ts";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: Level = (process.env.VIGIL_LOG as Level) in ORDER ? (process.env.VIGIL_LOG as Level) : "info";
let syslog: SyslogWriter | null = null;

export function setLogLevel(level: Level): void {
  threshold = level;
}

/**
 * From now on every logged line also goes to syslog at `facility` through the unix
 * datagram socket `path`. Throws only if no socket can be made at all; a syslogd
 * that is missing or not listening costs dropped lines, never the daemon.
 */
export function logToSyslog(facility: number, path?: string): SyslogWriter {
  syslog?.close();
  syslog = new SyslogWriter(facility, path);
  return syslog;
}

export function stopSyslog(): void {
  syslog?.close();
  syslog = null;
}

function emit(level: Level, msg: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  process.stderr.write(`${new Date().toISOString()} vigil[${process.pid}] ${level.toUpperCase()} ${msg}\n`);
  syslog?.write(level, msg);
}

export const log = {
  debug: (m: string) => emit("debug", m),
  info: (m: string) => emit("info", m),
  warn: (m: string) => emit("warn", m),
  error: (m: string) => emit("error", m),
};
