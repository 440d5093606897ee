// A thin epoll(7) wrapper for bun:ffi: one preallocated event buffer, the
// target's struct epoll_event layout (packed on x86_64), and a 64-bit user
// word split into two u32s so callers can tag an fd with a generation and
// never mistake a late event for a reused descriptor.
import { EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_EVENT_LAYOUT } from "./abi.ts";
import { check, errno, libc } from "./libc.ts";
import { Errno } from "./errno.ts";
import { ffiBytes } from "./ffi-memory.ts";

const sym = libc.symbols;
const { size: EV_SIZE, data: EV_DATA } = EPOLL_EVENT_LAYOUT;

export class Epoll {
  readonly fd: number;
  private readonly one = ffiBytes(EV_SIZE);
  private readonly oneView = new DataView(this.one.buffer);
  private readonly events: Uint8Array;
  private readonly view: DataView;
  private closed = false;

  constructor(readonly capacity = 256) {
    this.fd = check("epoll_create1", sym.epoll_create1(EPOLL_CLOEXEC));
    this.events = ffiBytes(EV_SIZE * capacity);
    this.view = new DataView(this.events.buffer);
  }

  /** Watches `fd` for `events`, tagged with the 64-bit user word hi:lo (closing the fd removes it). */
  add(fd: number, events: number, lo: number, hi = 0): void {
    this.oneView.setUint32(0, events >>> 0, true);
    this.oneView.setUint32(EV_DATA, lo >>> 0, true);
    this.oneView.setUint32(EV_DATA + 4, hi >>> 0, true);
    check("epoll_ctl(ADD)", sym.epoll_ctl(this.fd, EPOLL_CTL_ADD, fd, this.one));
  }

  /** Waits up to timeoutMs (0: just look, -1: forever); returns how many events are ready. */
  wait(timeoutMs: number): number {
    const n = sym.epoll_wait(this.fd, this.events, this.capacity, timeoutMs);
    if (n < 0) {
      if (errno() === Errno.EINTR) return 0;
      check("epoll_wait", n);
    }
    return n;
  }

  /** Ready mask of event i (valid after wait). */
  eventsAt(i: number): number {
    return this.view.getUint32(i * EV_SIZE, true);
  }

  /** Low 32 bits of event i's user word. */
  loAt(i: number): number {
    return this.view.getUint32(i * EV_SIZE + EV_DATA, true);
  }

  /** High 32 bits of event i's user word. */
  hiAt(i: number): number {
    return this.view.getUint32(i * EV_SIZE + EV_DATA + 4, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    sym.close(this.fd);
  }
}
