// Incremental reader for the response to keepalived's HTTP/1.0 GET. Bounded:
// the header must fit in maxHeaderBytes and the hashed body in maxBodyBytes, so
// a hostile server can only make the check fail, never make the daemon grow.
//
// Digest rule (keepalived html.c / check_http.c http_process_response): MD5
// over the bytes after the first CRLFCRLF, cut at Content-Length when the
// header carries one genhash would read, else up to EOF. No chunked decoding:
// the request is HTTP/1.0.

export interface HttpResponseLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: HttpResponseLimits = { maxHeaderBytes: 16 * 1024, maxBodyBytes: 4 * 1024 * 1024 };

export interface HttpResult {
  status: number;
  /** lowercase hex MD5 of the body, when hashing was asked for */
  digest?: string;
  bodyBytes: number;
  contentLength?: number;
}

export class HttpResponseError extends Error {
  override name = "HttpResponseError";
}

const EMPTY = new Uint8Array(0);

const CRLFCRLF = [13, 10, 13, 10];
// one decoder for every response: latin1 maps each byte to one char, so
// offsets in the text are offsets in the bytes
const LATIN1 = new TextDecoder("latin1");

export class HttpResponseReader {
  private head: Uint8Array;
  private headLen = 0;
  private status = 0;
  private headerDone = false;
  private contentLength: number | undefined;
  private bodyBytes = 0;
  private readonly md5: Bun.CryptoHasher | undefined;
  private complete = false;

  constructor(private readonly wantDigest: boolean, private readonly limits: HttpResponseLimits = DEFAULT_LIMITS) {
    this.head = EMPTY;
    this.md5 = wantDigest ? new Bun.CryptoHasher("md5") : undefined;
  }

  /** True once nothing more needs reading: header seen and (no digest or body complete). */
  get done(): boolean {
    return this.complete;
  }

  /** Feeds received bytes; throws HttpResponseError on malformed or oversized input. */
  feed(chunk: Uint8Array): void {
    if (this.complete) return;
    if (this.headerDone) {
      this.hashBody(chunk);
      return;
    }
    if (this.headLen === 0) {
      // common case: the whole header arrives in the first chunk; parse it in place
      const end = indexOf(chunk, Math.min(chunk.length, this.limits.maxHeaderBytes), CRLFCRLF, 0);
      if (end >= 0) {
        this.head = chunk.subarray(0, end + 4);
        this.headLen = end + 4;
        this.parseHead();
        this.headerDone = true;
        if (!this.wantDigest || this.contentLength === 0) {
          this.complete = true;
          return;
        }
        this.hashBody(chunk.subarray(end + 4));
        return;
      }
    }
    // Scan from 3 bytes back so a CRLFCRLF split across chunks is found.
    const from = Math.max(0, this.headLen - 3);
    const take = Math.min(chunk.length, this.limits.maxHeaderBytes - this.headLen);
    this.ensureHead(this.headLen + take);
    this.head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
    const end = indexOf(this.head, this.headLen, CRLFCRLF, from);
    if (end < 0) {
      if (this.headLen >= this.limits.maxHeaderBytes) {
        throw new HttpResponseError(`response header exceeds ${this.limits.maxHeaderBytes} bytes`);
      }
      return;
    }
    const bodyStart = end + 4;
    const bodyInHead = this.head.slice(bodyStart, this.headLen);
    this.headLen = bodyStart;
    this.parseHead();
    this.headerDone = true;
    if (!this.wantDigest || this.contentLength === 0) {
      this.complete = true;
      return;
    }
    this.hashBody(bodyInHead);
    this.hashBody(chunk.subarray(take));
  }

  /** The server closed the connection. */
  finish(): HttpResult {
    if (!this.headerDone) {
      if (this.headLen === 0) throw new HttpResponseError("connection closed without a response");
      throw new HttpResponseError("connection closed inside the response header");
    }
    this.complete = true;
    const r: HttpResult = { status: this.status, bodyBytes: this.bodyBytes };
    if (this.contentLength !== undefined) r.contentLength = this.contentLength;
    if (this.md5) r.digest = this.md5.digest("hex");
    return r;
  }

  private ensureHead(n: number): void {
    if (n <= this.head.length) return;
    const bigger = new Uint8Array(Math.min(this.limits.maxHeaderBytes, Math.max(n, 1024, this.head.length * 2)));
    bigger.set(this.head.subarray(0, this.headLen));
    this.head = bigger;
  }

  private parseHead(): void {
    const text = LATIN1.decode(this.head.subarray(0, this.headLen - 4));
    const eol = text.indexOf("\r\n");
    const statusLine = eol < 0 ? text : text.slice(0, eol);
    // keepalived extract_status_code: the 3 digits after the first space
    const m = /^HTTP\/\d+(?:\.\d+)? (\d{3})(?: |$)/.exec(statusLine);
    if (!m) throw new HttpResponseError(`malformed status line '${printable(statusLine)}'`);
    this.status = Number(m[1]);
    // genhash/keepalived (html.c extract_content_length): the first
    // "Content-Length:" anywhere in the header, case-sensitive, digits after
    // optional blanks and nothing else before the line end; anything else is
    // ignored and the body runs to EOF. Measured against genhash 2.2.7.
    const at = text.indexOf("Content-Length:");
    if (at >= 0) {
      const lineEnd = text.indexOf("\r\n", at);
      const v = text.slice(at + "Content-Length:".length, lineEnd < 0 ? text.length : lineEnd);
      const m2 = /^[ \t]*(\d{1,15})$/.exec(v);
      if (m2) this.contentLength = Number(m2[1]);
    }
  }

  private hashBody(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.complete) return;
    let part = chunk;
    if (this.contentLength !== undefined) {
      const left = this.contentLength - this.bodyBytes;
      if (part.length > left) part = part.subarray(0, left);
    }
    if (this.bodyBytes + part.length > this.limits.maxBodyBytes) {
      throw new HttpResponseError(`response body exceeds ${this.limits.maxBodyBytes} bytes`);
    }
    this.md5!.update(part);
    this.bodyBytes += part.length;
    if (this.contentLength !== undefined && this.bodyBytes >= this.contentLength) this.complete = true;
  }
}

function indexOf(hay: Uint8Array, len: number, needle: number[], from: number): number {
  outer: for (let i = from; i + needle.length <= len; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function printable(s: string): string {
  const cut = s.length > 60 ? s.slice(0, 60) + "…" : s;
  return cut.replace(/[^\x20-\x7e]/g, "?");
}
