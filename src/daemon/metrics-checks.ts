// What every health check attempt left behind, per virtual server, real server
// and checker type: the last result (ok, reason, latency, when) for `vigil status`
// and the data dump, and a latency histogram plus attempt/failure counts for the
// Prometheus endpoint. Fed by the checker runner's onCheck hook on the main
// thread; one report costs three Map lookups and a few array increments (no
// allocation once a checker has been seen), next to a check's tens of µs.
import type { CheckReport } from "../lvs/checkers/runner.ts";

/**
 * Upper bounds (seconds) of the latency buckets: from a loopback TCP connect
 * (sub-millisecond) to a slow HTTP_GET near keepalived's default connect_timeout
 * (5 s) and beyond; +Inf is implicit.
 */
export const CHECK_LATENCY_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class CheckStat {
  /** attempts per bucket (not cumulative); the last slot is +Inf */
  readonly buckets = new Float64Array(CHECK_LATENCY_BUCKETS_S.length + 1);
  /** seconds, summed over every attempt */
  sumS = 0;
  count = 0;
  failures = 0;
  lastOk = false;
  lastReason = "";
  lastLatencyMs = 0;
  /** wall-clock ms of the last result */
  lastAt = 0;

  record(ok: boolean, reason: string | undefined, latencyMs: number, at: number): void {
    const s = latencyMs / 1000;
    let i = 0;
    while (i < CHECK_LATENCY_BUCKETS_S.length && s > CHECK_LATENCY_BUCKETS_S[i]!) i++;
    this.buckets[i]!++;
    this.sumS += s;
    this.count++;
    if (!ok) this.failures++;
    this.lastOk = ok;
    this.lastReason = ok ? "" : (reason ?? "");
    this.lastLatencyMs = latencyMs;
    this.lastAt = at;
  }
}

export interface CheckStatEntry {
  virtualServer: string;
  realServer: string;
  checker: string;
  stat: CheckStat;
}

export class CheckStats {
  private readonly byVs = new Map<string, Map<string, Map<string, CheckStat>>>();

  record(r: CheckReport, at = Date.now()): void {
    let rss = this.byVs.get(r.vs);
    if (!rss) this.byVs.set(r.vs, (rss = new Map()));
    let cks = rss.get(r.rs);
    if (!cks) rss.set(r.rs, (cks = new Map()));
    let st = cks.get(r.checker);
    if (!st) cks.set(r.checker, (st = new CheckStat()));
    st.record(r.outcome.ok, r.outcome.reason, r.latencyMs, at);
  }

  get(vs: string, rs: string): ReadonlyMap<string, CheckStat> | undefined {
    return this.byVs.get(vs)?.get(rs);
  }

  entries(): CheckStatEntry[] {
    const out: CheckStatEntry[] = [];
    for (const [vs, rss] of this.byVs) for (const [rs, cks] of rss) for (const [checker, stat] of cks) out.push({ virtualServer: vs, realServer: rs, checker, stat });
    return out;
  }

  /** After a reload: forget the servers the config no longer has (their series end). */
  retain(live: ReadonlyArray<{ virtualServer: string; realServers: ReadonlyArray<{ realServer: string }> }>): void {
    const keep = new Map(live.map((v) => [v.virtualServer, new Set(v.realServers.map((r) => r.realServer))]));
    for (const [vs, rss] of this.byVs) {
      const names = keep.get(vs);
      if (!names) {
        this.byVs.delete(vs);
        continue;
      }
      for (const rs of rss.keys()) if (!names.has(rs)) rss.delete(rs);
    }
  }
}
