// End to end through IPVS: a client namespace sends HTTP to a VIP; the LVS
// director is the VM (Debian kernel, vigil's IPVS client applying the tables);
// real servers are namespaces on the same bridge. Once with NAT, once with DR
// (real servers with arp_ignore=1, arp_announce=2 and the VIP on lo, as in the
// user's notes). Then a real server stops and the director drops it; then all
// stop and the sorry server takes over; then they recover. Here the host plays
// the health checker and asks for each table; test/vm/ipvs-daemon.test.ts runs
// the same with the real daemon and its checkers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/netns.ts";
import { startVm, vmAvailable, type VmHandle } from "../helpers/vm.ts";
import { DIRECTOR_SETUP, E2eLab } from "./e2e-lab.ts";
import { CLIENT, CLIENT2, DIRECTOR, DIRECTOR2, RS1, RS2, SORRY, VIP_DR, VIP_NAT } from "./ipvs-e2e-topology.ts";

const lab = new E2eLab("e2");
let vm: VmHandle | undefined;

async function phase(name: string) {
  writeFileSync(join(vm!.runDir, `phase-${name}`), "");
  await vm!.waitForFile(`applied-${name}`, 60_000);
}

describe.skipIf(!vmAvailable())("IPVS end to end: client → VM director → real servers", () => {
  beforeAll(async () => {
    lab.build();
    await lab.startServer("rs1", [8080, 80]);
    await lab.startServer("rs2", [8080, 80]);
    await lab.startServer("sorry", [8080]);
    const script = `set -e
${DIRECTOR_SETUP([`${DIRECTOR2}/24`, `${VIP_NAT}/32`, `${VIP_DR}/32`])}
cd ${ROOT}
${ROOT}/node_modules/.bin/bun test/vm/guest/ipvs-e2e.ts "$(dirname "$0")"
`;
    vm = startVm({ script, net: { netns: lab.lan.name, tap: "vmtap0", ip: `${DIRECTOR}/24` }, timeoutMs: 400_000 });
    await vm.waitForFile("applied-initial", 120_000);
  }, 200_000);

  afterAll(async () => {
    try {
      if (vm) {
        try {
          writeFileSync(join(vm.runDir, "phase-done"), "");
        } catch {}
        const t = setTimeout(() => vm!.kill(), 30_000);
        const r = await vm.done;
        clearTimeout(t);
        if (r.exitCode !== 0) console.error(`director VM exit ${r.exitCode}:\n${r.stderr}\n${r.console.slice(-1500)}`);
      }
    } finally {
      await lab.cleanup();
    }
  }, 60_000);

  test("NAT: requests to the VIP reach both real servers, which see the client's own address", () => {
    expect(new Set(lab.getMany(VIP_NAT, 6))).toEqual(new Set([
      `rs1 local=${RS1}:8080 remote=${CLIENT2}`,
      `rs2 local=${RS2}:8080 remote=${CLIENT2}`,
    ]));
  }, 120_000);

  test("DR: requests reach both real servers on the VIP bound to their lo, client address intact", () => {
    expect(new Set(lab.getMany(VIP_DR, 6))).toEqual(new Set([
      `rs1 local=${VIP_DR}:80 remote=${CLIENT}`,
      `rs2 local=${VIP_DR}:80 remote=${CLIENT}`,
    ]));
  }, 120_000);

  test("DR: only the director answers ARP for the VIP (arp_ignore=1 on the real servers)", () => {
    lab.client.exec(["ping", "-c1", "-W5", DIRECTOR], { allowFail: true });
    const macOf = (ip: string) => /lladdr (\S+)/.exec(lab.client.exec(["ip", "neigh", "show", ip]))?.[1];
    expect(macOf(VIP_DR)).toBeDefined();
    expect(macOf(VIP_DR)).toBe(macOf(DIRECTOR));
  }, 60_000);

  test("one real server stops and leaves the table: every request lands on the other", async () => {
    await lab.stopServer("rs1");
    await phase("rs1-down");
    expect(new Set(lab.getMany(VIP_NAT, 4))).toEqual(new Set([`rs2 local=${RS2}:8080 remote=${CLIENT2}`]));
    expect(new Set(lab.getMany(VIP_DR, 4))).toEqual(new Set([`rs2 local=${VIP_DR}:80 remote=${CLIENT}`]));
  }, 120_000);

  test("all real servers down: the sorry server answers the NAT VIP", async () => {
    await lab.stopServer("rs2");
    await phase("all-down");
    expect(new Set(lab.getMany(VIP_NAT, 3))).toEqual(new Set([`sorry local=${SORRY}:8080 remote=${CLIENT2}`]));
  }, 120_000);

  test("real servers recover: both are back in rotation and the sorry server is gone", async () => {
    await lab.startServer("rs1", [8080, 80]);
    await lab.startServer("rs2", [8080, 80]);
    await phase("recovered");
    expect(new Set(lab.getMany(VIP_NAT, 6))).toEqual(new Set([
      `rs1 local=${RS1}:8080 remote=${CLIENT2}`,
      `rs2 local=${RS2}:8080 remote=${CLIENT2}`,
    ]));
  }, 120_000);
});
