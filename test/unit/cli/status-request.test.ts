// `vigil status` against the local status socket: the table asks for the brief
// status (no per-request kernel address dump in the daemon), --json for the whole
// document, and a daemon older than the brief request (it answers "unknown
// request") still gets its table drawn from the whole document. The daemon side
// is the real status server (src/daemon/status-server.ts) with a provider that
// answers as the daemon's answer() does; the CLI runs as a process of its own.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STATUS_BRIEF } from "../../../src/daemon/status-client.ts";
import { startStatusServer } from "../../../src/daemon/status-server.ts";

const BUN = join(import.meta.dir, "..", "..", "..", "node_modules", ".bin", "bun");
const MAIN = join(import.meta.dir, "..", "..", "..", "src", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "vigil-status-request-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const instance = {
  name: "VI_1", interface: "eth0", vrid: 51, version: 3, family: 4, state: "MASTER", priority: 150, effectivePriority: 150,
  masterAddress: "198.18.0.1", since: Date.now() - 5000, counters: { advertsSent: 12, advertsReceived: 0, dropTtl: 2 },
};
const doc = (withKernel: boolean) => ({
  version: "9.9.9", pid: 4242, startedAt: Date.now() - 60_000, configFile: "/etc/vigil/vigil.conf",
  instances: [{ ...instance, ...(withKernel ? { vipsInKernel: [{ address: "198.18.0.10", prefix: 32, dev: "eth0", validLifetime: "forever" }] } : {}) }],
});

/** A status server that records each request; `knowsBrief` false answers as a daemon from before the brief request. */
function daemon(name: string, knowsBrief: boolean) {
  const requests: string[] = [];
  const path = join(dir, name);
  const server = startStatusServer(path, (req) => {
    requests.push(req);
    if (req === "status") return doc(true);
    if (req === STATUS_BRIEF && knowsBrief) return doc(false);
    return { error: `unknown request '${req.slice(0, 40)}'` };
  });
  return { path, requests, stop: () => server.stop() };
}

async function vigilStatus(...args: string[]) {
  const p = Bun.spawn([BUN, MAIN, "status", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code };
}

describe("vigil status requests", () => {
  test("the table asks for the brief status, once", async () => {
    const d = daemon("new.sock", true);
    try {
      const r = await vigilStatus("--socket", d.path);
      expect(r.code).toBe(0);
      expect(d.requests).toEqual([STATUS_BRIEF]);
      expect(r.out).toContain("vigil 9.9.9 pid 4242");
      expect(r.out).toMatch(/VI_1 +eth0 +51 +3\/v4 +MASTER +150 +150 +198\.18\.0\.1 .* 12 +0 +2\n/);
    } finally {
      d.stop();
    }
  });

  test("--json asks for the whole document, kernel VIPs included", async () => {
    const d = daemon("json.sock", true);
    try {
      const r = await vigilStatus("--socket", d.path, "--json");
      expect(r.code).toBe(0);
      expect(d.requests).toEqual(["status"]);
      expect(JSON.parse(r.out).instances[0].vipsInKernel).toHaveLength(1);
    } finally {
      d.stop();
    }
  });

  test("a daemon that does not know the brief request: the table comes from the whole status", async () => {
    const d = daemon("old.sock", false);
    try {
      const r = await vigilStatus("--socket", d.path);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(d.requests).toEqual([STATUS_BRIEF, "status"]);
      expect(r.out).toContain("VI_1");
    } finally {
      d.stop();
    }
  });

  test("any other error answer is a failed query, not retried", async () => {
    const path = join(dir, "err.sock");
    const requests: string[] = [];
    const server = startStatusServer(path, (req) => {
      requests.push(req);
      return { error: "VRRP worker did not answer within 2000 ms" };
    });
    try {
      const r = await vigilStatus("--socket", path);
      expect(r.code).toBe(1);
      expect(requests).toEqual([STATUS_BRIEF]);
      expect(r.err).toContain("could not report: VRRP worker did not answer");
    } finally {
      server.stop();
    }
  });
});
