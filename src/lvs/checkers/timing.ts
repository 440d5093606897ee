// Resolves a checker's schedule from the config with keepalived's defaults
// (check_api.c / check_http.c). Pure: config in, numbers out.
import type { CheckerConfig, RealServerConfig, VirtualServerConfig } from "../desired-config.ts";
import type { CheckTiming } from "../scheduler.ts";

/** keepalived's connection_to default (5 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export function connectTimeoutMs(vs: VirtualServerConfig, c: CheckerConfig): number {
  return c.connectTimeoutMs ?? vs.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
}

/**
 * Upper bound for one check attempt. connect_timeout bounds each step in
 * keepalived (connect, write, each read); an attempt here is the whole sequence,
 * so its deadline covers every step of every url.
 */
export function attemptTimeoutMs(vs: VirtualServerConfig, c: CheckerConfig, delayLoopMs: number): number {
  const step = connectTimeoutMs(vs, c);
  switch (c.kind) {
    case "TCP_CHECK":
      return step;
    case "HTTP_GET":
    case "SSL_GET":
      // connect (+ TLS handshake) and the response read, per url
      return step * 2 * Math.max(1, c.urls.length);
    case "MISC_CHECK":
      // keepalived: misc_timeout defaults to delay_loop
      return c.miscTimeoutMs ?? delayLoopMs;
    case "DNS_CHECK":
      return step;
  }
}

export function checkTiming(vs: VirtualServerConfig, rs: RealServerConfig, c: CheckerConfig): CheckTiming {
  const delayLoopMs = c.delayLoopMs ?? rs.delayLoopMs ?? vs.delayLoopMs;
  const isHttp = c.kind === "HTTP_GET" || c.kind === "SSL_GET";
  return {
    delayLoopMs,
    warmupMs: c.warmupMs ?? vs.warmupMs ?? 0,
    // keepalived: MISC_CHECK does not retry unless told to; others retry once
    retry: c.retry ?? vs.retry ?? (c.kind === "MISC_CHECK" ? 0 : 1),
    // check_http.c sets default_delay_before_retry = 3 s; the others use 1 s
    delayBeforeRetryMs: c.delayBeforeRetryMs ?? vs.delayBeforeRetryMs ?? (isHttp ? 3000 : 1000),
    timeoutMs: attemptTimeoutMs(vs, c, delayLoopMs),
    startUp: !(c.alpha ?? vs.alpha ?? false),
  };
}
