/** CBOR that vigil refuses to read or cannot write (src/config/cbor-reader.ts, cbor.ts). */
export class CborError extends Error {
  override name = "CborError";
}
