// keepalived's status_code semantics: the listed codes and ranges, or, when
// none are listed, any 2xx (check_http.c url_check: HTTP_DEFAULT_STATUS_CODE_MIN..MAX).
import type { StatusCodeRange } from "../../config/model.ts";

export const DEFAULT_STATUS: readonly StatusCodeRange[] = [{ from: 200, to: 299 }];

export function statusAccepted(code: number, ranges: readonly StatusCodeRange[] | undefined): boolean {
  const rs = ranges && ranges.length ? ranges : DEFAULT_STATUS;
  for (const r of rs) if (code >= r.from && code <= r.to) return true;
  return false;
}
