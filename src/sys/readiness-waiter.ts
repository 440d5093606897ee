// Waits until one of a fixed set of fds is readable or an absolute CLOCK_MONOTONIC
// deadline passes: the receive side of a VRRP worker (a backup waits for adverts
// until Master_Down_Interval expires). ppoll takes a nanosecond timespec; poll()'s
// millisecond timeout is too coarse for 10 ms advert intervals (docs/architecture.md, "Timing").
import { OFFSETOF, POLLIN, SIZEOF } from "./abi.ts";
import { monotonicNs, NS_PER_SEC } from "./clock.ts";
import { errno, libc } from "./libc.ts";
import { ffiBytes, ffiU32 } from "./ffi-memory.ts";

const { ppoll } = libc.symbols;

export class ReadinessWaiter {
  private readonly pollfds: Uint8Array;
  private readonly pfd16: Int16Array;
  private readonly timeout32 = ffiU32(SIZEOF.timespec / 4);
  readonly count: number;

  constructor(fds: readonly number[]) {
    if (fds.length === 0) throw new RangeError("ReadinessWaiter needs at least one fd");
    this.count = fds.length;
    this.pollfds = ffiBytes(SIZEOF.pollfd * fds.length);
    this.pfd16 = new Int16Array(this.pollfds.buffer);
    const dv = new DataView(this.pollfds.buffer);
    const o = OFFSETOF.pollfd;
    fds.forEach((fd, i) => {
      dv.setInt32(i * SIZEOF.pollfd + o.fd, fd, true);
      dv.setInt16(i * SIZEOF.pollfd + o.events, POLLIN, true);
    });
  }

  /**
   * Blocks until an fd is readable or deadlineNs (CLOCK_MONOTONIC) passes. Returns
   * the number of ready fds (0 on timeout) or -errno (-EINTR on a signal: callers
   * simply loop, the deadline is absolute).
   */
  waitUntil(deadlineNs: number): number {
    let rel = deadlineNs - monotonicNs();
    if (rel < 0) rel = 0;
    const sec = Math.floor(rel / NS_PER_SEC);
    const t = OFFSETOF.timespec;
    this.timeout32[t.tv_sec / 4] = sec;
    this.timeout32[t.tv_sec / 4 + 1] = 0;
    this.timeout32[t.tv_nsec / 4] = rel - sec * NS_PER_SEC;
    this.timeout32[t.tv_nsec / 4 + 1] = 0;
    const rc = ppoll(this.pollfds, this.count, this.timeout32, null);
    return rc < 0 ? -errno() : rc;
  }

  /** After waitUntil, whether fd number `i` (in constructor order) has data or an error pending. */
  ready(i: number): boolean {
    return this.pfd16[(i * SIZEOF.pollfd + OFFSETOF.pollfd.revents) / 2] !== 0;
  }
}
