// Signed config blobs: COSE_Sign1 (RFC 9052 §4.2) with Ed25519 (RFC 9053 §2.2).
// This file is the pure part (wire format, parsing, payload rules); signing and
// verifying with keys is src/config-io/cose-sign.ts.
//
// Wire format (all CBOR definite-length, shortest-form integers, RFC 8949 §4.2.1):
//
//   blob      = #6.18([ protected: bstr .cbor {1: -8},        ; alg EdDSA
//                       unprotected: {4: kid(bstr)},          ; kid = trust.ts keyId()
//                       payload: bstr .cbor SignedPayload,
//                       signature: bstr(64) ])
//   SignedPayload = { "serial": uint,          ; > the device's current serial
//                     "fleet": tstr,           ; must equal the device's fleet
//                     ? "nodes": [+ tstr],     ; absent = every node of the fleet
//                     "issued_at": uint,       ; seconds since the Unix epoch
//                     "config": bstr }         ; deterministic CBOR of the config model
//   signature = Ed25519 over Sig_structure = ["Signature1", protected, h'', payload]
//               (RFC 9052 §4.4, external_aad empty)
//
// The envelope is parsed by the project's strict CBOR reader (cbor-reader.ts)
// instead of a general CBOR library: a blob comes from the network, and that
// reader never allocates more than the input's length, rejects non-shortest
// forms, and cannot throw past verifyBlob(). The config bytes are handed to the caller's validator untouched.
import { errorText } from "../error-text.ts";
import { type CborProfile, CborTag, readCbor } from "./cbor-reader.ts";

export const COSE_SIGN1_TAG = 18; // RFC 9052 §2, Table 1
export const COSE_ALG_EDDSA = -8; // RFC 9053 §2.2
const HDR_ALG = 1; // RFC 9052 §3.1
const HDR_CRIT = 2;
const HDR_KID = 4;
export const MAX_BLOB_BYTES = 1 << 20;
const MAX_DEPTH = 8;

export interface SignedPayload {
  serial: number;
  fleet: string;
  nodes?: string[];
  issuedAt: number;
  config: Uint8Array;
}

export type RejectReason =
  | "oversized"
  | "not-cose"
  | "malformed"
  | "unknown-key"
  | "bad-signature"
  | "foreign-fleet"
  | "not-for-node"
  | "stale-serial"
  | "config-invalid";

export function encodePayload(p: SignedPayload): Uint8Array {
  const w = new Writer();
  const entries: Array<[string, (w: Writer) => void]> = [
    ["serial", (w) => w.uint(p.serial)],
    ["fleet", (w) => w.text(p.fleet)],
    ["issued_at", (w) => w.uint(p.issuedAt)],
    ["config", (w) => w.bytes(p.config)],
  ];
  if (p.nodes) {
    const nodes = p.nodes;
    entries.push(["nodes", (w) => { w.head(4, nodes.length); for (const n of nodes) w.text(n); }]);
  }
  // RFC 8949 §4.2.1: map keys sorted by their encoded bytes (shorter text first).
  entries.sort(([a], [b]) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
  w.head(5, entries.length);
  for (const [k, put] of entries) { w.text(k); put(w); }
  return w.finish();
}

/** RFC 9052 §4.4 Sig_structure for COSE_Sign1 with empty external_aad: the bytes that are signed. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const w = new Writer();
  w.head(4, 4);
  w.text("Signature1");
  w.bytes(protectedBytes);
  w.bytes(new Uint8Array(0));
  w.bytes(payload);
  return w.finish();
}

/** The protected header vigil signs with: {1 (alg): -8 (EdDSA)} (RFC 9052 §3.1). */
export function protectedHeaderEdDSA(): Uint8Array {
  const prot = new Writer();
  prot.head(5, 1);
  prot.int(HDR_ALG);
  prot.int(COSE_ALG_EDDSA);
  return prot.finish();
}

/** The tagged COSE_Sign1 array around a signature made elsewhere (src/config-io/cose-sign.ts). */
export function encodeSign1(protectedBytes: Uint8Array, kid: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const w = new Writer();
  w.head(6, COSE_SIGN1_TAG);
  w.head(4, 4);
  w.bytes(protectedBytes);
  w.head(5, 1);
  w.int(HDR_KID);
  w.bytes(kid);
  w.bytes(payload);
  w.bytes(signature);
  return w.finish();
}

export function validatePayloadFields(p: SignedPayload) {
  if (!Number.isSafeInteger(p.serial) || p.serial < 1) throw new Error(`serial must be an integer >= 1, got ${p.serial}`);
  if (!Number.isSafeInteger(p.issuedAt) || p.issuedAt < 0) throw new Error(`issued_at must be a non-negative integer`);
  if (!p.fleet) throw new Error("fleet must not be empty");
  if (p.nodes && (p.nodes.length === 0 || p.nodes.some((n) => !n))) throw new Error("nodes must be non-empty names");
}

/** Parsed but unverified envelope: enough to look up the key and check the signature. */
export interface Sign1 {
  protectedBytes: Uint8Array;
  kid: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

export class Reject {
  constructor(readonly reason: RejectReason, readonly message: string) {}
}

export function parseSign1(bytes: Uint8Array): Sign1 | Reject {
  // 0xd2 = tag 18 in one byte: anything else is not ours (raw CBOR config, JSON, garbage).
  if (bytes.length === 0 || bytes[0] !== 0xd2) {
    return new Reject("not-cose", "blob is not a COSE_Sign1 (expected CBOR tag 18); unsigned configs are refused");
  }
  let item: Item;
  try {
    item = readItem(bytes);
  } catch (e) {
    return new Reject("malformed", `COSE_Sign1: ${errorText(e)}`);
  }
  if (!(item instanceof CborTag) || item.tag !== COSE_SIGN1_TAG) return new Reject("not-cose", "not a COSE_Sign1 tag");
  const arr = item.value as Item;
  if (!Array.isArray(arr) || arr.length !== 4) return new Reject("malformed", "COSE_Sign1 must be an array of 4");
  const [prot, unprot, payload, signature] = arr;
  if (!(prot instanceof Uint8Array)) return new Reject("malformed", "protected header must be a byte string");
  if (!(unprot instanceof Map)) return new Reject("malformed", "unprotected header must be a map");
  if (!(payload instanceof Uint8Array)) return new Reject("malformed", "payload must be an attached byte string (detached payloads are not accepted)");
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return new Reject("malformed", "signature must be a 64-byte Ed25519 signature");
  let protMap: Item;
  try {
    protMap = readItem(prot);
  } catch (e) {
    return new Reject("malformed", `protected header: ${errorText(e)}`);
  }
  if (!(protMap instanceof Map)) return new Reject("malformed", "protected header must encode a map");
  if (protMap.get(HDR_ALG) !== COSE_ALG_EDDSA) return new Reject("malformed", `protected header alg must be EdDSA (-8), got ${String(protMap.get(HDR_ALG))}`);
  // RFC 9052 §3.1: a recipient must reject a message whose crit lists labels it does not understand.
  if (protMap.has(HDR_CRIT)) return new Reject("malformed", "protected header carries crit parameters this verifier does not understand");
  if (unprot.has(HDR_ALG)) return new Reject("malformed", "alg must be in the protected header only");
  const kid = unprot.get(HDR_KID) ?? protMap.get(HDR_KID);
  if (!(kid instanceof Uint8Array) || kid.length === 0) return new Reject("malformed", "kid (header 4) missing: cannot select a trusted key");
  return { protectedBytes: prot, kid, payload, signature };
}

export function decodePayload(bytes: Uint8Array): SignedPayload | Reject {
  let m: Item;
  try {
    m = readItem(bytes);
  } catch (e) {
    return new Reject("malformed", `payload: ${errorText(e)}`);
  }
  if (!(m instanceof Map)) return new Reject("malformed", "payload must be a CBOR map");
  for (const k of m.keys()) {
    if (!["serial", "fleet", "nodes", "issued_at", "config"].includes(k as string)) {
      return new Reject("malformed", `payload has unknown key ${JSON.stringify(k)}`);
    }
  }
  const serial = m.get("serial"), fleet = m.get("fleet"), nodes = m.get("nodes"), issuedAt = m.get("issued_at"), config = m.get("config");
  if (typeof serial !== "number" || serial < 1) return new Reject("malformed", "payload.serial must be an unsigned integer >= 1");
  if (typeof fleet !== "string" || fleet === "") return new Reject("malformed", "payload.fleet must be a non-empty text string");
  if (typeof issuedAt !== "number" || issuedAt < 0) return new Reject("malformed", "payload.issued_at must be an unsigned integer");
  if (!(config instanceof Uint8Array)) return new Reject("malformed", "payload.config must be a byte string");
  let nodeList: string[] | undefined;
  if (nodes !== undefined) {
    if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === "string" && n !== "")) {
      return new Reject("malformed", "payload.nodes must be a non-empty array of node names");
    }
    nodeList = nodes as string[];
  }
  return { serial, fleet, nodes: nodeList, issuedAt, config };
}

