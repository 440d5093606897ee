// One UDP_CHECK attempt on raw syscalls, in the checkers' epoll set
// (tcp-client.ts): a connected UDP socket with IP_RECVERR/IPV6_RECVERR (as
// keepalived's layer4.c udp_bind_connect), one datagram out, then whichever
// comes first: a reply, an ICMP error from the error queue, or the deadline.
// What each of those means for the check is the checker's (udp.ts) call.
import { ptr } from "bun:ffi";
import {
  AF_INET, AF_INET6, EPOLLERR, EPOLLIN, IPPROTO_UDP, MSG_DONTWAIT, OFFSETOF, SIZEOF, SO_ERROR, SO_REUSEADDR, SOCK_CLOEXEC, SOCK_DGRAM,
  SOCK_NONBLOCK, SOL_IP, SOL_IPV6, SOL_SOCKET,
} from "./abi.ts";
import { Errno } from "./errno.ts";
import { ffiBytes, ffiI32, ffiU32 } from "./ffi-memory.ts";
import { errno, libc } from "./libc.ts";
import { inetSockaddrInto, int32Option, sockaddrIn, sockaddrIn6, writePointer } from "./sockaddr.ts";
import { type PollWatcher, reasonOf, tcpClient } from "./tcp-client.ts";
import { type ExtendedErr, IP_RECVERR, IPV6_RECVERR, readExtendedErr } from "./udp-errqueue.ts";

const sym = libc.symbols;
/** <bits/socket.h> MSG_ERRQUEUE */
const MSG_ERRQUEUE = 0x2000;
const ANY = ffiBytes(16);

export interface UdpProbeTarget {
  family: 4 | 6;
  /** 4 or 16 address bytes */
  address: Uint8Array;
  port: number;
  localAddress?: Uint8Array;
  localPort?: number;
}

export type UdpProbeEvent =
  /** a datagram came back: its first `maxReply + 1` bytes (so a longer one shows as longer) */
  | { kind: "reply"; data: Uint8Array }
  /** the kernel queued an ICMP (or local) error for the socket */
  | { kind: "error"; err: ExtendedErr }
  /** a socket call failed before or while sending */
  | { kind: "failed"; reason: string }
  /** nothing came back before the deadline */
  | { kind: "timeout" };

export interface UdpProbeHandle {
  /** closes the socket; the callback never runs */
  cancel(): void;
}

/** Buffers for reading error queues, shared: the checkers run on one thread. */
const errq = (() => {
  const msg = ffiBytes(SIZEOF.msghdr);
  const iov = ffiBytes(SIZEOF.iovec);
  const data = ffiBytes(576);
  const name = ffiBytes(SIZEOF.sockaddr_in6);
  const control = ffiBytes(512);
  const dv = new DataView(msg.buffer);
  const iv = new DataView(iov.buffer);
  const m = OFFSETOF.msghdr;
  writePointer(iv, OFFSETOF.iovec.iov_base, ptr(data));
  iv.setUint32(OFFSETOF.iovec.iov_len, data.length, true);
  writePointer(dv, m.msg_name, ptr(name));
  writePointer(dv, m.msg_iov, ptr(iov));
  dv.setUint32(m.msg_iovlen, 1, true);
  writePointer(dv, m.msg_control, ptr(control));
  // iov and data too: msg reaches them only through the raw pointers above, which
  // keep nothing alive — collected, recvmsg wrote into freed memory (a SIGSEGV once
  // mimalloc returned freed pages at once, MIMALLOC_PURGE_DELAY=0)
  return { msg, dv, name, control, iov, data };
})();

class UdpProbe implements PollWatcher, UdpProbeHandle {
  private closed = false;
  private readonly rx: Uint8Array;

  constructor(
    private readonly fd: number,
    readonly expiresAt: number,
    maxReply: number,
    private readonly done: (e: UdpProbeEvent) => void,
  ) {
    this.rx = ffiBytes(maxReply + 1);
  }

  get busy(): boolean {
    return !this.closed;
  }

