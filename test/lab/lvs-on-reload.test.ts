// A VRRP-only daemon does not load its LVS side (src/daemon/lvs-needed.ts: the
// checkers' modules cost memory for good); the first SIGHUP whose config has virtual
// servers loads and starts it, and the virtual server shows in `vigil status`.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Netns } from "../helpers/netns.ts";
import { soloVirtualServer, soloVrrpConf, spawnSourceDaemon, statusUntil, UNANSWERED_TCP_RS, vethNetns } from "../helpers/source-daemon.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-lvs-reload-`);
let ns: Netns | undefined;
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterAll(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

const VRRP = soloVrrpConf("lvsreload");
const VS = soloVirtualServer(UNANSWERED_TCP_RS);

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
