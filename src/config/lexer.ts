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

// Character classes by code unit (this loop sees every byte of the config).
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x3000 || c === 0xa0;
const isComment = (c: number) => c === 0x21 /* ! */ || c === 0x23 /* # */ || c === 0xff01 /* ！ */;
const isBrace = (c: number) => c === 0x7b || c === 0x7d;

export function tokenizeLine(file: string, lineNo: number, raw: string, diags: Diagnostics): TokenLine {
  return tokenizeText(SourceText.line(file, lineNo, raw), diags);
}

/** Tokens of one line whose characters may come from several places (expanded text). */
export function tokenizeText(src: SourceText, diags: Diagnostics): TokenLine {
  const raw = src.text;
  const tokens: Token[] = [];
  const head = src.segs[0];
  // one piece of one physical line (almost every line): columns are offsets + 1
  const plain = src.segs.length <= 1 && !head?.via;
  const file = head?.file ?? "<expansion>";
  const lineNo = head?.line ?? 0;
  const base = head ? head.col - head.at : 1;
  const tok = (text: string, quoted: boolean, at: number): Token => {
    if (plain) return { text, quoted, file, line: lineNo, col: base + at };
    const o = src.originAt(at);
    const t: Token = { text, quoted, file: o.file, line: o.line, col: o.col };
    if (o.via) t.via = o.via;
    return t;
  };
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (isComment(c)) break;
    if (isBrace(c)) {
      tokens.push(tok(raw[i]!, false, i));
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
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
    while (i < n) {
      const d = raw.charCodeAt(i);
      if (isSpace(d) || isComment(d) || isBrace(d) || d === 0x22) break;
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