  ready(events: number): void {
    if (this.closed) return;
    if (events & EPOLLERR) {
      const e = readErrQueue(this.fd);
      if (e) return this.finish({ kind: "error", err: e });
      // an error with nothing queued: SO_ERROR names (and clears) it, so the set stops reporting it
      const so = socketError(this.fd);
      if (so) return this.finish({ kind: "failed", reason: reasonOf(so) });
    }
    if (!(events & EPOLLIN)) return;
    const n = Number(sym.recv(this.fd, this.rx, this.rx.length, MSG_DONTWAIT));
    if (n >= 0) return this.finish({ kind: "reply", data: this.rx.slice(0, n) });
    const e = errno();
    if (e === Errno.EAGAIN || e === Errno.EINTR) return;
    // IP_RECVERR: the pending error comes back from recv as well; the queue says which ICMP it was
    const q = readErrQueue(this.fd);
    this.finish(q ? { kind: "error", err: q } : { kind: "failed", reason: `recv: ${reasonOf(e)}` });
  }

  expire(now: number): void {
    if (!this.closed && now >= this.expiresAt) this.finish({ kind: "timeout" });
  }

  cancel(): void {
    this.close();
  }

  private finish(e: UdpProbeEvent): void {
    if (this.closed) return;
    this.close();
    this.done(e);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    tcpClient().unwatch(this.fd);
    sym.close(this.fd);
  }
}

const soErr = ffiI32(1);
const soLen = ffiU32(1);
function socketError(fd: number): number {
  soErr[0] = 0;
  soLen[0] = 4;
  sym.getsockopt(fd, SOL_SOCKET, SO_ERROR, soErr, soLen);
  return soErr[0]!;
}

function readErrQueue(fd: number): ExtendedErr | undefined {
  const m = OFFSETOF.msghdr;
  errq.dv.setUint32(m.msg_namelen, errq.name.length, true);
  errq.dv.setUint32(m.msg_controllen, errq.control.length, true);
  errq.dv.setUint32(m.msg_controllen + 4, 0, true);
  const n = Number(sym.recvmsg(fd, errq.msg, MSG_ERRQUEUE | MSG_DONTWAIT));
  if (n < 0) return undefined;
  return readExtendedErr(errq.control, errq.dv.getUint32(m.msg_controllen, true));
}

const NOOP: UdpProbeHandle = { cancel() {} };

/**
 * Sends `payload` to the target and reports what comes back through `done`
 * (once, never from inside this call). `maxReply` bounds the bytes read.
 */
export function udpProbe(t: UdpProbeTarget, payload: Uint8Array, maxReply: number, expiresAt: number, done: (e: UdpProbeEvent) => void): UdpProbeHandle {
  const fail = (what: string, e: number): UdpProbeHandle => {
    queueMicrotask(() => done({ kind: "failed", reason: `${what}: ${reasonOf(e)}` }));
    return NOOP;
  };
  const fd = sym.socket(t.family === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return fail("socket", errno());
  const bail = (what: string): UdpProbeHandle => {
    const e = errno();
    sym.close(fd);
    return fail(what, e);
  };
  const on = int32Option(1);
  if (sym.setsockopt(fd, t.family === 4 ? SOL_IP : SOL_IPV6, t.family === 4 ? IP_RECVERR : IPV6_RECVERR, on, 4) < 0) return bail("setsockopt(IP_RECVERR)");
  const sa = t.family === 4 ? sockaddrIn(ffiBytes(4)) : sockaddrIn6(ffiBytes(16), 0);
  if (t.localAddress || t.localPort) {
    // bind_port reuses one source port every delay_loop
    if (t.localPort) sym.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, on, 4);
    const local = inetSockaddrInto(sa, t.family, t.localAddress ?? ANY, t.localPort ?? 0, 0);
    if (sym.bind(fd, local, local.length) < 0) return bail("bind");
  }
  const remote = inetSockaddrInto(sa, t.family, t.address, t.port, 0);
  if (sym.connect(fd, remote, remote.length) < 0) return bail("connect");
  if (Number(sym.send(fd, payload, payload.length, MSG_DONTWAIT)) !== payload.length) return bail("send");
  const probe = new UdpProbe(fd, expiresAt, maxReply, done);
  try {
    tcpClient().watch(fd, EPOLLIN | EPOLLERR, probe);
  } catch {
    return bail("epoll_ctl");
  }
  tcpClient().wake();
  return probe;
}

/** keepalived's payload when none is configured: 32 bytes of "keepalived check - " (layer4.c set_buf). */
export const DEFAULT_UDP_PAYLOAD = (() => {
  const text = "keepalived check - ";
  const b = ffiBytes(32);
  for (let i = 0; i < b.length; i++) b[i] = text.charCodeAt(i % text.length);
  return b;
})();
