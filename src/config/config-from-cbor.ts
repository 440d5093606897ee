// Deterministic CBOR (or an already decoded value) -> Config: the read side of
// config-cbor.ts, without cbor-x's encoder, which a config check never needs
// (test/bench/config-check-phases.ts).
import { errorText } from "../error-text.ts";
import { CborError } from "./cbor-error.ts";
import { decodeStrict } from "./cbor-decode.ts";
import { Diagnostics } from "./diagnostics.ts";
import { finishConfig } from "./finish.ts";
import { toResult, type LoadResult } from "./result.ts";

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
