// Shared machinery of the keepalived.conf reader: argument conversion with
// precise errors, per-field source locations, and block dispatch by keyword.
// Readers build plain objects (only the keywords present); check.ts then fills
// defaults and checks ranges, and Locations maps its field paths back to
// file:line:col.
import { unsupportedReason } from "./kc-unsupported.ts";
import type { Diagnostics, FieldPath, SourceLoc } from "./diagnostics.ts";
import type { Token } from "./lexer.ts";
import { stmtText, type Stmt } from "./syntax-tree.ts";

export type Raw = Record<string, unknown>;

/** Where a token was written, and through which expansion when it came from one. */
export function tokenLoc(t: Token, text: string): SourceLoc {
  const loc: SourceLoc = { file: t.file, line: t.line, col: t.col, text };
  if (t.via) loc.via = t.via;
  return loc;
}

/** Where a field was written: the statement and the token within it. */
interface Where {
  s: Stmt;
  t: Token;
}

// Field locations ride on the raw objects themselves under a symbol: check.ts
// copies only spec fields, so they never reach the Config, and no side table
// is needed for the tens of thousands of fields of a big config.
const LOC = Symbol("vigil.kc.loc");
// Keywords that were written but refused (already reported): their field is
// absent, and "missing" must not be said about it a second time.
const REFUSED = Symbol("vigil.kc.refused");
type Located = { [LOC]?: Record<string | number, Where>; [REFUSED]?: Set<string | number> };

export class Locations {
  /**
   * `record` false: field locations are not kept (find() knows none). A clean
   * config never asks for one, and keeping one per field is a good part of the
   * reader's work (keepalived-reader.ts reads again with them when a finding
   * needs them). Refused keywords are always kept: they change what is reported.
   */
  constructor(readonly record = true) {}

  set(obj: object, key: string | number, s: Stmt, t: Token) {
    if (!this.record) return;
    const o = obj as Located;
    (o[LOC] ??= Object.create(null) as Record<string | number, Where>)[key] = { s, t };
  }
  refuse(obj: object, key: string | number) {
    ((obj as Located)[REFUSED] ??= new Set()).add(key);
  }
  isRefused(obj: unknown, key: string | number): boolean {
    return !!(obj && typeof obj === "object" && (obj as Located)[REFUSED]?.has(key));
  }
  /** The field at `path` was written and refused with an error already. */
  refusedAt(root: unknown, path: FieldPath): boolean {
    let cur: unknown = root;
    for (let i = 0; i < path.length - 1; i++) cur = cur && typeof cur === "object" ? (cur as Record<string | number, unknown>)[path[i]!] : undefined;
    return this.isRefused(cur, path[path.length - 1]!);
  }

  /**
   * Location of the field at `path` in `root`: the token that set it, else the
   * statement that made the value itself (a list entry, a block), else the
   * nearest enclosing block.
   */
  find(root: unknown, path: FieldPath): SourceLoc | undefined {
    const chain: unknown[] = [root];
    let cur: unknown = root;
    for (const p of path) {
      cur = cur && typeof cur === "object" ? (cur as Record<string | number, unknown>)[p] : undefined;
      chain.push(cur);
    }
    const at = (w: Where | undefined) => (w ? tokenLoc(w.t, stmtText(w.s)) : undefined);
    const locOf = (o: unknown) => (o && typeof o === "object" ? (o as Located)[LOC] : undefined);
    const last = path[path.length - 1];
    if (last !== undefined) {
      const own = at(locOf(chain[chain.length - 2])?.[last]) ?? at(locOf(chain[chain.length - 1])?.[""]);
      if (own) return own;
    }
    for (let i = chain.length - 2; i >= 0; i--) {
      const w = at(locOf(chain[i])?.[""]);
      if (w) return w;
    }
    return undefined;
  }
}

export class Ctx {
  private readonly tables = new Map<string, unknown>();

  constructor(
    readonly diags: Diagnostics,
    readonly locs: Locations,
    readonly strict: boolean,
  ) {}

  /**
   * A keyword table built once per read, for blocks a config repeats hundreds
   * of times (real_server, its checkers, url): a table built per block is a
   * closure per keyword per block, much of a cold `vigil config check`'s work
   * (test/bench/cold-start.bench.ts). Its handlers keep per-block state on the
   * target they are given, never in the closure. `build` is a module-level
   * function of (ctx, table name), so asking for a table makes no closure either.
   */
  table<T>(name: string, build: (c: Ctx, name: string) => Record<string, (s: Stmt, target: T) => void>): Record<string, (s: Stmt, target: T) => void> {
    let t = this.tables.get(name) as Record<string, (s: Stmt, target: T) => void> | undefined;
    // without a prototype: dispatch() looks a keyword up without Object.hasOwn
    if (!t) this.tables.set(name, (t = Object.assign(Object.create(null) as Record<string, (s: Stmt, target: T) => void>, build(this, name))));
    return t;
  }

