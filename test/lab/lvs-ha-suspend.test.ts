// ha_suspend with the real daemon in a namespace: the checkers of a virtual
// server with ha_suspend run only while its address is on a local interface
// (keepalived check_api.c update_checker_activity). Real servers are TCP
// listeners on 198.18.x inside the namespace that count the check connections;
// a second virtual server without ha_suspend is the control whose checks never
// stop. Every wait is bounded and counted in events (control checks seen), not
// in time. IPVS is not needed: this kernel has none, the daemon reports the
// fault and keeps checking (see lvs-without-ipvs.test.ts).
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { BUN, type Netns, ROOT } from "../helpers/netns.ts";
import { vethNetns } from "../helpers/source-daemon.ts";

const VIP = "198.18.41.100";
const CONTROL_VIP = "198.18.41.101";
const RS_A = "198.18.41.2";
const RS_B = "198.18.41.3";

const dir = mkdtempSync(`${tmpdir()}/vigil-hasusp-`);
let ns: Netns | undefined;
let proc: ReturnType<typeof Bun.spawn> | undefined;
const listeners: { stop(force?: boolean): void }[] = [];
afterAll(async () => {
  for (const l of listeners) l.stop(true);
  proc?.kill("SIGKILL");
  await proc?.exited;
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

interface LvsStatus { service: string; suspended?: boolean; dests: { address: string }[] }

async function lvsStatus(sock: string): Promise<LvsStatus[] | undefined> {
  if (!existsSync(sock)) return undefined;
  try {
    return ((await queryStatus(sock)) as { lvs?: LvsStatus[] }).lvs;
  } catch {
    return undefined;
  }
}

function counter(host: string) {
  const c = { n: 0, listener: undefined as { stop(force?: boolean): void } | undefined };
  c.listener = ns!.run(() => Bun.listen({ hostname: host, port: 8080, socket: { open() { c.n++; }, data() {} } }));
  listeners.push(c.listener);
  return c;
}

test("ha_suspend: checks pause while the VIP is not local (real-server state kept), and resume when it appears", async () => {
  ns = vethNetns("hasusp", "198.18.41.1/24");
  ns.exec(["ip", "addr", "add", `${RS_A}/32`, "dev", "eth1"]);
  ns.exec(["ip", "addr", "add", `${RS_B}/32`, "dev", "eth1"]);
  ns.exec(["ip", "addr", "add", `${CONTROL_VIP}/32`, "dev", "eth0"]);
  const a = counter(RS_A);
  const b = counter(RS_B);
  writeFileSync(`${dir}/vigil.conf`, `
global_defs { router_id hasusp }
virtual_server ${VIP} 80 {
  ha_suspend
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server ${RS_A} 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
virtual_server ${CONTROL_VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server ${RS_B} 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
      warmup 0
    }
  }
}
`);
  const sock = `${dir}/s.sock`;
  proc = Bun.spawn([...ns.prefix(), BUN, `${ROOT}/src/main.ts`, "run", "-f", `${dir}/vigil.conf`, "--status-socket", sock, "--lock-dir", `${dir}/run`, "--no-realtime"], {
    stdout: "ignore", stderr: "pipe",
  });
  // read as it comes, so a chatty daemon never blocks on a full pipe
  const stderr = new Response(proc.stderr as ReadableStream).text();
  const svc = (st: LvsStatus[] | undefined, vip: string) => st?.find((s) => s.service === `tcp:${vip}:80`);
  /** polls the status until `cond` holds or `n` rounds of 100 ms pass; returns the last status */
  const until = async (cond: (st: LvsStatus[] | undefined) => boolean, n = 150) => {
    let st: LvsStatus[] | undefined;
    for (let i = 0; i < n && proc!.exitCode === null; i++) {
      st = await lvsStatus(sock);
      if (cond(st)) break;
      await Bun.sleep(100);
    }
    return st;
  };
  /** waits until the control real server has been checked `k` more times */
  const controlChecks = async (k: number) => {
    const target = b.n + k;
    for (let i = 0; i < 400 && b.n < target && proc!.exitCode === null; i++) await Bun.sleep(50);
    expect(b.n).toBeGreaterThanOrEqual(target);
  };

  try {
    // 1. started without the VIP: suspended from the start (keepalived creates the checkers disabled)
    let st = await until((s) => svc(s, VIP) !== undefined);
    expect(svc(st, VIP)?.suspended).toBe(true);
    expect(svc(st, CONTROL_VIP)?.suspended).toBeUndefined();
    // the text view says so too, on the service's own line only
    const text = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "status", "--socket", sock], { stdout: "pipe" }).stdout.toString();
    const lineOf = (vip: string) => text.split("\n").find((l) => l.startsWith(`tcp:${vip}:80 `)) ?? `(no line for ${vip} in:\n${text})`;
    expect(lineOf(VIP)).toContain("checks suspended (ha_suspend: address not local)");
    expect(lineOf(CONTROL_VIP)).not.toContain("suspended");
    await controlChecks(2);
    expect(a.n).toBe(0);
    expect(svc(await lvsStatus(sock), VIP)?.dests.map((d) => d.address)).toEqual([RS_A]); // alive by default (no alpha), untouched

    // 2. the VIP appears: checks of A run
    let t0 = performance.now();
    ns.exec(["ip", "addr", "add", `${VIP}/32`, "dev", "eth0"]);
    st = await until((s) => svc(s, VIP)?.suspended === undefined);
    expect(svc(st, VIP)?.suspended).toBeUndefined();
    const resumeMs = performance.now() - t0;
    for (let i = 0; i < 100 && a.n === 0; i++) await Bun.sleep(50);
    expect(a.n).toBeGreaterThan(0);

    // 3. the VIP goes away: suspended; after one control check (anything in flight has landed), A sees no check at all
    t0 = performance.now();
    ns.exec(["ip", "addr", "del", `${VIP}/32`, "dev", "eth0"]);
    st = await until((s) => svc(s, VIP)?.suspended === true);
    expect(svc(st, VIP)?.suspended).toBe(true);
    // printed, not asserted: the address watch drains every 300 ms, the status is polled every 100 ms
    console.log(`ip addr add → status resumed ${Math.round(resumeMs)} ms; ip addr del → status suspended ${Math.round(performance.now() - t0)} ms`);
    await controlChecks(1);
    const frozen = a.n;
    await controlChecks(3);
    expect(a.n).toBe(frozen);

    // 4. while suspended, A's server dies: nothing checks it, so it stays in the table as it was
    a.listener!.stop(true);
    await controlChecks(3);
    expect(svc(await lvsStatus(sock), VIP)?.dests.map((d) => d.address)).toEqual([RS_A]);

    // 5. the VIP is back: checks resume, find A dead, and take it out
    ns.exec(["ip", "addr", "add", `${VIP}/32`, "dev", "eth0"]);
    st = await until((s) => svc(s, VIP)?.suspended === undefined && svc(s, VIP)?.dests.length === 0);
    expect(svc(st, VIP)?.suspended).toBeUndefined();
    expect(svc(st, VIP)?.dests).toEqual([]);
    expect(svc(st, CONTROL_VIP)?.dests.map((d) => d.address)).toEqual([RS_B]);
    expect(proc.exitCode).toBeNull();
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    const err = await stderr;
    // the daemon logged both transitions, naming the service
    if (!err.includes(`lvs ${VIP}:80/TCP: suspending health checkers`)) console.error(err.slice(-3000));
    expect(err).toContain(`lvs ${VIP}:80/TCP: suspending health checkers (ha_suspend: the address is not on this box)`);
    expect(err).toContain(`lvs ${VIP}:80/TCP: activating health checkers (ha_suspend: the address is on this box)`);
  }
}, 180_000);
