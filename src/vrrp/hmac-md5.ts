// HMAC-MD5 (RFC 2104 over RFC 1321 MD5) for the IPsec Authentication Header that
// keepalived puts on VRRPv2 adverts with `auth_type AH` (RFC 2402 §3.3.3,
// HMAC-MD5-96: RFC 2403). Allocation-free per message: the key's inner and outer
// states are computed once, and each message runs through preallocated words.
// node:crypto's createHmac allocates an object and a digest per call, which the
// VRRP worker's advert path must not (it allocates nothing per advert).

/** RFC 1321 §3.4: per-round shift amounts. */
const S = Uint8Array.of(
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
);
/** RFC 1321 §3.4: T[i] = floor(2^32 × |sin(i + 1)|). */
const T = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
const INIT = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
const BLOCK = 64;

/** MD5 over a stream of byte ranges, into caller-owned state; no allocation after construction. */
class Md5 {
  readonly h = new Int32Array(4);
  private readonly block = new Uint8Array(BLOCK);
  private readonly x = new Int32Array(16);
  private fill = 0;
  private total = 0;

  reset(from: Int32Array = INIT, bytesDone = 0): void {
    this.h.set(from);
    this.fill = 0;
    this.total = bytesDone;
  }

  update(b: Uint8Array, off: number, len: number): void {
    this.total += len;
    let i = off;
    const end = off + len;
    while (i < end) {
      const n = Math.min(BLOCK - this.fill, end - i);
      for (let k = 0; k < n; k++) this.block[this.fill + k] = b[i + k];
      this.fill += n;
      i += n;
      if (this.fill === BLOCK) {
        this.compress();
        this.fill = 0;
      }
    }
  }

  /** RFC 1321 §3.1-3.2 padding and length, then the digest into out[outOff, outOff + 16). */
  finish(out: Uint8Array, outOff: number): void {
    const bits = this.total * 8;
    const blk = this.block;
    blk[this.fill++] = 0x80;
    if (this.fill > BLOCK - 8) {
      blk.fill(0, this.fill);
      this.compress();
      this.fill = 0;
    }
    blk.fill(0, this.fill, BLOCK - 8);
    const lo = bits >>> 0;
    const hi = Math.floor(bits / 2 ** 32) >>> 0;
    for (let k = 0; k < 4; k++) {
      blk[56 + k] = (lo >>> (8 * k)) & 0xff;
      blk[60 + k] = (hi >>> (8 * k)) & 0xff;
    }
    this.compress();
    this.fill = 0;
    for (let w = 0; w < 4; w++) {
      const v = this.h[w];
      for (let k = 0; k < 4; k++) out[outOff + w * 4 + k] = (v >>> (8 * k)) & 0xff;
    }
  }

  /** RFC 1321 §3.4: one 64-byte block. */
  private compress(): void {
    const x = this.x;
    const blk = this.block;
    for (let w = 0; w < 16; w++) x[w] = blk[w * 4] | (blk[w * 4 + 1] << 8) | (blk[w * 4 + 2] << 16) | (blk[w * 4 + 3] << 24);
    let a = this.h[0];
    let b = this.h[1];
    let c = this.h[2];
    let d = this.h[3];
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const t = d;
      d = c;
      c = b;
      const sum = (a + f + T[i] + x[g]) | 0;
      b = (b + ((sum << S[i]) | (sum >>> (32 - S[i])))) | 0;
      a = t;
    }
    this.h[0] = (this.h[0] + a) | 0;
    this.h[1] = (this.h[1] + b) | 0;
    this.h[2] = (this.h[2] + c) | 0;
    this.h[3] = (this.h[3] + d) | 0;
  }
}

/** RFC 2104 HMAC-MD5 with a fixed key: begin(), update() per byte range, finish(). */
export class HmacMd5 {
  private readonly md5 = new Md5();
  private readonly inner = new Int32Array(4);
  private readonly outer = new Int32Array(4);
  private readonly innerDigest = new Uint8Array(16);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: a key longer than the block is hashed first; shorter ones are zero-padded
    const k = new Uint8Array(BLOCK);
    if (key.length > BLOCK) {
      this.md5.reset();
      this.md5.update(key, 0, key.length);
      this.md5.finish(k, 0);
    } else k.set(key);
    const pad = new Uint8Array(BLOCK);
    for (const [xor, into] of [[0x36, this.inner], [0x5c, this.outer]] as const) {
      for (let i = 0; i < BLOCK; i++) pad[i] = k[i] ^ xor;
      this.md5.reset();
      this.md5.update(pad, 0, BLOCK);
      into.set(this.md5.h);
    }
  }

  begin(): void {
    this.md5.reset(this.inner, BLOCK);
  }

  update(b: Uint8Array, off: number, len: number): void {
    this.md5.update(b, off, len);
  }

  /** The 16-byte MAC into out[outOff, outOff + 16). */
  finish(out: Uint8Array, outOff: number): void {
    this.md5.finish(this.innerDigest, 0);
    this.md5.reset(this.outer, BLOCK);
    this.md5.update(this.innerDigest, 0, 16);
    this.md5.finish(out, outOff);
  }
}
