// RFC 8949 CBOR, deterministically encoded (§4.2.1 "Core Deterministic Encoding
// Requirements") and strictly decoded. cbor-x does the byte work in standard
// mode only (no record/structure extensions, no tag 259 for maps, no typed-array
// tags), so any CBOR decoder reads the output. Used for configs and by the
// signing code, so it is generic over plain data.
// "cbor-x/encode", not "cbor-x": the package root also loads the optional native
// cbor-extract, whose __dirname would freeze the build tree's path into the binary.
import { Encoder } from "cbor-x/encode";
import { CborError } from "./cbor-error.ts";
import { compareKeys, keyBytes } from "./cbor-key-order.ts";

export { CborError };
export { cborKeyOrder } from "./cbor-key-order.ts";
export { DEFAULT_MAX_CBOR_BYTES, decodeStrict, type DecodeOptions } from "./cbor-decode.ts";

const encoder = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false, useTag259ForMaps: false } as never);

const TWO32 = 2 ** 32;

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
