// RFC 8949 §4.2.1 key order, apart from the encoder: the spec check (check.ts)
// writes every config object's fields in this order, and a config check must
// not load cbor-x's encoder for it (test/bench/config-check-phases.ts).
const utf8 = new TextEncoder();

/** §4.2.1: map keys sorted by their deterministic encodings (bytewise). For text
 *  keys that is: shorter UTF-8 first, then bytewise. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
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
export function keyBytes(k: string): Uint8Array {
  let b = keyCache.get(k);
  if (!b) {
    b = utf8.encode(k);
    if (keyCache.size < 4096) keyCache.set(k, b);
  }
  return b;
}
