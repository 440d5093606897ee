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
  let tooDeep = 0; // blocks skipped because of the depth limit

  for (const tl of lines) {
    let pending: Token[] = [];
    const top = () => stack[stack.length - 1]!;
    const flush = () => {
      if (pending.length === 0) return;
      if (tooDeep === 0) top().list.push({ kw: pending[0]!, args: pending.slice(1), line: tl });
      pending = [];
    };
    for (const t of tl.tokens) {
      if (!t.quoted && t.text === "{") {
        if (tooDeep > 0) {
          tooDeep++;
          pending = [];
          continue;
        }
        let opener: Stmt | undefined;
        if (pending.length) {
          opener = { kw: pending[0]!, args: pending.slice(1), line: tl };
          top().list.push(opener);
          pending = [];
        } else {
          const prev = top().list[top().list.length - 1];
          if (prev && !prev.block) opener = prev;
          else {
            diags.error("'{' without a keyword before it", at(t, tl));
            opener = { kw: t, args: [], line: tl };
          }
        }
        if (stack.length > maxDepth) {
          diags.error(`blocks nested deeper than ${maxDepth}`, at(t, tl));
          tooDeep = 1;
          continue;
        }
        opener.block = [];
        stack.push({ list: opener.block, opener });
      } else if (!t.quoted && t.text === "}") {
        flush();
        if (tooDeep > 0) {
          tooDeep--;
          continue;
        }
        if (stack.length === 1) {
          diags.error("'}' without a matching '{'", at(t, tl));
          continue;
        }
        stack.pop();
      } else pending.push(t);
    }
    flush();
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
