// ICMP/ICMPv6 echo for PING_CHECK over raw sockets (CAP_NET_RAW), one socket
// per family and source address, shared by every check and registered in the
// checkers' epoll set (tcp-client.ts): a ping costs one sendto and, for its
// reply, one recvfrom on a poll tick the TCP checks share.
//
// keepalived 2.2.7 opens an unprivileged ICMP datagram socket per attempt and
// widens net.ipv4.ping_group_range to do so; a raw socket needs no sysctl
// change, so the identifier is ours to pick and match (a raw socket sees every
// echo reply of the host), together with the sequence number and the source.
// An ICMP destination unreachable or time exceeded that quotes one of our
// requests ends that attempt at once (the kernel reports a failed neighbour
// resolution that way too); no answer ends it at its deadline.
import { errorText } from "../error-text.ts";
import { AF_INET, AF_INET6, EPOLLIN, IPPROTO_ICMP, IPPROTO_ICMPV6, MSG_DONTWAIT, OFFSETOF, SIZEOF, SO_RCVBUF, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_SOCKET } from "./abi.ts";
import { Errno } from "./errno.ts";
import { ffiBytes, ffiU32 } from "./ffi-memory.ts";
import { errno, libc } from "./libc.ts";
import { inetSockaddrInto, int32Option, sockaddrIn, sockaddrIn6 } from "./sockaddr.ts";
import { type PollWatcher, reasonOf, tcpClient } from "./tcp-client.ts";
import { encodeEchoRequest, ECHO_PAYLOAD, ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_TIME_EXCEEDED, ICMP6_DEST_UNREACH, ICMP6_ECHO_REPLY, ICMP6_TIME_EXCEEDED, judgeIcmp } from "../lvs/checkers/icmp-codec.ts";
import { formatIP } from "../net/ip-address.ts";

const sym = libc.symbols;

// <linux/icmp.h>: SOL_RAW / ICMP_FILTER (a mask of the types to drop);
// <linux/icmpv6.h>: ICMPV6_FILTER (struct icmp6_filter, a set bit drops the type)
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const ICMPV6_FILTER = 1;
/** keepalived check_ping.c's receive buffer */
const RCVBUF = 128 * 1024;
/** datagrams read per ready event before yielding (the rest come on the next tick: level-triggered) */
const DRAIN_MAX = 1024;

export interface PingTarget {
  family: 4 | 6;
  /** 4 or 16 address bytes */
  address: Uint8Array;
  /** bindto: 4 or 16 bytes */
  source?: Uint8Array;
}

export type PingResult = { ok: true } | { ok: false; reason: string };

export interface PingHandle {
  /** drops the attempt; its callback never runs */
  cancel(): void;
}

interface Pending {
  seq: number;
  dst: Uint8Array;
  expiresAt: number;
  started: number;
  done: (r: PingResult) => void;
}

const NOOP: PingHandle = { cancel() {} };

class RawIcmpSocket implements PollWatcher {
  readonly fd: number;
  private readonly id = (Math.random() * 0x10000) & 0xffff;
  private nextSeq = (Math.random() * 0x10000) & 0xffff;
  private readonly pending = new Map<number, Pending>();
  private readonly tx = ffiBytes(8 + ECHO_PAYLOAD.length);
  private readonly rx = ffiBytes(2048);
  private readonly from: Uint8Array;
  private readonly fromLen = ffiU32(1);
  private readonly to: Uint8Array;

  constructor(readonly family: 4 | 6, source: Uint8Array | undefined) {
    const fd = sym.socket(family === 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
    if (fd < 0) throw new Error(`raw ICMP${family === 6 ? "v6" : ""} socket: ${reasonOf(errno())}`);
    this.fd = fd;
    this.from = ffiBytes(family === 4 ? SIZEOF.sockaddr_in : SIZEOF.sockaddr_in6);
    this.to = family === 4 ? sockaddrIn(ffiBytes(4)) : sockaddrIn6(ffiBytes(16), 0);
    try {
      this.filter();
      sym.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, int32Option(RCVBUF), 4);
      if (source) {
        const sa = family === 4 ? sockaddrIn(source) : sockaddrIn6(source, 0);
        if (sym.bind(fd, sa, sa.length) < 0) throw new Error(`bind to ${formatIP(source)}: ${reasonOf(errno())}`);
      }
      tcpClient().watch(fd, EPOLLIN, this);
    } catch (e) {
      sym.close(fd);
      throw e;
    }
  }

