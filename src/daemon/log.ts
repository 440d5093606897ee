// Line-oriented log to stderr ("2026-11-26T09:00:00.123Z vigil[pid] LEVEL message"),
// which procd/systemd capture; VIGIL_LOG=debug shows debug lines.
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: Level = (process.env.VIGIL_LOG as Level) in ORDER ? (process.env.VIGIL_LOG as Level) : "info";

export function setLogLevel(level: Level): void {
  threshold = level;
}

function emit(level: Level, msg: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  process.stderr.write(`${new Date().toISOString()} vigil[${process.pid}] ${level.toUpperCase()} ${msg}\n`);
}

export const log = {
  debug: (m: string) => emit("debug", m),
  info: (m: string) => emit("info", m),
  warn: (m: string) => emit("warn", m),
  error: (m: string) => emit("error", m),
};
