// Config <-> deterministic CBOR (cbor.ts). One config has one encoding, so its
// hash identifies it (the signing code signs these bytes). The read side is
// config-from-cbor.ts (no encoder).
import { encodeDeterministic } from "./cbor.ts";
import type { Config } from "./model.ts";

export { configFromValue, readCbor } from "./config-from-cbor.ts";

export function configToCbor(cfg: Config): Uint8Array {
  return encodeDeterministic(cfg);
}
