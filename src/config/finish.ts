// The last two steps every reader shares: check the raw tree against the spec
// (types, ranges, defaults), then the semantic rules of validate.ts.
import { checkConfig } from "./check.ts";
import type { Diagnostics, FieldPath, SourceLoc } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import { validateConfig } from "./validate.ts";

/** Maps a field path to a source location (keepalived) or nothing (JSON/CBOR). */
export type Locate = (path: FieldPath) => SourceLoc | undefined;

export function finishConfig(raw: unknown, diags: Diagnostics, locate?: Locate, name?: (path: FieldPath) => string): Config | undefined {
  const prefix = (path: FieldPath) => (name ? `${name(path)}: ` : "");
  const errorLocs = new Set(diags.errors.map((d) => (d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : "")));
  const { config, issues } = checkConfig(raw);
  for (const is of issues) {
    const loc = locate?.(is.path);
    // The keepalived reader already said "missing 'x'" at the block; do not repeat it.
    if (loc && is.message.startsWith("missing") && errorLocs.has(`${loc.file}:${loc.line}:${loc.col}`)) continue;
    diags.error(prefix(is.path) + is.message, loc, loc ? undefined : is.path);
  }
  if (!config) return undefined;
  for (const f of validateConfig(config)) {
    const loc = locate?.(f.path);
    diags.add(loc ? { severity: f.severity, message: f.message, loc } : { severity: f.severity, message: f.message, path: f.path });
  }
  return diags.errors.length ? undefined : config;
}
