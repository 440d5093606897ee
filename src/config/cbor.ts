// RFC 8949 CBOR, deterministically encoded (§4.2.1 "Core Deterministic Encoding
// Requirements") and strictly decoded. cbor-x does the byte work in standard
// mode only (no record/structure extensions, no tag 259 for maps, no typed-array
// tags), so any CBOR decoder reads the output. Used for configs and by the
// signing code, so it is generic over plain data.
import { Decoder, Encoder } from "cbor-x";

export class CborError extends Error {
  override name = "CborError";
}

const encoder = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, useTag259ForMaps: false } as never);
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true } as never);

const TWO32 = 2 ** 32;
const utf8 = new TextEncoder();

/** §4.2.1: map keys sorted by their deterministic encodings (bytewise). For text
 *  keys that is: shorter UTF-8 first, then bytewise. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function normalize(v: unknown, path: string, depth: number): unknown {
  if (depth > 64) throw new CborError(`${path}: nested deeper than 64`);
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isInteger(v)) throw new CborError(`${path}: ${v} is not an integer (vigil CBOR carries no floats; use integer milliseconds)`);
      if (!Number.isSafeInteger(v)) throw new CborError(`${path}: ${v} is beyond 2^53; pass a bigint`);
      // cbor-x writes integers beyond 32 bits as float64; as bigint it writes the
      // 8-byte integer form, which is the shortest form for those values.
      return v >= TWO32 || v < -TWO32 ? BigInt(v) : v;
    case "bigint":
      if (v >= -(2n ** 64n) && v < 2n ** 64n) return v >= -(2n ** 32n) && v < 2n ** 32n ? Number(v) : v;
      throw new CborError(`${path}: ${v} does not fit in 64 bits`);
    case "object": {
      if (v === null) return null;
      if (v instanceof Uint8Array) return v;
      if (Array.isArray(v)) return v.map((x, i) => {
        if (x === undefined) throw new CborError(`${path}[${i}]: undefined in an array`);
        return normalize(x, `${path}[${i}]`, depth + 1);
      });
      const entries: Array<[string, unknown]> =
        v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
      const keyed = entries
        .filter(([, x]) => x !== undefined) // unset optional fields are omitted, never null
        .map(([k, x]) => {
          if (typeof k !== "string") throw new CborError(`${path}: map keys must be strings`);
          return { k, bytes: utf8.encode(k), x };
        })
        .sort((a, b) => compareKeys(a.bytes, b.bytes));
      for (let i = 1; i < keyed.length; i++) {
        if (compareKeys(keyed[i - 1]!.bytes, keyed[i]!.bytes) === 0) throw new CborError(`${path}: duplicate key '${keyed[i]!.k}'`);
      }
      return new Map(keyed.map(({ k, x }) => [k, normalize(x, path ? `${path}.${k}` : k, depth + 1)]));
    }
    default:
      throw new CborError(`${path || "value"}: ${typeof v} cannot be encoded`);
  }
}

/** Deterministic CBOR of plain data: objects/Maps with string keys, arrays,
 *  strings, integers, bigints, booleans, null, Uint8Array. */
export function encodeDeterministic(value: unknown): Uint8Array {
  const out = encoder.encode(normalize(value, "", 0));
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
 */
export function decodeStrict(bytes: Uint8Array, opts: DecodeOptions = {}): unknown {
  const max = opts.maxBytes ?? DEFAULT_MAX_CBOR_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CborError("input is not bytes");
  if (bytes.length === 0) throw new CborError("empty input");
  if (bytes.length > max) throw new CborError(`input is ${bytes.length} bytes, more than the limit of ${max}`);
  const end = scan(bytes, 0, 0, opts.maxDepth ?? 64, new Set(opts.allowTags ?? []));
  if (end !== bytes.length) throw new CborError(`trailing bytes after the data item at offset ${end} (${bytes.length - end} extra)`);
  let v: unknown;
  try {
    v = decoder.decode(bytes);
  } catch (e) {
    throw new CborError(`malformed CBOR: ${e instanceof Error ? e.message : String(e)}`);
  }
  return plain(v);
}

/** cbor-x gives Buffers and bigints; configs want Uint8Array and plain numbers. */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  if (v && typeof v === "object" && "tag" in v && "value" in v) {
    return { tag: (v as { tag: number }).tag, value: plain((v as { value: unknown }).value) };
  }
  return v;
}

