// The last two steps every reader shares: check the raw tree against the spec
// (types, ranges, defaults), then the semantic rules of validate.ts.
import { checkConfig } from "./check.ts";
import type { Diagnostics, FieldPath, SourceLoc } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import { validateConfig } from "./validate.ts";

/** Maps a field path to a source location (keepalived) or nothing (JSON/CBOR). */
export type Locate = (path: FieldPath) => SourceLoc | undefined;

export function finishConfig(
  raw: unknown,
  diags: Diagnostics,
  locate?: Locate,
  name?: (path: FieldPath) => string,
  /** the reader refused the value written at this path and said so already */
  refused?: (path: FieldPath) => boolean,
): Config | undefined {
  const prefix = (path: FieldPath) => (name ? `${name(path)}: ` : "");
  const errorLocs = new Set(diags.errors.map((d) => (d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : "")));
  const { config, issues, partial } = checkConfig(raw);
  for (const is of issues) {
    const loc = locate?.(is.path);
    // The keepalived reader already said "missing 'x'" at the block; do not repeat it.
    if (is.message.startsWith("missing") && ((loc && errorLocs.has(`${loc.file}:${loc.line}:${loc.col}`)) || refused?.(is.path))) continue;
    diags.error(prefix(is.path) + is.message, loc, loc ? undefined : is.path);
  }
  const checked = config ?? partial;
  if (!checked) return undefined;
  for (const f of validateConfig(checked)) {
    // A rule about a field the type check already refused (now a placeholder)
    // would repeat it or be wrong; a warning in an entry with errors is likely
    // their echo (e.g. a quorum against a refused weight).
    if (!config && issues.some((is) => isPrefix(is.path, f.path) || (f.severity === "warning" && isPrefix(f.path.slice(0, 2), is.path)))) continue;
    const loc = locate?.(f.path);
    diags.add(loc ? { severity: f.severity, message: f.message, loc } : { severity: f.severity, message: f.message, path: f.path });
  }
  return diags.errors.length ? undefined : config;
}

function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}
