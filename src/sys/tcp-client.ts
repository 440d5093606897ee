// Short non-blocking TCP client connections on one epoll set, for the health
// checkers: connect, write a request, read the answer, close — thousands per
// second at little more than the cost of the syscalls themselves.
//
// Why not node:net: measured here (test/bench/checkers.bench.ts), a bare
// node:net connect + GET costs ≈ 80 µs of CPU; the same exchange over raw
// syscalls through bun:ffi costs ≈ 37 µs, as much as C. A close() during the
// connect drops the SYN_SENT socket at once, so a blackholed server leaves
// nothing behind.
//
// Bun offers no way to wait on a foreign descriptor from the main event loop,
// and a Worker would need a message per result, so the set is polled with
// epoll_wait(…, 0) from one timer, only while connections are open, on a
// 10 ms grid of performance.now() — the checker runner wakes on a 20 ms grid,
// so the two share event-loop wakeups. Each wakeup of a Bun process costs
// ≈ 25 µs of CPU here (a 1 ms poll timer alone was 2 % of a core), while one
// poll serves every connection that moved since the last; health checks run
// on delay_loop seconds, so 10 ms more latency is nothing.
import { errorText } from "../error-text.ts";
import {
  AF_INET, AF_INET6, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, IPPROTO_TCP, MSG_DONTWAIT,
  MSG_NOSIGNAL, SO_ERROR, SO_REUSEADDR, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, SOL_SOCKET,
} from "./abi.ts";
import { Epoll } from "./epoll.ts";
import { Errno, errnoName, SysError } from "./errno.ts";
import { errno, libc } from "./libc.ts";
import { inetSockaddrInto, int32Option, sockaddrIn, sockaddrIn6 } from "./sockaddr.ts";
import { ffiBytes, ffiI32, ffiU32 } from "./ffi-memory.ts";

const sym = libc.symbols;

export interface TcpClientHandler {
  /** the connection reached its expiresAt; the handler closes it or moves expiresAt on */
  expired(now: number): void;
  /** the connection is established; write() may be called from here on */
  connected(): void;
  /** received bytes; the view is only valid during the call (the buffer is reused) */
  data(chunk: Uint8Array): void;
  /** the peer closed its side (EOF) */
  closed(): void;
  /** the connection failed; the message reads like "connection refused (ECONNREFUSED)" */
  failed(message: string): void;
}

export interface TcpClientTarget {
  family: 4 | 6;
  /** 4 or 16 address bytes */
  address: Uint8Array;
  port: number;
  /** IPv6 scope (ifindex) for link-local targets */
  scopeId?: number;
  localAddress?: Uint8Array;
  localPort?: number;
}

/**
 * A descriptor other than a TCP connection that shares the set and its poll
 * timer: the ICMP and UDP checkers' sockets (src/sys/icmp-pinger.ts,
 * udp-probe.ts), so every checker socket is served by one epoll_wait per tick.
 */
export interface PollWatcher {
  /** the descriptor is ready (epoll event mask) */
  ready(events: number): void;
  /** called on every poll tick: time out what is due */
  expire(now: number): void;
  /** true while it waits for something: keeps the poll timer running */
  readonly busy: boolean;
}

export class TcpClientError extends Error {
  override name = "TcpClientError";
}

const POLL_MS = 10;
const RX_BYTES = 16 * 1024;
const ANY = ffiBytes(16);

/** strerror for the errors a client connection meets; anything else by name. */
const REASONS: Record<number, string> = {
  [Errno.ECONNREFUSED!]: "connection refused",
  [Errno.ECONNRESET!]: "connection reset by peer",
  [Errno.ETIMEDOUT!]: "connection timed out",
  [Errno.EHOSTUNREACH!]: "no route to host",
  [Errno.ENETUNREACH!]: "network is unreachable",
  [Errno.EADDRNOTAVAIL!]: "cannot assign the source address",
  [Errno.EADDRINUSE!]: "source address already in use",
  [Errno.EPIPE!]: "broken pipe",
  [Errno.EACCES!]: "permission denied",
  [Errno.EPERM!]: "operation not permitted",
};

export function reasonOf(err: number): string {
  const r = REASONS[err];
  return r ? `${r} (${errnoName(err)})` : errnoName(err);
}

export class TcpConnection {
  /** bytes the kernel did not take yet */
  private pending: Uint8Array | null = null;
  isConnected = false;
  isClosed = false;
  /** performance.now() time at which handler.expired runs (checked on every poll) */
  expiresAt = Infinity;

