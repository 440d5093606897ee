// The one CBOR reader (RFC 8949) for bytes that come from outside: configs
// (cbor.ts decodeStrict), signed COSE_Sign1 envelopes (cose.ts) and MQTT message
// bodies (fleet/cbor-body.ts). It never allocates more than the input's length
// (every declared array item or map pair must have bytes left to come from),
// refuses indefinite lengths, bounds nesting, and throws only CborError. A
// profile says what each use accepts beyond that: deterministic encoding
// (§4.2.1) for what is signed or hashed, floats and undefined for message
// bodies other clients write.
//
// Written here rather than with cbor-x: under Bun 1.4.4 cbor-x's native string
// extractor (cbor-extract, loaded by `import "cbor-x"`) aborted the process or
// reported "Unexpected end of buffer" on valid input, and a validating walk has
// to visit every byte anyway. cbor-x still encodes configs (cbor.ts).
import { CborError } from "./cbor-error.ts";

export { CborError };

/** A tagged item (major type 6), for profiles that keep tags. */
export class CborTag {
  constructor(readonly tag: number, readonly value: unknown) {}
}

export interface CborProfile {
  /** RFC 8949 §4.2.1: integers and lengths in their shortest form */
  readonly shortestHeads: boolean;
  /** RFC 8949 §4.2.1: map keys in bytewise order of their encodings (duplicates are refused always) */
  readonly sortedKeys: boolean;
  /** map keys: text only, or text and integers */
  readonly keys: "text" | "text-or-int";
  /** maps as plain objects (integer keys become their decimal text) or as Maps (keys kept as read) */
  readonly maps: "object" | "map";
  /** "__proto__" as a key: refused, or kept as a plain data property (objects only) */
  readonly protoKey: "refuse" | "data";
  /** tags kept as CborTag (those listed, any other refused; or "any"), or skipped to their content */
  readonly tags: ReadonlySet<number> | "any" | "skip";
  /** half/single/double floats and `undefined` (message bodies); refused otherwise */
  readonly floatsAndUndefined: boolean;
  /** integers beyond 2^53 as bigints; refused otherwise */
  readonly bigInts: boolean;
  readonly maxDepth: number;
}

/** Reads exactly one data item; throws CborError on anything the profile refuses or on trailing bytes. */
export function readCbor(bytes: Uint8Array, profile: CborProfile): unknown {
  const r = new Reader(bytes, profile);
  const v = r.item(0);
  if (r.p !== bytes.length) throw new CborError(`trailing bytes after the data item at offset ${r.p} (${bytes.length - r.p} extra)`);
  return v;
}

const text = new TextDecoder("utf-8", { fatal: true });

/** Short ASCII strings (nearly all of a config) without a native call each. */
const codes: number[] = [];
// Field names and many values repeat thousands of times in a config: short
// ASCII strings are interned by a hash of their bytes so each is built once.
const internTable: Array<string | undefined> = new Array(4096);
function asciiString(b: Uint8Array, from: number, to: number): string | undefined {
  const n = to - from;
  if (n > 64) return undefined;
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h >>> 0) & 4095;
  const hit = internTable[slot];
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== b[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  codes.length = n;
  for (let i = 0; i < n; i++) codes[i] = b[from + i]!;
  const s = String.fromCharCode.apply(null, codes);
  if (n <= 32) internTable[slot] = s;
  return s;
}

/** §4.2.1 order of two encoded keys inside one buffer, without views. */
function compareRanges(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  if (a1 - a0 !== b1 - b0) return a1 - a0 - (b1 - b0);
  for (let i = 0; i < a1 - a0; i++) if (b[a0 + i] !== b[b0 + i]) return b[a0 + i]! - b[b0 + i]!;
  return 0;
}

