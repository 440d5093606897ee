// AF_NETLINK socket over bun:ffi: request/ack, dumps, and non-blocking reads for
// multicast monitors. Replies land in one preallocated receive buffer; a request
// that only needs an ACK (e.g. refreshing a VIP's lifetime) allocates nothing.
import {
  AF_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK,
  MSG_DONTWAIT, MSG_TRUNC, NLM_F_ACK, NLM_F_DUMP,
  OFFSETOF, SIZEOF, SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVTIMEO, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_NETLINK, SOL_SOCKET,
} from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { check, errno, libc } from "../libc.ts";
import { NLMSG_HDRLEN, type NlMessage, parseMessages } from "./message.ts";
import { REPLY_FINISHED, REPLY_INTERRUPTED, scanReply } from "./reply.ts";
import { ffiBytes, ffiI32, ffiI64 } from "../ffi-memory.ts";

const sym = libc.symbols;
const H = OFFSETOF.nlmsghdr;

export interface NetlinkSocketOptions {
  /** multicast groups to join (RTNLGRP_*, or genetlink group ids) */
  groups?: number[];
  /** reads never block (monitor sockets polled by the daemon) */
  nonblocking?: boolean;
  /** receive buffer bytes; a dump message never exceeds 32 KiB, the default leaves room */
  bufferSize?: number;
  /** SO_RCVBUF for bursty multicast traffic */
  rcvbuf?: number;
  /** how long a blocking request waits for its reply before failing with EAGAIN */
  timeoutMs?: number;
}

export class NetlinkSocket {
  readonly fd: number;
  readonly protocol: number;
  private seq = 0;
  private closed = false;
  private readonly rx: Uint8Array;
  private readonly rxView: DataView;
  private readonly i32 = ffiI32(1);