  constructor(
    private readonly client: TcpClient,
    readonly fd: number,
    readonly gen: number,
    readonly handler: TcpClientHandler,
  ) {}

  /** Queues `b` (the caller must not change it until the connection ends). */
  write(b: Uint8Array): void {
    if (this.isClosed) return;
    if (this.pending) {
      const joined = ffiBytes(this.pending.length + b.length);
      joined.set(this.pending);
      joined.set(b, this.pending.length);
      this.pending = joined;
    } else {
      this.pending = b;
    }
    if (this.isConnected) this.flush();
  }

  /** Closes at once; no callback follows. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.client.forget(this);
    sym.close(this.fd); // also removes it from the epoll set
  }

  /** Sends what is queued; false when the connection failed (and the handler was told). */
  flush(): boolean {
    const p = this.pending;
    if (!p) return true;
    const n = Number(sym.send(this.fd, p, p.length, MSG_NOSIGNAL | MSG_DONTWAIT));
    if (n < 0) {
      const e = errno();
      if (e === Errno.EAGAIN || e === Errno.EINTR) return true; // EPOLLOUT comes back when there is room
      this.fail(e);
      return false;
    }
    this.pending = n >= p.length ? null : p.subarray(n);
    return true;
  }

  fail(err: number): void {
    if (this.isClosed) return;
    this.close();
    this.handler.failed(reasonOf(err));
  }
}

export class TcpClient {
  private epoll: Epoll | null = null;
  private readonly conns = new Map<number, TcpConnection>();
  private readonly watchers = new Map<number, { w: PollWatcher; gen: number }>();
  private gen = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly rx = ffiBytes(RX_BYTES);
  private readonly sa4 = sockaddrIn(ffiBytes(4));
  private readonly sa6 = sockaddrIn6(ffiBytes(16), 0);
  private readonly errBuf = ffiI32(1);
  private readonly lenBuf = ffiU32(1);

  /** Connections open right now. */
  get size(): number {
    return this.conns.size;
  }

