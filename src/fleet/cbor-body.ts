// Standard CBOR (RFC 8949) for MQTT message bodies, written here instead of
// using cbor-x: cbor-x's decoder goes through its native string extractor,
// which aborts the whole Bun process on some malformed inputs (found by
// test/unit/fleet/fuzz-inputs.test.ts) — and these bytes come from any client
// of the broker. Bodies are small maps of numbers and strings, so a compact
// codec covers them: definite lengths only, floats as float64, keys in
// insertion order (bodies are not signed, so no canonical form is needed).
export class BodyError extends Error {
  override name = "BodyError";
}

const MAX_DEPTH = 32;
const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true });

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

export function decodeCbor(b: Uint8Array): unknown {
  let p = 0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (n: number) => { if (n > b.length - p) throw new BodyError(`truncated at offset ${p} (need ${n} more bytes)`); };
  const arg = (info: number): number => {
    if (info < 24) return info;
    const n = info - 23; // 1,2,3,4 -> 1,2,4,8 bytes
    if (n > 4) throw new BodyError(info === 31 ? `indefinite length at offset ${p - 1} not supported` : `reserved additional info ${info}`);
    const len = 1 << (n - 1);
    need(len);
    let v: number;
    if (len === 1) v = b[p];
    else if (len === 2) v = dv.getUint16(p);
    else if (len === 4) v = dv.getUint32(p);
    else {
      const hi = dv.getUint32(p), lo = dv.getUint32(p + 4);
      if (hi >= 0x200000) throw new BodyError("integer beyond 2^53");
      v = hi * 0x100000000 + lo;
    }
    p += len;
    return v;
  };
  const item = (depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new BodyError("nesting too deep");
    need(1);
    const ib = b[p++], major = ib >> 5, info = ib & 31;
    switch (major) {
      case 0: return arg(info);
      case 1: return -1 - arg(info);
      case 2: case 3: {
        const n = arg(info);
        need(n);
        const s = b.subarray(p, p + n);
        p += n;
        if (major === 2) return s.slice();
        try { return td.decode(s); } catch { throw new BodyError("invalid UTF-8 in text string"); }
      }
      case 4: {
        const n = arg(info);
        need(n); // each element takes at least one byte: bounds the allocation
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(item(depth + 1));
        return a;
      }
      case 5: {
        const n = arg(info);
        need(n * 2);
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = item(depth + 1);
          if (typeof k !== "string" && typeof k !== "number") throw new BodyError("map keys must be text or integers");
          const key = String(k);
          if (Object.prototype.hasOwnProperty.call(o, key)) throw new BodyError(`duplicate map key ${JSON.stringify(key)}`);
          // defineProperty: a "__proto__" key must stay data, never reach the prototype.
          Object.defineProperty(o, key, { value: item(depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return o;
      }
      case 6: arg(info); return item(depth + 1); // tags carry no meaning in message bodies
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 25) { need(2); const h = dv.getUint16(p); p += 2; return half(h); }
        if (info === 26) { need(4); const f = dv.getFloat32(p); p += 4; return f; }
        if (info === 27) { need(8); const f = dv.getFloat64(p); p += 8; return f; }
        throw new BodyError(`unsupported simple value 0x${ib.toString(16)}`);
      }
    }
  };
  const v = item(0);
  if (p !== b.length) throw new BodyError(`trailing bytes after offset ${p}`);
  return v;
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(h: number): number {
  const exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  const v = exp === 0 ? mant * 2 ** -24 : exp !== 31 ? (mant + 1024) * 2 ** (exp - 25) : mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -v : v;
}
