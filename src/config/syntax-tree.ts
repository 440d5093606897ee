// Token lines -> nested statements. A statement is a keyword and its arguments
// on one line, optionally followed by a `{ ... }` block; keepalived also
// accepts the `{` on the next line and several statements inside one-line
// blocks (`group { VI_1 VI_2 }`), so those forms are accepted here too.
import type { Diagnostics } from "./diagnostics.ts";
import type { Token, TokenLine } from "./lexer.ts";

export interface Stmt {
  kw: Token;
  args: Token[];
  block?: Stmt[];
  /** the source line the statement starts on, for messages (trimmed only when shown) */
  line: TokenLine;
}

export function stmtText(s: Stmt): string {
  return s.line.raw.trim();
}

export const MAX_DEPTH = 32;

export function buildTree(lines: TokenLine[], diags: Diagnostics, maxDepth = MAX_DEPTH): Stmt[] {
  const root: Stmt[] = [];
  const stack: Array<{ list: Stmt[]; opener?: Stmt }> = [{ list: root }];
  let list = root; // the innermost open block's statements (stack top)
  let tooDeep = 0; // blocks skipped because of the depth limit

  // Straight-line code without per-line closures: this loop sees every line of a
  // config, and a CLI run of it is over before the JIT has compiled it
  // (test/bench/cold-start.bench.ts).
  for (let li = 0; li < lines.length; li++) {
    const tl = lines[li]!;
    const tokens = tl.tokens;
    let from = 0; // tokens[from..k) are the words of the statement being read
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (t.quoted) continue;
      if (t.text === "{") {
        if (tooDeep > 0) {
          tooDeep++;
          from = k + 1;
          continue;
        }
        let opener: Stmt | undefined;
        if (k > from) {
          opener = { kw: tokens[from]!, args: tokens.slice(from + 1, k), line: tl };
          list.push(opener);
        } else {
          const prev = list[list.length - 1];
          if (prev && !prev.block) opener = prev;
          else {
            diags.error("'{' without a keyword before it", at(t, tl));
            opener = { kw: t, args: [], line: tl };
          }
        }
        from = k + 1;
        if (stack.length > maxDepth) {
          diags.error(`blocks nested deeper than ${maxDepth}`, at(t, tl));
          tooDeep = 1;
          continue;
        }
        opener.block = [];
        list = opener.block;
        stack.push({ list, opener });
      } else if (t.text === "}") {
        if (k > from && tooDeep === 0) list.push({ kw: tokens[from]!, args: tokens.slice(from + 1, k), line: tl });
        from = k + 1;
        if (tooDeep > 0) {
          tooDeep--;
          continue;
        }
        if (stack.length === 1) {
          diags.error("'}' without a matching '{'", at(t, tl));
          continue;
        }
        stack.pop();
        list = stack[stack.length - 1]!.list;
      }
    }
    if (tokens.length > from && tooDeep === 0) list.push({ kw: tokens[from]!, args: tokens.slice(from + 1), line: tl });
  }
  for (let k = stack.length - 1; k > 0; k--) {
    const o = stack[k]!.opener!;
    diags.error(`block '${o.kw.text}' is not closed (missing '}')`, at(o.kw, o.line));
  }
  return root;
}

function at(t: Token, tl: TokenLine) {
  return { file: t.file, line: t.line, col: t.col, text: tl.raw.trim(), ...(t.via ? { via: t.via } : {}) };
}
