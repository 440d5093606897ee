// `vigil fleet web`'s HTTP side on a real socket: authentication, read-only,
// security headers, TLS, and the event stream (a snapshot, then deltas of
// only what changed).
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Credentials } from "../../../src/cli/fleet-web/access.ts";
import { FleetWebModel } from "../../../src/cli/fleet-web/model.ts";
import { FleetWebServer } from "../../../src/cli/fleet-web/server.ts";
import { encodeBody } from "../../../src/fleet/payload.ts";
import { Topics } from "../../../src/fleet/topics.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-web-server-"));
const servers: FleetWebServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TOKEN = "0123456789abcdef0123";
function credentials(): Credentials {
  const p = join(dir, "auth");
  writeFileSync(p, `ops:s3cret\nbearer ${TOKEN}\n`);
  chmodSync(p, 0o600);
  return Credentials.fromFile(p);
}
function serve(model: FleetWebModel, o: Partial<ConstructorParameters<typeof FleetWebServer>[1]> = {}) {
  const s = new FleetWebServer(model, { listen: { host: "127.0.0.1", port: 0 }, credentials: null, ...o });
  servers.push(s);
  return { server: s, url: s.start() };
}
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}` });

/** Reads SSE frames (event name and parsed data) from a response, bounded in count and time. */
async function frames(res: Response, count: number, timeoutMs = 5000): Promise<Array<{ event: string; data: any }>> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const out: Array<{ event: string; data: any }> = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const r = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (!r || r.done) break;
    buf += dec.decode(r.value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
    }
  }
  reader.cancel().catch(() => {});
  return out;
}

describe("HTTP", () => {
  test("with an auth file: 401 with a basic challenge without credentials, 200 with the user's password or the bearer token", async () => {
    const { url } = serve(new FleetWebModel("lab", "mqtt://b"), { credentials: credentials() });
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect((await fetch(url, { headers: basic("ops", "wrong") })).status).toBe(401);
    expect((await fetch(url, { headers: basic("ops", "s3cret") })).status).toBe(200);
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${url}events`, { headers: basic("any", TOKEN) })).status).toBe(200);
  });

  test("read-only, a strict Content-Security-Policy, no caching, 404 elsewhere", async () => {
    const { url } = serve(new FleetWebModel("lab", "mqtt://b"));
    const r = await fetch(url);
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect((await fetch(url, { method: "POST", body: "x" })).status).toBe(405);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(405);
    expect((await fetch(`${url}../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${url}app.js`)).headers.get("content-type")).toStartWith("text/javascript");
  });

  test("TLS with --tls-cert/--tls-key", async () => {
    const key = join(dir, "k.pem");
    const cert = join(dir, "c.pem");
    const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert], { stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const { url } = serve(new FleetWebModel("lab", "mqtt://b"), { tls: { cert, key } });
    expect(url).toStartWith("https://127.0.0.1:");
    const res = await fetch(url, { tls: { rejectUnauthorized: false } } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>vigil fleet</title>");
  });
});

describe("event stream", () => {
  test("a snapshot on connect, then a delta with only the node that changed", async () => {
    const model = new FleetWebModel("lab", "mqtt://b");
    const say = (node: string, v: unknown) => model.apply(new Topics("lab", node).status, new Uint8Array(encodeBody(v, "cbor")), Date.now());
    say("r1", { status: "online", version: "0.1.0" });
    say("r2", { status: "online", version: "0.1.0" });
    model.takeDelta(Date.now());
    const { server, url } = serve(model);
    const res = await fetch(`${url}events`);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const got = frames(res, 2);
    await Bun.sleep(100);
    say("r2", { status: "offline" });
    server.schedule();
    const [snap, delta] = await got;
    expect(snap!.event).toBe("snapshot");
    expect(Object.keys(snap!.data.nodes).sort()).toEqual(["r1", "r2"]);
    expect(delta!.event).toBe("delta");
    expect(Object.keys(delta!.data.nodes)).toEqual(["r2"]);
    expect(delta!.data.nodes.r2.online).toBe(false);
    expect(delta!.data.events.map((e: { text: string }) => e.text)).toEqual(["offline (stopped, or its Last Will: the connection was lost)"]);
  });
});
