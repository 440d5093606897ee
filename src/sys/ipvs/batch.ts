// Pipelined netlink requests: many requests packed into one datagram (the
// kernel's netlink_rcv_skb walks every message in it), then every ACK
// collected, without waiting for one reply before sending the next request.
// The window bounds how many ACKs can queue up at once so the socket's receive
// buffer never overflows (an overflow would silently drop ACKs: ENOBUFS).
import { NLM_F_ACK, NLMSG_ERROR, OFFSETOF } from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { errno, libc } from "../libc.ts";
import { parseError, parseMessages } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";

const sym = libc.symbols;
const H = OFFSETOF.nlmsghdr;

export interface BatchFailure {
  index: number;
  errno: number;
  message?: string;
}

export interface BatchOptions {
  /** requests per datagram; each produces one ACK (≈36 bytes, ≈1 KiB of socket buffer truesize) */
  window?: number;
  /** datagram size cap */
  maxBytes?: number;
}

export class NetlinkBatch {
  private readonly tx: Uint8Array;
  private readonly txView: DataView;
  private readonly rx = new Uint8Array(64 * 1024);
  private seq: number;

  constructor(private readonly sock: NetlinkSocket, private readonly opts: BatchOptions = {}) {
    this.tx = new Uint8Array(opts.maxBytes ?? 64 * 1024);
    this.txView = new DataView(this.tx.buffer);
    this.seq = ((Date.now() * 7919) & 0x3fffffff) + 0x40000000;
  }

  /**
   * Sends every request (finished netlink messages; they are copied) and returns
   * the failures by request index. Never throws for a per-request error; throws
   * SysError only when the socket itself fails.
   */
  run(requests: Uint8Array[], op = "netlink batch"): BatchFailure[] {
    const window = this.opts.window ?? 64;
    const failures: BatchFailure[] = [];
    let i = 0;
    while (i < requests.length) {
      // pack one datagram
      let len = 0;
      const first = i;
      const seqBase = this.seq;
      while (i < requests.length && i - first < window) {
        const m = requests[i]!;
        const padded = (m.length + 3) & ~3;
        if (padded > this.tx.length) throw new SysError(op, Errno.EMSGSIZE, `request ${i} is ${m.length} bytes`);
        if (len + padded > this.tx.length) break;
        this.tx.set(m, len);
        this.tx.fill(0, len + m.length, len + padded);
        const dv = this.txView;
        dv.setUint32(len + H.nlmsg_seq, (seqBase + (i - first)) >>> 0, true);
        dv.setUint16(len + H.nlmsg_flags, dv.getUint16(len + H.nlmsg_flags, true) | NLM_F_ACK, true);
        len += padded;
        i++;
      }
      const count = i - first;
      this.seq = (this.seq + count) >>> 0;
      const n = sym.send(this.sock.fd, this.tx, len, 0);
      if (n < 0) throw new SysError(op, errno(), "send batch");
      this.collect(seqBase, count, first, failures, op);
    }
    return failures;
  }

  private collect(seqBase: number, count: number, first: number, failures: BatchFailure[], op: string): void {
    const seen = new Uint8Array(count);
    let pending = count;
    // bounded: each datagram answers at least one request unless it is noise
    for (let reads = 0; pending > 0; reads++) {
      if (reads > count * 4 + 64) throw new SysError(op, Errno.EPROTO, `${pending} ACKs never arrived`);
      const n = Number(sym.recv(this.sock.fd, this.rx, this.rx.length, 0));
      if (n < 0) {
        const e = errno();
        throw new SysError(op, e, e === Errno.EAGAIN ? `${pending} of ${count} ACKs missing at the timeout` : "recv batch ACKs");
      }
      for (const m of parseMessages(this.rx.subarray(0, n), op)) {
        if (m.type !== NLMSG_ERROR) continue;
        const k = (m.seq - seqBase) >>> 0;
        if (k >= count || seen[k]) continue; // not ours (a late reply to something else)
        seen[k] = 1;
        pending--;
        const err = parseError(m);
        if (err.errno !== 0) failures.push({ index: first + k, errno: err.errno, message: err.message });
      }
    }
  }
}