  /** Only echo replies and the errors that can quote a request reach the socket. */
  private filter(): void {
    if (this.family === 4) {
      const pass = (1 << ICMP_ECHO_REPLY) | (1 << ICMP_DEST_UNREACH) | (1 << ICMP_TIME_EXCEEDED);
      sym.setsockopt(this.fd, SOL_RAW, ICMP_FILTER, int32Option(~pass >>> 0), 4);
      return;
    }
    const f = ffiU32(8).fill(0xffffffff);
    for (const t of [ICMP6_ECHO_REPLY, ICMP6_DEST_UNREACH, ICMP6_TIME_EXCEEDED]) f[t >> 5]! &= ~(1 << (t & 31));
    sym.setsockopt(this.fd, IPPROTO_ICMPV6, ICMPV6_FILTER, new Uint8Array(f.buffer), 32);
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  ping(dst: Uint8Array, expiresAt: number, done: (r: PingResult) => void): PingHandle {
    let seq = this.nextSeq;
    // a sequence number still waiting for its reply is skipped (65 536 at once would be a bug elsewhere)
    for (let i = 0; this.pending.has(seq) && i < 0x10000; i++) seq = (seq + 1) & 0xffff;
    if (this.pending.has(seq)) {
      queueMicrotask(() => done({ ok: false, reason: "65536 pings in flight on one socket" }));
      return NOOP;
    }
    this.nextSeq = (seq + 1) & 0xffff;
    const len = encodeEchoRequest(this.tx, this.family, this.id, seq);
    const sa = inetSockaddrInto(this.to, this.family, dst, 0, 0);
    if (Number(sym.sendto(this.fd, this.tx, len, MSG_DONTWAIT, sa, sa.length)) < 0) {
      const e = errno();
      // reported after ping() returns, like every other outcome
      queueMicrotask(() => done({ ok: false, reason: `send: ${reasonOf(e)}` }));
      return NOOP;
    }
    const p: Pending = { seq, dst: dst.slice(), expiresAt, started: performance.now(), done };
    this.pending.set(seq, p);
    tcpClient().wake();
    return { cancel: () => {
      if (this.pending.get(seq) === p) this.pending.delete(seq);
    } };
  }

  ready(_events: number): void {
    const v4 = this.family === 4;
    for (let k = 0; k < DRAIN_MAX; k++) {
      this.fromLen[0] = this.from.length;
      const n = Number(sym.recvfrom(this.fd, this.rx, this.rx.length, MSG_DONTWAIT, this.from, this.fromLen));
      if (n < 0) {
        const e = errno();
        if (e === Errno.EINTR) continue;
        return; // EAGAIN: drained (a raw socket has no other error to report here)
      }
      const verdict = judgeIcmp(this.family, this.rx, n);
      if (verdict.kind === "ignore" || verdict.id !== this.id) continue;
      const p = this.pending.get(verdict.seq);
      if (!p) continue;
      if (verdict.kind === "reply") {
        // the reply must come from the address we pinged (RFC 792: the echoer swaps the addresses)
        const src = v4 ? this.rx.subarray(12, 16) : this.from.subarray(OFFSETOF.sockaddr_in6.sin6_addr, OFFSETOF.sockaddr_in6.sin6_addr + 16);
        if (!same(src, p.dst)) continue;
        this.settle(p, { ok: true });
      } else {
        if (!same(verdict.quotedDst, p.dst)) continue;
        const by = v4 ? this.rx.subarray(12, 16) : this.from.subarray(OFFSETOF.sockaddr_in6.sin6_addr, OFFSETOF.sockaddr_in6.sin6_addr + 16);
        this.settle(p, { ok: false, reason: `${verdict.reason} from ${formatIP(by)}` });
      }
    }
  }

  expire(now: number): void {
    for (const p of this.pending.values()) {
      if (now >= p.expiresAt) this.settle(p, { ok: false, reason: `no echo reply within ${Math.round(p.expiresAt - p.started)} ms` });
    }
  }

  private settle(p: Pending, r: PingResult): void {
    this.pending.delete(p.seq);
    p.done(r);
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The process's pinger: raw sockets opened on first use, by family and source. */
export class IcmpPinger {
  private readonly sockets = new Map<string, RawIcmpSocket>();

  /** Sends one echo request; `done` runs once (reply, ICMP error, send failure or expiresAt passed), never from inside ping(). */
  ping(t: PingTarget, expiresAt: number, done: (r: PingResult) => void): PingHandle {
    const key = `${t.family}|${t.source ? formatIP(t.source) : ""}`;
    let s = this.sockets.get(key);
    if (!s) {
      try {
        s = new RawIcmpSocket(t.family, t.source);
      } catch (e) {
        // not remembered: a later attempt tries again (capabilities or the address may come)
        const reason = errorText(e);
        queueMicrotask(() => done({ ok: false, reason }));
        return NOOP;
      }
      this.sockets.set(key, s);
    }
    return s.ping(t.address, expiresAt, done);
  }
}

let shared: IcmpPinger | undefined;
export function icmpPinger(): IcmpPinger {
  return (shared ??= new IcmpPinger());
}
