// eventfd(2): a counter fd the main thread writes to wake the VRRP worker out of
// ppoll without a timer. Buffers are preallocated so signalling allocates nothing.
import { libc, check } from "./libc.ts";
import { ffiU64 } from "./ffi-memory.ts";

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

export class EventFd {
  private readonly buf = ffiU64(1);
  private readonly bytes = new Uint8Array(this.buf.buffer);
  constructor(readonly fd: number) {}

  static create(): EventFd {
    return new EventFd(check("eventfd", libc.symbols.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)));
  }

  /** Adds 1 to the counter; never blocks (the counter cannot realistically overflow). */
  signal(): void {
    this.buf[0] = 1n;
    libc.symbols.write(this.fd, this.bytes, 8);
  }

  /** Resets the counter; returns true if it had been signalled. */
  drain(): boolean {
    return libc.symbols.read(this.fd, this.bytes, 8) === 8;
  }

  close(): void {
    libc.symbols.close(this.fd);
  }
}
