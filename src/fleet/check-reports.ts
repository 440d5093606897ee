// Which health-check results go to the broker. A real server's state otherwise
// goes out only when it changes, so the first check of each one reports it (and
// its virtual server's quorum), and later checks refresh its latency at most
// every RS_REFRESH_MS: the fleet sees every real server without a message per
// check. Pure: the caller gives the time.

/** A real server's latency is refreshed on the broker at most this often (its state goes at once on a change). */
export const RS_REFRESH_MS = 30_000;

/** Whether a check finishing at `now` goes out; `lastSentAt` undefined: the real server's first check. */
export function checkReportDue(lastSentAt: number | undefined, now: number): boolean {
  return lastSentAt === undefined || now - lastSentAt >= RS_REFRESH_MS;
}
