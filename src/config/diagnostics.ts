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
  /** for text made by $NAME or ~SEQ expansion: which definition/sequence, used where */
  via?: string;
}

/** Path of a field inside the model, e.g. ["instances", 0, "priority"]. */
export type FieldPath = Array<string | number>;

export interface Diagnostic {
  severity: Severity;
  message: string;
  loc?: SourceLoc;
  path?: FieldPath;
  /** a stable name for the kind of problem, for editors and CI (e.g. "undefined-variable") */
  code?: string;
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
  const via = d.loc?.via ? ` [${d.loc.via}]` : "";
  return `${where}: ${d.severity}: ${d.message}${text}${via}`;
}

/** The `--json` form: one object per problem, for editors and CI. */
export interface DiagnosticJson {
  file: string;
  /** 0 when the problem has no source position (JSON/CBOR configs: see `path`) */
  line: number;
  col: number;
  severity: Severity;
  message: string;
  code?: string;
  path?: string;
  via?: string;
}

export function diagnosticJson(d: Diagnostic, fallbackFile: string): DiagnosticJson {
  const o: DiagnosticJson = {
    file: d.loc?.file ?? fallbackFile,
    line: d.loc?.line ?? 0,
    col: d.loc?.col ?? 0,
    severity: d.severity,
    message: d.message,
  };
  if (d.code) o.code = d.code;
  if (d.path) o.path = pathString(d.path);
  if (d.loc?.via) o.via = d.loc.via;
  return o;
}

/**
 * In reading order: the files as they first appear (the main file first), then
 * line and column; findings without a position keep their order, after those
 * with one. Stable, so two findings at one place keep the order they were made.
 */
export function sortDiagnostics(list: readonly Diagnostic[], mainFile?: string): Diagnostic[] {
  const rank = new Map<string, number>();
  if (mainFile !== undefined) rank.set(mainFile, 0);
  for (const d of list) if (d.loc && !rank.has(d.loc.file)) rank.set(d.loc.file, rank.size);
  const key = (d: Diagnostic) => (d.loc ? [rank.get(d.loc.file)!, d.loc.line, d.loc.col] : [Number.MAX_SAFE_INTEGER, 0, 0]);
  return list
    .map((d, i) => ({ d, i, k: key(d) }))
    .sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]! || a.k[2]! - b.k[2]! || a.i - b.i)
    .map((x) => x.d);
}

function clip(s: string): string {
  // Binary or huge offending text must not flood a terminal.
  const printable = s.replace(/[\u0000-\u001f\u007f]/g, "?");
  return printable.length > 60 ? `${printable.slice(0, 57)}...` : printable;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** cap so a pathological input cannot produce millions of messages */
  constructor(readonly max = 5000) {}
  /** where an undefined $NAME was left as text: the reader's complaint about that word repeats it */
  private readonly undefinedAt = new Set<string>();
  add(d: Diagnostic) {
    if (d.loc && d.severity === "error") {
      const at = `${d.loc.file}:${d.loc.line}:${d.loc.col}`;
      if (d.code === "undefined-variable") this.undefinedAt.add(at);
      else if (this.undefinedAt.has(at)) return;
    }
    if (this.list.length < this.max) this.list.push(d);
    else if (this.list.length === this.max) {
      this.list.push({ severity: "error", message: `too many diagnostics, stopped after ${this.max}` });
    }
  }
  error(message: string, loc?: SourceLoc, path?: FieldPath, code?: string) {
    this.add(clean({ severity: "error", message, loc, path, code }));
  }
  warning(message: string, loc?: SourceLoc, path?: FieldPath, code?: string) {
    this.add(clean({ severity: "warning", message, loc, path, code }));
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
  if (d.code === undefined) delete d.code;
  return d;
}
