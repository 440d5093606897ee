// `metrics_listen ADDRESS:PORT`: GET /metrics over plain HTTP (Bun.serve) on the
// main thread, Prometheus text format 0.0.4. Off unless configured, and meant
// for loopback or a management network: it has no authentication. Scrapes that
// arrive together share one snapshot, and a snapshot is reused for MIN_GAP_MS,
// so a scrape storm costs the VRRP worker at most a few status requests a second.
import { errorText } from "../error-text.ts";
import { log } from "./log.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";

const MIN_GAP_MS = 500;

export interface MetricsServer {
  readonly url: string;
  stop(): void;
}

export function startMetricsServer(address: string, port: number, render: () => Promise<string>): MetricsServer {
  let last: { at: number; body: Promise<string> } | null = null;
  const body = (): Promise<string> => {
    const now = performance.now();
    if (last && now - last.at < MIN_GAP_MS) return last.body;
    const b = render();
    last = { at: now, body: b };
    // a failed snapshot is not reused
    b.catch(() => {
      if (last?.body === b) last = null;
    });
    return b;
  };
  const server = Bun.serve({
    hostname: address,
    port,
    // a scrape is one small GET; nothing else is read
    maxRequestBodySize: 1024,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path !== "/metrics") return new Response("not found: the metrics are at /metrics\n", { status: 404 });
      if (req.method !== "GET" && req.method !== "HEAD") return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
      try {
        return new Response(await body(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
      } catch (e) {
        log.warn(`metrics: ${errorText(e)}`);
        return new Response(`cannot collect metrics: ${errorText(e)}\n`, { status: 503 });
      }
    },
    error(e) {
      return new Response(`error: ${e.message}\n`, { status: 500 });
    },
  });
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${server.port}/metrics`,
    stop() {
      void server.stop(true);
    },
  };
}
