// "Roll back serial S to your last known good": the one request a rollout sends
// to undo a config on a node. It changes what runs, so it is authenticated like
// a config push: a COSE_Sign1 (cose.ts) by a key of the node's trust store.
//
//   payload = { "op": "rollback", "fleet": tstr, "nodes": [+ tstr],
//               "serial": uint, "issued_at": uint }          ; deterministic CBOR
//
// A config blob's payload can never pass for a request (it has no "op") nor a
// request for a blob (decodePayload refuses unknown keys). Replays are harmless
// by construction: the node acts only while it runs serial S, and after the
// rollback S stays below its replay floor, so it can never run S again.
import { errorText } from "../error-text.ts";
import type { KeyObject } from "node:crypto";
import { decodeStrict, encodeDeterministic } from "../config/cbor.ts";
import { signSign1, verifySign1, type KeyLookup } from "../config-io/cose-sign.ts";

export interface RollbackRequest {
  fleet: string;
  nodes: string[];
  /** the serial to undo: the node must be running it */
  serial: number;
  /** seconds since the Unix epoch */
  issuedAt: number;
}

const MAX_REQUEST_BYTES = 64 * 1024;
const KEYS = new Set(["op", "fleet", "nodes", "serial", "issued_at"]);

export function signRollbackRequest(r: RollbackRequest, key: KeyObject, kid: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(r.serial) || r.serial < 1) throw new Error(`rollback serial must be an integer >= 1, got ${r.serial}`);
  if (!r.fleet || r.nodes.length === 0 || r.nodes.some((n) => !n)) throw new Error("rollback request needs a fleet and node names");
  const payload = encodeDeterministic({ op: "rollback", fleet: r.fleet, nodes: r.nodes, serial: r.serial, issued_at: r.issuedAt });
  return signSign1(payload, key, kid);
}

export type RollbackVerdict =
  | { ok: true; request: RollbackRequest; kid: Uint8Array }
  | { ok: false; reason: string; message: string; kid?: Uint8Array; serial?: number };

/** Never throws: every failure is a reason for config/state. */
export function verifyRollbackRequest(bytes: Uint8Array, ctx: { trust: KeyLookup; fleet: string; node: string }): RollbackVerdict {
  const env = verifySign1(bytes, ctx.trust, MAX_REQUEST_BYTES);
  if (!env.ok) return env;
  const kid = env.kid;
  let v: unknown;
  try {
    v = decodeStrict(env.payload);
  } catch (e) {
    return { ok: false, reason: "malformed", message: `rollback request: ${errorText(e)}`, kid };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    return { ok: false, reason: "malformed", message: "rollback request payload must be a map", kid };
  }
  const m = v as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KEYS.has(k)) return { ok: false, reason: "malformed", message: `rollback request has unknown key ${JSON.stringify(k)}`, kid };
  if (m.op !== "rollback") return { ok: false, reason: "malformed", message: "not a rollback request (op)", kid };
  const { fleet, nodes, serial, issued_at: issuedAt } = m;
  if (typeof serial !== "number" || !Number.isSafeInteger(serial) || serial < 1) return { ok: false, reason: "malformed", message: "rollback serial must be an integer >= 1", kid };
  if (typeof fleet !== "string" || !Array.isArray(nodes) || !nodes.every((n) => typeof n === "string") || typeof issuedAt !== "number") {
    return { ok: false, reason: "malformed", message: "rollback request needs fleet, nodes, serial and issued_at", kid, serial };
  }
  if (fleet !== ctx.fleet) return { ok: false, reason: "foreign-fleet", message: `request is for fleet '${fleet}', this node is in '${ctx.fleet}'`, kid, serial };
  if (!(nodes as string[]).includes(ctx.node)) return { ok: false, reason: "not-for-node", message: `request targets ${nodes.join(",")}, not '${ctx.node}'`, kid, serial };
  return { ok: true, request: { fleet, nodes: nodes as string[], serial, issuedAt }, kid };
}
