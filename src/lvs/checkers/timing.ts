// Resolves a checker's schedule from the config model (whose defaults already
// follow keepalived's check_api.c). Pure: config in, numbers out.
import type { Checker, FileCheck, RealServer, VirtualServer } from "../../config/model.ts";
import type { CheckTiming } from "../scheduler.ts";

/** Checkers that run on a schedule; FILE_CHECK follows its file instead (runner.ts). */
export type ScheduledChecker = Exclude<Checker, FileCheck>;

export function isScheduled(c: Checker): c is ScheduledChecker {
  return c.type !== "FILE_CHECK";
}

export function delayLoopMs(vs: VirtualServer, rs: RealServer, c: ScheduledChecker): number {
  return c.delayLoopMs ?? rs.delayLoopMs ?? vs.delayLoopMs;
}

/**
 * Upper bound for one check attempt. connect_timeout bounds each step in
 * keepalived (connect, write, each read); an attempt here is the whole sequence,
 * so its deadline covers every step of every url.
 */
export function attemptTimeoutMs(c: ScheduledChecker, loopMs: number): number {
  switch (c.type) {
    case "TCP_CHECK":
    case "DNS_CHECK":
    case "PING_CHECK":
    case "UDP_CHECK":
      return c.connectTimeoutMs;
    case "SMTP_CHECK":
      // connect, greeting, HELO reply, QUIT reply
      return c.connectTimeoutMs * 4;
    case "HTTP_GET":
    case "SSL_GET":
      // connect (+ TLS handshake) and the response read, per url
      return c.connectTimeoutMs * 2 * Math.max(1, c.url.length);
    case "MISC_CHECK":
      // keepalived: misc_timeout defaults to delay_loop
      return c.miscTimeoutMs ?? loopMs;
  }
}

export function checkTiming(vs: VirtualServer, rs: RealServer, c: ScheduledChecker): CheckTiming {
  const loop = delayLoopMs(vs, rs, c);
  return {
    delayLoopMs: loop,
    warmupMs: c.warmupMs ?? 0,
    retry: c.retry,
    // keepalived check_dns.c: DNS_CHECK's delay_before_retry defaults to the delay loop
    delayBeforeRetryMs: c.delayBeforeRetryMs ?? loop,
    timeoutMs: attemptTimeoutMs(c, loop),
    // alpha: every checker starts down, so the server waits for its first success
    startUp: !vs.alpha,
  };
}
