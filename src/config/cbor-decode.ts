// Strict decoding of deterministic CBOR (RFC 8949 §4.2.1), apart from cbor.ts's
// encoder: reading a config never loads cbor-x (test/bench/config-check-phases.ts).
import { CborError } from "./cbor-error.ts";
import { type CborProfile, readCbor } from "./cbor-reader.ts";

export interface DecodeOptions {
  maxBytes?: number;
  maxDepth?: number;
  /** tags accepted (e.g. 18 for COSE_Sign1); any other tag is an error */
  allowTags?: number[];
}

export const DEFAULT_MAX_CBOR_BYTES = 4 << 20;

/** What a config (and a signed fleet request's payload) may be: deterministic CBOR of plain data. */
const DETERMINISTIC: Omit<CborProfile, "tags" | "maxDepth"> = {
  shortestHeads: true,
  sortedKeys: true,
  keys: "text",
  maps: "object",
  protoKey: "refuse",
  floatsAndUndefined: false,
  bigInts: true,
};

/**
 * Decodes exactly one data item that must already be in deterministic form.
 * Rejects: trailing bytes, indefinite lengths, non-shortest integers and
 * lengths, unsorted or duplicate map keys, non-text map keys, floats,
 * undefined and other simple values, tags not allowed, invalid UTF-8.
 * The reader is cbor-reader.ts, shared with COSE envelopes and fleet bodies.
 */
export function decodeStrict(bytes: Uint8Array, opts: DecodeOptions = {}): unknown {
  const max = opts.maxBytes ?? DEFAULT_MAX_CBOR_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CborError("input is not bytes");
  if (bytes.length === 0) throw new CborError("empty input");
  if (bytes.length > max) throw new CborError(`input is ${bytes.length} bytes, more than the limit of ${max}`);
  return readCbor(bytes, { ...DETERMINISTIC, tags: new Set(opts.allowTags ?? []), maxDepth: opts.maxDepth ?? 64 });
}
