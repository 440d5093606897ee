// Pipelined netlink requests: consecutive requests of a RequestBuffer sent as
// one datagram each window (the kernel's netlink_rcv_skb walks every message in
// it, in order), straight from the buffer, without waiting for one reply before
// sending the next request. Only the last request of a datagram asks for an
// ACK: the kernel reports every failure with an NLMSG_ERROR whether or not
// NLM_F_ACK was set, and it answers in order, so when the last ACK is in,
// every failure before it has arrived too. That is one receive per datagram
// instead of one per request.
// The window bounds how many error replies can queue up at once so the socket's
// receive buffer does not overflow (the kernel would drop them: ENOBUFS).
import { ptr } from "bun:ffi";
import { NLM_F_ACK, NLMSG_ERROR, OFFSETOF, SO_RCVBUF, SO_RCVBUFFORCE, SOL_SOCKET } from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { errno, libc } from "../libc.ts";
import { parseError, parseMessages } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import type { RequestBuffer } from "./request-buffer.ts";
import { ffiBytes, ffiI32 } from "../ffi-memory.ts";

const sym = libc.symbols;
const H = OFFSETOF.nlmsghdr;

export interface BatchFailure {
  index: number;
  errno: number;
  message?: string;
}

export interface BatchOptions {
  /** requests per datagram; in the worst case each fails and queues one error reply (≈1 KiB of buffer truesize) */
  window?: number;
  /** datagram size cap (the socket's send buffer must hold one) */
  maxBytes?: number;
}

const RCVBUF = 1 << 20;

export class NetlinkBatch {
  private readonly rx = ffiBytes(64 * 1024);
  private seq: number;

  constructor(private readonly sock: NetlinkSocket, private readonly opts: BatchOptions = {}) {
    this.seq = ((Date.now() * 7919) & 0x3fffffff) + 0x40000000;
    // room for a window's worth of error replies; FORCE (root) passes rmem_max
    const v = ffiI32(1);
    v[0] = RCVBUF;
    if (sym.setsockopt(sock.fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4) < 0) sym.setsockopt(sock.fd, SOL_SOCKET, SO_RCVBUF, v, 4);
  }

  /**
   * Sends every request of `reqs` (sequence numbers and ACK flags are patched in
   * place) and returns the failures by request index. Never throws for a
   * per-request error; throws SysError when the socket itself fails or replies
   * were lost.
   */
  run(reqs: RequestBuffer, op = "netlink batch"): BatchFailure[] {
    const window = this.opts.window ?? 256;
    const maxBytes = this.opts.maxBytes ?? 64 * 1024;
    const failures: BatchFailure[] = [];
    const dv = reqs.view;
    const base = reqs.count > 0 ? ptr(reqs.buf) : 0;
    let i = 0;
    while (i < reqs.count) {
      const first = i;
      const from = reqs.range(i)[0];
      const seqBase = this.seq;
      let lastAt = from;
      let to = from;
      while (i < reqs.count && i - first < window) {
        const [s, e] = reqs.range(i);
        if (e - from > maxBytes && i > first) break;
        dv.setUint32(s + H.nlmsg_seq, (seqBase + (i - first)) >>> 0, true);
        dv.setUint16(s + H.nlmsg_flags, dv.getUint16(s + H.nlmsg_flags, true) & ~NLM_F_ACK, true);
        lastAt = s;
        to = e;
        i++;
      }
      const count = i - first;
      dv.setUint16(lastAt + H.nlmsg_flags, dv.getUint16(lastAt + H.nlmsg_flags, true) | NLM_F_ACK, true);
      this.seq = (this.seq + count) >>> 0;
      const n = Number(sym.send(this.sock.fd, base + from, to - from, 0));
      if (n < 0) throw new SysError(op, errno(), `send batch of ${count} requests (${to - from} bytes)`);
      this.collect(seqBase, count, first, failures, op);
    }
    return failures;
  }

  /** Reads replies until the last request's ACK (or error); earlier seqs can only be failures. */
  private collect(seqBase: number, count: number, first: number, failures: BatchFailure[], op: string): void {
    // bounded: at most one reply per request, plus stray replies to older requests
    for (let reads = 0; reads <= count + 64; reads++) {
      const n = Number(sym.recv(this.sock.fd, this.rx, this.rx.length, 0));
      if (n < 0) {
        const e = errno();
        if (e === Errno.ENOBUFS) throw new SysError(op, e, "netlink replies were dropped (receive buffer full); re-read the table");
        throw new SysError(op, e, e === Errno.EAGAIN ? "no ACK for the batch before the timeout" : "recv batch replies");
      }
      if (scanBatchReplies(this.rx.subarray(0, n), seqBase, count, first, failures, op)) return;
    }
    throw new SysError(op, Errno.EPROTO, "the batch's final ACK never arrived");
  }
}

/**
 * One received datagram of a batch: appends the failures it reports (request
 * index = `first` + seq offset) and returns true once the reply to the last
 * request (seq `seqBase + count - 1`) is in. Replies to other sequence numbers
 * are ignored. Malformed bytes throw NetlinkDecodeError.
 */
export function scanBatchReplies(data: Uint8Array, seqBase: number, count: number, first: number, failures: BatchFailure[], op = "netlink batch"): boolean {
  const last = count - 1;
  for (const m of parseMessages(data, op)) {
    if (m.type !== NLMSG_ERROR) continue;
    const k = (m.seq - seqBase) >>> 0;
    if (k > last) continue; // not ours (a late reply to something else)
    const err = parseError(m);
    if (err.errno !== 0) failures.push({ index: first + k, errno: err.errno, message: err.message });
    if (k === last) return true;
  }
  return false;
}
