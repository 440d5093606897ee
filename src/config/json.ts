// Config <-> JSON. The JSON form is the model itself (camelCase fields,
// integer milliseconds), described by schema/vigil-config.schema.json.
import { errorText } from "../error-text.ts";
import { Diagnostics } from "./diagnostics.ts";
import { finishConfig } from "./finish.ts";
import type { Config } from "./model.ts";
import { configSpec, type ObjectSpec, type Spec } from "./spec.ts";
import { toResult, type LoadResult } from "./result.ts";

export const MAX_JSON_BYTES = 16 << 20;

/** JSON in the spec's field order (logical, as documented), whatever order the object has. */
export function configToJson(cfg: Config): string {
  return `${JSON.stringify(inSpecOrder(cfg, configSpec), null, 2)}\n`;
}

function inSpecOrder(v: unknown, spec: Spec): unknown {
  if (spec.kind === "array" && Array.isArray(v)) return v.map((x) => inSpecOrder(x, spec.items));
  if (spec.kind === "oneOf") return v;
  let obj: ObjectSpec | undefined;
  if (spec.kind === "object") obj = spec;
  else if (spec.kind === "tagged" && v && typeof v === "object") obj = spec.variants[(v as Record<string, string>)[spec.tag]!];
  if (!obj || !v || typeof v !== "object") return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(obj.fields)) if (src[k] !== undefined) out[k] = inSpecOrder(src[k], f.spec);
  // fields the spec does not know are kept (last), so nothing is lost silently
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
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
    diags.error(`${file}: invalid JSON: ${errorText(e)}`);
    return toResult("json", diags.list, undefined);
  }
  try {
    return toResult("json", diags.list, finishConfig(raw, diags));
  } catch (e) {
    diags.error(`internal error while checking ${file}: ${errorText(e)}`);
    return toResult("json", diags.list, undefined);
  }
}