  /**
   * Starts a connection. Errors the kernel reports at once (no such source
   * address, refused on loopback) still arrive through handler.failed, after
   * this returns, so callers see one path for every failure; only running out
   * of descriptors throws.
   */
  connect(t: TcpClientTarget, handler: TcpClientHandler): TcpConnection {
    const ep = (this.epoll ??= new Epoll(256));
    const fd = sym.socket(t.family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) throw new TcpClientError(`socket: ${reasonOf(errno())}`);
    this.gen = (this.gen + 1) >>> 0;
    const c = new TcpConnection(this, fd, this.gen, handler);
    this.conns.set(fd, c);
    let err = 0;
    if (t.localAddress || t.localPort) {
      // bind_port reuses a fixed source port every delay_loop: the previous
      // connection may still sit in TIME_WAIT
      if (t.localPort) sym.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, int32Option(1), 4);
      const local = inetSockaddrInto(t.family === 4 ? this.sa4 : this.sa6, t.family, t.localAddress ?? ANY, t.localPort ?? 0, 0);
      if (sym.bind(fd, local, local.length) < 0) err = errno();
    }
    if (!err) {
      const remote = inetSockaddrInto(t.family === 4 ? this.sa4 : this.sa6, t.family, t.address, t.port, t.scopeId ?? 0);
      if (sym.connect(fd, remote, remote.length) < 0) {
        const e = errno();
        if (e !== Errno.EINPROGRESS) err = e;
      }
    }
    if (!err) {
      try {
        ep.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, fd, c.gen);
      } catch (e) {
        err = e instanceof SysError ? e.errno : Errno.ENOMEM!;
      }
    }
    if (err) {
      const e = err;
      // reported from a microtask, never from inside connect()
      queueMicrotask(() => c.fail(e));
    }
    this.schedule();
    return c;
  }

  /**
   * Adds `fd` to the set for `events` (level-triggered unless EPOLLET is given);
   * `w.ready` runs when it is ready. The caller closes the descriptor, after
   * unwatch(). Throws SysError when epoll_ctl refuses it.
   */
  watch(fd: number, events: number, w: PollWatcher): void {
    const ep = (this.epoll ??= new Epoll(256));
    this.gen = (this.gen + 1) >>> 0;
    ep.add(fd, events, fd, this.gen);
    this.watchers.set(fd, { w, gen: this.gen });
  }

  /** Forgets `fd` (closing it takes it out of the epoll set). */
  unwatch(fd: number): void {
    this.watchers.delete(fd);
  }

  /** A watcher became busy: make sure the poll timer runs. */
  wake(): void {
    this.schedule();
  }

  /** Looks at the epoll set once and runs the handlers; returns how many events it saw. */
  poll(): number {
    const ep = this.epoll;
    if (!ep) return 0;
    let total = 0;
    for (;;) {
      const n = ep.wait(0);
      for (let i = 0; i < n; i++) {
        const c = this.conns.get(ep.loAt(i));
        // a descriptor closed (and maybe reused) since the event was queued
        if (!c || c.gen !== ep.hiAt(i)) {
          const w = this.watchers.get(ep.loAt(i));
          if (w && w.gen === ep.hiAt(i)) this.dispatch(w.w, ep.eventsAt(i));
          continue;
        }
        try {
          this.handle(c, ep.eventsAt(i));
        } catch (e) {
          // a handler bug must not cost the other connections their (edge-triggered) events
          c.close();
          process.stderr.write(`vigil tcp client: ${e instanceof Error ? e.stack ?? e.message : e}\n`);
        }
      }
      total += n;
      if (n < ep.capacity) return total;
    }
  }

  private dispatch(w: PollWatcher, events: number): void {
    try {
      w.ready(events);
    } catch (e) {
      process.stderr.write(`vigil tcp client: ${e instanceof Error ? e.stack ?? e.message : e}\n`);
    }
  }

  forget(c: TcpConnection): void {
    if (this.conns.get(c.fd) === c) this.conns.delete(c.fd);
  }

  private handle(c: TcpConnection, ev: number): void {
    if (!c.isConnected) {
      if (ev & (EPOLLERR | EPOLLHUP)) return c.fail(this.socketError(c.fd) || Errno.ECONNREFUSED!);
      if (!(ev & EPOLLOUT)) return;
      c.isConnected = true;
      c.handler.connected();
      if (c.isClosed || !c.flush()) return;
    } else if (ev & EPOLLOUT) {
      if (!c.flush()) return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) this.drain(c);
  }

  /** Edge-triggered: read until the kernel has nothing more, EOF or an error. */
  private drain(c: TcpConnection): void {
    const rx = this.rx;
    while (!c.isClosed) {
      const n = Number(sym.recv(c.fd, rx, rx.length, MSG_DONTWAIT));
      if (n > 0) {
        c.handler.data(rx.subarray(0, n));
        continue;
      }
      if (n === 0) {
        c.close();
        c.handler.closed();
        return;
      }
      const e = errno();
      if (e === Errno.EAGAIN) return;
      if (e !== Errno.EINTR) return c.fail(e);
    }
  }

  private socketError(fd: number): number {
    this.errBuf[0] = 0;
    this.lenBuf[0] = 4;
    sym.getsockopt(fd, SOL_SOCKET, SO_ERROR, this.errBuf, this.lenBuf);
    return this.errBuf[0]!;
  }

  private expire(now: number): void {
    for (const { w } of this.watchers.values()) {
      try {
        w.expire(now);
      } catch (e) {
        process.stderr.write(`vigil tcp client: ${errorText(e)}\n`);
      }
    }
    for (const c of this.conns.values()) {
      if (now < c.expiresAt) continue;
      try {
        c.handler.expired(now);
      } catch (e) {
        process.stderr.write(`vigil tcp client: ${errorText(e)}\n`);
      }
      if (!c.isClosed && c.expiresAt <= now) c.close(); // a handler that neither closed nor moved on
    }
  }

  private schedule(): void {
    if (this.timer) return;
    const now = performance.now();
    const at = (Math.floor(now / POLL_MS) + 1) * POLL_MS;
    this.timer = setTimeout(() => this.tick(), at - now);
  }

  private tick(): void {
    this.timer = undefined;
    try {
      this.poll();
    } catch (e) {
      // epoll_wait failing is a bug or a dying process; keep polling, say why once per tick
      process.stderr.write(`vigil tcp client: ${errorText(e)}\n`);
    }
    this.expire(performance.now());
    if (this.conns.size > 0 || this.watchersBusy()) this.schedule();
  }

  private watchersBusy(): boolean {
    for (const { w } of this.watchers.values()) if (w.busy) return true;
    return false;
  }
}

/** The process's one client set (one epoll descriptor, one poll timer). */
let shared: TcpClient | undefined;
export function tcpClient(): TcpClient {
  return (shared ??= new TcpClient());
}
