// keepalived stops entirely (VRRP included) when the kernel has no IP_VS; vigil
// must keep VRRP running, keep checking real servers, and report the LVS fault.
// This development kernel has no IP_VS, which makes it the honest test bed.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { kernelHasIpvs } from "../helpers/ipvs-kernel.ts";
import { BUN, Netns, ROOT } from "../helpers/netns.ts";

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
  ns = new Netns("noipvs");
  ns.exec(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"]);
  ns.exec(["ip", "link", "set", "eth1", "up"]);
  ns.exec(["ip", "link", "set", "eth0", "up"]);
  ns.exec(["ip", "addr", "add", "198.18.7.1/24", "dev", "eth0"]);
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
  const sock = `${dir}/s.sock`;
  proc = Bun.spawn([...ns.prefix(), BUN, `${ROOT}/src/main.ts`, "run", "-f", `${dir}/vigil.conf`, "--status-socket", sock, "--lock-dir", `${dir}/lock`], {
    stdout: "pipe", stderr: "pipe",
  });
  let status: { instances: { state: string }[]; lvs?: { fault?: string }[] } | undefined;
  for (let i = 0; i < 100; i++) {
    await Bun.sleep(100);
    if (!existsSync(sock)) continue;
    const r = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "status", "--json", "--socket", sock]);
    if (r.exitCode !== 0) continue;
    status = JSON.parse(r.stdout.toString());
    if (status?.instances[0]?.state === "MASTER") break;
  }
  expect(status?.instances[0]?.state).toBe("MASTER");
  expect(status?.lvs?.[0]?.fault).toContain("IPVS");
  expect(ns.exec(["ip", "-br", "addr", "show", "eth0"])).toContain("198.18.7.100/24");
  expect(proc.exitCode).toBeNull(); // still running
});
