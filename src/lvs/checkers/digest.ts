// The MD5 digest of a page exactly as HTTP_GET/SSL_GET compare it: what
// keepalived's genhash prints, so operators can fill `digest` in url blocks.
import { fetchOnce } from "./http.ts";
import type { HttpResult } from "./http-response.ts";

export interface DigestRequest {
  url: string;
  ssl?: boolean;
  virtualhost?: string;
  sni?: boolean;
  protocol?: "1.0" | "1.0C" | "1.1";
  timeoutMs?: number;
}

export interface DigestTarget {
  host: string;
  port: number;
  path: string;
  ssl: boolean;
}

/** Splits http(s)://host[:port]/path; https implies SSL. Throws naming what is wrong. */
export function parseDigestUrl(url: string, forceSsl = false): DigestTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`'${url}' is not a URL (expected http://HOST[:PORT]/PATH or https://...)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`unsupported scheme '${u.protocol}' in '${url}' (http or https)`);
  if (u.username || u.password) throw new Error(`credentials in '${url}' are not supported`);
  const ssl = forceSsl || u.protocol === "https:";
  const port = u.port ? Number(u.port) : ssl ? 443 : 80;
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port, path: (u.pathname || "/") + u.search, ssl };
}

export async function pageDigest(r: DigestRequest): Promise<HttpResult & { digest: string }> {
  const t = parseDigestUrl(r.url, r.ssl);
  const timeout = r.timeoutMs ?? 5000;
  const res = await fetchOnce({
    target: { host: t.host, port: t.port },
    path: t.path,
    virtualhost: r.virtualhost,
    ssl: t.ssl,
    protocol: r.protocol,
    sni: r.sni ? r.virtualhost ?? t.host : undefined,
    wantDigest: true,
    stepTimeoutMs: timeout,
    deadline: performance.now() + 4 * timeout,
  });
  return { ...res, digest: res.digest! };
}
