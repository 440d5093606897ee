// Netlink attributes (struct nlattr, linux/netlink.h): a 4-byte header
// {u16 nla_len, u16 nla_type} followed by the payload, each attribute padded to
// a 4-byte boundary (NLA_ALIGNTO). Encoding writes into one growable buffer;
// decoding returns views into the received bytes and rejects malformed input
// with NetlinkDecodeError (never a RangeError from a DataView).
import { NLA_F_NESTED, NLA_TYPE_MASK } from "../abi.ts";
import { ffiBytes } from "../ffi-memory.ts";

export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Malformed netlink bytes: `where` names the message/attribute being decoded. */
export class NetlinkDecodeError extends Error {
  constructor(readonly where: string, reason: string) {
    super(`netlink decode ${where}: ${reason}`);
    this.name = "NetlinkDecodeError";
  }
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: false });

/**
 * Appends bytes to a buffer that doubles when full. Request builders reuse one
 * writer (reset()) so steady-state requests allocate nothing.
 */
export class AttrWriter {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(capacity = 1024) {
    this.buf = ffiBytes(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): this {
    this.len = 0;
    return this;
  }

  /** Reserves `n` zeroed bytes and returns their offset. */
  reserve(n: number): number {
    const need = this.len + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = ffiBytes(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const off = this.len;
    this.buf.fill(0, off, need);
    this.len = need;
    return off;
  }

  /** Pads the end to the 4-byte boundary the next header needs. */
  pad(): void {
    const a = align4(this.len);
    if (a > this.len) this.reserve(a - this.len);
  }

  /** Writes an attribute header and returns the payload offset. May reallocate: read this.view/this.buf only after it. */
  private header(type: number, payloadLen: number): number {
    if (payloadLen + NLA_HDRLEN > 0xffff) throw new RangeError(`netlink attribute ${type}: payload ${payloadLen} bytes exceeds nla_len`);
    this.pad();
    const off = this.reserve(NLA_HDRLEN + payloadLen);
    this.view.setUint16(off, NLA_HDRLEN + payloadLen, true);
    this.view.setUint16(off + 2, type, true);
    return off + NLA_HDRLEN;
  }

  u8(type: number, v: number): this {
    const off = this.header(type, 1);
    this.view.setUint8(off, v);
    return this;
  }
  u16(type: number, v: number): this {
    const off = this.header(type, 2);
    this.view.setUint16(off, v, true);
    return this;
  }
  /** Network-byte-order u16 (ports in IPVS attributes). */
  be16(type: number, v: number): this {
    const off = this.header(type, 2);
    this.view.setUint16(off, v, false);
    return this;
  }
  u32(type: number, v: number): this {
    const off = this.header(type, 4);
    this.view.setUint32(off, v >>> 0, true);
    return this;
  }
  be32(type: number, v: number): this {
    const off = this.header(type, 4);
    this.view.setUint32(off, v >>> 0, false);
    return this;
  }
  u64(type: number, v: bigint): this {
    const off = this.header(type, 8);
    this.view.setBigUint64(off, v, true);
    return this;
  }
  /** NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it). */
  string(type: number, s: string): this {
    const b = utf8.encode(s);
    const off = this.header(type, b.length + 1);
    this.buf.set(b, off);
    return this;
  }
  bytes(type: number, b: Uint8Array): this {
    const off = this.header(type, b.length);
    this.buf.set(b, off);
    return this;
  }
  flag(type: number): this {
    this.header(type, 0);
    return this;
  }
  /** Opens a nested attribute; close it with nestEnd(returned offset). */
  nestStart(type: number): number {
    this.pad();
    const off = this.reserve(NLA_HDRLEN);
    this.view.setUint16(off + 2, type | NLA_F_NESTED, true);
    return off;
  }
  nestEnd(start: number): this {
    const n = this.len - start;
    if (n > 0xffff) throw new RangeError(`netlink nested attribute at ${start}: ${n} bytes exceeds nla_len`);
    this.view.setUint16(start, n, true);
    return this;
  }
  nest(type: number, fill: (w: this) => void): this {
    const s = this.nestStart(type);
    fill(this);
    return this.nestEnd(s);
  }
}

export interface NlAttr {
  /** nla_type without the NESTED/NET_BYTEORDER flag bits */
  type: number;
  nested: boolean;
  /** payload view into the decoded buffer (no copy) */
  data: Uint8Array;
}

/** Splits `data` into attributes; throws NetlinkDecodeError on any bad length. */
export function decodeAttrs(data: Uint8Array, where = "attributes"): NlAttr[] {
  const out: NlAttr[] = [];
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < data.length) {
    const rem = data.length - off;
    if (rem < NLA_HDRLEN) throw new NetlinkDecodeError(where, `${rem} trailing bytes at offset ${off}, shorter than an attribute header`);
    const len = dv.getUint16(off, true);
    const rawType = dv.getUint16(off + 2, true);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(where, `attribute type ${rawType & NLA_TYPE_MASK} at offset ${off}: nla_len ${len} < ${NLA_HDRLEN}`);
    if (len > rem) throw new NetlinkDecodeError(where, `attribute type ${rawType & NLA_TYPE_MASK} at offset ${off}: nla_len ${len} overruns the ${rem} bytes left`);
    out.push({ type: rawType & NLA_TYPE_MASK, nested: (rawType & NLA_F_NESTED) !== 0, data: data.subarray(off + NLA_HDRLEN, off + len) });
    // the last attribute may omit its padding
    off = Math.min(data.length, off + align4(len));
  }
  return out;
}

/** Typed access to a decoded attribute list; absent → undefined, wrong size → NetlinkDecodeError. */
export class Attrs {
  readonly list: NlAttr[];
  constructor(data: Uint8Array, readonly where = "attributes") {
    this.list = decodeAttrs(data, where);
  }

  get(type: number): Uint8Array | undefined {
    for (const a of this.list) if (a.type === type) return a.data;
    return undefined;
  }
  has(type: number): boolean {
    return this.get(type) !== undefined;
  }
  all(type: number): Uint8Array[] {
    return this.list.filter((a) => a.type === type).map((a) => a.data);
  }

  private sized(type: number, n: number): DataView | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    if (d.length < n) throw new NetlinkDecodeError(this.where, `attribute type ${type}: ${d.length} bytes, need ${n}`);
    return new DataView(d.buffer, d.byteOffset, d.byteLength);
  }
  u8(type: number): number | undefined {
    return this.sized(type, 1)?.getUint8(0);
  }
  u16(type: number): number | undefined {
    return this.sized(type, 2)?.getUint16(0, true);
  }
  be16(type: number): number | undefined {
    return this.sized(type, 2)?.getUint16(0, false);
  }
  u32(type: number): number | undefined {
    return this.sized(type, 4)?.getUint32(0, true);
  }
  be32(type: number): number | undefined {
    return this.sized(type, 4)?.getUint32(0, false);
  }
  u64(type: number): bigint | undefined {
    return this.sized(type, 8)?.getBigUint64(0, true);
  }
  /** String up to the first NUL (or the end if the sender omitted it). */
  string(type: number): string | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return utf8d.decode(nul < 0 ? d : d.subarray(0, nul));
  }
  nested(type: number): Attrs | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : new Attrs(d, `${this.where}/${type}`);
  }
}
