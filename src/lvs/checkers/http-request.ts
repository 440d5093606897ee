// The GET request keepalived's HTTP_GET/SSL_GET sends (check_http.c
// request_template): HTTP/1.0 unless http_protocol says otherwise, keepalived's
// User-Agent, and a Host header that is the virtualhost, or the address:port.

export type HttpProtocol = "1.0" | "1.0C" | "1.1";

export function buildGetRequest(path: string, host: string, port: number, virtualhost: string | undefined, protocol: HttpProtocol = "1.0"): Uint8Array {
  if (!path.startsWith("/") && !/^https?:\/\//.test(path)) throw new Error(`url path '${path}' must start with '/'`);
  if (/[\r\n\s]/.test(path)) throw new Error(`url path '${path}' contains whitespace or line breaks`);
  if (virtualhost !== undefined && /[\r\n\s]/.test(virtualhost)) throw new Error(`virtualhost '${virtualhost}' contains whitespace or line breaks`);
  // keepalived: a virtualhost is used as is; otherwise the literal address with
  // its port, IPv6 in brackets (RFC 2732)
  const hostHeader = virtualhost ?? `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const minor = protocol === "1.1" ? 1 : 0;
  const close = protocol === "1.0" ? "" : "Connection: close\r\n";
  return new TextEncoder().encode(`GET ${path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${hostHeader}\r\n\r\n`);
}

const requests = new Map<string, Uint8Array>();
const REQUESTS_MAX = 8192;

/**
 * buildGetRequest, remembered: every check of a real server sends the same
 * bytes each delay_loop. The result is shared; callers must not modify it.
 */
export function cachedGetRequest(path: string, host: string, port: number, virtualhost: string | undefined, protocol: HttpProtocol = "1.0"): Uint8Array {
  const key = `${protocol} ${host} ${port} ${virtualhost ?? ""} ${path}`;
  let r = requests.get(key);
  if (!r) {
    r = buildGetRequest(path, host, port, virtualhost, protocol);
    if (requests.size >= REQUESTS_MAX) requests.clear();
    requests.set(key, r);
  }
  return r;
}
