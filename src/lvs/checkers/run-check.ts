// Dispatches one check attempt to the adapter for its kind.
import type { CheckerConfig, RealServerConfig, VirtualServerConfig } from "../desired-config.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { checkHttp } from "./http.ts";
import { checkMisc } from "./misc.ts";
import { checkTcp } from "./tcp.ts";
import { targetOf } from "./target.ts";
import { connectTimeoutMs } from "./timing.ts";
import { checkDns } from "./dns.ts";

export interface AttemptContext {
  vs: VirtualServerConfig;
  rs: RealServerConfig;
  checker: CheckerConfig;
  /** absolute deadline, performance.now() milliseconds */
  deadline: number;
  signal?: AbortSignal;
}

export async function runCheck(a: AttemptContext): Promise<CheckOutcome> {
  const c = a.checker;
  const step = connectTimeoutMs(a.vs, c);
  try {
    switch (c.kind) {
      case "TCP_CHECK":
        return await checkTcp(targetOf(a.rs, c), step, a.deadline, a.signal);
      case "HTTP_GET":
      case "SSL_GET":
        return await checkHttp(c, targetOf(a.rs, c), a.rs.virtualhost ?? a.vs.virtualhost, step, a.deadline, a.signal);
      case "MISC_CHECK":
        return await checkMisc(c, Math.max(1, Math.round(a.deadline - performance.now())), a.signal);
      case "DNS_CHECK":
        return await checkDns(c, targetOf(a.rs, c), step, a.deadline, a.signal);
    }
  } catch (e) {
    // adapters report failures as outcomes; anything thrown is a bug or bad config, still only a failed check
    return { ok: false, reason: `checker error: ${(e as Error).message}` };
  }
}
