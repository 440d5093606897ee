// systemd's sd_notify protocol without libsystemd: one datagram ("READY=1",
// "WATCHDOG=1", "STOPPING=1", "STATUS=…") to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a leading '@' means the abstract namespace). Does nothing when
// the variable is unset, so the same binary runs under procd or by hand.
import { SOCK_CLOEXEC, SOCK_DGRAM } from "./abi.ts";
import { SysError } from "./errno.ts";
import { check, errno, libc } from "./libc.ts";
import { ffiBytes } from "./ffi-memory.ts";

const AF_UNIX = 1; // <sys/socket.h>; sockaddr_un = sa_family_t + char sun_path[108]
const SUN_PATH_MAX = 108;

export function sockaddrUn(path: string): Uint8Array {
  const bytes = new TextEncoder().encode(path);
  if (bytes.length === 0 || bytes.length >= SUN_PATH_MAX) throw new RangeError(`unix socket path '${path}' must be 1..${SUN_PATH_MAX - 1} bytes`);
  const sa = ffiBytes(2 + bytes.length + (path.startsWith("@") ? 0 : 1));
  sa[0] = AF_UNIX & 0xff;
  sa[1] = AF_UNIX >> 8;
  sa.set(bytes, 2);
  if (path.startsWith("@")) sa[2] = 0; // abstract: leading NUL, length is exact
  return sa;
}

export class SdNotifier {
  private readonly fd: number;
  private readonly addr: Uint8Array;

  private constructor(path: string) {
    this.addr = sockaddrUn(path);
    this.fd = check("socket(AF_UNIX, SOCK_DGRAM)", libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  }

  /** The notifier for $NOTIFY_SOCKET, or null when not started by systemd. */
  static fromEnv(env: Record<string, string | undefined> = process.env): SdNotifier | null {
    const path = env.NOTIFY_SOCKET;
    return path ? new SdNotifier(path) : null;
  }

  /** Watchdog period from $WATCHDOG_USEC (only if $WATCHDOG_PID is unset or ours), in ms. */
  static watchdogMs(env: Record<string, string | undefined> = process.env): number | null {
    const usec = Number(env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return null;
    if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return null;
    return usec / 1000;
  }

  notify(state: string): void {
    const msg = new TextEncoder().encode(state);
    const rc = Number(libc.symbols.sendto(this.fd, msg, msg.length, 0, this.addr, this.addr.length));
    if (rc < 0) throw new SysError("sendto(NOTIFY_SOCKET)", errno(), state);
  }

  close(): void {
    libc.symbols.close(this.fd);
  }
}
