// The checkers load node:tls, node:dgram and node:child_process on first use
// (src/sys/lazy-builtins.ts), so an HTTP_GET-only daemon has none of them loaded.
// A SIGHUP that first adds an SSL_GET, a DNS_CHECK and a MISC_CHECK must still run
// each of them: every checker's last result is "ok" against real peers in the
// daemon's namespace (TLS HTTP on 8443, a DNS responder on 5353, /bin/true).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { BUN, type Netns } from "../helpers/netns.ts";
import { soloVirtualServer, soloVrrpConf, spawnSourceDaemon, statusUntil, vethNetns } from "../helpers/source-daemon.ts";
import { makeCert } from "../unit/lvs/checkers/checkers-servers.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-chk-reload-`);
const cert = makeCert();
let ns: Netns | undefined;
const procs: ReturnType<typeof Bun.spawn>[] = [];
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  ns?.delete();
  cert.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const ADDR = "198.18.7.1";
// plain HTTP on 8080, the same over TLS on 8443, a DNS responder (QR set, RCODE 0) on UDP 5353
const PEERS = `
const ok = "HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok";
const handler = { data(s) { s.end(ok); } };
Bun.listen({ hostname: "${ADDR}", port: 8080, socket: handler });
Bun.listen({ hostname: "${ADDR}", port: 8443, socket: handler, tls: { cert: Bun.file(${JSON.stringify(cert.cert)}), key: Bun.file(${JSON.stringify(cert.key)}) } });
await Bun.udpSocket({ hostname: "${ADDR}", port: 5353, socket: { data(s, buf, port, addr) {
  const r = new Uint8Array(buf); r[2] = 0x81; r[3] = 0x80; s.send(r, port, addr);
} } });
console.log("ready");
`;

const VRRP = soloVrrpConf("chkreload");
const rs = (port: number, checker: string) => `
  real_server ${ADDR} ${port} {
    ${checker.trim().split("\n").join("\n    ")}
  }`;
const URL_OK = "url {\n  path /\n  status_code 200\n}\nconnect_timeout 1";
const HTTP_RS = rs(8080, `HTTP_GET {\n${URL_OK}\n}`);
const ADDED_RS = [
  rs(8443, `SSL_GET {\n${URL_OK}\n}`),
  rs(5353, "DNS_CHECK {\nname example.org\ntype A\nconnect_timeout 1\n}"),
  rs(9000, "MISC_CHECK {\nmisc_path /bin/true\nmisc_timeout 2\n}"),
].join("");

interface Status {
  instances: { state: string }[];
  virtualServers?: { realServers: { checkers: { type: string; lastResult?: string; reason?: string }[] }[] }[];
}

/** checker type -> its last result, over every real server */
function results(s: Status | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const v of s?.virtualServers ?? []) for (const rs of v.realServers) for (const c of rs.checkers) out[c.type] = c.lastResult === "ok" ? "ok" : `${c.lastResult}: ${c.reason}`;
  return out;
}

test("a SIGHUP that first adds SSL_GET, DNS_CHECK and MISC_CHECK to an HTTP_GET-only daemon runs each of them", async () => {
  ns = vethNetns("chkreload", `${ADDR}/24`);
  const peers = Bun.spawn([...ns.prefix(), BUN, "-e", PEERS], { stdout: "pipe", stderr: "inherit" });
  procs.push(peers);
  const reader = peers.stdout.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain("ready");
  reader.releaseLock();

  const conf = `${dir}/vigil.conf`;
  writeFileSync(conf, VRRP + soloVirtualServer(HTTP_RS));
  const d = spawnSourceDaemon(ns, conf, dir);
  procs.push(d.proc);
  const before = await statusUntil<Status>(d.sock, (s) => results(s).HTTP_GET === "ok");
  expect(results(before)).toEqual({ HTTP_GET: "ok" });

  writeFileSync(conf, VRRP + soloVirtualServer(HTTP_RS + ADDED_RS));
  d.proc.kill("SIGHUP");
  const want = { HTTP_GET: "ok", SSL_GET: "ok", DNS_CHECK: "ok", MISC_CHECK: "ok" };
  const after = await statusUntil<Status>(d.sock, (s) => Bun.deepEquals(results(s), want));
  expect(results(after)).toEqual(want);
  expect(d.proc.exitCode).toBeNull(); // still running
});
