// The whole checker path with real time: a keepalived.conf shaped like the
// user's sample (virtual_server with sorry_server, HTTP_GET with several urls
// and a digest) is read by the config reader, the runner checks real HTTP
// servers on loopback, and the desired IPVS table follows their health.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config-io/load.ts";
import { LvsCheckRunner } from "../../src/lvs/checkers/runner.ts";
import type { IpvsService } from "../../src/lvs/ipvs-model.ts";
import type { LvsAction } from "../../src/lvs/rs-state.ts";
import { md5sum, startServer, type Handler, type TestServer } from "../unit/lvs/checkers/checkers-servers.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-runner-"));
const servers: TestServer[] = [];
let runner: LvsCheckRunner | undefined;
afterAll(() => {
  runner?.stop();
  for (const s of servers) s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const MRTG = "mrtg page\n";

function site(health: { ok: boolean }): Handler {
  return (req, s) => {
    const path = req.split(" ")[1];
    if (!health.ok) s.write("HTTP/1.0 500 Broken\r\n\r\n");
    else if (path === "/") s.write("HTTP/1.0 200 OK\r\n\r\nhome");
    else if (path === "/mrtg/") s.write(`HTTP/1.0 200 OK\r\nContent-Length: ${MRTG.length}\r\n\r\n${MRTG}`);
    else s.write("HTTP/1.0 404 No\r\n\r\n");
    s.end();
  };
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

test("runner: failed real server leaves the table, returns on recovery, sorry server when all are down", async () => {
  const healthA = { ok: true };
  const a = startServer(site(healthA), undefined, "127.0.0.1");
  const b = startServer(site({ ok: true }), undefined, "127.0.0.2");
  servers.push(a, b);
  const conf = join(dir, "keepalived.conf");
  const rs = (ip: string, port: number, tag: string) => `
    real_server ${ip} ${port} {
        weight 1
        notify_up "/usr/local/bin/up ${tag}"
        notify_down "/usr/local/bin/down ${tag}"
        HTTP_GET {
            url {
              path /
              status_code 200
            }
            url {
              path /mrtg/
              digest ${md5sum(MRTG)}
            }
            connect_timeout 1
            nb_get_retry 1
            delay_before_retry 0.05
        }
    }`;
  writeFileSync(conf, `
virtual_server 198.18.0.100 443 {
    delay_loop 0.1
    lb_algo rr
    lb_kind NAT
    persistence_timeout 50
    protocol TCP
    sorry_server 198.18.2.200 1358
    quorum_down "/usr/local/bin/quorum down"
${rs("127.0.0.1", a.port, "a")}
${rs("127.0.0.2", b.port, "b")}
}
`);
  const loaded = loadConfigFile(conf);
  expect(loaded.errors).toEqual([]);
  const vss = loaded.config!.virtualServers;

  let table: IpvsService[] = [];
  const actions: LvsAction[] = [];
  let checks = 0;
  runner = new LvsCheckRunner(vss, { onTable: (t) => (table = t), onAction: (x) => actions.push(x), onCheck: () => checks++ }, { seed: 1 });
  runner.start();
  const dests = () => table[0]!.dests.map((d) => `${d.address}:${d.port}/${d.weight}`).sort();
  const A = `127.0.0.1:${a.port}/1`;
  const B = `127.0.0.2:${b.port}/1`;

  expect(table[0]).toMatchObject({ address: "198.18.0.100", port: 443, protocol: "tcp", scheduler: "rr", persistenceTimeout: 50 });
  expect(table[0]!.dests.every((d) => d.forward === "masq")).toBe(true);
  expect(dests()).toEqual([A, B].sort());
  await waitFor("first checks", () => checks >= 4);
  expect(dests()).toEqual([A, B].sort());

  healthA.ok = false;
  await waitFor("A removed", () => !dests().includes(A));
  expect(dests()).toEqual([B]);
  expect(actions).toContainEqual({ type: "notify", event: "rs_down", script: "/usr/local/bin/down a", vs: "198.18.0.100:443/TCP", rs: `127.0.0.1:${a.port}` });

  healthA.ok = true;
  await waitFor("A back", () => dests().includes(A));
  expect(actions).toContainEqual({ type: "notify", event: "rs_up", script: "/usr/local/bin/up a", vs: "198.18.0.100:443/TCP", rs: `127.0.0.1:${a.port}` });

  b.stop(); // connection refused from now on
  await waitFor("B removed", () => !dests().includes(B));
  expect(dests()).toEqual([A]);

  healthA.ok = false;
  await waitFor("sorry server", () => dests().join() === "198.18.2.200:1358/1");
  expect(actions).toContainEqual({ type: "notify", event: "quorum_down", script: "/usr/local/bin/quorum down", vs: "198.18.0.100:443/TCP" });

  healthA.ok = true;
  await waitFor("A replaces the sorry server", () => dests().join() === A);

  expect(runner.stop()).toEqual([]); // no omega: nothing to run on the way out
  runner = undefined;
});

test("runner reload: unchanged real servers keep their state (a down one stays out, no script reruns); new ones join", async () => {
  const healthA = { ok: false };
  const a = startServer(site(healthA), undefined, "127.0.0.1");
  const b = startServer(site({ ok: true }), undefined, "127.0.0.2");
  const c = startServer(site({ ok: true }), undefined, "127.0.0.3");
  servers.push(a, b, c);
  const conf = (withC: boolean) => {
    const rs = (ip: string, port: number) => `
    real_server ${ip} ${port} {
        weight 1
        notify_up /usr/local/bin/up
        notify_down /usr/local/bin/down
        HTTP_GET {
            url {
              path /
            }
            connect_timeout 1
            nb_get_retry 0
        }
    }`;
    const path = join(dir, `reload-${withC}.conf`);
    writeFileSync(path, `virtual_server 198.18.0.101 80 {
    delay_loop 0.1
    lb_algo wrr
    lb_kind DR
    protocol TCP
${rs("127.0.0.1", a.port)}
${rs("127.0.0.2", b.port)}
${withC ? rs("127.0.0.3", c.port) : ""}
}
`);
    const r = loadConfigFile(path);
    expect(r.errors).toEqual([]);
    return r.config!.virtualServers;
  };
  let table: IpvsService[] = [];
  const actions: LvsAction[] = [];
  runner = new LvsCheckRunner(conf(false), { onTable: (t) => (table = t), onAction: (x) => actions.push(x) }, { seed: 2 });
  runner.start();
  const dests = () => table[0]!.dests.map((d) => `${d.address}:${d.port}`).sort();
  const A = `127.0.0.1:${a.port}`, B = `127.0.0.2:${b.port}`, C = `127.0.0.3:${c.port}`;
  await waitFor("A removed", () => !dests().includes(A));
  const before = actions.length;

  runner.reload(conf(true));
  // right after the reload: A is still out (its failed verdict carried over), C joined
  expect(dests()).toEqual([B, C].sort());
  expect(table[0]!.dests.every((d) => d.forward === "route")).toBe(true);
  expect(actions.slice(before).filter((x) => x.type === "notify")).toEqual([]);

  healthA.ok = true;
  await waitFor("A back after reload", () => dests().includes(A));
  expect(dests()).toEqual([A, B, C].sort());

  runner.reload(conf(false));
  expect(dests()).toEqual([A, B].sort());
  runner.stop();
  runner = undefined;
});

test("runner: a throwing hook is reported and the checks go on", async () => {
  const s = startServer(site({ ok: true }), undefined, "127.0.0.1");
  servers.push(s);
  const path = join(dir, "hook.conf");
  writeFileSync(path, `virtual_server 198.18.0.102 80 {
    delay_loop 0.05
    protocol TCP
    real_server 127.0.0.1 ${s.port} {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`);
  const loaded = loadConfigFile(path);
  expect(loaded.errors).toEqual([]);
  let calls = 0;
  const errors: unknown[] = [];
  const downs: LvsAction[] = [];
  runner = new LvsCheckRunner(loaded.config!.virtualServers, {
    onCheck: () => {
      calls++;
      if (calls <= 2) throw new Error(`hook failure ${calls}`);
    },
    onError: (e) => errors.push(e),
    onAction: (a) => {
      if (a.type === "rs") downs.push(a);
    },
  }, { seed: 3 });
  runner.start();
  await waitFor("checks after the hook threw", () => calls >= 5);
  expect(errors.map((e) => (e as Error).message)).toEqual(["hook failure 1", "hook failure 2"]);
  // the results behind the throwing hooks still counted: the server never went down
  expect(runner.state(0).alive(0)).toBe(true);
  expect(downs).toEqual([]);
  runner.stop();
  runner = undefined;
});

test("checker_log_all_failures: every failed check of an up checker is reported (its retries and the one that takes it down), none once it is down", async () => {
  const s = startServer(site({ ok: true }), undefined, "127.0.0.1");
  const port = s.port;
  s.stop(); // nothing listens: every TCP_CHECK is refused
  const path = join(dir, "log-all.conf");
  writeFileSync(path, `virtual_server 198.18.0.103 80 {
    delay_loop 0.05
    protocol TCP
    real_server 127.0.0.1 ${port} {
        TCP_CHECK {
            connect_timeout 1
            retry 2
            delay_before_retry 0.02
        }
    }
}
`);
  const loaded = loadConfigFile(path);
  expect(loaded.errors).toEqual([]);
  const failed: string[] = [];
  let checks = 0;
  runner = new LvsCheckRunner(loaded.config!.virtualServers, {
    onCheck: () => checks++,
    onFailedWhileUp: (r) => failed.push(`${r.checker} ${r.rs} ${r.outcome.ok}`),
  }, { seed: 4 });
  runner.start();
  await waitFor("the real server down", () => !runner!.state(0).alive(0));
  const atDown = checks;
  await waitFor("more checks while down", () => checks >= atDown + 3);
  // keepalived's retry 2: two retries and the third failure that takes it down, all while up
  expect(failed).toEqual(Array.from({ length: 3 }, () => `TCP_CHECK 127.0.0.1:${port} false`));
  runner.stop();
  runner = undefined;
});
