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
