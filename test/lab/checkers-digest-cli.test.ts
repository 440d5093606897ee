// `vigil digest` end to end: the CLI as a process against local servers,
// compared with md5sum and keepalived's genhash.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BUN, ROOT } from "../helpers/netns.ts";
import { genhash, makeCert, md5sum, reply, routes, startServer, type TestServer } from "../unit/lvs/checkers/checkers-servers.ts";

const PAGE = "<html>digest me</html>\n";
let plain: TestServer;
let tls: TestServer;
let cert: ReturnType<typeof makeCert>;

beforeAll(() => {
  cert = makeCert();
  const site = routes({
    "/page": reply(200, PAGE),
    "/vhost": (req, s) => {
      const host = /\r\nHost: ([^\r]*)\r\n/.exec(req)?.[1] ?? "";
      s.write(`HTTP/1.0 200 OK\r\n\r\nhost=${host}`);
      s.end();
    },
  });
  plain = startServer(site);
  tls = startServer(site, { cert: cert.cert, key: cert.key });
});
afterAll(() => {
  plain?.stop();
  tls?.stop();
  cert?.cleanup();
});

async function vigil(...args: string[]) {
  const p = Bun.spawn([BUN, `${ROOT}/src/main.ts`, "digest", ...args], { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

describe("vigil digest", () => {
  test("prints the MD5 of the page like genhash", async () => {
    const r = await vigil(`http://127.0.0.1:${plain.port}/page`);
    expect(r).toMatchObject({ code: 0, out: `${md5sum(PAGE)}\n` });
    const g = await genhash(plain.port, "/page");
    if (g !== undefined) expect(r.out.trim()).toBe(g);
  });

  test("--virtualhost sets the Host header; --ssl speaks TLS without verifying", async () => {
    const v = await vigil(`http://127.0.0.1:${plain.port}/vhost`, "--virtualhost", "www.example.test");
    expect(v.out).toBe(`${md5sum("host=www.example.test")}\n`);
    const s = await vigil(`http://127.0.0.1:${tls.port}/page`, "--ssl");
    expect(s).toMatchObject({ code: 0, out: `${md5sum(PAGE)}\n` });
    const g = await genhash(tls.port, "/page", { ssl: true });
    if (g !== undefined) expect(s.out.trim()).toBe(g);
  });

  test("bad arguments exit 2 with the problem named; an unreachable page exits 1", async () => {
    expect(await vigil()).toMatchObject({ code: 2 });
    const bad = await vigil("not a url");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("is not a URL");
    const opt = await vigil(`http://127.0.0.1:${plain.port}/`, "--protocol", "2.0");
    expect(opt.code).toBe(2);
    expect(opt.err).toContain("--protocol must be 1.0, 1.0C or 1.1");
    const probe = startServer(reply(200, ""));
    const deadPort = probe.port;
    probe.stop();
    const dead = await vigil(`http://127.0.0.1:${deadPort}/`, "--timeout", "2");
    expect(dead.code).toBe(1);
    expect(dead.err).toMatch(/connect failed/);
  });
});
