// Reads a keepalived.conf and its `include`d files into one stream of token lines.
// keepalived expands `include` textually wherever it appears, with glob(3)
// patterns relative to the including file (it changes into that file's
// directory), after the line's $NAME/@ID/~SEQ expansion (expand.ts), so an
// include may name a variable or be conditional; this does the same. File
// access goes through FileSource so tests and the fuzzer can feed text from memory.
import type { Diagnostics } from "./diagnostics.ts";
import { DEFAULT_EXPAND_LIMITS, Expander, type ExpandLimits } from "./expand.ts";
import { tokenizeLine, tokenizeText, type TokenLine } from "./lexer.ts";

export interface FileSource {
  /** file contents, or an Error naming why it could not be read */
  read(path: string): Uint8Array | Error;
  /** absolute paths matching an absolute glob pattern, sorted */
  glob(pattern: string): string[];
  /** the config id `@ID` lines compare with when none is given: the machine's (its hostname's first label), for a source of this machine's files */
  configId?(): string;
  /** the working directory relative paths are taken from (${_PWD}); default "/" */
  cwd?(): string;
}

export interface SourceLimits {
  /** total bytes over all files */
  maxBytes: number;
  /** nesting of include inside included files */
  maxIncludeDepth: number;
  maxFiles: number;
  /** $NAME/~SEQ expansion bounds (expand.ts) */
  expand?: ExpandLimits;
}

export const DEFAULT_LIMITS: SourceLimits = { maxBytes: 16 << 20, maxIncludeDepth: 8, maxFiles: 256 };

export interface LineOptions {
  /** compared with `@ID` lines; default: the FileSource's (the hostname's first label, as keepalived), else none */
  configId?: string;
  /** ${_RANDOM}'s source (tests pin it) */
  random?: () => number;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Joins and normalizes `.`/`..` so messages and loop detection see one name per file. */
export function resolve(base: string, p: string): string {
  const full = p.startsWith("/") ? p : `${base}/${p}`;
  const absolute = full.startsWith("/");
  const parts: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && parts.length && parts[parts.length - 1] !== "..") parts.pop();
    else if (seg !== ".." || !absolute) parts.push(seg);
  }
  return absolute ? `/${parts.join("/")}` : parts.join("/") || ".";
}

/** ${_PWD}: keepalived's working directory while it reads a file is that file's directory. */
function absoluteDir(fs: FileSource, file: string): string {
  return resolve(fs.cwd?.() ?? "/", dirname(file));
}

/** Rejects content that is clearly not a text config, before tokenizing it. */
export function decodeText(bytes: Uint8Array): string | Error {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return new Error(`binary content (NUL byte at offset ${nul}), not a keepalived.conf`);
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

export function readConfigLines(
  path: string,
  fs: FileSource,
  diags: Diagnostics,
  limits: SourceLimits = DEFAULT_LIMITS,
  opts: LineOptions = {},
): TokenLine[] {
  const state = { bytes: 0, files: 0 };
  const out: TokenLine[] = [];
  const stack: string[] = [];
  let configId = opts.configId;
  const expander = new Expander({
    diags,
    // asked for only by an `@ID` line or ${_INSTANCE}: the machine's id means its
    // hostname (node:os, ≈ 0.5 ms of a cold start), which most configs never need
    get configId() {
      return (configId ??= fs.configId?.() ?? "");
    },
    dirOf: (file) => absoluteDir(fs, file),
    limits: limits.expand ?? DEFAULT_EXPAND_LIMITS,
    ...(opts.random ? { random: opts.random } : {}),
    emit(line, file) {
      accept(tokenizeText(line, diags), file);
    },
    emitPlain(raw, file, lineNo) {
      accept(tokenizeLine(file, lineNo, raw, diags), file);
    },
  });

  function accept(tl: TokenLine, file: string) {
    if (!tl.tokens.length) return;
    const first = tl.tokens[0]!;
    if (first.text === "include" && !first.quoted) include(tl, file);
    else out.push(tl);
  }

  const readOne = (file: string, from?: TokenLine) => {
    const at = from ? lineLoc(from) : undefined;
    if (stack.includes(file)) {
      diags.error(`include loop: ${[...stack, file].join(" -> ")}`, at, undefined, "include-loop");
      return;
    }
    if (++state.files > limits.maxFiles) {
      diags.error(`too many included files (limit ${limits.maxFiles})`, at);
      return;
    }
    const bytes = fs.read(file);
    if (bytes instanceof Error) {
      diags.error(`cannot read ${file}: ${bytes.message}`, at, undefined, "include-unreadable");
      return;
    }
    state.bytes += bytes.length;
    if (state.bytes > limits.maxBytes) {
      diags.error(`config too large: more than ${limits.maxBytes} bytes`, at ?? { file, line: 1, col: 1 });
      return;
    }
    const text = decodeText(bytes);
    if (text instanceof Error) {
      diags.error(text.message, at ?? { file, line: 1, col: 1 });
      return;
    }
    stack.push(file);
    try {
      expander.expandFile(file, text);
    } finally {
      stack.pop();
    }
  };

  /** `file` is the file being read: an include in it is relative to its directory. */
  const include = (tl: TokenLine, file: string) => {
    const at = lineLoc(tl);
    if (tl.tokens.length !== 2) {
      diags.error("include takes exactly one file name or glob pattern", at);
      return;
    }
    if (stack.length > limits.maxIncludeDepth) {
      diags.error(`includes nested deeper than ${limits.maxIncludeDepth}`, at);
      return;
    }
    const pattern = resolve(dirname(file), tl.tokens[1]!.text);
    let files: string[];
    if (/[*?[]/.test(pattern)) {
      files = fs.glob(pattern);
      if (files.length === 0) diags.warning(`include pattern matches no file: ${pattern}`, at);
    } else {
      files = [pattern];
    }
    for (const f of files) readOne(f, tl);
  };

  readOne(path);
  return out;
}

function lineLoc(tl: TokenLine) {
  const t = tl.tokens[0]!;
  return { file: t.file, line: t.line, col: t.col, text: tl.raw.trim(), ...(t.via ? { via: t.via } : {}) };
}

/** A FileSource over a map of path -> text (tests, fuzzing, stdin). */
export function memorySource(files: Record<string, string | Uint8Array>): FileSource {
  return {
    read(path) {
      const v = files[path];
      if (v === undefined) return new Error("no such file");
      return typeof v === "string" ? new TextEncoder().encode(v) : v;
    },
    glob(pattern) {
      const re = globToRegExp(pattern);
      return Object.keys(files).filter((f) => re.test(f)).sort();
    },
  };
}

/** glob(3) subset: `*` and `?` never cross `/`, `[...]` classes. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let cls = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    // e.g. a reversed class "[z-a]": glob(3) matches nothing then, and so do we
    return /(?!)/;
  }
}
