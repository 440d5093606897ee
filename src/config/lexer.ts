// keepalived.conf lexer: text -> lines of tokens.
// keepalived's rules: a line is a statement; `!` and `#` start a comment anywhere
// outside double quotes (the user's notes also use the full-width `！`);
// `{` and `}` are tokens of their own; "quoted strings" keep their spaces.
import type { Diagnostics } from "./diagnostics.ts";
import { SourceText } from "./source-text.ts";

export interface Token {
  text: string;
  quoted: boolean;
  file: string;
  line: number;
  col: number;
  /** set when the token came out of a $NAME or ~SEQ expansion (source-text.ts) */
  via?: string;
}

export interface TokenLine {
  file: string;
  line: number;
  /** the source line (after expansion), for error messages */
  raw: string;
  tokens: Token[];
}

// Character classes by code unit (this loop sees every byte of the config). One
// table lookup instead of function calls: a CLI run of the lexer is over before
// the JIT has compiled it, and the interpreter pays for every call
// (test/bench/cold-start.bench.ts).
const WORD = 0;
const SPACE = 1;
const COMMENT = 2;
const BRACE = 3;
const QUOTE = 4;
const ASCII_CLASS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) ASCII_CLASS[c] = SPACE;
ASCII_CLASS[0x21 /* ! */] = COMMENT;
ASCII_CLASS[0x23 /* # */] = COMMENT;
ASCII_CLASS[0x7b /* { */] = BRACE;
ASCII_CLASS[0x7d /* } */] = BRACE;
ASCII_CLASS[0x22 /* " */] = QUOTE;
/** the class of a code unit: blanks (also U+3000 and U+00A0), comment starts (also the full-width ！), braces, the quote */
const classOf = (c: number) => (c < 128 ? ASCII_CLASS[c]! : c === 0x3000 || c === 0xa0 ? SPACE : c === 0xff01 ? COMMENT : WORD);

// A line needs the scanner below only if it has a quote, a comment start, a blank
// other than the space, a character beyond ASCII, or a brace touching another
// character. Nearly every line of a config has none of these: its words end at the
// next space, found by native code (indexOf) instead of a loop over its characters
// in the interpreter (a cold `vigil config check` runs this for every line before
// any of it is compiled; test/bench/config-check-phases.ts).
const NEEDS_SCAN = /["!#\t\n\v\f\r\u0080-\uffff]|[^ ][{}]|[{}][^ ]/;

/** Tokens of one physical line as written (column 1 is its first character). */
export function tokenizeLine(file: string, lineNo: number, raw: string, diags: Diagnostics): TokenLine {
  if (NEEDS_SCAN.test(raw)) return scan(raw, diags, file, lineNo, 1, undefined);
  const tokens: Token[] = [];
  const n = raw.length;
  let i = 0;
  while (i < n) {
    if (raw.charCodeAt(i) === 0x20) {
      i++;
      continue;
    }
    let end = raw.indexOf(" ", i);
    if (end < 0) end = n;
    tokens.push({ text: raw.slice(i, end), quoted: false, file, line: lineNo, col: i + 1 });
    i = end + 1;
  }
  return { file, line: lineNo, raw, tokens };
}

/** Tokens of one line whose characters may come from several places (expanded text). */
export function tokenizeText(src: SourceText, diags: Diagnostics): TokenLine {
  const head = src.segs[0];
  // one piece of one physical line (almost every line): columns are offsets + 1
  const plain = src.segs.length <= 1 && !head?.via;
  return scan(src.text, diags, head?.file ?? "<expansion>", head?.line ?? 0, head ? head.col - head.at : 1, plain ? undefined : src);
}

/** `src` given: each token's origin is looked up in it; else tokens are at file:lineNo, column base + offset. */
function scan(raw: string, diags: Diagnostics, file: string, lineNo: number, base: number, src: SourceText | undefined): TokenLine {
  const tokens: Token[] = [];
  const tok = (text: string, quoted: boolean, at: number): Token => {
    if (!src) return { text, quoted, file, line: lineNo, col: base + at };
    const o = src.originAt(at);
    const t: Token = { text, quoted, file: o.file, line: o.line, col: o.col };
    if (o.via) t.via = o.via;
    return t;
  };
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const c = raw.charCodeAt(i);
    const k = c < 128 ? ASCII_CLASS[c]! : classOf(c);
    if (k === SPACE) {
      i++;
      continue;
    }
    if (k === COMMENT) break;
    if (k === BRACE) {
      tokens.push(tok(raw[i]!, false, i));
      i++;
      continue;
    }
    if (k === QUOTE) {
      const end = raw.indexOf('"', i + 1);
      if (end < 0) {
        const t = tok(raw.slice(i + 1), true, i);
        diags.error("unterminated quoted string", { file: t.file, line: t.line, col: t.col, text: raw.slice(i), ...(t.via ? { via: t.via } : {}) });
        tokens.push(t);
        break;
      }
      tokens.push(tok(raw.slice(i + 1, end), true, i));
      i = end + 1;
      continue;
    }
    const start = i;
    i++;
    while (i < n) {
      const d = raw.charCodeAt(i);
      if ((d < 128 ? ASCII_CLASS[d]! : classOf(d)) !== WORD) break;
      i++;
    }
    tokens.push(tok(raw.slice(start, i), false, start));
  }
  const first = tokens[0];
  return { file: first?.file ?? file, line: first?.line ?? lineNo, raw, tokens };
}

/** Splits a whole file; lines without tokens are dropped. */
export function tokenize(file: string, text: string, diags: Diagnostics): TokenLine[] {
  const out: TokenLine[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const tl = tokenizeLine(file, k + 1, lines[k]!, diags);
    if (tl.tokens.length) out.push(tl);
  }
  return out;
}
