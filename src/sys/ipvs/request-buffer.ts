// Many generic netlink requests laid out back to back in one growable buffer,
// ready to be sent in windows straight from it (NetlinkBatch): no per-request
// allocation or copy. Measured under qemu TCG, allocating one small Uint8Array
// per request cost as much as encoding it, and 9000 of them dominated a full
// table apply.
import { NLM_F_REQUEST, OFFSETOF, SIZEOF } from "../abi.ts";
import { AttrWriter } from "../netlink/attr.ts";

const H = OFFSETOF.nlmsghdr;
const G = OFFSETOF.genlmsghdr;
/**
 * Room guaranteed before each request. AttrWriter's scalar writers evaluate
 * `this.view`/`this.buf` before the call that reserves space, so a buffer that
 * grew in the middle of a request would take the write in its old copy; growing
 * only here, between requests, rules that out. Every IPVS request is far
 * smaller (fixed-size attributes, a scheduler name of at most 15 bytes).
 */
export const MAX_REQUEST = 1024;

export class RequestBuffer extends AttrWriter {
  /** start offset of each finished message; message i ends where i+1 starts (or at len) */
  readonly starts: number[] = [];
  private open = -1;

  /** Starts a request: nlmsghdr + genlmsghdr; append attributes, then end(). */
  begin(familyId: number, cmd: number, version: number, flags = NLM_F_REQUEST): this {
    if (this.open >= 0) throw new Error("RequestBuffer: begin() before end() of the previous request");
    this.pad();
    if (this.buf.length - this.len < MAX_REQUEST) {
      this.reserve(MAX_REQUEST); // grows (doubling) now
      this.len -= MAX_REQUEST;
    }
    const at = this.reserve(SIZEOF.nlmsghdr);
    this.view.setUint16(at + H.nlmsg_type, familyId, true);
    this.view.setUint16(at + H.nlmsg_flags, flags | NLM_F_REQUEST, true);
    const g = this.reserve(SIZEOF.genlmsghdr);
    this.view.setUint8(g + G.cmd, cmd);
    this.view.setUint8(g + G.version, version);
    this.open = at;
    return this;
  }

  end(): void {
    if (this.open < 0) throw new Error("RequestBuffer: end() without begin()");
    this.pad();
    if (this.len - this.open > MAX_REQUEST) throw new Error(`RequestBuffer: request of ${this.len - this.open} bytes exceeds ${MAX_REQUEST}`);
    this.view.setUint32(this.open + H.nlmsg_len, this.len - this.open, true);
    this.starts.push(this.open);
    this.open = -1;
  }

  /** Drops a request whose encoding failed half-way. */
  abort(): void {
    if (this.open >= 0) this.len = this.open;
    this.open = -1;
  }

  get count(): number {
    return this.starts.length;
  }

  /** Byte range of request i. */
  range(i: number): [number, number] {
    const start = this.starts[i]!;
    return [start, i + 1 < this.starts.length ? this.starts[i + 1]! : this.len];
  }

  clear(): this {
    this.starts.length = 0;
    this.open = -1;
    this.reset();
    return this;
  }
}
