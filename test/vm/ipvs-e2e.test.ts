// End to end through IPVS: a client namespace sends HTTP to a VIP; the LVS
// director is the VM (Debian kernel, vigil's IPVS client applying the tables);
// real servers are namespaces on the same bridge. Once with NAT, once with DR
// (real servers with arp_ignore=1, arp_announce=2 and the VIP on lo, as in the
// user's notes). Then a real server stops and the director drops it; then all
// stop and the sorry server takes over; then they recover.
// The health checker that decides those transitions is tested elsewhere; here
// the host plays the checker by asking the director for the next table.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BUN, Netns, ROOT } from "../helpers/netns.ts";
import { startVm, vmAvailable, type VmHandle } from "../helpers/vm.ts";
import { CLIENT, CLIENT2, DIRECTOR, DIRECTOR2, RS1, RS2, SORRY, VIP_DR, VIP_NAT } from "./ipvs-e2e-topology.ts";

const made: Netns[] = [];
const servers = new Map<string, Subprocess>();
let vm: VmHandle | undefined;
let lan: Netns, client: Netns;

async function startServer(ns: Netns, name: string, ports: number[]) {
  const p = Bun.spawn([...ns.prefix(), BUN, join(ROOT, "test/vm/rs-server.ts"), name, ...ports.map(String)], { stdout: "pipe", stderr: "inherit" });
  servers.set(name, p);
  // wait (bounded) until every port reports listening
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

async function stopServer(name: string) {
  const p = servers.get(name);
  if (!p) return;
  p.kill("SIGKILL");
  await p.exited;
  servers.delete(name);
}

function get(vip: string): string {
  return client.exec(["curl", "-s", "--max-time", "15", `http://${vip}/`], { allowFail: true }).trim();
}
/** n requests; returns the bodies (empty string for a failed request) */
function getMany(vip: string, n: number): string[] {
  return Array.from({ length: n }, () => get(vip));
}

async function phase(name: string) {
  writeFileSync(join(vm!.runDir, `phase-${name}`), "");
  await vm!.waitForFile(`applied-${name}`, 60_000);
}

describe.skipIf(!vmAvailable())("IPVS end to end: client → VM director → real servers", () => {
  beforeAll(async () => {
    lan = new Netns("e2lan");
    made.push(lan);
    lan.exec(["ip", "link", "add", "br0", "type", "bridge"]);
    lan.exec(["ip", "link", "set", "br0", "up"]);
    lan.exec(["ip", "tuntap", "add", "dev", "vmtap0", "mode", "tap"]);
    lan.exec(["ip", "link", "set", "vmtap0", "master", "br0", "up"]);
    const hosts: [string, string[]][] = [["e2cl", [`${CLIENT}/24`, `${CLIENT2}/24`]], ["e2r1", [`${RS1}/24`]], ["e2r2", [`${RS2}/24`]], ["e2so", [`${SORRY}/24`]]];
    const ns: Netns[] = [];
    for (const [tag, addrs] of hosts) {
      const n = new Netns(tag);
      made.push(n);
      ns.push(n);
      lan.exec(["ip", "link", "add", `v-${tag}`, "type", "veth", "peer", "name", "eth0", "netns", n.name]);
      lan.exec(["ip", "link", "set", `v-${tag}`, "master", "br0", "up"]);
      for (const a of addrs) n.exec(["ip", "addr", "add", a, "dev", "eth0"]);
      n.exec(["ip", "link", "set", "eth0", "up"]);
    }
    client = ns[0]!;
    const [rs1, rs2, sorry] = [ns[1]!, ns[2]!, ns[3]!];
    for (const rs of [rs1, rs2, sorry]) rs.exec(["ip", "route", "add", "default", "via", DIRECTOR]);
    for (const rs of [rs1, rs2]) {
      // DR real server: the VIP on lo, never answered or announced over ARP
      rs.exec(["ip", "addr", "add", `${VIP_DR}/32`, "dev", "lo"]);
      for (const k of ["all", "eth0"]) {
        rs.exec(["sysctl", "-qw", `net.ipv4.conf.${k}.arp_ignore=1`]);
        rs.exec(["sysctl", "-qw", `net.ipv4.conf.${k}.arp_announce=2`]);
      }
    }
    await startServer(rs1, "rs1", [8080, 80]);
    await startServer(rs2, "rs2", [8080, 80]);
    await startServer(sorry, "sorry", [8080]);

    const script = `
set -e
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects
echo 0 > /proc/sys/net/ipv4/conf/eth0/send_redirects
ip addr add ${DIRECTOR2}/24 dev eth0
ip addr add ${VIP_NAT}/32 dev eth0
ip addr add ${VIP_DR}/32 dev eth0
cd ${ROOT}
${ROOT}/node_modules/.bin/bun test/vm/guest/ipvs-e2e.ts "$(dirname "$0")"
ipvsadm -Ln
`;
    vm = startVm({ script, net: { netns: lan.name, tap: "vmtap0", ip: `${DIRECTOR}/24` }, timeoutMs: 400_000 });
    await vm.waitForFile("applied-initial", 120_000);
  }, 200_000);

  afterAll(async () => {
    for (const name of [...servers.keys()]) await stopServer(name);
    if (vm) {
      try {
        writeFileSync(join(vm.runDir, "phase-done"), "");
      } catch {}
      const done = vm.done;
      const t = setTimeout(() => vm!.kill(), 30_000);
      const r = await done;
      clearTimeout(t);
      if (r.exitCode !== 0) console.error(`director VM exit ${r.exitCode}:\n${r.stderr}\n${r.console.slice(-1500)}`);
    }
    for (const n of made.reverse()) n.delete();
  }, 60_000);

  test("NAT: requests to the VIP reach both real servers, which see the client's own address", () => {
    const bodies = getMany(VIP_NAT, 6);
    expect(new Set(bodies)).toEqual(new Set([
      `rs1 local=${RS1}:8080 remote=${CLIENT2}`,
      `rs2 local=${RS2}:8080 remote=${CLIENT2}`,
    ]));
  }, 120_000);

  test("DR: requests reach both real servers on the VIP bound to their lo, client address intact", () => {
    const bodies = getMany(VIP_DR, 6);
    expect(new Set(bodies)).toEqual(new Set([
      `rs1 local=${VIP_DR}:80 remote=${CLIENT}`,
      `rs2 local=${VIP_DR}:80 remote=${CLIENT}`,
    ]));
  }, 120_000);

  test("DR: only the director answers ARP for the VIP (arp_ignore=1 on the real servers)", () => {
    const neigh = client.exec(["ip", "neigh", "show", VIP_DR]);
    const mac = /lladdr (\S+)/.exec(neigh)?.[1];
    const directorMac = /lladdr (\S+)/.exec(client.exec(["ip", "neigh", "show", DIRECTOR]))?.[1]
      ?? (client.exec(["ping", "-c1", "-W5", DIRECTOR], { allowFail: true }), /lladdr (\S+)/.exec(client.exec(["ip", "neigh", "show", DIRECTOR]))?.[1]);
    expect(mac).toBeDefined();
    expect(mac).toBe(directorMac);
  }, 60_000);

  test("one real server stops and leaves the table: every request lands on the other", async () => {
    await stopServer("rs1");
    await phase("rs1-down");
    expect(new Set(getMany(VIP_NAT, 4))).toEqual(new Set([`rs2 local=${RS2}:8080 remote=${CLIENT2}`]));
    expect(new Set(getMany(VIP_DR, 4))).toEqual(new Set([`rs2 local=${VIP_DR}:80 remote=${CLIENT}`]));
  }, 120_000);

  test("all real servers down: the sorry server answers the NAT VIP", async () => {
    await stopServer("rs2");
    await phase("all-down");
    expect(new Set(getMany(VIP_NAT, 3))).toEqual(new Set([`sorry local=${SORRY}:8080 remote=${CLIENT2}`]));
  }, 120_000);

  test("real servers recover: both are back in rotation and the sorry server is gone", async () => {
    const [rs1, rs2] = [made.find((n) => n.name.includes("e2r1"))!, made.find((n) => n.name.includes("e2r2"))!];
    await startServer(rs1, "rs1", [8080, 80]);
    await startServer(rs2, "rs2", [8080, 80]);
    await phase("recovered");
    expect(new Set(getMany(VIP_NAT, 6))).toEqual(new Set([
      `rs1 local=${RS1}:8080 remote=${CLIENT2}`,
      `rs2 local=${RS2}:8080 remote=${CLIENT2}`,
    ]));
  }, 120_000);
});