/** §4.2.1: the key encoded at [k0, k1) must sort after the previous one at [p0, p1); `key` names it in the error (as JSON for Map keys). */
function keyInOrder(b: Uint8Array, p0: number, p1: number, k0: number, k1: number, key: string | number, json: boolean): void {
  const c = compareRanges(b, p0, p1, k0, k1);
  if (c < 0) return;
  const name = json ? JSON.stringify(key) : `'${key}'`;
  throw new CborError(`map key ${name} at offset ${k0} is ${c === 0 ? "a duplicate" : "out of order"} (RFC 8949 §4.2.1)`);
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  const v = exp === 0 ? mant * 2 ** -24 : exp !== 31 ? (mant + 1024) * 2 ** (exp - 25) : mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -v : v;
}

const NON_SHORTEST = "non-shortest integer or length encoding";

class Reader {
  p = 0;
  private readonly shortest: boolean;
  private readonly sorted: boolean;
  private readonly intKeys: boolean;
  private readonly asMap: boolean;
  private readonly protoData: boolean;
  private readonly tags: ReadonlySet<number> | "any" | "skip";
  private readonly floats: boolean;
  private readonly bigInts: boolean;
  private readonly maxDepth: number;
  private view: DataView | undefined;

  constructor(private readonly b: Uint8Array, profile: CborProfile) {
    this.shortest = profile.shortestHeads;
    this.sorted = profile.sortedKeys;
    this.intKeys = profile.keys === "text-or-int";
    this.asMap = profile.maps === "map";
    this.protoData = profile.protoKey === "data";
    this.tags = profile.tags;
    this.floats = profile.floatsAndUndefined;
    this.bigInts = profile.bigInts;
    this.maxDepth = profile.maxDepth;
  }

