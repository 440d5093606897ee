// Standard CBOR (RFC 8949) for MQTT message bodies, not cbor-x: cbor-x's decoder
// goes through its native string extractor, which aborts the whole Bun process
// on some malformed inputs (found by test/fuzz/fleet-inputs.test.ts) — and
// these bytes come from any client of the broker. Bodies are small maps of
// numbers and strings: definite lengths only, floats as float64, keys in
// insertion order (bodies are not signed, so no canonical form is needed).
// Reading is the project's one strict reader with a lenient profile.
import { type CborProfile, readCbor } from "../config/cbor-reader.ts";

export class BodyError extends Error {
  override name = "BodyError";
}

const MAX_DEPTH = 32;
const te = new TextEncoder();

export function encodeCbor(value: unknown): Uint8Array {
  const out: number[] = [];
  const head = (major: number, n: number) => {
    const m = major << 5;
    if (n < 24) out.push(m | n);
    else if (n < 0x100) out.push(m | 24, n);
    else if (n < 0x10000) out.push(m | 25, n >> 8, n & 0xff);
    else if (n < 0x100000000) out.push(m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    else {
      const hi = Math.floor(n / 0x100000000), lo = n >>> 0;
      out.push(m | 27, (hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, (lo >>> 24) & 0xff, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
    }
  };
  const bytes = (major: number, b: Uint8Array) => { head(major, b.length); for (const x of b) out.push(x); };
  const f64 = new DataView(new ArrayBuffer(8));
  const put = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new BodyError("value nested too deeply");
    if (v === null || v === undefined) out.push(v === null ? 0xf6 : 0xf7);
    else if (v === false || v === true) out.push(v ? 0xf5 : 0xf4);
    else if (typeof v === "number") {
      if (Number.isSafeInteger(v)) v >= 0 ? head(0, v) : head(1, -1 - v);
      else { f64.setFloat64(0, v); out.push(0xfb); for (let i = 0; i < 8; i++) out.push(f64.getUint8(i)); }
    } else if (typeof v === "string") bytes(3, te.encode(v));
    else if (v instanceof Uint8Array) bytes(2, v);
    else if (Array.isArray(v)) { head(4, v.length); for (const x of v) put(x, depth + 1); }
    else if (typeof v === "object") {
      // Like JSON: keys whose value is undefined are left out.
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      head(5, entries.length);
      for (const [k, x] of entries) { bytes(3, te.encode(k)); put(x, depth + 1); }
    } else throw new BodyError(`cannot encode ${typeof v}`);
  };
  put(value, 0);
  return Uint8Array.from(out);
}

/** What a message body may be: any definite-length CBOR a client writes, floats included; tags are skipped. */
const BODY: CborProfile = {
  shortestHeads: false,
  sortedKeys: false,
  keys: "text-or-int",
  maps: "object",
  protoKey: "data",
  tags: "skip",
  floatsAndUndefined: true,
  bigInts: false,
  maxDepth: MAX_DEPTH,
};

/** One body; throws CborError (from the shared reader, src/config/cbor-reader.ts) on anything else. */
export function decodeCbor(b: Uint8Array): unknown {
  return readCbor(b, BODY);
}
