// The end-to-end IPVS lab: a bridge in its own namespace (no uplink) holding the
// director VM's tap, a client namespace and real-server namespaces running
// test/vm/rs-server.ts. Addresses in e2e-topology.ts (198.18.0.0/15 only).
import type { Subprocess } from "bun";
import { join } from "node:path";
import { BUN, Netns, ROOT } from "../helpers/netns.ts";
import { CLIENT, CLIENT2, DIRECTOR, RS1, RS2, SORRY, VIP_DR } from "./e2e-topology.ts";

export class E2eLab {
  readonly made: Netns[] = [];
  readonly servers = new Map<string, Subprocess>();
  lan!: Netns;
  client!: Netns;
  rs = new Map<string, Netns>();

  /** `tag` keeps two test files' namespaces apart. */
  constructor(private readonly tag: string) {}

  build(): void {
    this.lan = this.ns("lan");
    this.lan.exec(["ip", "link", "add", "br0", "type", "bridge"]);
    this.lan.exec(["ip", "link", "set", "br0", "up"]);
    this.lan.exec(["ip", "tuntap", "add", "dev", "vmtap0", "mode", "tap"]);
    this.lan.exec(["ip", "link", "set", "vmtap0", "master", "br0", "up"]);
    const hosts: [string, string[]][] = [["cl", [`${CLIENT}/24`, `${CLIENT2}/24`]], ["rs1", [`${RS1}/24`]], ["rs2", [`${RS2}/24`]], ["sorry", [`${SORRY}/24`]]];
    for (const [name, addrs] of hosts) {
      const n = this.ns(name);
      this.lan.exec(["ip", "link", "add", `v-${name}`, "type", "veth", "peer", "name", "eth0", "netns", n.name]);
      this.lan.exec(["ip", "link", "set", `v-${name}`, "master", "br0", "up"]);
      for (const a of addrs) n.exec(["ip", "addr", "add", a, "dev", "eth0"]);
      n.exec(["ip", "link", "set", "eth0", "up"]);
      if (name === "cl") this.client = n;
      else {
        this.rs.set(name, n);
        n.exec(["ip", "route", "add", "default", "via", DIRECTOR]);
      }
    }
    for (const name of ["rs1", "rs2"]) {
      // DR real server: the VIP on lo, never answered or announced over ARP (user's notes)
      const n = this.rs.get(name)!;
      n.exec(["ip", "addr", "add", `${VIP_DR}/32`, "dev", "lo"]);
      for (const k of ["all", "eth0"]) {
        n.exec(["sysctl", "-qw", `net.ipv4.conf.${k}.arp_ignore=1`]);
        n.exec(["sysctl", "-qw", `net.ipv4.conf.${k}.arp_announce=2`]);
      }
    }
  }

  private ns(name: string): Netns {
    const n = new Netns(`${this.tag}${name}`);
    this.made.push(n);
    return n;
  }

  async startServer(name: string, ports: number[]): Promise<void> {
    const ns = this.rs.get(name)!;
    const p = Bun.spawn([...ns.prefix(), BUN, join(ROOT, "test/vm/rs-server.ts"), name, ...ports.map(String)], { stdout: "pipe", stderr: "inherit" });
    this.servers.set(name, p);
    const reader = p.stdout.getReader();
    let seen = "";
    const deadline = Date.now() + 20_000;
    while ((seen.match(/listening/g)?.length ?? 0) < ports.length) {
      if (Date.now() > deadline) throw new Error(`${name}: server did not start`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`${name}: server exited before listening`);
      seen += new TextDecoder().decode(value);
    }
    reader.releaseLock();
  }

  async stopServer(name: string): Promise<void> {
    const p = this.servers.get(name);
    if (!p) return;
    p.kill("SIGKILL");
    await p.exited;
    this.servers.delete(name);
  }

  get(vip: string): string {
    return this.client.exec(["curl", "-s", "--max-time", "15", `http://${vip}/`], { allowFail: true }).trim();
  }

  getMany(vip: string, n: number): string[] {
    return Array.from({ length: n }, () => this.get(vip));
  }

  /**
   * Polls (bounded by count and time) until `n` consecutive answers all lie in
   * `want`; returns how long that took, or throws with the last answers seen.
   */
  async until(vip: string, want: Set<string>, n: number, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    let streak = 0;
    const last: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const b = this.get(vip);
      last.push(b);
      if (last.length > 6) last.shift();
      streak = want.has(b) ? streak + 1 : 0;
      if (streak >= n) return performance.now() - t0;
      if (performance.now() - t0 > timeoutMs) break;
      await Bun.sleep(100);
    }
    throw new Error(`${vip}: no ${n} consecutive answers from {${[...want].join(" | ")}} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  async cleanup(): Promise<void> {
    for (const name of [...this.servers.keys()]) await this.stopServer(name);
    for (const n of [...this.made].reverse()) n.delete();
  }
}

export const DIRECTOR_SETUP = (extra: string[] = []) => `
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects
echo 0 > /proc/sys/net/ipv4/conf/eth0/send_redirects
${extra.map((a) => `ip addr add ${a} dev eth0`).join("\n")}
`;