  at(s: Stmt, t: Token = s.kw): SourceLoc {
    return tokenLoc(t, stmtText(s));
  }
  error(s: Stmt, message: string, t?: Token) {
    this.diags.error(message, this.at(s, t));
  }
  warn(s: Stmt, message: string, t?: Token) {
    this.diags.warning(message, this.at(s, t));
  }
  /** keepalived warns about unknown keywords; --strict turns that into an error. */
  unknown(s: Stmt, where: string, why = "unknown keyword", because?: string) {
    const msg = `${why} '${s.kw.text}' in ${where}${this.strict ? "" : ", ignored"}${because ? `: ${because}` : ""}`;
    if (this.strict) this.error(s, msg);
    else this.warn(s, msg);
  }

  /** "missing 'kw'" for a required keyword, unless it was written and refused (reported already). */
  missing(s: Stmt, obj: Raw, key: string, message: string) {
    if (obj[key] === undefined && !this.locs.isRefused(obj, key)) this.error(s, message);
  }

  mark(obj: object, key: string | number, s: Stmt, t: Token = s.kw) {
    if (this.locs.record) this.locs.set(obj, key, s, t);
  }

  /** Sets obj[key], warning when a single-valued keyword repeats. */
  put(obj: Raw, key: string, value: unknown, s: Stmt, t?: Token) {
    if (value === undefined) {
      // the handler refused the value and said why
      this.locs.refuse(obj, key);
      return;
    }
    if (obj[key] !== undefined) this.warn(s, `'${s.kw.text}' given more than once, the last one wins`);
    obj[key] = value;
    if (this.locs.record) this.locs.set(obj, key, s, t ?? s.kw);
  }

  /** Lists grow when their block repeats (keepalived appends), so no repeat warning. */
  putList(obj: Raw, key: string, list: unknown[], s: Stmt) {
    obj[key] = list;
    this.mark(obj, key, s);
  }

  noBlock(s: Stmt): boolean {
    if (s.block) {
      this.error(s, `'${s.kw.text}' does not take a block`);
      return false;
    }
    return true;
  }
  needBlock(s: Stmt): Stmt[] | undefined {
    if (!s.block) {
      this.error(s, `'${s.kw.text}' needs a { ... } block`);
      return undefined;
    }
    return s.block;
  }

  /** The single argument of a keyword, or an error. */
  one(s: Stmt): Token | undefined {
    if (!this.noBlock(s)) return undefined;
    if (s.args.length !== 1) {
      this.error(s, `'${s.kw.text}' takes exactly one value, got ${s.args.length}`);
      return undefined;
    }
    return s.args[0];
  }

  int(s: Stmt, t: Token | undefined): number | undefined {
    if (!t) return undefined;
    if (!/^[-+]?\d{1,15}$/.test(t.text)) {
      this.error(s, `'${s.kw.text}' expects an integer, got '${t.text}'`, t);
      return undefined;
    }
    return Number.parseInt(t.text, 10);
  }

  /** keepalived durations are (decimal) seconds; the model keeps integer ms. */
  seconds(s: Stmt, t: Token | undefined): number | undefined {
    if (!t) return undefined;
    const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(t.text);
    if (!m) {
      this.error(s, `'${s.kw.text}' expects seconds (e.g. 1 or 0.5), got '${t.text}'`, t);
      return undefined;
    }
    const frac = (m[2] ?? "").padEnd(3, "0");
    if (/[1-9]/.test(frac.slice(3))) {
      this.error(s, `'${s.kw.text}' ${t.text}: finer than a millisecond is not supported`, t);
      return undefined;
    }
    return Number.parseInt(m[1]!, 10) * 1000 + Number.parseInt(frac.slice(0, 3), 10);
  }

  /** A flag keyword: no value, or an explicit true/false word. */
  flag(s: Stmt): boolean | undefined {
    if (!this.noBlock(s)) return undefined;
    if (s.args.length === 0) return true;
    const t = s.args[0]!;
    if (s.args.length === 1) {
      const w = t.text.toLowerCase();
      if (["true", "on", "yes", "1"].includes(w)) return true;
      if (["false", "off", "no", "0"].includes(w)) return false;
    }
    this.error(s, `'${s.kw.text}' takes no value or one of true/false, got '${s.args.map((a) => a.text).join(" ")}'`, t);
    return undefined;
  }

