// What every config reader returns: a config only when there is no error, and
// all findings either way. Readers never throw on bad input.
import { sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import type { Config } from "./model.ts";

export type ConfigFormat = "keepalived" | "json" | "cbor";

export interface LoadResult {
  format: ConfigFormat;
  config?: Config;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface ReadOptions {
  /** unknown keywords/unsupported options become errors (`vigil config check --strict`) */
  strict?: boolean;
  /** keepalived.conf `@ID` lines are compared with this (`-i/--config-id`); default: the hostname's first label */
  configId?: string;
}

/** Findings come out in reading order (file, line, column), whatever step made them. */
export function toResult(format: ConfigFormat, list: Diagnostic[], config: Config | undefined, mainFile?: string): LoadResult {
  const sorted = sortDiagnostics(list, mainFile);
  const errors = sorted.filter((d) => d.severity === "error");
  const warnings = sorted.filter((d) => d.severity === "warning");
  return errors.length || !config ? { format, errors, warnings } : { format, config, errors, warnings };
}
