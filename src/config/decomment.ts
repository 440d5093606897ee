// keepalived's first step on every line it reads (lib/parser.c decomment()):
// drop leading and trailing blanks and the comment (`!` or `#` outside double
// quotes, and vigil's full-width `！`), turn `\#` and `\!` outside quotes into
// plain characters, and keep a trailing `\` as the mark of a continued
// multi-line definition. Positions survive through SourceText.
import { SourceText } from "./source-text.ts";

export interface Decommented {
  text: SourceText;
  /** the line held only a comment (it was not blank in the file) */
  commentOnly: boolean;
}

const isBlank = (c: string) => c === " " || c === "\t";
const isCommentChar = (c: string) => c === "!" || c === "#" || c === "！";

export function decomment(file: string, line: number, raw: string): Decommented {
  const src = SourceText.line(file, line, raw);
  let start = 0;
  while (start < raw.length && isBlank(raw[start]!)) start++;
  const keep: SourceText[] = [];
  let from = start;
  let quote = false;
  let cut = raw.length;
  let cont = false;
  for (let i = start; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') quote = !quote;
    else if (c === "\\") {
      if (i + 1 >= raw.length) {
        // a final `\` continues a definition; keepalived keeps it after the trim
        cut = i;
        cont = true;
        break;
      }
      if (!quote && (raw[i + 1] === "#" || raw[i + 1] === "!")) {
        keep.push(src.slice(from, i));
        from = i + 1;
      }
      i++;
    } else if (!quote && isCommentChar(c)) {
      cut = i;
      // keepalived goes on scanning the comment for a final `\` (it continues a definition too)
      cont = raw.endsWith("\\") && !raw.endsWith("\\\\");
      break;
    }
  }
  keep.push(src.slice(from, cut));
  let text = SourceText.concat(keep);
  let end = text.length;
  while (end > 0 && isBlank(text.text[end - 1]!)) end--;
  text = text.slice(0, end);
  if (cont) text = SourceText.concat([text, src.slice(raw.length - 1)]);
  return { text, commentOnly: text.length === 0 && cut < raw.length && !cont };
}