  constructor(protocol: number, opts: NetlinkSocketOptions = {}) {
    this.protocol = protocol;
    const type = SOCK_RAW | SOCK_CLOEXEC | (opts.nonblocking ? SOCK_NONBLOCK : 0);
    this.fd = check(`socket(AF_NETLINK, ${protocol})`, sym.socket(AF_NETLINK, type, protocol));
    try {
      this.rx = ffiBytes(opts.bufferSize ?? 64 * 1024);
      this.rxView = new DataView(this.rx.buffer);
      // Extended ack gives the kernel's reason text; CAP_ACK keeps error replies
      // small; strict checking lets dumps filter by ifindex. All are optional
      // extras on old kernels, so their failure is ignored.
      this.setInt(SOL_NETLINK, NETLINK_EXT_ACK, 1, true);
      this.setInt(SOL_NETLINK, NETLINK_CAP_ACK, 1, true);
      this.setInt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, true);
      // SO_RCVBUFFORCE (root) passes rmem_max, which would otherwise silently cap a
      // monitor's buffer at ≈208 KiB; without the privilege fall back to SO_RCVBUF.
      if (opts.rcvbuf && !this.setInt(SOL_SOCKET, SO_RCVBUFFORCE, opts.rcvbuf, true)) this.setInt(SOL_SOCKET, SO_RCVBUF, opts.rcvbuf, false);
      if (!opts.nonblocking) this.setReplyTimeout(opts.timeoutMs ?? 5000);
      const sa = ffiBytes(SIZEOF.sockaddr_nl);
      new DataView(sa.buffer).setUint16(OFFSETOF.sockaddr_nl.nl_family, AF_NETLINK, true);
      check("bind(AF_NETLINK)", sym.bind(this.fd, sa, sa.length));
      for (const g of opts.groups ?? []) this.join(g);
    } catch (e) {
      sym.close(this.fd);
      throw e;
    }
    this.seq = (Date.now() & 0x7fffffff) >>> 0;
  }

  /** Returns whether the option was set; a required option that fails throws. */
  private setInt(level: number, name: number, value: number, optional: boolean): boolean {
    this.i32[0] = value;
    const rc = sym.setsockopt(this.fd, level, name, this.i32, 4);
    if (rc < 0 && !optional) throw new SysError(`setsockopt(netlink, ${level}, ${name})`, errno());
    return rc === 0;
  }

  private setReplyTimeout(ms: number): void {
    const tv = ffiI64(2);
    tv[0] = BigInt(Math.floor(ms / 1000));
    tv[1] = BigInt(Math.floor((ms % 1000) * 1000));
    check("setsockopt(SO_RCVTIMEO)", sym.setsockopt(this.fd, SOL_SOCKET, SO_RCVTIMEO, tv, SIZEOF.timeval));
  }

  /** Joins a multicast group (NETLINK_ADD_MEMBERSHIP takes group numbers above 31 too). */
  join(group: number): void {
    this.i32[0] = group;
    check(`netlink join group ${group}`, sym.setsockopt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, this.i32, 4));
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /**
   * Reserves `count` consecutive sequence numbers for a caller that stamps its
   * own messages (pipelined batches on this socket), so they never collide with
   * request()/query() replies.
   */
  reserveSeq(count: number): number {
    const first = this.nextSeq();
    this.seq = (first + count - 1) >>> 0;
    return first;
  }

  /** Stamps a fresh sequence number into `msg` in place and sends it; returns the sequence. */
  send(msg: Uint8Array, op: string): number {
    if (this.closed) throw new SysError(op, Errno.EBADF, "netlink socket closed");
    if (msg.length < NLMSG_HDRLEN) throw new RangeError(`${op}: request shorter than nlmsghdr`);
    // byte-wise little-endian (host order on x64/arm64) patching: no DataView allocated per send
    const seq = this.nextSeq();
    msg[H.nlmsg_seq] = seq & 0xff;
    msg[H.nlmsg_seq + 1] = (seq >>> 8) & 0xff;
    msg[H.nlmsg_seq + 2] = (seq >>> 16) & 0xff;
    msg[H.nlmsg_seq + 3] = seq >>> 24;
    // Every non-dump request asks for an ACK so the reply loop always ends.
    const flags = msg[H.nlmsg_flags] | (msg[H.nlmsg_flags + 1] << 8);
    if ((flags & NLM_F_DUMP) !== NLM_F_DUMP) msg[H.nlmsg_flags] |= NLM_F_ACK;
    const n = Number(sym.send(this.fd, msg, msg.length, 0));
    if (n < 0) throw new SysError(op, errno(), "send");
    return seq;
  }

  /**
   * One datagram into the receive buffer. Returns its length, or -1 if a
   * non-blocking read found nothing. The bytes stay valid until the next receive.
   */
  private receiveInto(op: string, flags: number): number {
    const n = Number(sym.recv(this.fd, this.rx, this.rx.length, flags | MSG_TRUNC));
    if (n < 0) {
      const e = errno();
      if (e === Errno.EAGAIN && (flags & MSG_DONTWAIT) !== 0) return -1;
      throw new SysError(op, e, e === Errno.EAGAIN ? "no netlink reply before the timeout" : "recv");
    }
    if (n > this.rx.length) throw new SysError(op, Errno.EMSGSIZE, `netlink message of ${n} bytes exceeds the ${this.rx.length}-byte buffer`);
    return n;
  }

  /**
   * Non-blocking read for monitors that look at the bytes before parsing: the
   * datagram's length, or -1 if none waiting. Its bytes are rxBytes[0, n) (read
   * them through rxDataView), valid until the next read. Allocates nothing.
   */
  tryReceiveRaw(op = "netlink monitor"): number {
    return this.receiveInto(op, MSG_DONTWAIT);
  }

  /** The receive buffer tryReceiveRaw() fills. */
  get rxBytes(): Uint8Array {
    return this.rx;
  }

  get rxDataView(): DataView {
    return this.rxView;
  }

  /** Non-blocking read for monitors: parsed messages (views, valid until the next read) or null if none waiting. */
  tryReceive(op = "netlink monitor"): NlMessage[] | null {
    const n = this.receiveInto(op, MSG_DONTWAIT);
    return n < 0 ? null : parseMessages(this.rx.subarray(0, n), op);
  }

  /** Sends a request and waits for its ACK; throws SysError(op) on NLMSG_ERROR. Allocation-free on success. */
  request(msg: Uint8Array, op: string): void {
    this.transact(msg, op, null);
  }

  /**
   * Sends a request (dump or single get) and returns every reply message for it,
   * payloads copied out of the receive buffer. Dumps interrupted by a concurrent
   * change (NLM_F_DUMP_INTR) are retried a bounded number of times.
   */
  query(msg: Uint8Array, op: string): NlMessage[] {
    for (let attempt = 0; ; attempt++) {
      const out: NlMessage[] = [];
      const interrupted = this.transact(msg, op, out);
      if (!interrupted) return out;
      if (attempt >= 4) throw new SysError(op, Errno.EINTR, "dump kept changing underneath (NLM_F_DUMP_INTR)");
    }
  }

  /** Returns true if a dump came back flagged NLM_F_DUMP_INTR. */
  private transact(msg: Uint8Array, op: string, collect: NlMessage[] | null): boolean {
    const seq = this.send(msg, op);
    let interrupted = false;
    // bounded: a dump of this size would be absurd; protects against a peer that never ends
    for (let datagrams = 0; datagrams < 1_000_000; datagrams++) {
      const n = this.receiveInto(op, 0);
      const r = scanReply(this.rx, this.rxView, n, seq, op, collect);
      if (r & REPLY_INTERRUPTED) interrupted = true;
      if (r & REPLY_FINISHED) return interrupted;
    }
    throw new SysError(op, Errno.EPROTO, "netlink reply never ended");
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    sym.close(this.fd);
  }
}
