// HTTP_GET and SSL_GET: every url block is fetched on its own connection, in
// order; the check succeeds when each answers with an accepted status code and,
// where a digest is configured, a body whose MD5 matches. keepalived walks the
// urls one per timer tick and retries each; here one attempt covers all urls
// and the scheduler retries the attempt, so a verdict never rests on a subset.
import { errorText } from "../../error-text.ts";
import type { HttpCheck } from "../../config/model.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { cachedGetRequest } from "./http-request.ts";
import { DEFAULT_LIMITS, HttpResponseReader, type HttpResponseLimits } from "./http-response.ts";
import { statusAccepted } from "./status-codes.ts";
import { exchange } from "./stream.ts";
import type { Target } from "./target.ts";
import type { CancelSignal } from "./cancel.ts";

export interface HttpFetchOptions {
  target: Target;
  path: string;
  virtualhost?: string;
  ssl: boolean;
  protocol?: "1.0" | "1.0C" | "1.1";
  sni?: string;
  verify?: boolean;
  ca?: string;
  wantDigest: boolean;
  stepTimeoutMs: number;
  deadline: number;
  signal?: CancelSignal;
  limits?: HttpResponseLimits;
}

/** One GET; shared with `vigil digest`. Throws with the reason on failure. */
export async function fetchOnce(o: HttpFetchOptions) {
  const reader = new HttpResponseReader(o.wantDigest, o.limits ?? DEFAULT_LIMITS);
  const req = cachedGetRequest(o.path, o.target.host, o.target.port, o.virtualhost, o.protocol);
  await exchange(
    {
      host: o.target.host,
      port: o.target.port,
      localAddress: o.target.localAddress,
      localPort: o.target.localPort,
      tls: o.ssl ? { servername: o.sni, verify: o.verify ?? false, ca: o.ca } : undefined,
      stepTimeoutMs: o.stepTimeoutMs,
      deadline: o.deadline,
      signal: o.signal,
    },
    req,
    (chunk) => {
      reader.feed(chunk);
      return reader.done;
    },
  );
  return reader.finish();
}

/** Certificate checking for SSL_GET; keepalived never verifies, and that is the default here. */
export interface TlsVerify {
  verify: boolean;
  /** PEM CA bundle path */
  caFile?: string;
}

export async function checkHttp(
  c: HttpCheck,
  target: Target,
  vhostFallback: string | undefined,
  stepTimeoutMs: number,
  deadline: number,
  signal?: CancelSignal,
  tls: TlsVerify = { verify: false },
): Promise<CheckOutcome> {
  const ssl = c.type === "SSL_GET";
  let ca: string | undefined;
  if (ssl && tls.verify && tls.caFile) {
    try {
      ca = await Bun.file(tls.caFile).text();
    } catch (e) {
      return { ok: false, reason: `cannot read CA file ${tls.caFile}: ${errorText(e)}` };
    }
  }
  for (const url of c.url) {
    // keepalived: url virtualhost > checker virtualhost > real/virtual server's
    const vhost = url.virtualhost ?? c.virtualhost ?? vhostFallback;
    let r;
    try {
      r = await fetchOnce({
        target,
        path: url.path,
        virtualhost: vhost,
        ssl,
        // keepalived enable_sni sends the virtualhost; an address is no SNI name (RFC 6066 §3)
        sni: c.enableSni ? vhost : undefined,
        verify: tls.verify,
        ca,
        wantDigest: url.digest !== undefined,
        stepTimeoutMs,
        deadline,
        signal,
      });
    } catch (e) {
      return { ok: false, reason: `${url.path}: ${errorText(e)}` };
    }
    if (!statusAccepted(r.status, url.statusCode)) return { ok: false, reason: `${url.path}: HTTP status ${r.status}` };
    if (url.digest !== undefined && r.digest !== url.digest.toLowerCase()) {
      return { ok: false, reason: `${url.path}: MD5 digest ${r.digest} != ${url.digest.toLowerCase()}` };
    }
  }
  return { ok: true };
}
