// struct nlmsghdr (linux/netlink.h): {u32 len, u16 type, u16 flags, u32 seq, u32 pid}
// followed by a family header (ifaddrmsg, genlmsghdr, ...) and attributes, each
// message padded to 4 bytes (NLMSG_ALIGNTO). One datagram may carry several.
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_ERROR, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, OFFSETOF, SIZEOF } from "../abi.ts";
import { align4, Attrs, AttrWriter, NetlinkDecodeError } from "./attr.ts";

export const NLMSG_HDRLEN = SIZEOF.nlmsghdr;
const H = OFFSETOF.nlmsghdr;

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** bytes after the nlmsghdr (view into the receive buffer: copy before the next receive) */
  payload: Uint8Array;
}

/**
 * Builds one request: begin() writes the header, the caller appends the family
 * header (struct()) and attributes, finish() stores nlmsg_len. The sequence
 * number is left 0 here; NetlinkSocket patches it in place at send time.
 */
export class MessageBuilder extends AttrWriter {
  begin(type: number, flags: number): this {
    this.reset();
    const off = this.reserve(NLMSG_HDRLEN);
    this.view.setUint16(off + H.nlmsg_type, type, true);
    this.view.setUint16(off + H.nlmsg_flags, flags, true);
    return this;
  }
  /** Appends a zeroed fixed-size family header and returns its offset for the caller to fill. */
  struct(size: number): number {
    this.pad();
    return this.reserve(size);
  }
  /** Sets nlmsg_len and returns the finished bytes (a view of the builder's buffer). */
  finish(): Uint8Array {
    this.pad();
    this.view.setUint32(H.nlmsg_len, this.len, true);
    return this.buf.subarray(0, this.len);
  }
}

export function setSeq(msg: Uint8Array, seq: number): void {
  new DataView(msg.buffer, msg.byteOffset, msg.byteLength).setUint32(H.nlmsg_seq, seq >>> 0, true);
}

/** Splits a received datagram into messages; throws NetlinkDecodeError on bad lengths. */
export function parseMessages(data: Uint8Array, where = "reply"): NlMessage[] {
  const out: NlMessage[] = [];
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < data.length) {
    const rem = data.length - off;
    if (rem < NLMSG_HDRLEN) throw new NetlinkDecodeError(where, `${rem} trailing bytes at offset ${off}, shorter than nlmsghdr`);
    const len = dv.getUint32(off + H.nlmsg_len, true);
    if (len < NLMSG_HDRLEN) throw new NetlinkDecodeError(where, `message at offset ${off}: nlmsg_len ${len} < ${NLMSG_HDRLEN}`);
    if (len > rem) throw new NetlinkDecodeError(where, `message at offset ${off}: nlmsg_len ${len} overruns the ${rem} bytes received`);
    out.push({
      type: dv.getUint16(off + H.nlmsg_type, true),
      flags: dv.getUint16(off + H.nlmsg_flags, true),
      seq: dv.getUint32(off + H.nlmsg_seq, true),
      pid: dv.getUint32(off + H.nlmsg_pid, true),
      payload: data.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off = Math.min(data.length, off + align4(len));
  }
  return out;
}

export interface NlError {
  /** positive errno; 0 means ACK */
  errno: number;
  /** extended ack text (NLMSGERR_ATTR_MSG) when the kernel gave one */
  message?: string;
  /** offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS) */
  offset?: number;
}

/** Decodes an NLMSG_ERROR payload (struct nlmsgerr + optional extack TLVs). */
export function parseError(m: NlMessage): NlError {
  if (m.type !== NLMSG_ERROR) throw new NetlinkDecodeError("NLMSG_ERROR", `message type ${m.type} is not NLMSG_ERROR`);
  const p = m.payload;
  if (p.length < 4) throw new NetlinkDecodeError("NLMSG_ERROR", `payload ${p.length} bytes, need 4 for the error code`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const err: NlError = { errno: -dv.getInt32(0, true) | 0 };
  // NLM_F_ACK_TLVS on the error message: TLVs follow the echoed request, which
  // is only its header when NLM_F_CAPPED is set.
  if ((m.flags & NLM_F_ACK_TLVS) === 0 || p.length < 4 + NLMSG_HDRLEN) return err;
  const echoedLen = (m.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : dv.getUint32(4, true);
  const tlvStart = 4 + align4(echoedLen);
  if (echoedLen < NLMSG_HDRLEN || tlvStart > p.length) return err;
  // Extended ack is advisory: a malformed TLV area must not hide the errno.
  try {
    const a = new Attrs(p.subarray(tlvStart), "NLMSG_ERROR extack");
    const msg = a.string(NLMSGERR_ATTR_MSG);
    if (msg) err.message = msg;
    const offs = a.u32(NLMSGERR_ATTR_OFFS);
    if (offs !== undefined) err.offset = offs;
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw e;
  }
  return err;
}
