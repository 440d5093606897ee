// Test helper: Debian's headless Chromium driven over the DevTools protocol
// through --remote-debugging-pipe (fd 3: commands in, fd 4: replies and events
// out, each JSON message ended by NUL). No port, no download, no npm driver;
// and a pipe crosses network namespaces, so the browser can run inside a lab
// namespace (where the page's loopback server is) while the test drives it.
//
// Runs as root: --no-sandbox, a temporary --user-data-dir removed on close,
// and close() kills the browser's whole process tree by PID.
import { mkdtempSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exitHook } from "./exit-hook.ts";
import { processTree } from "./lab.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** browsers still running: killed (by PID) if the test process exits without closing them */
const live = new Set<Chromium>();
const hookExit = exitHook(() => { for (const c of live) c.killSync(); }, false);

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string };

export class Chromium {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(m: { method: string; params: unknown; sessionId?: string }) => void>();
  private closed = false;

  private constructor(private readonly proc: ReturnType<typeof Bun.spawn>, private readonly toBrowser: number, readonly profile: string) {}

  /** Starts the browser (inside network namespace `ns` if given). */
  static async launch(opts: { ns?: string } = {}): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
    const argv = [
      ...(opts.ns ? ["ip", "netns", "exec", opts.ns] : []),
      CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", `--user-data-dir=${profile}`,
      "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
      "--disable-features=Translate,MediaRouter,OptimizationHints", "about:blank",
    ];
    const proc = Bun.spawn(argv, { stdio: ["ignore", "ignore", Bun.file(join(profile, "stderr.log")), "pipe", "pipe"] as never, env: { ...process.env, HOME: profile } });
    const fds = (proc as unknown as { stdio: number[] }).stdio;
    const c = new Chromium(proc, fds[3]!, profile);
    hookExit();
    live.add(c);
    c.readLoop(fds[4]!);
    await c.send("Browser.getVersion", {}, undefined, 20_000);
    return c;
  }

  private async readLoop(fd: number) {
    const reader = Bun.file(fd).stream().getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done || !value) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\0")) >= 0) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (!p) continue;
          if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
          else p.resolve(msg.result);
        } else for (const l of this.listeners) l(msg);
      }
    }
    for (const p of this.pending.values()) p.reject(new Error(`${p.method}: the browser went away`));
    this.pending.clear();
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(new Error("browser closed"));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`${method}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
      this.pending.set(id, { method, resolve: (v) => { clearTimeout(timer); resolve(v as T); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      writeSync(this.toBrowser, JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });
  }

  on(l: (m: { method: string; params: unknown; sessionId?: string }) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** A new tab of the given size, attached (flat session). */
  async newPage(width = 1280, height = 800): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    await page.viewport(width, height);
    return page;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Kills the browser and every process it started, by PID; removes the profile. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.killSync();
    await Promise.race([this.proc.exited, Bun.sleep(5000)]);
    rmSync(this.profile, { recursive: true, force: true });
  }

  /** The synchronous part of close(), also for the exit hook. */
  killSync(): void {
    this.closed = true;
    live.delete(this);
    for (const pid of processTree(this.proc.pid).reverse()) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    try { rmSync(this.profile, { recursive: true, force: true }); } catch { /* still in use: close() retries */ }
  }
}

export class Page {
  /** uncaught exceptions and console errors of the page, as text */
  readonly errors: string[] = [];

  constructor(private readonly browser: Chromium, readonly sessionId: string) {
    browser.on((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params as { exceptionDetails?: { text: string; exception?: { description?: string } }; type?: string; args?: Array<{ value?: unknown; description?: string }> };
      if (m.method === "Runtime.exceptionThrown") this.errors.push(p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text ?? "exception");
      if (m.method === "Runtime.consoleAPICalled" && p.type === "error") this.errors.push((p.args ?? []).map((a) => a.description ?? String(a.value)).join(" "));
    });
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, timeoutMs?: number): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId, timeoutMs);
  }

  /** Width and height in CSS pixels; `mobile` also emulates a phone's viewport meta handling. */
  viewport(width: number, height: number, mobile = false) {
    return this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile });
  }

  /** Navigates and resolves at the load event. */
  async goto(url: string, timeoutMs = 15_000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`${url}: no load event within ${timeoutMs} ms`)); }, timeoutMs);
      const off = this.browser.on((m) => {
        if (m.sessionId === this.sessionId && m.method === "Page.loadEventFired") { clearTimeout(timer); off(); resolve(); }
      });
    });
    const r = await this.send<{ errorText?: string }>("Page.navigate", { url });
    if (r.errorText) throw new Error(`${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page; returns its value (JSON-able). */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Polls `expression` until it is truthy (bounded); returns its value, or throws naming it. */
  async waitFor<T = unknown>(expression: string, timeoutMs = 10_000, stepMs = 20): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      last = await this.eval<T>(expression);
      if (last) return last;
      await Bun.sleep(stepMs);
    }
    throw new Error(`page: ${expression} did not hold within ${timeoutMs} ms (last: ${JSON.stringify(last)})${this.errors.length ? `; page errors: ${this.errors.join("; ")}` : ""}`);
  }

  /** A PNG of the viewport (or the full page), written to `path`. */
  async screenshot(path: string, fullPage = false): Promise<void> {
    const r = await this.send<{ data: string }>("Page.captureScreenshot", { format: "png", captureBeyondViewport: fullPage }, 20_000);
    writeFileSync(path, Buffer.from(r.data, "base64"));
  }
}
