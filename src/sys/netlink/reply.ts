// Walks one received datagram for the replies to a request (matched by sequence
// number), in place: an ACK costs no allocation. Kept apart from the socket so
// the same code that reads kernel replies is fuzzed with garbage.
import { NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, OFFSETOF } from "../abi.ts";
import { SysError } from "../errno.ts";
import { NetlinkDecodeError } from "./attr.ts";
import { NLMSG_HDRLEN, type NlMessage, parseError } from "./message.ts";

const H = OFFSETOF.nlmsghdr;

/** scanReply() result bits */
export const REPLY_FINISHED = 1;
export const REPLY_INTERRUPTED = 2;

/**
 * Scans `n` bytes of `buf` (`dv` views the same bytes from offset 0). Messages for
 * other sequence numbers (late replies to an earlier, timed-out request) are
 * skipped. Returns REPLY_FINISHED once the ACK or NLMSG_DONE arrived, plus
 * REPLY_INTERRUPTED if a dump message carried NLM_F_DUMP_INTR. Data messages are
 * copied into `collect` when given. Error replies throw SysError(op); malformed
 * bytes throw NetlinkDecodeError.
 */
export function scanReply(buf: Uint8Array, dv: DataView, n: number, seq: number, op: string, collect: NlMessage[] | null): number {
  let result = 0;
  let off = 0;
  while (off < n) {
    if (n - off < NLMSG_HDRLEN) throw new NetlinkDecodeError(op, `${n - off} trailing bytes in reply`);
    const len = dv.getUint32(off + H.nlmsg_len, true);
    if (len < NLMSG_HDRLEN || len > n - off) throw new NetlinkDecodeError(op, `reply nlmsg_len ${len} with ${n - off} bytes left`);
    const type = dv.getUint16(off + H.nlmsg_type, true);
    const flags = dv.getUint16(off + H.nlmsg_flags, true);
    const mseq = dv.getUint32(off + H.nlmsg_seq, true);
    const at = off;
    off += (len + 3) & ~3;
    if (mseq !== seq) continue;
    if (flags & NLM_F_DUMP_INTR) result |= REPLY_INTERRUPTED;
    if (type === NLMSG_ERROR) {
      // ACK (error 0) is read in place: the hot path builds no objects
      if (len >= NLMSG_HDRLEN + 4 && dv.getInt32(at + NLMSG_HDRLEN, true) === 0) return result | REPLY_FINISHED;
      const err = parseError(messageAt(buf, dv, at, len, false));
      if (err.errno <= 0) throw new NetlinkDecodeError(op, `NLMSG_ERROR with non-negative error code ${-err.errno}`);
      throw new SysError(op, err.errno, err.message ? `(kernel: ${err.message})` : undefined);
    }
    if (type === NLMSG_DONE) {
      // a dump that failed part-way carries the negative errno in NLMSG_DONE
      if (len >= NLMSG_HDRLEN + 4) {
        const code = dv.getInt32(at + NLMSG_HDRLEN, true);
        if (code < 0) throw new SysError(op, -code, "dump failed");
      }
      return result | REPLY_FINISHED;
    }
    if (type === NLMSG_NOOP || type === NLMSG_OVERRUN) continue;
    if (collect) collect.push(messageAt(buf, dv, at, len, true));
  }
  return result;
}

export function messageAt(buf: Uint8Array, dv: DataView, at: number, len: number, copy: boolean): NlMessage {
  const body = buf.subarray(at + NLMSG_HDRLEN, at + len);
  return {
    type: dv.getUint16(at + H.nlmsg_type, true),
    flags: dv.getUint16(at + H.nlmsg_flags, true),
    seq: dv.getUint32(at + H.nlmsg_seq, true),
    pid: dv.getUint32(at + H.nlmsg_pid, true),
    payload: copy ? body.slice() : body,
  };
}
