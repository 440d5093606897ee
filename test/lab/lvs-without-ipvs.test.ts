// keepalived stops entirely (VRRP included) when the kernel has no IP_VS; vigil
// must keep VRRP running, keep checking real servers, and report the LVS fault.
// This development kernel has no IP_VS, which makes it the honest test bed.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { kernelHasIpvs } from "../helpers/ipvs-kernel.ts";
import type { Netns } from "../helpers/netns.ts";
import { SOLO_VIP, soloVirtualServer, soloVrrpConf, spawnSourceDaemon, statusUntil, UNANSWERED_TCP_RS, vethNetns } from "../helpers/source-daemon.ts";

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
  writeFileSync(`${dir}/vigil.conf`, soloVrrpConf("noipvs") + soloVirtualServer(UNANSWERED_TCP_RS));
  const d = spawnSourceDaemon(ns, `${dir}/vigil.conf`, dir);
  proc = d.proc;
  const status = await statusUntil<{ instances: { state: string }[]; lvs?: { fault?: string }[] }>(d.sock, (s) => s.instances[0]?.state === "MASTER");
  expect(status?.instances[0]?.state).toBe("MASTER");
  expect(status?.lvs?.[0]?.fault).toContain("IPVS");
  expect(ns.exec(["ip", "-br", "addr", "show", "eth0"])).toContain(`${SOLO_VIP}/24`);
  expect(proc.exitCode).toBeNull(); // still running
});
