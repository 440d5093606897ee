// Splits a keepalived script line (misc_path, notify_up, quorum_up...) into
// argv the way keepalived does before execve: whitespace separates words,
// single or double quotes keep a word whole, backslash escapes one character.
// No shell: no globbing, no variables, no pipes.

export function splitCommandLine(line: string): string[] {
  const argv: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) argv.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in '${line}'`);
  if (inWord) argv.push(cur);
  if (argv.length === 0) throw new Error("empty command line");
  return argv;
}
