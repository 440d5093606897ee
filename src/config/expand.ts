// keepalived's text expansions, done line by line before a line is split into
// words, as keepalived 2.2.7 does them (lib/parser.c read_line, checked against
// `keepalived -t`):
//   @ID line / @^ID line   the line only when the config id is (not) ID
//   $NAME=VALUE            a definition; a VALUE ending in `\` continues on the
//                          next lines until a line without `\` or a blank line
//   $NAME, ${NAME}         replaced by the value when used (so a value may use
//                          definitions made after it); $NAME only when followed
//                          by a blank, `,`, `)` or the line end; a multi-line
//                          value only at the line end, its further lines
//                          following as lines of their own
//   ~SEQ(VAR,[START,[STEP,]]END) REST, ~SEQx(...), ~LST(VAR,V1,V2,...) and
//   ~LST({A,B},{1,2},...)   REST once per value, with $VAR set
//   ${_PWD} ${_INSTANCE} ${_RANDOM [MIN [MAX]]} ${_HASH} ${_BANG}   predefined
// Every expanded character keeps its origin (SourceText), so diagnostics name
// the original file:line:col and the definition or ~SEQ the text came from.
// Where keepalived silently keeps an unknown $NAME as text, vigil reports it
// when the config makes definitions of its own (before that, as keepalived's
// manual says, a `$` is plain text, e.g. in a script or a rewritten config):
// an error outside double quotes (a typo: keepalived then fails on the literal
// `$NAME` word), a warning inside them (shell variables of scripts).
import { decomment } from "./decomment.ts";
import type { Diagnostics, SourceLoc } from "./diagnostics.ts";
import { joinVia, originString, SourceText, type Origin } from "./source-text.ts";

export interface ExpandLimits {
  /** lines handled in all (each ~SEQ round and each expanded line counts) */
  maxSteps: number;
  /** characters of one line after expansion */
  maxLineLength: number;
  /** expansions inside expansions */
  maxDepth: number;
}

export const DEFAULT_EXPAND_LIMITS: ExpandLimits = { maxSteps: 1_000_000, maxLineLength: 64 * 1024, maxDepth: 64 };

export interface ExpandOptions {
  diags: Diagnostics;
  /** the config id `@ID` lines are compared with (`vigil -i`) */
  configId: string;
  /** absolute directory of a config file, for ${_PWD} */
  dirOf(file: string): string;
  /** a finished line of `file`; may read an included file, which re-enters expandFile() */
  emit(line: SourceText, file: string): void;
  /** a physical line that needs no expansion, as read (nearly every line); default: emit() of it */
  emitPlain?(raw: string, file: string, line: number): void;
  limits?: ExpandLimits;
  random?: () => number;
}

interface Definition {
  name: string;
  /** one line, or the lines of a multi-line definition */
  lines: SourceText[];
  multiline: boolean;
  /** predefined: the value is computed at each use */
  compute?: (params: number[]) => string;
  maxParams?: number;
}

