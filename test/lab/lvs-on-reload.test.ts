// A VRRP-only daemon does not load its LVS side (src/daemon/lvs-needed.ts: the
// checkers' modules cost memory for good); the first SIGHUP whose config has virtual
// servers loads and starts it, and the virtual server shows in `vigil status`.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Netns } from "../helpers/netns.ts";
import { spawnSourceDaemon, statusUntil, vethNetns } from "../helpers/source-daemon.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-lvs-reload-`);
let ns: Netns | undefined;
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterAll(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

const VRRP = `
global_defs { router_id lvsreload }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  priority 200
  advert_int 0.1
  version 3
  virtual_ipaddress { 198.18.7.100/24 }
}
`;
const VS = `
virtual_server 198.18.7.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.18.7.2 80 {
    weight 1
    TCP_CHECK { connect_timeout 1 }
  }
}
`;

interface Status { instances: { state: string }[]; lvs?: { service: string }[] }

test("a SIGHUP that first configures a virtual server starts the LVS side a VRRP-only start did not load", async () => {
  ns = vethNetns("lvsreload", "198.18.7.1/24");
  const conf = `${dir}/vigil.conf`;
  writeFileSync(conf, VRRP);
  const d = spawnSourceDaemon(ns, conf, dir);
  proc = d.proc;
  const sock = d.sock;
  const before = await statusUntil<Status>(sock, (s) => s.instances[0]?.state === "MASTER");
  expect(before?.instances[0]?.state).toBe("MASTER");
  expect(before?.lvs).toBeUndefined();
  writeFileSync(conf, VRRP + VS);
  proc.kill("SIGHUP");
  const after = await statusUntil<Status>(sock, (s) => (s.lvs?.length ?? 0) > 0);
  expect(after?.lvs?.map((v) => v.service)).toEqual(["tcp:198.18.7.100:80"]);
  expect(after?.instances[0]?.state).toBe("MASTER");
  expect(proc.exitCode).toBeNull(); // still running
});