  item(depth: number): unknown {
    const b = this.b;
    const at = this.p;
    if (depth > this.maxDepth) throw new CborError(`nested deeper than ${this.maxDepth} at offset ${at}`);
    if (at >= b.length) throw new CborError(`truncated: data item expected at offset ${at}`);
    const ib = b[at]!;
    const major = ib >> 5;
    const info = ib & 0x1f;
    let p = at + 1;
    // Arguments up to 2^53 are plain numbers; only 8-byte values may need a bigint.
    let arg: number;
    let big: bigint | undefined;
    if (info < 24) arg = info;
    else if (info <= 27) {
      const n = 1 << (info - 24);
      if (p + n > b.length) throw new CborError(`truncated: ${n}-byte argument at offset ${at}`);
      if (major === 7) return this.simple(info, at, p);
      if (n === 8) {
        const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
        if (hi === 0 && this.shortest) throw new CborError(`${NON_SHORTEST} at offset ${at} (RFC 8949 §4.2.1)`);
        arg = hi * 2 ** 32 + lo;
        if (hi >= 0x200000) {
          // beyond 2^53
          if (!this.bigInts) throw new CborError(`integer or length beyond 2^53 at offset ${at}`);
          big = (BigInt(hi) << 32n) | BigInt(lo);
        }
      } else {
        arg = 0;
        for (let i = 0; i < n; i++) arg = arg * 256 + b[p + i]!;
        const minimal = info === 24 ? 24 : info === 25 ? 0x100 : 0x10000;
        if (arg < minimal && this.shortest) throw new CborError(`${NON_SHORTEST} at offset ${at} (RFC 8949 §4.2.1)`);
      }
      p += n;
    } else if (info === 31) {
      throw new CborError(`indefinite length at offset ${at} is not deterministic CBOR (RFC 8949 §4.2.1)`);
    } else throw new CborError(`reserved additional information ${info} at offset ${at}`);
    this.p = p;

    switch (major) {
      case 0:
        return big ?? arg;
      case 1:
        return big !== undefined ? -1n - big : arg < Number.MAX_SAFE_INTEGER || !this.bigInts ? -1 - arg : -1n - BigInt(arg);
      case 2:
      case 3: {
        if (big !== undefined || arg > b.length - p) throw new CborError(`truncated: ${arg}-byte string at offset ${at}`);
        this.p = p + arg;
        if (major === 2) return b.slice(p, p + arg);
        const ascii = asciiString(b, p, p + arg);
        if (ascii !== undefined) return ascii;
        try {
          return text.decode(b.subarray(p, p + arg));
        } catch {
          throw new CborError(`invalid UTF-8 in text string at offset ${at}`);
        }
      }
      case 4: {
        // every item takes at least one byte: bounds the allocation by the input
        if (arg > b.length - p) throw new CborError(`array of ${arg} items at offset ${at} is longer than the input`);
        const out: unknown[] = [];
        for (let i = 0; i < arg; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5:
        if (arg * 2 > b.length - p) throw new CborError(`map of ${arg} pairs at offset ${at} is longer than the input`);
        return this.asMap ? this.map(arg, depth) : this.object(arg, depth);
      case 6: {
        if (this.tags === "skip") return this.item(depth + 1); // tags carry no meaning here
        if (this.tags !== "any" && !this.tags.has(arg)) throw new CborError(`tag ${arg} at offset ${at} is not allowed here`);
        return new CborTag(arg, this.item(depth + 1));
      }
      default: // major 7, info < 24
        if (arg === 20) return false;
        if (arg === 21) return true;
        if (arg === 22) return null;
        if (arg === 23 && this.floats) return undefined;
        throw new CborError(`simple value ${arg} at offset ${at} is not used (only false, true, null)`);
    }
  }

  /** Major type 7 with a following argument: a simple value byte or a float. */
  private simple(info: number, at: number, p: number): unknown {
    if (info === 24) throw new CborError(`simple value ${this.b[p]} at offset ${at} is not used`);
    if (!this.floats) throw new CborError(`floating-point value at offset ${at}: not used in vigil CBOR`);
    const dv = (this.view ??= new DataView(this.b.buffer, this.b.byteOffset, this.b.byteLength));
    if (info === 25) { this.p = p + 2; return half(dv.getUint16(p)); }
    if (info === 26) { this.p = p + 4; return dv.getFloat32(p); }
    this.p = p + 8;
    return dv.getFloat64(p);
  }

  /** The key at this.p, checked against the profile; its encoded bytes are [k0, this.p). */
  private key(depth: number): string | number {
    const b = this.b;
    const k0 = this.p;
    if (k0 >= b.length) throw new CborError(`truncated: map key expected at offset ${k0}`);
    if (!this.intKeys) {
      if (b[k0]! >> 5 !== 3) throw new CborError(`map key at offset ${k0} is not a text string`);
      return this.item(depth + 1) as string;
    }
    const key = this.item(depth + 1);
    if (typeof key !== "string" && typeof key !== "number") throw new CborError(`map key at offset ${k0} is not a text string or a number`);
    return key;
  }

  private object(n: number, depth: number): Record<string, unknown> {
    const b = this.b;
    const out: Record<string, unknown> = {};
    let prev0 = -1;
    let prev1 = -1;
    for (let i = 0; i < n; i++) {
      const k0 = this.p;
      const read = this.key(depth);
      const k1 = this.p;
      const key = typeof read === "string" ? read : String(read);
      if (this.sorted && prev0 >= 0) keyInOrder(b, prev0, prev1, k0, k1, key, false);
      prev0 = k0;
      prev1 = k1;
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new CborError(`duplicate map key ${JSON.stringify(key)} at offset ${k0}`);
      if (key === "__proto__") {
        if (!this.protoData) throw new CborError(`map key '__proto__' at offset ${k0} is not allowed`);
        // defineProperty: a "__proto__" key stays data, never reaches the prototype
        Object.defineProperty(out, key, { value: this.item(depth + 1), enumerable: true, writable: true, configurable: true });
      } else out[key] = this.item(depth + 1);
    }
    return out;
  }

  private map(n: number, depth: number): Map<string | number, unknown> {
    const b = this.b;
    const out = new Map<string | number, unknown>();
    let prev0 = -1;
    let prev1 = -1;
    for (let i = 0; i < n; i++) {
      const k0 = this.p;
      const key = this.key(depth);
      const k1 = this.p;
      if (this.sorted && prev0 >= 0) keyInOrder(b, prev0, prev1, k0, k1, key, true);
      prev0 = k0;
      prev1 = k1;
      if (out.has(key)) throw new CborError(`duplicate map key ${JSON.stringify(key)} at offset ${k0}`);
      out.set(key, this.item(depth + 1));
    }
    return out;
  }
}