/** A `$NAME` or `${NAME ...}` reference at some offset of a line. */
interface Ref {
  name: string;
  start: number;
  end: number;
  params?: number[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** keepalived's reference syntax (find_definition); undefined names match too. */
export function matchRef(text: string, i: number): Ref | undefined {
  if (text[i] !== "$") return undefined;
  if (text[i + 1] === "{") {
    const m = NAME.exec(text.slice(i + 2));
    if (!m) return undefined;
    let p = i + 2 + m[0].length;
    // ${_RANDOM 1 10}: parameters are digits and spaces, not ending in a space
    const pm = /^(?: +\d+)*/.exec(text.slice(p))![0];
    if (text[p + pm.length] !== "}") return undefined;
    const ref: Ref = { name: m[0], start: i, end: p + pm.length + 1 };
    if (pm) ref.params = pm.trim().split(/ +/).map(Number);
    return ref;
  }
  const m = NAME.exec(text.slice(i + 1));
  if (!m) return undefined;
  const end = i + 1 + m[0].length;
  const next = text[end];
  if (next !== undefined && next !== " " && next !== "\t" && next !== "," && next !== ")") return undefined;
  return { name: m[0], start: i, end };
}

/** No `$`, no `\`, and not starting with `@` or `~`: the line is the same after expansion. */
function isPlain(raw: string): boolean {
  if (raw.includes("$") || raw.includes("\\")) return false;
  let i = 0;
  while (i < raw.length && (raw[i] === " " || raw[i] === "\t")) i++;
  return raw[i] !== "@" && raw[i] !== "~";
}

/**
 * A line whose first non-blank character is `@` (a conditional) or `~` (a sequence).
 * Cheapest first: most files have neither character at all, and a /^…/m scan of a
 * 200 KB text costs 0.4–1.6 ms in a cold process against 0.2 ms for a scan for "\n".
 */
function hasLineStartingWithAtOrTilde(text: string): boolean {
  if (!text.includes("@") && !text.includes("~")) return false;
  return /^[ \t]*[@~]/.test(text) || /\n[ \t]*[@~]/.test(text);
}

function insideQuotes(text: string, at: number): boolean {
  let q = false;
  for (let i = 0; i < at; i++) if (text[i] === '"') q = !q;
  return q;
}

class Stop extends Error {
  override name = "Stop";
}

export class Expander {
  private readonly defs = new Map<string, Definition>();
  private readonly files: string[] = [];
  private readonly limits: ExpandLimits;
  private steps = 0;
  private stopped = false;
  /** a definition whose last line ended in `\`: the next physical lines continue it */
  private pending: Definition | undefined;
  /** the config defines names of its own ($NAME=, ~SEQ, ~LST) */
  private userDefinitions = false;
  /** references left as text, reported at the end if the config defines names */
  private readonly unexpanded: Array<ReturnType<typeof diag>> = [];
  private readonly unexpandedAt = new Set<string>();

  constructor(private readonly o: ExpandOptions) {
    this.limits = o.limits ?? DEFAULT_EXPAND_LIMITS;
    const random = o.random ?? Math.random;
    const builtin = (name: string, compute: (p: number[]) => string, maxParams = 0) =>
      this.defs.set(name, { name, lines: [], multiline: false, compute, maxParams });
    builtin("_PWD", () => o.dirOf(this.files[this.files.length - 1] ?? "."));
    builtin("_INSTANCE", () => o.configId);
    builtin(
      "_RANDOM",
      ([min = 0, max = 32767]) => String(min + Math.floor(random() * (Math.max(min, max) - min + 1))),
      2,
    );
    builtin("_HASH", () => "#");
    builtin("_BANG", () => "!");
  }

  /** Expands one file's text; lines reach `emit` in order. */
  expandFile(file: string, text: string): void {
    if (this.stopped) return;
    this.files.push(file);
    const outer = this.pending;
    this.pending = undefined;
    try {
      const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      const lines = body.split("\n");
      // a file without `$`, `\` and lines starting with `@` or `~` (most configs) is
      // plain throughout: one look at the whole text instead of one per line
      const allPlain = !body.includes("$") && !body.includes("\\") && !hasLineStartingWithAtOrTilde(body);
      for (let k = 0; k < lines.length && !this.stopped; k++) {
        let raw = lines[k]!;
        while (raw.charCodeAt(raw.length - 1) === 0x0d /* \r */) raw = raw.slice(0, -1);
        if (!this.pending && (allPlain || isPlain(raw))) {
          // nearly every line: nothing to expand, and the lexer drops blanks and comments itself
          if (++this.steps > this.limits.maxSteps) this.fatal(`expansion too large: more than ${this.limits.maxSteps} lines`, SourceText.line(file, k + 1, raw), 0, "expansion-limit");
          if (this.o.emitPlain) this.o.emitPlain(raw, file, k + 1);
          else this.o.emit(SourceText.line(file, k + 1, raw), file);
          continue;
        }
        const { text: line, commentOnly } = decomment(file, k + 1, raw);
        if (this.pending) {
          this.continueDefinition(line, commentOnly, file, k + 1);
          continue;
        }
        if (line.length) this.accept(line, 0);
      }
      this.pending = undefined; // the end of a file ends a definition (keepalived's EOF)
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      this.stopped = true;
    } finally {
      this.files.pop();
      this.pending = outer;
    }
    if (this.files.length === 0 && this.userDefinitions) for (const d of this.unexpanded) this.o.diags.add(d);
  }

  private continueDefinition(line: SourceText, commentOnly: boolean, file: string, lineNo: number) {
    const def = this.pending!;
    if (line.length === 0) {
      // keepalived's config test reads on past a comment line, but the processes
      // that run read a copy of the config without comments, where the comment
      // line is blank and so ends the definition: vigil follows what runs.
      if (commentOnly) {
        this.o.diags.warning(
          `a comment line ends the multi-line definition $${def.name} (keepalived runs it so; its -t test reads on)`,
          { file, line: lineNo, col: 1 },
          undefined,
          "multiline-definition",
        );
      }
      this.pending = undefined;
      this.finishDefinition(def);
      return;
    }
    if (line.text.endsWith("\\")) {
      const body = line.slice(0, line.length - 1).trim();
      if (body.length) def.lines.push(body);
      return;
    }
    def.lines.push(line);
    this.pending = undefined;
    this.finishDefinition(def);
  }

  private finishDefinition(def: Definition) {
    if (def.lines.length === 0) def.multiline = false;
  }

  private error(message: string, at: SourceText, offset = 0, code?: string): void {
    this.o.diags.add(diag("error", message, at, offset, code));
  }

  /** An error that drops the line it is about; reading goes on. */
  private refuse(message: string, at: SourceText, offset = 0, code?: string): undefined {
    this.error(message, at, offset, code);
    return undefined;
  }

  private fatal(message: string, at: SourceText, offset = 0, code?: string): never {
    this.error(message, at, offset, code);
    throw new Stop();
  }

  /** One line after decomment: conditional, definition, sequence, substitution, then out. */
  private accept(line: SourceText, depth: number): void {
    if (++this.steps > this.limits.maxSteps) this.fatal(`expansion too large: more than ${this.limits.maxSteps} lines`, line, 0, "expansion-limit");
    if (depth > this.limits.maxDepth) this.fatal(`expansions nested deeper than ${this.limits.maxDepth}`, line, 0, "expansion-limit");
    line = line.trim();
    if (!line.length) return;
    if (line.text[0] === "@") {
      const cond = this.condition(line);
      if (!cond) return;
      line = cond;
    }
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=/.exec(line.text);
    if (def) return this.define(def[1]!, line, def[0].length, depth);
    const spaced = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]+=/.exec(line.text);
    if (spaced) {
      // keepalived reads this as the unknown keyword `$NAME`
      return this.error(`'$${spaced[1]} =' is not a definition: write $${spaced[1]}=VALUE, without blanks before '='`, line, 0, "bad-definition");
    }
    if (/^~SEQx?[ \t]*\(/.test(line.text)) return this.sequence(line, depth);
    if (/^~LST[ \t]*\(/.test(line.text)) return this.list(line, depth);
    if (line.text[0] !== "~") {
      const r = this.substitute(line);
      if (!r) return; // refused, and said why
      if (r.changed) {
        // the result may now be a conditional, a definition or a ~SEQ line
        this.accept(r.line, depth + 1);
        for (const more of r.more) this.accept(more, depth + 1);
        return;
      }
      this.reportUnexpanded(line);
    }
    this.o.emit(line, this.files[this.files.length - 1]!);
  }

  /** `@ID rest` / `@^ID rest`: the rest, or nothing when the line is not for this config id. */
  private condition(line: SourceText): SourceText | undefined {
    const negate = line.text[1] === "^";
    const from = negate ? 2 : 1;
    const m = /[ \t]/.exec(line.text.slice(from));
    // keepalived drops an `@ID` with nothing after it
    if (!m) return undefined;
    const id = line.text.slice(from, from + m.index);
    if ((id === this.o.configId) === negate) return undefined;
    return line.slice(from + m.index).trim();
  }

  private define(name: string, line: SourceText, valueAt: number, depth: number) {
    let value = line.slice(valueAt).trim().fresh();
    const d: Definition = { name, lines: [], multiline: false };
    if (value.text.endsWith("\\")) {
      if (depth > 0) {
        this.error(`the multi-line definition $${name} must start on a line of its own, not come from an expansion`, line, 0, "multiline-definition");
        return;
      }
      value = value.slice(0, value.length - 1).trim();
      d.multiline = true;
      if (value.length) d.lines.push(value);
      this.pending = d;
    } else d.lines.push(value);
    this.userDefinitions = true;
    // redefining is allowed (keepalived: the last definition before a use wins), also of _PWD and the like
    this.defs.set(name, d);
  }

  /** Replaces every defined reference, rescanning what was inserted, as keepalived does. */
  private substitute(line: SourceText): { line: SourceText; more: SourceText[]; changed: boolean } | undefined {
    let cur = line;
    let more: SourceText[] = [];
    let changed = false;
    let pos = 0;
    for (;;) {
      const i = cur.text.indexOf("$", pos);
      if (i < 0 || i + 1 >= cur.length) break;
      const ref = matchRef(cur.text, i);
      const def = ref && this.defs.get(ref.name);
      if (!ref || !def || !usable(def, ref, cur.length)) {
        pos = i + 1;
        continue;
      }
      const seg = cur.segAt(i);
      if (seg?.chain?.includes(ref.name)) {
        return this.refuse(`$${ref.name} refers to itself (through ${[...seg.chain, ref.name].map((n) => `$${n}`).join(" -> ")}); its expansion never ends`, cur, i, "recursive-definition");
      }
      const at = originString(cur.originAt(i));
      let value: SourceText;
      let rest: SourceText[] = [];
      if (def.compute) {
        value = SourceText.of(def.compute(ref.params ?? []), { ...cur.originAt(i) }).through(`in \${${ref.name}} at ${at}`, ref.name);
      } else {
        const own = `in $${ref.name} used at ${at}`;
        const via = seg?.via ? joinVia(own, seg.via) : own;
        const chain = [...(seg?.chain ?? [])];
        value = (def.lines[0] ?? SourceText.empty()).through(via, ref.name, chain);
        rest = def.multiline ? def.lines.slice(1).map((l) => l.through(via, ref.name, chain)) : [];
      }
      cur = cur.splice(i, ref.end, value);
      if (cur.length > this.limits.maxLineLength) {
        return this.refuse(`line longer than ${this.limits.maxLineLength} characters after expanding $${ref.name}`, cur, i, "expansion-limit");
      }
      // a nested multi-line value's lines come before the rest of the outer one
      more = [...rest, ...more];
      changed = true;
      pos = i;
      // keepalived stops substituting at a value that starts a ~SEQ: its body is expanded per round
      if (/^[ \t]*~/.test(value.text)) break;
    }
    return { line: cur, more, changed };
  }

  /** After substitution: references left as text are a typo or a shell variable. */
  private reportUnexpanded(line: SourceText) {
    const t = line.text;
    for (let i = t.indexOf("$"); i >= 0; i = t.indexOf("$", i + 1)) {
      const ref = matchRef(t, i);
      if (!ref) continue;
      const def = this.defs.get(ref.name);
      const quoted = insideQuotes(t, i);
      let why: string;
      if (!def) {
        why = `$${ref.name} is not defined`;
      } else if (def.multiline) why = `the multi-line definition $${ref.name} can only be used at the end of a line`;
      else why = def.maxParams ? `\${${ref.name}} takes at most ${def.maxParams} parameters` : `$${ref.name} takes no parameters`;
      const d = quoted
        ? diag("warning", `${why}; kept as written inside quotes, as keepalived does`, line, i, "undefined-variable")
        : diag("error", why, line, i, "undefined-variable");
      // a line repeated by ~SEQ or a multi-line definition says it once
      const key = `${d.loc.file}:${d.loc.line}:${d.loc.col}:${d.message}`;
      if (!this.unexpandedAt.has(key)) {
        this.unexpandedAt.add(key);
        this.unexpanded.push(d);
      }
    }
  }

  /** ~SEQ(VAR, END) ~SEQ(VAR, START, END) ~SEQ(VAR, START, STEP, END); ~SEQx writes hex. */
  private sequence(line: SourceText, depth: number) {
    const t = line.text;
    const hex = t[4] === "x";
    const head = this.header(line, hex ? 5 : 4, "~SEQ");
    if (!head) return;
    const { vars, args, rest } = head;
    if (vars.length !== 1) return this.error("~SEQ takes one variable name", line, 0, "bad-sequence");
    const nums: number[] = [];
    for (const a of args) {
      const n = strtol(a);
      if (n === undefined) return this.error(`~SEQ: '${a}' is not a number`, line, 0, "bad-sequence");
      nums.push(n);
    }
    let start: number;
    let step: number;
    let end: number;
    if (nums.length === 1) {
      end = nums[0]!;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else if (nums.length === 2) {
      [start, end] = nums as [number, number];
      step = start <= end ? 1 : -1;
    } else if (nums.length === 3) {
      [start, step, end] = nums as [number, number, number];
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
        return this.error(`~SEQ: step ${step} never gets from ${start} to ${end}`, line, 0, "bad-sequence");
      }
    } else return this.error(`~SEQ takes END, START,END or START,STEP,END, got ${nums.length} numbers`, line, 0, "bad-sequence");
    if (hex && (start < 0 || end < 0)) return this.error("~SEQx is only for numbers that are not negative", line, 0, "bad-sequence");
    const name = vars[0]!;
    const at = originString(line.originAt(0));
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      const val = hex ? v.toString(16) : String(v);
      this.setVar(name, val, line);
      this.accept(rest.through(`in ~SEQ ${name}=${val} at ${at}`), depth + 1);
    }
  }

  /** ~LST(VAR, V1, V2, ...) or ~LST({A, B}, {1, 2}, {3, 4}) */
  private list(line: SourceText, depth: number) {
    const head = this.header(line, 4, "~LST", true);
    if (!head) return;
    const { vars, groups, rest } = head;
    if (!groups.length) return this.error("~LST needs at least one value after the variable", line, 0, "bad-list");
    const at = originString(line.originAt(0));
    for (const g of groups) {
      if (g.length !== vars.length) {
        return this.error(`~LST: {${g.join(",")}} has ${g.length} values for ${vars.length} variables`, line, 0, "bad-list");
      }
    }
    for (const g of groups) {
      vars.forEach((name, k) => this.setVar(name, g[k]!, line));
      this.accept(rest.through(`in ~LST ${vars.map((n, k) => `${n}=${g[k]}`).join(" ")} at ${at}`), depth + 1);
    }
  }

  private setVar(name: string, value: string, line: SourceText) {
    this.userDefinitions = true;
    this.defs.set(name, { name, lines: [SourceText.of(value, { ...line.originAt(0) })], multiline: false });
  }

  /**
   * `(VAR, a, b)` after ~SEQ/~LST: variables, plain arguments (definitions in
   * them expanded), value groups for ~LST, and the text the rounds repeat.
   */
  private header(line: SourceText, from: number, what: string, groups = false) {
    const t = line.text;
    const open = t.indexOf("(", from);
    const close = t.indexOf(")", open);
    if (close < 0) {
      this.error(`${what}: missing ')'`, line, 0, what === "~LST" ? "bad-list" : "bad-sequence");
      return undefined;
    }
    const inner = line.slice(open + 1, close);
    const r = this.substitute(inner);
    if (!r) return undefined;
    if (r.more.length) {
      this.error(`${what}: a multi-line definition cannot be a parameter`, line, open + 1, "bad-sequence");
      return undefined;
    }
    const parts = splitTop(r.line.text);
    const bad = (msg: string) => {
      this.error(`${what}: ${msg}`, line, open + 1, what === "~LST" ? "bad-list" : "bad-sequence");
      return undefined;
    };
    if (!parts || parts.length < 2) return bad(`needs ${what === "~LST" ? "(VAR, VALUE, ...)" : "(VAR, [START, [STEP,]] END)"}`);
    const unbrace = (s: string) => (s.startsWith("{") && s.endsWith("}") ? s.slice(1, -1).split(",").map((x) => x.trim()) : [s]);
    const vars = groups ? unbrace(parts[0]!) : [parts[0]!];
    for (const v of vars) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return bad(`'${v}' is not a variable name`);
    const values = parts.slice(1).map(unbrace);
    for (const g of values) for (const v of g) if (!v || /\s/.test(v)) return bad(`'${v}' is not a value (values are single words)`);
    let restAt = close + 1;
    while (restAt < t.length && (t[restAt] === " " || t[restAt] === "\t")) restAt++;
    return { vars, args: parts.slice(1), groups: values, rest: line.slice(restAt) };
  }
}

/** Splits `a, {b, c}, d` at top-level commas; undefined on unbalanced braces. */
function splitTop(s: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "{") depth++;
    else if (c === "}" && --depth < 0) return undefined;
    if (c === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (depth) return undefined;
  out.push(cur.trim());
  return out;
}

/** strtol(s, &end, 0) over the whole string: 0x hex, leading-0 octal, decimal. */
export function strtol(s: string): number | undefined {
  const m = /^[ \t]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t]*$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === "0" ? parseInt(body, 8) : parseInt(body, 10);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === "-" ? -v : v;
}

function usable(def: Definition, ref: Ref, lineLength: number): boolean {
  if (def.multiline && ref.end !== lineLength) return false;
  if (ref.params && !def.maxParams) return false;
  if (ref.params && ref.params.length > def.maxParams!) return false;
  return true;
}

function diag(severity: "error" | "warning", message: string, at: SourceText, offset: number, code?: string) {
  const o: Origin = at.originAt(offset);
  const loc: SourceLoc = { file: o.file, line: o.line, col: o.col, text: at.text.trim() };
  if (o.via) loc.via = o.via;
  return { severity, message, loc, ...(code ? { code } : {}) };
}
