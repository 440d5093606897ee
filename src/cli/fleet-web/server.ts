// The HTTP side of `vigil fleet web`: the page (embedded in the binary), and
// /events, a Server-Sent Events stream of the model — a `snapshot` when a page
// connects, then `delta`s of the rows that changed, coalesced every FLUSH_MS.
// Read-only: GET and HEAD only. A page that cannot keep up is disconnected
// (its EventSource reconnects and starts from a fresh snapshot), so a slow
// browser never makes the server buffer without bound.
import type { Server } from "bun";
import { isLocal, loopbackHost, type Credentials, type ListenAddress } from "./access.ts";
import type { FleetWebModel } from "./model.ts";
import appCss from "./page/app.css" with { type: "text" };
import appJs from "./page/app.js" with { type: "text" };
import indexHtml from "./page/index.html" with { type: "text" };

/** Deltas are coalesced this long: far below the page's 1 s promise, and 1 000 nodes' replay becomes a few messages. */
export const FLUSH_MS = 50;
const HEARTBEAT_MS = 5_000;
const TICK_MS = 250;
const MAX_CLIENTS = 64;
/** bytes a client may lag behind before it is dropped (it reconnects to a fresh snapshot) */
const MAX_BACKLOG = 8 << 20;

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const PAGES: Record<string, { body: string; type: string }> = {
  // bun-types call an .html import a bundle; `with { type: "text" }` makes it the file's text
  "/": { body: indexHtml as unknown as string, type: "text/html; charset=utf-8" },
  "/app.js": { body: appJs, type: "text/javascript; charset=utf-8" },
  "/app.css": { body: appCss, type: "text/css; charset=utf-8" },
};

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

export interface WebServerOptions {
  listen: ListenAddress;
  credentials: Credentials | null;
  tls?: { cert: string; key: string };
  now?: () => number;
}

export class FleetWebServer {
  private server?: Server<undefined>;
  private readonly clients = new Set<Client>();
  private flushTimer?: ReturnType<typeof setTimeout>;
  private tickTimer?: ReturnType<typeof setInterval>;
  private heartbeatTimer?: ReturnType<typeof setInterval>;
  private readonly enc = new TextEncoder();
  private readonly now: () => number;
  /** deltas sent, and their bytes, for the bench */
  readonly stats = { deltas: 0, bytes: 0, dropped: 0 };

  constructor(private readonly model: FleetWebModel, private readonly o: WebServerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts serving; returns where (a URL, or unix:PATH). */
  start(): string {
    const o = this.o;
    const tls = o.tls ? { tls: { cert: Bun.file(o.tls.cert), key: Bun.file(o.tls.key) } } : {};
    const fetch = (req: Request) => this.handle(req);
    this.server = "unix" in o.listen
      ? Bun.serve({ unix: o.listen.unix, ...tls, fetch })
      : Bun.serve({
          hostname: o.listen.host, port: o.listen.port, ...tls, fetch,
          // the event stream is long-lived; heartbeats (every 5 s) keep it open and find dead peers
          idleTimeout: 255,
        });
    this.tickTimer = setInterval(() => {
      this.model.tick(this.now());
      this.schedule();
    }, TICK_MS);
    this.heartbeatTimer = setInterval(() => this.broadcast(": heartbeat\n\n"), HEARTBEAT_MS);
    if ("unix" in o.listen) return `unix:${o.listen.unix}`;
    const host = o.listen.host.includes(":") ? `[${o.listen.host}]` : o.listen.host;
    return `${o.tls ? "https" : "http"}://${host}:${this.server.port}/`;
  }

  /** The model changed: push a delta soon (coalescing whatever else comes meanwhile). */
  schedule(): void {
    if (this.flushTimer || !this.model.hasChanges()) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, FLUSH_MS);
  }

  private flush(): void {
    if (!this.model.hasChanges()) return;
    const data = JSON.stringify(this.model.takeDelta(this.now()));
    this.stats.deltas++;
    this.stats.bytes += data.length;
    this.broadcast(`event: delta\ndata: ${data}\n\n`);
  }

  private broadcast(frame: string) {
    if (this.clients.size === 0) return;
    const bytes = this.enc.encode(frame);
    for (const c of this.clients) this.send(c, bytes);
  }

  private send(c: Client, bytes: Uint8Array) {
    try {
      if ((c.controller.desiredSize ?? 0) < -MAX_BACKLOG) throw new Error("too slow");
      c.controller.enqueue(bytes);
    } catch {
      this.stats.dropped++;
      this.clients.delete(c);
      try { c.controller.close(); } catch { /* already closed */ }
    }
  }

  private handle(req: Request): Response {
    const url = new URL(req.url);
    if (this.o.credentials) {
      if (!this.o.credentials.allows(req.headers.get("authorization"))) {
        return new Response("authentication required\n", { status: 401, headers: { ...SECURITY_HEADERS, "www-authenticate": 'Basic realm="vigil fleet", charset="UTF-8"' } });
      }
    } else if (isLocal(this.o.listen) && !loopbackHost(req.headers.get("host"))) {
      return new Response("this page is served to loopback names only\n", { status: 421, headers: SECURITY_HEADERS });
    }
    if (req.method !== "GET" && req.method !== "HEAD") return new Response("read-only\n", { status: 405, headers: { ...SECURITY_HEADERS, allow: "GET, HEAD" } });
    if (url.pathname === "/events") return this.events(req);
    if (url.pathname === "/snapshot.json") {
      return new Response(JSON.stringify(this.model.snapshot(this.now())), { headers: { ...SECURITY_HEADERS, "content-type": "application/json" } });
    }
    const page = PAGES[url.pathname];
    if (!page) return new Response("not found\n", { status: 404, headers: SECURITY_HEADERS });
    return new Response(page.body, { headers: { ...SECURITY_HEADERS, "content-type": page.type } });
  }

  private events(req: Request): Response {
    if (this.clients.size >= MAX_CLIENTS) return new Response(`more than ${MAX_CLIENTS} pages are open\n`, { status: 503, headers: { ...SECURITY_HEADERS, "retry-after": "5" } });
    let client: Client;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller };
        this.clients.add(client);
        // retry: how soon the page's EventSource reconnects after a drop
        this.send(client, this.enc.encode(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(this.model.snapshot(this.now()))}\n\n`));
      },
      cancel: () => {
        this.clients.delete(client);
      },
    }, { highWaterMark: 0 });
    req.signal.addEventListener("abort", () => this.clients.delete(client));
    return new Response(stream, { headers: { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" } });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async stop(): Promise<void> {
    clearTimeout(this.flushTimer);
    clearInterval(this.tickTimer);
    clearInterval(this.heartbeatTimer);
    for (const c of this.clients) {
      try { c.controller.close(); } catch { /* gone */ }
    }
    this.clients.clear();
    await this.server?.stop(true);
  }
}
