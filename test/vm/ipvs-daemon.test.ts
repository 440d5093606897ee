// The whole LVS path with the real daemon as the director: `vigil run` inside the
// VM reads a keepalived.conf, health-checks the real servers (TCP_CHECK), and
// programs IPVS over generic netlink. A client namespace sends HTTP through a
// NAT VIP and a DR VIP (real servers with arp_ignore=1, arp_announce=2 and the VIP
// on lo, as in the user's notes); each answer names the real server and both
// ends of its TCP connection, which tells NAT (local = the server's address)
// from DR (local = the VIP) and shows the client's address arrives intact. The host stops and restarts real servers
// and watches what a client gets through the NAT and DR VIPs: a dead server
// leaves rotation, the sorry server answers when all are dead, recovered servers
// return, and SIGTERM removes the daemon's services (keepalived does the same).
// global_defs lvs_flush, lvs_timeouts and lvs_flush_on_stop are keepalived's: a
// foreign service made before the start is flushed, the timeouts are the
// kernel's, one made while it runs is flushed at stop.
// Convergence times are printed, not asserted (the machine is shared and
// emulated); every wait is bounded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ROOT } from "../helpers/netns.ts";
import { vigilCommand } from "../helpers/vigil.ts";
import { GUEST_SERVE_COMMANDS, GUEST_STOP_DAEMON, startVm, vmAvailable, type VmHandle, type VmResult } from "../helpers/vm.ts";
import { CONNECT_TIMEOUT_S, DELAY_LOOP_S, drAnswer as dr, natAnswer as nat, virtualServerConf } from "./e2e-config.ts";
import { DIRECTOR_SETUP, E2eLab } from "./e2e-lab.ts";
import { CLIENT2, DIRECTOR, DIRECTOR2, RS1, RS2, SORRY, VIP_DR, VIP_NAT } from "./e2e-topology.ts";
import type { IpvsServiceStats, IpvsStats } from "../../src/sys/ipvs/stats.ts";
import { parseIpvsadm } from "./ipvsadm-parse.ts";

const config = `
global_defs {
    router_id director
    lvs_flush
    lvs_timeouts tcp 901 tcpfin 121 udp 301
    lvs_flush_on_stop
}
${virtualServerConf({
  vip: VIP_NAT, port: 80, kind: "NAT", sorry: { address: SORRY, port: 8080 },
  reals: [{ address: RS1, port: 8080, weight: 1, check: "TCP_CHECK" }, { address: RS2, port: 8080, weight: 1, check: "TCP_CHECK" }],
})}
${virtualServerConf({
  vip: VIP_DR, port: 80, kind: "DR",
  reals: [{ address: RS1, port: 80, weight: 1, check: "TCP_CHECK" }, { address: RS2, port: 80, weight: 2, check: "TCP_CHECK" }],
})}`;

// the compiled binary when it is fresh (make test builds it first), else the
// source: under TCG the binary starts in a fraction of the time the source takes
// to load over 9p. test/board/vm-ipvs.test.ts runs the binary with the checkout gone.
const VIGIL = vigilCommand().join(" ");
/** foreign services (no real servers): one before vigil starts (lvs_flush), one while it runs (lvs_flush_on_stop) */
const FOREIGN_BEFORE = "198.18.30.1";
const FOREIGN_DURING = "198.18.30.2";

const lab = new E2eLab("d2");
let vm: VmHandle | undefined;
let result: VmResult | undefined;

async function stopVm(): Promise<VmResult | undefined> {
  if (!vm || result) return result;
  result = await vm.finish(60_000);
  return result;
}

