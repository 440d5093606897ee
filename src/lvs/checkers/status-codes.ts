// keepalived's status_code syntax: words like "200", "301-302"; no words at
// all means any 2xx (check_http.c url_check: HTTP_DEFAULT_STATUS_CODE_MIN..MAX).
import type { StatusRange } from "../desired-config.ts";

export const STATUS_MIN = 100;
export const STATUS_MAX = 599;
export const DEFAULT_STATUS: readonly StatusRange[] = [{ min: 200, max: 299 }];

/** Parses status_code words; throws a message naming the bad word. */
export function parseStatusCodes(words: string[]): StatusRange[] {
  const out: StatusRange[] = [];
  for (const w of words) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w);
    if (!m) throw new Error(`invalid status_code '${w}': expected NNN or NNN-NNN`);
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (min < STATUS_MIN || max > STATUS_MAX || min > max) {
      throw new Error(`invalid status_code '${w}': codes must be ${STATUS_MIN}-${STATUS_MAX} and ascending`);
    }
    out.push({ min, max });
  }
  return out;
}

export function statusAccepted(code: number, ranges: readonly StatusRange[]): boolean {
  const rs = ranges.length ? ranges : DEFAULT_STATUS;
  for (const r of rs) if (code >= r.min && code <= r.max) return true;
  return false;
}
