// Signed config blobs: COSE_Sign1 (RFC 9052 §4.2) with Ed25519 (RFC 9053 §2.2).
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
import { createHash, sign, verify, type KeyObject } from "node:crypto";
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

export type VerifyResult =
  | { ok: true; payload: SignedPayload; kid: Uint8Array; hash: string }
  | { ok: false; reason: RejectReason; message: string; serial?: number; hash?: string; kid?: Uint8Array };

/** A COSE_Sign1 whose signature verified: its payload bytes, not yet interpreted. */
export type Sign1Result =
  | { ok: true; payload: Uint8Array; kid: Uint8Array }
  | { ok: false; reason: RejectReason; message: string; kid?: Uint8Array };

export interface KeyLookup {
  lookup(kid: Uint8Array): KeyObject | undefined;
}

export interface VerifyContext {
  trust: KeyLookup;
  fleet: string;
  node: string;
  /** Serial of the running config; a blob must carry a larger one (replay guard). */
  currentSerial: number;
  maxBytes?: number;
  /** Returns null when the config bytes are a valid model, else the validator's message. */
  validateConfig?: (config: Uint8Array) => string | null;
}

/** sha256 of the config bytes, hex: what config/state reports as the config's identity. */
export function configHash(config: Uint8Array): string {
  return createHash("sha256").update(config).digest("hex");
}

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

function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const w = new Writer();
  w.head(4, 4);
  w.text("Signature1");
  w.bytes(protectedBytes);
  w.bytes(new Uint8Array(0));
  w.bytes(payload);
  return w.finish();
}

export function signBlob(p: SignedPayload, privateKey: KeyObject, kid: Uint8Array): Uint8Array {
  validatePayloadFields(p);
  return signSign1(encodePayload(p), privateKey, kid);
}

/**
 * COSE_Sign1 around any payload bytes (the fleet's signed requests use it too);
 * what the payload means is up to the caller, who must make payload kinds
 * impossible to confuse (decodePayload refuses unknown keys).
 */
export function signSign1(payload: Uint8Array, privateKey: KeyObject, kid: Uint8Array): Uint8Array {
  const prot = new Writer();
  prot.head(5, 1);
  prot.int(HDR_ALG);
  prot.int(COSE_ALG_EDDSA);
  const protectedBytes = prot.finish();
  const signature = sign(null, sigStructure(protectedBytes, payload), privateKey);
  const w = new Writer();
  w.head(6, COSE_SIGN1_TAG);
  w.head(4, 4);
  w.bytes(protectedBytes);
  w.head(5, 1);
  w.int(HDR_KID);
  w.bytes(kid);
  w.bytes(payload);
  w.bytes(new Uint8Array(signature));
  return w.finish();
}

function validatePayloadFields(p: SignedPayload) {
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

class Reject {
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
 * Full acceptance check of a received blob. Never throws: every failure is a
 * reason the device reports on config/state, and the running config stays.
 */
export function verifyBlob(bytes: Uint8Array, ctx: VerifyContext): VerifyResult {
  try {
    return verifyInner(bytes, ctx);
  } catch (e) {
    return { ok: false, reason: "malformed", message: `unexpected: ${errorText(e)}` };
  }
}

/**
 * Size, envelope, trusted key and signature of any COSE_Sign1 (config blobs and
 * signed fleet requests alike). Never throws.
 */
export function verifySign1(bytes: Uint8Array, trust: KeyLookup, maxBytes = MAX_BLOB_BYTES): Sign1Result {
  try {
    if (bytes.length > maxBytes) return { ok: false, reason: "oversized", message: `blob is ${bytes.length} bytes, limit ${maxBytes}` };
    const env = parseSign1(bytes);
    if (env instanceof Reject) return { ok: false, reason: env.reason, message: env.message };
    const key = trust.lookup(env.kid);
    if (!key) return { ok: false, reason: "unknown-key", message: `kid ${Buffer.from(env.kid).toString("hex")} is not in the trust store`, kid: env.kid };
    let good = false;
    try {
      good = verify(null, sigStructure(env.protectedBytes, env.payload), key, env.signature);
    } catch {
      good = false;
    }
    if (!good) return { ok: false, reason: "bad-signature", message: "Ed25519 signature does not verify with the trusted key", kid: env.kid };
    return { ok: true, payload: env.payload, kid: env.kid };
  } catch (e) {
    return { ok: false, reason: "malformed", message: `unexpected: ${errorText(e)}` };
  }
}

function verifyInner(bytes: Uint8Array, ctx: VerifyContext): VerifyResult {
  const env = verifySign1(bytes, ctx.trust, ctx.maxBytes ?? MAX_BLOB_BYTES);
  if (!env.ok) return env;
  const kid = env.kid;
  // Only signed bytes are interpreted from here on.
  const p = decodePayload(env.payload);
  if (p instanceof Reject) return { ok: false, reason: p.reason, message: p.message, kid };
  const hash = configHash(p.config);
  const base = { serial: p.serial, hash, kid };
  if (p.fleet !== ctx.fleet) return { ok: false, reason: "foreign-fleet", message: `blob is for fleet '${p.fleet}', this node is in '${ctx.fleet}'`, ...base };
  if (p.nodes && !p.nodes.includes(ctx.node)) return { ok: false, reason: "not-for-node", message: `blob targets ${p.nodes.join(",")}, not '${ctx.node}'`, ...base };
  if (p.serial <= ctx.currentSerial) return { ok: false, reason: "stale-serial", message: `serial ${p.serial} <= current ${ctx.currentSerial} (replay or rollback refused)`, ...base };
  if (ctx.validateConfig) {
    let msg: string | null;
    try {
      msg = ctx.validateConfig(p.config);
    } catch (e) {
      msg = errorText(e) || "validator failed";
    }
    if (msg !== null) return { ok: false, reason: "config-invalid", message: msg, ...base };
  }
  return { ok: true, payload: p, kid, hash };
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