describe.skipIf(!vmAvailable())("IPVS end to end with the daemon (vigil run) as the director", () => {
  beforeAll(async () => {
    lab.build();
    await lab.startServer("rs1", [8080, 80]);
    await lab.startServer("rs2", [8080, 80]);
    await lab.startServer("sorry", [8080]);
    const script = `set -e
${DIRECTOR_SETUP([`${DIRECTOR2}/24`, `${VIP_NAT}/32`, `${VIP_DR}/32`])}
cat > /tmp/director.conf <<'VIGIL_EOF'
${config}
VIGIL_EOF
cd ${ROOT}
ipvsadm -A -t ${FOREIGN_BEFORE}:9999
${VIGIL} run -f /tmp/director.conf --no-realtime --status-socket /tmp/vigil.sock --lock-dir /tmp/vigil-lock >&2 &
pid=$!
${GUEST_SERVE_COMMANDS}
ipvsadm -A -t ${FOREIGN_DURING}:9999
echo "TIMEOUTS"
ipvsadm -L --timeout
echo "TABLE-BEFORE-STOP"
ipvsadm -Ln
# the kernel folds per-CPU counters into the totals every 2 s (IPVS estimator):
# let the last requests' packets land before two reads that must agree
sleep 3
echo "IPVSADM-STATS"
ipvsadm -Ln --stats --exact
${ROOT}/node_modules/.bin/bun test/vm/guest/ipvs-stats.ts
${GUEST_STOP_DAEMON}
`;
    vm = startVm({ script, net: { netns: lab.lan.name, tap: "vmtap0", ip: `${DIRECTOR}/24` }, timeoutMs: 600_000 });
    const ms = await lab.until(VIP_NAT, new Set([nat("rs1", RS1), nat("rs2", RS2)]), 4, 180_000);
    console.log(`director serving the NAT VIP ${Math.round(ms)} ms after the first request`);
  }, 240_000);

  afterAll(async () => {
    try {
      const r = await stopVm();
      if (r && r.exitCode !== 0) console.error(`director VM exit ${r.exitCode}:\n${r.stderr.slice(-3000)}\n${r.console.slice(-1500)}`);
    } finally {
      await lab.cleanup();
    }
  }, 90_000);

  test("NAT and DR: both real servers in rotation after the first checks", async () => {
    expect(new Set(lab.getMany(VIP_NAT, 6))).toEqual(new Set([nat("rs1", RS1), nat("rs2", RS2)]));
    await lab.until(VIP_DR, new Set([dr("rs1"), dr("rs2")]), 3, 60_000);
    expect(new Set(lab.getMany(VIP_DR, 6))).toEqual(new Set([dr("rs1"), dr("rs2")]));
  }, 120_000);

  test("DR: only the director answers ARP for the VIP (arp_ignore=1 on the real servers)", () => {
    // any TCP connection to the director resolves its address (it answers with a
    // reset: nothing listens on port 9); the lab has no ping
    lab.client.exec(["curl", "-s", "--max-time", "5", `http://${DIRECTOR}:9/`], { allowFail: true });
    const macOf = (ip: string) => /lladdr (\S+)/.exec(lab.client.exec(["ip", "neigh", "show", ip]))?.[1];
    expect(macOf(DIRECTOR)).toBeDefined();
    expect(macOf(VIP_DR)).toBeDefined();
    expect(macOf(VIP_DR)).toBe(macOf(DIRECTOR));
  }, 60_000);

  test("a stopped real server is taken out by its TCP_CHECK: all requests land on the other", async () => {
    await lab.stopServer("rs1");
    const msNat = await lab.until(VIP_NAT, new Set([nat("rs2", RS2)]), 4, 60_000);
    const msDr = await lab.until(VIP_DR, new Set([dr("rs2")]), 4, 60_000);
    console.log(`rs1 stopped → out of rotation after ${Math.round(msNat)} ms (NAT), DR follows ${Math.round(msDr)} ms later; delay_loop ${DELAY_LOOP_S} s + connect_timeout ${CONNECT_TIMEOUT_S} s`);
    expect(new Set(lab.getMany(VIP_NAT, 4))).toEqual(new Set([nat("rs2", RS2)]));
  }, 150_000);

  test("every real server stopped: the sorry_server answers the NAT VIP", async () => {
    await lab.stopServer("rs2");
    const ms = await lab.until(VIP_NAT, new Set([`sorry local=${SORRY}:8080 remote=${CLIENT2}`]), 3, 60_000);
    console.log(`all real servers stopped → sorry server after ${Math.round(ms)} ms`);
  }, 120_000);

  test("real servers back: both return to rotation and the sorry server leaves", async () => {
    await lab.startServer("rs1", [8080, 80]);
    await lab.startServer("rs2", [8080, 80]);
    await lab.until(VIP_NAT, new Set([nat("rs1", RS1), nat("rs2", RS2)]), 6, 90_000);
    expect(new Set(lab.getMany(VIP_NAT, 6))).toEqual(new Set([nat("rs1", RS1), nat("rs2", RS2)]));
  }, 150_000);

  test("ipvsadm shows the configured table; lvs_flush took the foreign service, lvs_timeouts set the kernel's; SIGTERM with lvs_flush_on_stop empties the table", async () => {
    const r = (await stopVm())!;
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("TIMEOUTS\n")[1]!.split("\n")[0]).toBe("Timeout (tcp tcpfin udp): 901 121 301");
    const before = r.stdout.split("TABLE-BEFORE-STOP\n")[1]!.split("IPVSADM-STATS")[0]!;
    const t = parseIpvsadm(before);
    expect(t.map((x) => x.address).sort()).toEqual([FOREIGN_DURING, VIP_DR, VIP_NAT].sort());
    const natSvc = t.find((s) => s.address === VIP_NAT)!;
    const drSvc = t.find((s) => s.address === VIP_DR)!;
    expect(natSvc.dests.map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`).sort()).toEqual([`${RS1}:8080 masq 1`, `${RS2}:8080 masq 1`]);
    expect(drSvc.dests.map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`).sort()).toEqual([`${RS1}:80 route 1`, `${RS2}:80 route 2`]);
    expect(r.stdout).toContain("DAEMON-EXIT 0");
    expect(parseIpvsadm(r.stdout.split("TABLE-AFTER-STOP\n")[1]!)).toEqual([]);
  }, 120_000);

  test("traffic counters read over netlink equal ipvsadm --stats (real, nonzero counters from the requests above)", () => {
    const r = result!;
    const ours = JSON.parse(r.stdout.split("\n").find((l) => l.startsWith("STATS "))!.slice(6)) as IpvsServiceStats[];
    const text = r.stdout.split("IPVSADM-STATS\n")[1]!.split("STATS ")[0]!;
    // ipvsadm --stats --exact: "<proto> <vip:port> conns inpkts outpkts inbytes outbytes", dests as "-> addr:port ..."
    const theirs = new Map<string, number[]>();
    let svc = "";
    for (const line of text.split("\n")) {
      const t = line.trim().split(/\s+/);
      if (t[0] === "TCP") {
        svc = `tcp:${t[1]}`;
        theirs.set(svc, t.slice(2, 7).map(Number));
      } else if (t[0] === "->" && /^\d/.test(t[1] ?? "")) {
        theirs.set(`${svc} -> ${t[1]}`, t.slice(2, 7).map(Number));
      }
    }
    let total = 0;
    for (const s of ours) {
      const row = (x: IpvsStats) => [x.conns, x.inPackets, x.outPackets, x.inBytes, x.outBytes];
      expect(row(s.stats)).toEqual(theirs.get(s.service)!);
      for (const d of s.dests) expect(row(d.stats)).toEqual(theirs.get(`${s.service} -> ${d.dest}`)!);
      total += s.stats.conns;
    }
    // the whole table: the foreign service made while vigil ran is there too, with nothing through it
    expect(ours.map((s) => s.service).sort()).toEqual([`tcp:${VIP_DR}:80`, `tcp:${VIP_NAT}:80`, `tcp:${FOREIGN_DURING}:9999`].sort());
    expect(total).toBeGreaterThan(20);
  });
});
