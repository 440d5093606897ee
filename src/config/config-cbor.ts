// Config <-> deterministic CBOR (cbor.ts). One config has one encoding, so its
// hash identifies it (the signing code signs these bytes).
import { errorText } from "../error-text.ts";
import { CborError, decodeStrict, encodeDeterministic } from "./cbor.ts";
import { Diagnostics } from "./diagnostics.ts";
import { finishConfig } from "./finish.ts";
import type { Config } from "./model.ts";
import { toResult, type LoadResult } from "./result.ts";

export function configToCbor(cfg: Config): Uint8Array {
  return encodeDeterministic(cfg);
}

/** Type-checks and validates an already decoded value (e.g. a COSE payload). */
export function configFromValue(value: unknown, format: "cbor" | "json" = "cbor"): LoadResult {
  const diags = new Diagnostics();
  try {
    return toResult(format, diags.list, finishConfig(value, diags));
  } catch (e) {
    diags.error(`internal error while checking the config: ${errorText(e)}`);
    return toResult(format, diags.list, undefined);
  }
}

export function readCbor(bytes: Uint8Array, file = "<cbor>"): LoadResult {
  let value: unknown;
  try {
    value = decodeStrict(bytes);
  } catch (e) {
    const diags = new Diagnostics();
    diags.error(`${file}: ${e instanceof CborError ? "invalid CBOR: " : "internal error: "}${errorText(e)}`);
    return toResult("cbor", diags.list, undefined);
  }
  return configFromValue(value, "cbor");
}
