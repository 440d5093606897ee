// Local syslog without libc's syslog(3): one RFC 3164-style datagram per line,
// "<PRI>Mmm dd hh:mm:ss vigil[PID]: message", sent to /dev/log (AF_UNIX,
// SOCK_DGRAM) the way glibc's syslog(3) does (local time, no hostname: the local
// syslogd or journald adds it). node:dgram has no unix datagram sockets.
//
// Logging must never stop or stall the daemon: the socket is non-blocking, an
// unconnected sendto() names /dev/log on every line (a restarted syslogd makes a
// new socket at the same path and is found again without reconnecting), and a
// missing /dev/log, a refused send or a full receive queue drops the line and
// counts it. The log also goes to stderr, so a dropped syslog line is not lost.
import { SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from "./abi.ts";
import { ffiBytes } from "./ffi-memory.ts";
import { check, libc } from "./libc.ts";
import { sockaddrUn } from "./sd-notify.ts";

const AF_UNIX = 1;

/** RFC 3164 §4.1.1 / RFC 5424 §6.2.1 facility codes (<sys/syslog.h>). */
export const FACILITY = { user: 1, daemon: 3, local0: 16 } as const;

/** RFC 5424 §6.2.1 severities vigil logs at. */
export const SEVERITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;
export type Severity = keyof typeof SEVERITY;

export const DEFAULT_SYSLOG_SOCKET = "/dev/log";
export const SYSLOG_TAG = "vigil";

/** The largest datagram sent; longer lines are cut (RFC 3164 §4.1 says 1024, local syslogds take more). */
const MAX_DATAGRAM = 4096;
/** A message with more lines than this is cut: one log call must not flood syslog. */
const MAX_LINES = 64;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Parses keepalived's -S values: 0..7 or local0..local7 (LOG_LOCALn), user, daemon.
 * Returns the facility code, or null for anything else.
 */
export function parseFacility(text: string): number | null {
  const t = text.toLowerCase();
  const m = /^(?:local)?([0-7])$/.exec(t);
  if (m) return FACILITY.local0 + Number(m[1]);
  if (t === "user") return FACILITY.user;
  if (t === "daemon") return FACILITY.daemon;
  return null;
}

/** RFC 3164 §4.1.2 TIMESTAMP: "Mmm dd hh:mm:ss", day space-padded, local time. */
export function rfc3164Timestamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** One datagram's text: PRI = facility × 8 + severity (RFC 3164 §4.1.1). */
export function formatSyslogLine(facility: number, severity: number, date: Date, pid: number, line: string): string {
  return `<${facility * 8 + severity}>${rfc3164Timestamp(date)} ${SYSLOG_TAG}[${pid}]: ${line}`;
}

export class SyslogWriter {
  private readonly fd: number;
  private readonly addr: Uint8Array;
  private readonly buf = ffiBytes(MAX_DATAGRAM);
  private readonly encoder = new TextEncoder();
  /** lines that could not be handed to the socket (no /dev/log, refused, queue full) */
  dropped = 0;
  sent = 0;

  /** Throws only for a path that cannot be a unix socket address or when no socket can be made. */
  constructor(
    readonly facility: number,
    readonly path: string = DEFAULT_SYSLOG_SOCKET,
  ) {
    this.addr = sockaddrUn(path);
    this.fd = check("socket(AF_UNIX, SOCK_DGRAM)", libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  }

  /** Sends each line of `msg` as its own datagram; never throws, never blocks. */
  write(severity: Severity, msg: string, date = new Date()): void {
    const lines = msg.split("\n");
    const n = Math.min(lines.length, MAX_LINES);
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      if (line === "" && i > 0) continue;
      this.send(formatSyslogLine(this.facility, SEVERITY[severity], date, process.pid, line));
    }
    if (lines.length > MAX_LINES) this.dropped += lines.length - MAX_LINES;
  }

  private send(text: string): void {
    const { written } = this.encoder.encodeInto(text, this.buf);
    const rc = Number(libc.symbols.sendto(this.fd, this.buf, written, 0, this.addr, this.addr.length));
    if (rc < 0) this.dropped++;
    else this.sent++;
  }

  close(): void {
    libc.symbols.close(this.fd);
  }
}
