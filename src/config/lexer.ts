// keepalived.conf lexer: text -> lines of tokens.
// keepalived's rules: a line is a statement; `!` and `#` start a comment anywhere
// outside double quotes (the user's notes also use the full-width `！`);
// `{` and `}` are tokens of their own; "quoted strings" keep their spaces.
import type { Diagnostics } from "./diagnostics.ts";

export interface Token {
  text: string;
  quoted: boolean;
  file: string;
  line: number;
  col: number;
}

export interface TokenLine {
  file: string;
  line: number;
  /** the raw source line, for error messages */
  raw: string;
  tokens: Token[];
}

// Character classes by code unit (this loop sees every byte of the config).
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x3000 || c === 0xa0;
const isComment = (c: number) => c === 0x21 /* ! */ || c === 0x23 /* # */ || c === 0xff01 /* ！ */;
const isBrace = (c: number) => c === 0x7b || c === 0x7d;

export function tokenizeLine(file: string, lineNo: number, raw: string, diags: Diagnostics): TokenLine {
  const tokens: Token[] = [];
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
      tokens.push({ text: raw[i]!, quoted: false, file, line: lineNo, col: i + 1 });
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
      const end = raw.indexOf('"', i + 1);
      if (end < 0) {
        diags.error("unterminated quoted string", { file, line: lineNo, col: i + 1, text: raw.slice(i) });
        tokens.push({ text: raw.slice(i + 1), quoted: true, file, line: lineNo, col: i + 1 });
        break;
      }
      tokens.push({ text: raw.slice(i + 1, end), quoted: true, file, line: lineNo, col: i + 1 });
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < n) {
      const d = raw.charCodeAt(i);
      if (isSpace(d) || isComment(d) || isBrace(d) || d === 0x22) break;
      i++;
    }
    tokens.push({ text: raw.slice(start, i), quoted: false, file, line: lineNo, col: start + 1 });
  }
  return { file, line: lineNo, raw, tokens };
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
