// Test helper: a local syslog daemon's socket. Binds an AF_UNIX datagram socket at a
// path, as syslogd/journald bind /dev/log, and hands back the datagrams vigil sent.
import { rmSync } from "node:fs";
import { SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from "../../src/sys/abi.ts";
import { ffiBytes } from "../../src/sys/ffi-memory.ts";
import { check, libc } from "../../src/sys/libc.ts";
import { sockaddrUn } from "../../src/sys/sd-notify.ts";

const AF_UNIX = 1;

export class SyslogSink {
  private readonly fd: number;
  private readonly buf = ffiBytes(65536);
  readonly received: string[] = [];

  constructor(readonly path: string) {
    rmSync(path, { force: true });
    this.fd = check("socket", libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const sa = sockaddrUn(path);
    check("bind", libc.symbols.bind(this.fd, sa, sa.length), path);
  }

  /** Every datagram queued so far (non-blocking), appended to `received`. */
  drain(): string[] {
    for (let i = 0; i < 10_000; i++) {
      const n = Number(libc.symbols.recv(this.fd, this.buf, this.buf.length, 0));
      if (n < 0) break;
      this.received.push(new TextDecoder().decode(this.buf.subarray(0, n)));
    }
    return this.received;
  }

  /** Polls (bounded) until a datagram contains `text`; returns it or undefined. */
  async waitFor(text: string, timeoutMs = 10_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      const hit = this.drain().find((d) => d.includes(text));
      if (hit) return hit;
      await Bun.sleep(20);
    }
    return this.drain().find((d) => d.includes(text));
  }

  close(): void {
    libc.symbols.close(this.fd);
    rmSync(this.path, { force: true });
  }
}
