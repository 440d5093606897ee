// RFC 8949 CBOR, deterministically encoded (§4.2.1 "Core Deterministic Encoding
// Requirements") and strictly decoded. cbor-x does the byte work in standard
// mode only (no record/structure extensions, no tag 259 for maps, no typed-array
// tags), so any CBOR decoder reads the output. Used for configs and by the
// signing code, so it is generic over plain data.
// "cbor-x/encode", not "cbor-x": the package root also loads the optional native
// cbor-extract, whose __dirname would freeze the build tree's path into the binary.
import { Encoder } from "cbor-x/encode";

export class CborError extends Error {
  override name = "CborError";
}

const encoder = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, useTag259ForMaps: false } as never);

const TWO32 = 2 ** 32;
const utf8 = new TextEncoder();

/** §4.2.1: map keys sorted by their deterministic encodings (bytewise). For text
 *  keys that is: shorter UTF-8 first, then bytewise. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Sort comparator for string keys in deterministic CBOR order. */
export function cborKeyOrder(a: string, b: string): number {
  return compareKeys(keyBytes(a), keyBytes(b));
}

// Configs repeat the same few hundred field names thousands of times.
const keyCache = new Map<string, Uint8Array>();
function keyBytes(k: string): Uint8Array {
  let b = keyCache.get(k);
  if (!b) {
    b = utf8.encode(k);
    if (keyCache.size < 4096) keyCache.set(k, b);
  }
  return b;
}

// Path of the value being normalized, for error messages only (push/pop, no
// string building on the hot path).
const trail: Array<string | number> = [];
function here(): string {
  return trail.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("") || "value";
}

function normalize(v: unknown, depth: number): unknown {
  if (depth > 64) throw new CborError(`${here()}: nested deeper than 64`);
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isInteger(v)) throw new CborError(`${here()}: ${v} is not an integer (vigil CBOR carries no floats; use integer milliseconds)`);
      if (!Number.isSafeInteger(v)) throw new CborError(`${here()}: ${v} is beyond 2^53; pass a bigint`);
      // cbor-x writes integers beyond 32 bits as float64; as bigint it writes the
      // 8-byte integer form, which is the shortest form for those values.
      return v >= TWO32 || v < -TWO32 ? BigInt(v) : v;
    case "bigint":
      // -2^64 is valid CBOR but cbor-x writes it as a bignum tag, so it stops one short.
      if (v > -(2n ** 64n) && v < 2n ** 64n) return v >= -(2n ** 32n) && v < 2n ** 32n ? Number(v) : v;
      throw new CborError(`${here()}: ${v} does not fit in 64 bits`);
    case "object": {
      if (v === null) return null;
      if (v instanceof Uint8Array) return v;
      if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
          trail.push(i);
          if (v[i] === undefined) throw new CborError(`${here()}: undefined in an array`);
          const nx = normalize(v[i], depth + 1);
          trail.pop();
          if (nx !== v[i] && !out) out = v.slice(0, i);
          if (out) out.push(nx);
        }
        return out ?? v;
      }
      if (v instanceof Map) {
        for (const k of v.keys()) if (typeof k !== "string") throw new CborError(`${here()}: map keys must be strings`);
        return normalizeObject(Object.fromEntries(v), depth);
      }
      return normalizeObject(v as Record<string, unknown>, depth);
    }
    default:
      throw new CborError(`${here()}: ${typeof v} cannot be encoded`);
  }
}

// Sorted key order per object shape: a config has thousands of objects but a
// few dozen shapes, so each shape is sorted once.
const orderCache = new Map<string, { keys: string[]; plain: boolean }>();
const isIndex = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1;
};

function keyOrder(keys: string[]): { keys: string[]; plain: boolean } {
  const sig = keys.join("\u0000");
  let o = orderCache.get(sig);
  if (!o) {
    const sorted = keys
      .map((k) => ({ k, bytes: keyBytes(k) }))
      .sort((a, b) => compareKeys(a.bytes, b.bytes))
      .map((e) => e.k);
    // JS objects list integer-like keys first whatever the insertion order, so
    // objects with such keys go to cbor-x as Maps, which keep order.
    o = { keys: sorted, plain: !keys.some((k) => isIndex(k) || k === "__proto__") };
    if (orderCache.size < 4096) orderCache.set(sig, o);
  }
  return o;
}

/**
 * Returns `v` itself when it already is in deterministic form (keys sorted,
 * nothing undefined, every value unchanged): configs from the readers are, so
 * encoding them copies nothing. Otherwise returns a sorted copy.
 */
function normalizeObject(v: Record<string, unknown>, depth: number): unknown {
  const own = Object.keys(v);
  let same = true;
  let prev: Uint8Array | undefined;
  for (const k of own) {
    const x = v[k];
    if (x === undefined || k === "__proto__" || isIndex(k)) {
      same = false;
      break;
    }
    const kb = keyBytes(k);
    if (prev && compareKeys(prev, kb) >= 0) {
      same = false;
      break;
    }
    prev = kb;
  }
  if (same) {
    // keys are fine; copy only if a value changes
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < own.length; i++) {
      const k = own[i]!;
      trail.push(k);
      const x = v[k];
      const nx = normalize(x, depth + 1);
      trail.pop();
      if (nx !== x && !out) {
        out = {};
        for (let j = 0; j < i; j++) out[own[j]!] = v[own[j]!];
      }
      if (out) out[k] = nx;
    }
    return out ?? v;
  }
  const present: string[] = [];
  for (const k of own) if (v[k] !== undefined) present.push(k); // unset optional fields are omitted, never null
  const { keys, plain } = keyOrder(present);
  const vals = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    trail.push(keys[i]!);
    vals[i] = normalize(v[keys[i]!], depth + 1);
    trail.pop();
  }
  if (plain) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = vals[i];
    return out;
  }
  return new Map(keys.map((k, i) => [k, vals[i]]));
}

