// Ed25519 signing and verification of COSE_Sign1 blobs (RFC 9053 §2.2) with
// node:crypto: the key handling around the pure envelope code of
// src/config/cose.ts (wire format, parsing, payload rules), which it uses.
import { nodeCrypto } from "../sys/lazy-builtins.ts";
import type { KeyObject } from "node:crypto";
import { decodePayload, encodePayload, encodeSign1, MAX_BLOB_BYTES, parseSign1, protectedHeaderEdDSA, Reject, type RejectReason, sigStructure, type SignedPayload, validatePayloadFields } from "../config/cose.ts";
import { errorText } from "../error-text.ts";

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
  return nodeCrypto().createHash("sha256").update(config).digest("hex");
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
  const protectedBytes = protectedHeaderEdDSA();
  const signature = nodeCrypto().sign(null, sigStructure(protectedBytes, payload), privateKey);
  return encodeSign1(protectedBytes, kid, payload, new Uint8Array(signature));
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
      good = nodeCrypto().verify(null, sigStructure(env.protectedBytes, env.payload), key, env.signature);
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

