// Message bodies: standard CBOR (RFC 8949, cbor-body.ts, readable by any
// decoder) by default, JSON when a node is configured for it.
import { encodeCbor } from "./cbor-body.ts";

export { decodeBody, type Decoded } from "./body-decode.ts";

export type PayloadFormat = "cbor" | "json";

export function encodeBody(value: unknown, format: PayloadFormat): Buffer {
  if (format === "json") return Buffer.from(JSON.stringify(value));
  const b = encodeCbor(value);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function contentType(format: PayloadFormat): string {
  return format === "json" ? "application/json" : "application/cbor";
}
