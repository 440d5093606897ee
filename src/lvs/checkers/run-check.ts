// Dispatches one check attempt to the adapter for its type.
import type { Checker, RealServer, VirtualServer } from "../../config/model.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { checkDns } from "./dns.ts";
import { checkHttp } from "./http.ts";
import { checkMisc } from "./misc.ts";
import { checkTcp } from "./tcp.ts";
import { targetOf } from "./target.ts";
import type { CancelSignal } from "./cancel.ts";

export interface AttemptContext {
  vs: VirtualServer;
  rs: RealServer;
  checker: Checker;
  /** absolute deadline, performance.now() milliseconds */
  deadline: number;
  signal?: CancelSignal;
}

export async function runCheck(a: AttemptContext): Promise<CheckOutcome> {
  const c = a.checker;
  try {
    switch (c.type) {
      case "TCP_CHECK":
        return await checkTcp(targetOf(a.vs, a.rs, c), c.connectTimeoutMs, a.deadline, a.signal);
      case "HTTP_GET":
      case "SSL_GET":
        return await checkHttp(c, targetOf(a.vs, a.rs, c), a.rs.virtualhost ?? a.vs.virtualhost, c.connectTimeoutMs, a.deadline, a.signal);
      case "MISC_CHECK":
        return await checkMisc(c, Math.max(1, Math.round(a.deadline - performance.now())), a.signal);
      case "DNS_CHECK":
        return await checkDns(c, targetOf(a.vs, a.rs, c), c.connectTimeoutMs, a.deadline, a.signal);
    }
  } catch (e) {
    // adapters report failures as outcomes; anything thrown is bad config or a bug, still only a failed check
    return { ok: false, reason: `checker error: ${(e as Error).message}` };
  }
}
