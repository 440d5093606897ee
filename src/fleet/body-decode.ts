// Reading a message body, CBOR or JSON (payload.ts writes them). Pure, so the
// rollout core (src/fleet/rollout/fleet-state.ts) folds messages without I/O.
import { errorText } from "../error-text.ts";
import { decodeCbor } from "./cbor-body.ts";

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