/**
 * The payload of a blob without checking its signature: for log lines about a
 * blob that was refused (its claimed serial), never for a decision.
 */
export function unverifiedPayload(bytes: Uint8Array): SignedPayload | null {
  try {
    const env = parseSign1(bytes);
    if (env instanceof Reject) return null;
    const p = decodePayload(env.payload);
    return p instanceof Reject ? null : p;
  } catch {
    return null;
  }
}

// ---- the envelope's CBOR: canonical heads, integer or text keys, no floats ----

type Item = number | string | Uint8Array | Item[] | Map<Item, Item> | CborTag | boolean | null;

/** What a COSE envelope may hold (RFC 9052 §3: header labels are integers or text). */
const ENVELOPE: CborProfile = {
  shortestHeads: true,
  sortedKeys: false,
  keys: "text-or-int",
  maps: "map",
  protoKey: "refuse",
  tags: "any",
  floatsAndUndefined: false,
  bigInts: false,
  maxDepth: MAX_DEPTH,
};

function readItem(bytes: Uint8Array): Item {
  return readCbor(bytes, ENVELOPE) as Item;
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  private put(b: number) { this.ensure(1); this.buf[this.len++] = b; }
  head(major: number, n: number) {
    const m = major << 5;
    if (n < 24) this.put(m | n);
    else if (n < 0x100) { this.put(m | 24); this.put(n); }
    else if (n < 0x10000) { this.put(m | 25); this.put(n >> 8); this.put(n & 0xff); }
    else if (n < 0x100000000) { this.put(m | 26); for (let s = 24; s >= 0; s -= 8) this.put((n >>> s) & 0xff); }
    else {
      this.put(m | 27);
      const hi = Math.floor(n / 0x100000000), lo = n >>> 0;
      for (let s = 24; s >= 0; s -= 8) this.put((hi >>> s) & 0xff);
      for (let s = 24; s >= 0; s -= 8) this.put((lo >>> s) & 0xff);
    }
  }
  uint(n: number) { this.head(0, n); }
  int(n: number) { if (n >= 0) this.head(0, n); else this.head(1, -1 - n); }
  bytes(b: Uint8Array) { this.head(2, b.length); this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  text(s: string) { this.bytes0(3, new TextEncoder().encode(s)); }
  private bytes0(major: number, b: Uint8Array) { this.head(major, b.length); this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}
