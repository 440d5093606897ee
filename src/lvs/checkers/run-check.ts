// Dispatches one check attempt to the adapter for its type.
import { errorText } from "../../error-text.ts";
import type { RealServer, VirtualServer } from "../../config/model.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { checkDns } from "./dns.ts";
import { checkHttp } from "./http.ts";
import { checkMisc } from "./misc.ts";
import { checkPing } from "./ping.ts";
import { checkSmtp } from "./smtp.ts";
import { checkTcp } from "./tcp.ts";
import { targetOf } from "./target.ts";
import type { ScheduledChecker } from "./timing.ts";
import { checkUdp } from "./udp.ts";
import type { CancelSignal } from "./cancel.ts";

export interface AttemptContext {
  vs: VirtualServer;
  rs: RealServer;
  checker: ScheduledChecker;
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
      case "PING_CHECK": {
        // ICMP has no port: only the addresses count
        const t = c.bindto !== undefined ? { host: c.connectIp ?? a.rs.ip, localAddress: c.bindto } : { host: c.connectIp ?? a.rs.ip };
        return await checkPing(t, c.connectTimeoutMs, a.deadline, a.signal);
      }
      case "UDP_CHECK":
        return await checkUdp(c, targetOf(a.vs, a.rs, c), c.connectTimeoutMs, a.deadline, a.signal);
      case "SMTP_CHECK":
        return await checkSmtp(c.heloName, targetOf(a.vs, a.rs, c), c.connectTimeoutMs, a.deadline, a.signal);
    }
  } catch (e) {
    // adapters report failures as outcomes; anything thrown is bad config or a bug, still only a failed check
    return { ok: false, reason: `checker error: ${errorText(e)}` };
  }
}