  /** A script command line: one quoted string, or the rest of the line. */
  command(s: Stmt): string | undefined {
    if (!this.noBlock(s)) return undefined;
    if (s.args.length === 0) {
      this.error(s, `'${s.kw.text}' needs a command`);
      return undefined;
    }
    return s.args.map((a) => a.text).join(" ");
  }

  /** Every word of a list block (`notification_email { a b }`), line breaks ignored. */
  words(s: Stmt): Token[] {
    const block = this.needBlock(s);
    if (!block) return [];
    const out: Token[] = [];
    for (const st of block) {
      if (st.block) this.error(st, `unexpected block inside '${s.kw.text}'`);
      out.push(st.kw, ...st.args);
    }
    return out;
  }

  /** Runs the handler of each statement of a block by keyword; `where` (for messages) may be computed only when one is needed. */
  dispatch<T>(block: Stmt[], where: string | (() => string), target: T, table: Record<string, (s: Stmt, target: T) => void>) {
    // a table from table() has no prototype, so a keyword like "constructor" finds nothing in it
    const bare = Object.getPrototypeOf(table) === null;
    for (const s of block) {
      const h = s.kw.quoted ? undefined : bare || Object.hasOwn(table, s.kw.text) ? table[s.kw.text] : undefined;
      if (h) h(s, target);
      else this.unknown(s, typeof where === "string" ? where : where(), whyUnknown(s.kw.text), unsupportedReason(s.kw.text));
    }
  }
}

// keepalived keywords vigil knows of but does not run (kc-unsupported.ts, each with
// why), so the message says so instead of suggesting a typo.
export function whyUnknown(kw: string): string {
  return unsupportedReason(kw) !== undefined ? "keepalived feature not supported by vigil:" : "unknown keyword";
}

export type Handler<T = Raw> = (s: Stmt, o: T) => void;

// Handler builders for the common keyword shapes.
// A field's location is its value's token, so a range error points at the
// value, and at the definition when the value came from a $NAME.
const withValue = (c: Ctx, key: string, conv: (s: Stmt, t: Token | undefined) => unknown): Handler => (s, o) => {
  const t = c.one(s);
  c.put(o, key, conv(s, t), s, t);
};
export const hStr = (c: Ctx, key: string): Handler => withValue(c, key, (_s, t) => t?.text);
export const hInt = (c: Ctx, key: string): Handler => withValue(c, key, (s, t) => c.int(s, t));
export const hSec = (c: Ctx, key: string): Handler => withValue(c, key, (s, t) => c.seconds(s, t));
export const hFlag = (c: Ctx, key: string): Handler => (s, o) => c.put(o, key, c.flag(s), s, s.args[0]);
export const hCmd = (c: Ctx, key: string): Handler => (s, o) => c.put(o, key, c.command(s), s, s.args[0]);
export const hEnum =
  (c: Ctx, key: string, values: readonly string[], norm: (x: string) => string = (x) => x): Handler =>
  (s, o) => {
    const t = c.one(s);
    if (!t) return;
    const v = norm(t.text);
    if (!values.includes(v)) {
      c.error(s, `'${s.kw.text}' expects one of ${values.join(", ")}, got '${t.text}'`, t);
      c.locs.refuse(o, key);
    } else c.put(o, key, v, s, t);
  };

/** `vip_lifetime N|permanent` (vigil) */
export const hLifetime = (c: Ctx, key: string): Handler => (s, o) => {
  const t = c.one(s);
  if (!t) return;
  c.put(o, key, t.text === "permanent" ? "permanent" : c.seconds(s, t), s, t);
};

/**
 * keepalived `garp_extra_if [all] SECONDS` (and its global vrrp_ form, and the
 * deprecated *vmac_garp_intvl names): whole seconds, `all` before or after.
 */
export const hGarpExtraIf = (c: Ctx, msKey: string, allKey: string): Handler => (s, o) => {
  if (!c.noBlock(s)) return;
  let secs: Token | undefined;
  let all = false;
  for (const t of s.args) {
    if (t.text === "all" && !all) all = true;
    else if (secs === undefined) secs = t;
    else return c.error(s, `'${s.kw.text}' takes [all] SECONDS, got '${s.args.map((a) => a.text).join(" ")}'`, t);
  }
  if (!secs) return c.error(s, `'${s.kw.text}' needs SECONDS (whole seconds, 'all' optional)`);
  const n = c.int(s, secs);
  if (n === undefined) return;
  c.put(o, msKey, n * 1000, s, secs);
  if (all) c.put(o, allKey, true, s, s.args.find((a) => a.text === "all"));
};