/** Deterministic CBOR of plain data: objects/Maps with string keys, arrays,
 *  strings, integers, bigints, booleans, null, Uint8Array. */
export function encodeDeterministic(value: unknown): Uint8Array {
  trail.length = 0;
  const out = encoder.encode(normalize(value, 0));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

export interface DecodeOptions {
  maxBytes?: number;
  maxDepth?: number;
  /** tags accepted (e.g. 18 for COSE_Sign1); any other tag is an error */
  allowTags?: number[];
}

export const DEFAULT_MAX_CBOR_BYTES = 4 << 20;

/**
 * Decodes exactly one data item that must already be in deterministic form.
 * Rejects: trailing bytes, indefinite lengths, non-shortest integers and
 * lengths, unsorted or duplicate map keys, non-text map keys, floats,
 * undefined and other simple values, tags not allowed, invalid UTF-8.
 *
 * Decoding is done here rather than by cbor-x: under Bun 1.4.4 cbor-x's native
 * string extractor (cbor-extract, loaded by `import "cbor-x"`) aborted the
 * process or reported "Unexpected end of buffer" on valid configs, and a
 * validating walk has to visit every byte anyway.
 */
export function decodeStrict(bytes: Uint8Array, opts: DecodeOptions = {}): unknown {
  const max = opts.maxBytes ?? DEFAULT_MAX_CBOR_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CborError("input is not bytes");
  if (bytes.length === 0) throw new CborError("empty input");
  if (bytes.length > max) throw new CborError(`input is ${bytes.length} bytes, more than the limit of ${max}`);
  const r = new Reader(bytes, opts.maxDepth ?? 64, new Set(opts.allowTags ?? []));
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

class Reader {
  p = 0;
  constructor(
    private b: Uint8Array,
    private maxDepth: number,
    private tags: Set<number>,
  ) {}

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
      if (major === 7) {
        if (info === 24) throw new CborError(`simple value ${b[p]} at offset ${at} is not used`);
        throw new CborError(`floating-point value at offset ${at}: not used in vigil CBOR`);
      }
      if (n === 8) {
        const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
        if (hi === 0) throw new CborError(`non-shortest integer or length encoding at offset ${at} (RFC 8949 §4.2.1)`);
        arg = hi * 2 ** 32 + lo;
        if (hi >= 0x200000) big = (BigInt(hi) << 32n) | BigInt(lo); // beyond 2^53
      } else {
        arg = 0;
        for (let i = 0; i < n; i++) arg = arg * 256 + b[p + i]!;
        const minimal = info === 24 ? 24 : info === 25 ? 0x100 : 0x10000;
        if (arg < minimal) throw new CborError(`non-shortest integer or length encoding at offset ${at} (RFC 8949 §4.2.1)`);
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
        return big !== undefined ? -1n - big : arg < Number.MAX_SAFE_INTEGER ? -1 - arg : -1n - BigInt(arg);
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
        if (arg > b.length - p) throw new CborError(`array of ${arg} items at offset ${at} is longer than the input`);
        const out: unknown[] = [];
        for (let i = 0; i < arg; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        if (arg * 2 > b.length - p) throw new CborError(`map of ${arg} pairs at offset ${at} is longer than the input`);
        const out: Record<string, unknown> = {};
        let prev0 = -1;
        let prev1 = -1;
        for (let i = 0; i < arg; i++) {
          const k0 = this.p;
          if (k0 >= b.length) throw new CborError(`truncated: map key expected at offset ${k0}`);
          if (b[k0]! >> 5 !== 3) throw new CborError(`map key at offset ${k0} is not a text string`);
          const key = this.item(depth + 1) as string;
          const k1 = this.p;
          if (prev0 >= 0) {
            const c = compareRanges(b, prev0, prev1, k0, k1);
            if (c >= 0) throw new CborError(`map key '${key}' at offset ${k0} is ${c === 0 ? "a duplicate" : "out of order"} (RFC 8949 §4.2.1)`);
          }
          if (key === "__proto__") throw new CborError(`map key '__proto__' at offset ${k0} is not allowed`);
          prev0 = k0;
          prev1 = k1;
          out[key] = this.item(depth + 1);
        }
        return out;
      }
      case 6: {
        if (!this.tags.has(arg)) throw new CborError(`tag ${arg} at offset ${at} is not allowed here`);
        return { tag: arg, value: this.item(depth + 1) };
      }
      default: // major 7, info < 24
        if (arg === 20) return false;
        if (arg === 21) return true;
        if (arg === 22) return null;
        throw new CborError(`simple value ${arg} at offset ${at} is not used (only false, true, null)`);
    }
  }
}
