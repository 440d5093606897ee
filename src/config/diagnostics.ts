// Errors and warnings from every config source, in one shape.
// A keepalived.conf finding has a file:line:col and the offending text;
// a JSON/CBOR finding has the path of the bad field instead.

export type Severity = "error" | "warning";

export interface SourceLoc {
  file: string;
  line: number;
  col: number;
  /** the offending text, e.g. the token or the whole statement */
  text?: string;
}

/** Path of a field inside the model, e.g. ["instances", 0, "priority"]. */
export type FieldPath = Array<string | number>;

export interface Diagnostic {
  severity: Severity;
  message: string;
  loc?: SourceLoc;
  path?: FieldPath;
}

export function pathString(path: FieldPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "(root)";
}

export function formatDiagnostic(d: Diagnostic, fallbackFile?: string): string {
  const where = d.loc
    ? `${d.loc.file}:${d.loc.line}:${d.loc.col}`
    : `${fallbackFile ?? "<input>"}${d.path ? `: ${pathString(d.path)}` : ""}`;
  const text = d.loc?.text !== undefined ? ` (at '${clip(d.loc.text)}')` : "";
  return `${where}: ${d.severity}: ${d.message}${text}`;
}

function clip(s: string): string {
  // Binary or huge offending text must not flood a terminal.
  const printable = s.replace(/[\u0000-\u001f\u007f]/g, "?");
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** cap so a pathological input cannot produce millions of messages */
  constructor(readonly max = 1000) {}
  add(d: Diagnostic) {
    if (this.list.length < this.max) this.list.push(d);
    else if (this.list.length === this.max) {
      this.list.push({ severity: "error", message: `too many diagnostics, stopped after ${this.max}` });
    }
  }
  error(message: string, loc?: SourceLoc, path?: FieldPath) {
    this.add(clean({ severity: "error", message, loc, path }));
  }
  warning(message: string, loc?: SourceLoc, path?: FieldPath) {
    this.add(clean({ severity: "warning", message, loc, path }));
  }
  get errors(): Diagnostic[] {
    return this.list.filter((d) => d.severity === "error");
  }
  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.severity === "warning");
  }
}

function clean(d: Diagnostic): Diagnostic {
  if (d.loc === undefined) delete d.loc;
  if (d.path === undefined) delete d.path;
  return d;
}