const text = new TextDecoder("utf-8", { fatal: true });

/** Validates one item's structure at `at`; returns the offset after it. */
function scan(b: Uint8Array, at: number, depth: number, maxDepth: number, tags: Set<number>): number {
  if (depth > maxDepth) throw new CborError(`nested deeper than ${maxDepth} at offset ${at}`);
  if (at >= b.length) throw new CborError(`truncated: data item expected at offset ${at}`);
  const ib = b[at]!;
  const major = ib >> 5;
  const info = ib & 0x1f;
  let p = at + 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info <= 27) {
    const n = 1 << (info - 24);
    if (p + n > b.length) throw new CborError(`truncated: ${n}-byte argument at offset ${at}`);
    let x = 0n;
    for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(b[p + i]!);
    p += n;
    if (major === 7) {
      if (info === 24) throw new CborError(`simple value ${x} at offset ${at} is not used`);
      throw new CborError(`floating-point value at offset ${at}: not used in vigil CBOR`);
    }
    const minimal = info === 24 ? 24n : info === 25 ? 0x100n : info === 26 ? 0x10000n : 0x1_0000_0000n;
    if (x < minimal) throw new CborError(`non-shortest integer or length encoding at offset ${at} (RFC 8949 §4.2.1)`);
    arg = x > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(x);
  } else if (info === 31) {
    throw new CborError(`indefinite length at offset ${at} is not deterministic CBOR (RFC 8949 §4.2.1)`);
  } else throw new CborError(`reserved additional information ${info} at offset ${at}`);

  switch (major) {
    case 0:
    case 1:
      return p;
    case 2:
    case 3:
      if (arg > b.length - p) throw new CborError(`truncated: ${arg}-byte string at offset ${at}`);
      if (major === 3) {
        try {
          text.decode(b.subarray(p, p + arg));
        } catch {
          throw new CborError(`invalid UTF-8 in text string at offset ${at}`);
        }
      }
      return p + arg;
    case 4:
      if (arg > b.length - p) throw new CborError(`array of ${arg} items at offset ${at} is longer than the input`);
      for (let i = 0; i < arg; i++) p = scan(b, p, depth + 1, maxDepth, tags);
      return p;
    case 5: {
      if (arg * 2 > b.length - p) throw new CborError(`map of ${arg} pairs at offset ${at} is longer than the input`);
      let prev: Uint8Array | undefined;
      for (let i = 0; i < arg; i++) {
        const k0 = p;
        if ((b[p]! >> 5) !== 3) throw new CborError(`map key at offset ${p} is not a text string`);
        p = scan(b, p, depth + 1, maxDepth, tags);
        const key = b.subarray(k0, p);
        if (prev && compareKeys(prev, key) >= 0) {
          throw new CborError(`map key at offset ${k0} is ${compareKeys(prev, key) === 0 ? "a duplicate" : "out of order"} (RFC 8949 §4.2.1)`);
        }
        if (key.length === 10 && text.decode(key.subarray(1)) === "__proto__") throw new CborError(`map key '__proto__' at offset ${k0} is not allowed`);
        prev = key;
        p = scan(b, p, depth + 1, maxDepth, tags);
      }
      return p;
    }
    case 6:
      if (!tags.has(arg)) throw new CborError(`tag ${arg} at offset ${at} is not allowed here`);
      return scan(b, p, depth + 1, maxDepth, tags);
    default: // major 7, info < 24
      if (arg === 20 || arg === 21 || arg === 22) return p;
      throw new CborError(`simple value ${arg} at offset ${at} is not used (only false, true, null)`);
  }
}
