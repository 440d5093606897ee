// Config <-> JSON. The JSON form is the model itself (camelCase fields,
// integer milliseconds), described by schema/vigil-config.schema.json.
import { Diagnostics } from "./diagnostics.ts";
import { finishConfig } from "./finish.ts";
import type { Config } from "./model.ts";
import { toResult, type LoadResult } from "./result.ts";

export const MAX_JSON_BYTES = 16 << 20;

export function configToJson(cfg: Config): string {
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

export function readJson(text: string, file = "<json>"): LoadResult {
  const diags = new Diagnostics();
  if (text.length > MAX_JSON_BYTES) {
    diags.error(`${file}: JSON config larger than ${MAX_JSON_BYTES} bytes`);
    return toResult("json", diags.list, undefined);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    diags.error(`${file}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
    return toResult("json", diags.list, undefined);
  }
  try {
    return toResult("json", diags.list, finishConfig(raw, diags));
  } catch (e) {
    diags.error(`internal error while checking ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return toResult("json", diags.list, undefined);
  }
}
