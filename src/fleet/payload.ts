// Message bodies: standard CBOR (RFC 8949, cbor-body.ts, readable by any
// decoder) by default, JSON when a node is configured for it.
import { errorText } from "../error-text.ts";
import { decodeCbor, encodeCbor } from "./cbor-body.ts";

export type PayloadFormat = "cbor" | "json";

export function encodeBody(value: unknown, format: PayloadFormat): Buffer {
  if (format === "json") return Buffer.from(JSON.stringify(value));
  const b = encodeCbor(value);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Peers may use either format: a JSON body starts with '{' (0x7b), which in CBOR
 * would be a 27-byte text string, never a message body of ours.
 */
export function decodeBody(body: Uint8Array): Decoded {
  if (body.length === 0) return { ok: false, error: "empty payload" };
  try {
    if (body[0] === 0x7b) return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)) };
    return { ok: true, value: decodeCbor(body) };
  } catch (e) {
    return { ok: false, error: `undecodable payload: ${errorText(e)}` };
  }
}

export function contentType(format: PayloadFormat): string {
  return format === "json" ? "application/json" : "application/cbor";
}
