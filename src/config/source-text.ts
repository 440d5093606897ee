// A line of config text that remembers where each of its characters was
// written. keepalived's $NAME, ~SEQ and @id are text substitutions done before
// the line is split into words, so after expansion one line can hold pieces of
// several source lines (the use site, a definition, a ~SEQ header); every
// diagnostic must still name the original file:line:col, and for expanded text
// say which definition or ~SEQ it came from (`via`).

/** From output offset `at` on, characters come from file:line:col onwards. */
export interface Seg {
  at: number;
  file: string;
  line: number;
  col: number;
  /** which expansion made this text, e.g. "in $VIP used at k.conf:12:5" */
  via?: string;
  /** names of the definitions this text was expanded from (recursion check) */
  chain?: readonly string[];
}

export interface Origin {
  file: string;
  line: number;
  col: number;
  via?: string;
}

// A long chain of nested expansions names the innermost ones and says how many more.
const MAX_VIA_PARTS = 3;

export function joinVia(inner: string | undefined, outer: string): string {
  if (!inner) return outer;
  const parts = inner.split("; ");
  if (parts.length >= MAX_VIA_PARTS) return parts[parts.length - 1]!.startsWith("…") ? inner : `${inner}; …`;
  return `${inner}; ${outer}`;
}

export class SourceText {
  private constructor(
    readonly text: string,
    /** sorted by `at`, the first at 0 (when text is non-empty) */
    readonly segs: readonly Seg[],
  ) {}

  static of(text: string, origin: Omit<Seg, "at">): SourceText {
    return new SourceText(text, text ? [{ ...origin, at: 0 }] : []);
  }

  /** A physical line: column 1 is its first character. */
  static line(file: string, line: number, text: string): SourceText {
    // every line of a config comes through here: no spread of an origin object
    return new SourceText(text, text ? [{ at: 0, file, line, col: 1 }] : []);
  }

  static empty(): SourceText {
    return new SourceText("", []);
  }

  get length(): number {
    return this.text.length;
  }

  /** Where the character at `offset` was written (the last one for offsets past the end). */
  originAt(offset: number): Origin {
    const s = this.segAt(offset);
    if (!s) return { file: "<expansion>", line: 0, col: 0 };
    const o: Origin = { file: s.file, line: s.line, col: s.col + Math.max(0, Math.min(offset, this.text.length - 1) - s.at) };
    if (s.via) o.via = s.via;
    return o;
  }

  segAt(offset: number): Seg | undefined {
    const segs = this.segs;
    let lo = 0;
    let hi = segs.length - 1;
    if (hi < 0) return undefined;
    // last seg with at <= offset
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.at <= offset) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo];
  }

  slice(start: number, end = this.text.length): SourceText {
    start = Math.max(0, Math.min(start, this.text.length));
    end = Math.max(start, Math.min(end, this.text.length));
    if (start === end) return SourceText.empty();
    const out: Seg[] = [];
    for (let i = 0; i < this.segs.length; i++) {
      const s = this.segs[i]!;
      const next = i + 1 < this.segs.length ? this.segs[i + 1]!.at : this.text.length;
      if (next <= start || s.at >= end) continue;
      const from = Math.max(s.at, start);
      out.push({ ...s, at: from - start, col: s.col + (from - s.at) });
    }
    return new SourceText(this.text.slice(start, end), out);
  }

  static concat(parts: SourceText[]): SourceText {
    let text = "";
    const segs: Seg[] = [];
    for (const p of parts) {
      for (const s of p.segs) segs.push({ ...s, at: s.at + text.length });
      text += p.text;
    }
    return new SourceText(text, segs);
  }

  /** Replaces [start, end) by `insert`. */
  splice(start: number, end: number, insert: SourceText): SourceText {
    return SourceText.concat([this.slice(0, start), insert, this.slice(end)]);
  }

  /**
   * Marks every piece as produced by one more expansion (outermost last). With
   * `name`, the text is the value of that definition, inserted where text from
   * `chain` used it: the recursion check follows the chain.
   */
  through(via: string, name?: string, chain?: readonly string[]): SourceText {
    return new SourceText(
      this.text,
      this.segs.map((s) => {
        const x: Seg = { ...s, via: joinVia(s.via, via) };
        if (name !== undefined) x.chain = [...(chain ?? s.chain ?? []), name];
        return x;
      }),
    );
  }

  /** The same text without recursion marks (a definition's value is new text). */
  fresh(): SourceText {
    return new SourceText(
      this.text,
      this.segs.map(({ chain: _chain, ...s }) => s),
    );
  }

  trim(): SourceText {
    const m = /^[ \t]*/.exec(this.text)!;
    const e = /[ \t]*$/.exec(this.text)!;
    return this.slice(m[0].length, Math.max(m[0].length, this.text.length - e[0].length));
  }
}

export function originString(o: Origin): string {
  return `${o.file}:${o.line}:${o.col}`;
}
