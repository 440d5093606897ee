// keepalived stops entirely (VRRP included) when the kernel has no IP_VS; vigil
// must keep VRRP running, keep checking real servers, and report the LVS fault.
// This development kernel has no IP_VS, which makes it the honest test bed.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { kernelHasIpvs } from "../helpers/ipvs-kernel.ts";
import type { Netns } from "../helpers/netns.ts";
import { spawnSourceDaemon, statusUntil, vethNetns } from "../helpers/source-daemon.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-noipvs-`);
let ns: Netns | undefined;
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterAll(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

// The scenario needs a kernel without IPVS (this machine's); with IPVS present it proves nothing.
test.skipIf(kernelHasIpvs())("without IP_VS in the kernel VRRP still becomes master and LVS reports a fault", async () => {
  ns = vethNetns("noipvs", "198.18.7.1/24");
  writeFileSync(`${dir}/vigil.conf`, `
global_defs { router_id noipvs }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  priority 200
  advert_int 0.1
  version 3
  virtual_ipaddress { 198.18.7.100/24 }
}
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
`);
  const d = spawnSourceDaemon(ns, `${dir}/vigil.conf`, dir);
  proc = d.proc;
  const status = await statusUntil<{ instances: { state: string }[]; lvs?: { fault?: string }[] }>(d.sock, (s) => s.instances[0]?.state === "MASTER");
  expect(status?.instances[0]?.state).toBe("MASTER");
  expect(status?.lvs?.[0]?.fault).toContain("IPVS");
  expect(ns.exec(["ip", "-br", "addr", "show", "eth0"])).toContain("198.18.7.100/24");
  expect(proc.exitCode).toBeNull(); // still running
});
