// One vigil daemon run from source in a namespace of its own whose eth0 is one end
// of a veth pair (the other end, eth1, up and empty), and its `vigil status --json`
// polled until a condition holds: for lab tests that need one router and no bridge.
import { existsSync } from "node:fs";
import { BUN, Netns, ROOT } from "./netns.ts";

/** A namespace with eth0 (address `cidr`) and eth1, the two ends of a veth pair, both up. */
export function vethNetns(tag: string, cidr: string): Netns {
  const ns = new Netns(tag);
  ns.exec(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"]);
  ns.exec(["ip", "link", "set", "eth1", "up"]);
  ns.exec(["ip", "link", "set", "eth0", "up"]);
  ns.exec(["ip", "addr", "add", cidr, "dev", "eth0"]);
  return ns;
}

/** `vigil run -f conf` from source inside `ns`, its socket and lock directory under `dir`. */
export function spawnSourceDaemon(ns: Netns, conf: string, dir: string): { proc: ReturnType<typeof Bun.spawn>; sock: string } {
  const sock = `${dir}/s.sock`;
  const proc = Bun.spawn([...ns.prefix(), BUN, `${ROOT}/src/main.ts`, "run", "-f", conf, "--status-socket", sock, "--lock-dir", `${dir}/lock`], {
    stdout: "pipe", stderr: "pipe",
  });
  return { proc, sock };
}

/** `vigil status --json` every 100 ms (at most 100 times) until `done` holds; the last answer read. */
export async function statusUntil<S>(sock: string, done: (s: S) => boolean): Promise<S | undefined> {
  let status: S | undefined;
  for (let i = 0; i < 100; i++) {
    await Bun.sleep(100);
    if (!existsSync(sock)) continue;
    const r = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "status", "--json", "--socket", sock]);
    if (r.exitCode !== 0) continue;
    status = JSON.parse(r.stdout.toString()) as S;
    if (done(status)) break;
  }
  return status;
}

/** The VIP a daemon in a vethNetns(…, "198.18.7.1/24") holds as the only router of VRID 9. */
export const SOLO_VIP = "198.18.7.100";

/** keepalived.conf of that sole router: one VRRPv3 instance on eth0, priority 200, adverts every 100 ms. */
export const soloVrrpConf = (routerId: string) => `
global_defs { router_id ${routerId} }
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  priority 200
  advert_int 0.1
  version 3
  virtual_ipaddress { ${SOLO_VIP}/24 }
}
`;

/** A NAT virtual server on SOLO_VIP:80 (round robin, checks every second) with these real_server blocks. */
export const soloVirtualServer = (realServers: string) => `
virtual_server ${SOLO_VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
${realServers}
}
`;

/** One real server 198.18.7.2:80 under TCP_CHECK (nothing answers it). */
export const UNANSWERED_TCP_RS = `  real_server 198.18.7.2 80 {
    weight 1
    TCP_CHECK { connect_timeout 1 }
  }`;
