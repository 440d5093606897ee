// IPVS through vigil's generic-netlink client, checked with ipvsadm inside a VM
// running Debian's kernel (the development kernel has no IP_VS). One boot runs
// every scenario (test/vm/guest/ipvs-scenarios.ts, then the user's sample config via
// test/vm/guest/user-sample.ts, both in one process: ipvs-all.ts); the assertions are here.
import { beforeAll, describe, expect, test } from "bun:test";
import type { IpvsService } from "../../src/lvs/ipvs-model.ts";
import { ROOT } from "../helpers/netns.ts";
import { runInVm, vmAvailable, type VmResult } from "../helpers/vm.ts";
import { canonicalTable } from "../unit/lvs/reconcile-model.ts";
import { parseIpvsadm } from "./ipvsadm-parse.ts";
import { readFileSync } from "node:fs";
import { FAILED, FOREIGN, INITIAL, RELOADED } from "./ipvs-scenarios.ts";

interface Step { name: string; ops: string[]; ipvsadm: string; thresholds: string; clientTable: IpvsService[] }
interface GuestReport {
  info: { version: string; connTableSize: number };
  steps: Step[];
  errors: Record<string, string>;
  daemons: { client: unknown[]; ipvsadm: string };
  daemonDuplicate: string;
  daemonsAfterStop: string;
  daemonStopAgain: string;
  badGroup: string;
  timeoutsIpvsadmBefore: string;
  timeouts: { before: { tcp: number; tcpFin: number; udp: number }; after: { tcp: number; tcpFin: number; udp: number }; ipvsadm: string; zero: string };
  mixed: { daemonWhileMixed: string; natMixed: string; mixedWhileDaemon: string };
  daemon6: { client: unknown[]; ipvsadm: string };
  afterFlush: string;
  bigBatch: { failedPorts: number[]; presentPorts: number[] };
  sync: {
    ops: { n: number; ops: string[]; error?: string }[];
    afterRepair: string; afterRepairThresholds: string; changed: IpvsService[]; afterRemove: string;
  };
}

interface SampleReport {
  errors: unknown[];
  virtualServers: number;
  desired: IpvsService[];
  started: { ipvsadm: string; thresholds: string };
  failedDesired: IpvsService[];
  failed: { ipvsadm: string; thresholds: string };
}

let vm: VmResult;
let report: GuestReport;
let sample: SampleReport;

// The user's keepalived.conf sample with its private addresses moved into
// 198.18.0.0/15 (the originals are parsed elsewhere, never contacted).
const userSample = readFileSync(`${ROOT}/test/fixtures/user-sample.conf`, "utf8")
  .replace(/192\.168\.(200|201)\.(\d+)/g, "198.18.$1.$2")
  .replace(/10\.10\.10\.(\d+)/g, "198.19.10.$1");

const script = `
set -e
cd ${ROOT}
# sync daemons need multicast-capable links
ip link add vs0 type veth peer name vs1
ip link set vs0 up; ip link set vs1 up
cat > /tmp/user-sample.conf <<'VIGIL_EOF'
${userSample}
VIGIL_EOF
${ROOT}/node_modules/.bin/bun test/vm/guest/ipvs-all.ts /tmp/user-sample.conf
`;
const tagged = (out: string, tag: string) => {
  const line = out.split("\n").find((l) => l.startsWith(`${tag} `));
  if (!line) throw new Error(`guest printed no ${tag} line:\n${out}`);
  return JSON.parse(line.slice(tag.length + 1));
};

describe.skipIf(!vmAvailable())("IPVS in the VM (ipvsadm as oracle)", () => {
  beforeAll(async () => {
    vm = await runInVm({ script, timeoutMs: 150_000 });
    if (vm.exitCode !== 0) throw new Error(`guest failed (exit ${vm.exitCode}):\n${vm.stderr}\n${vm.stdout}\n${vm.console.slice(-2000)}`);
    report = tagged(vm.stdout, "SCENARIOS") as GuestReport;
    sample = tagged(vm.stdout, "SAMPLE") as SampleReport;
    console.log(`VM run: ${Math.round(vm.wallMs)} ms wall, boot ${Math.round(vm.bootMs ?? -1)} ms`);
  }, 180_000);

  const kernelTable = (name: string) => {
    const s = report.steps.find((x) => x.name === name)!;
    return parseIpvsadm(s.ipvsadm, s.thresholds);
  };

  test("the kernel reports IPVS 1.2.1 through IPVS_CMD_GET_INFO", () => {
    expect(report.info.version).toBe("1.2.1");
    expect(report.info.connTableSize).toBeGreaterThan(0);
  });

  test("after start: ipvsadm -Ln shows every desired service (all schedulers, protocols, fwmark, IPv6, forward kinds, persistence, flags) plus the foreign one", () => {
    expect(canonicalTable(kernelTable("initial"))).toBe(canonicalTable([...INITIAL, FOREIGN]));
  });

  test("the client's own dump reads back the same table ipvsadm shows", () => {
    for (const s of report.steps) expect(canonicalTable(s.clientTable)).toBe(canonicalTable(parseIpvsadm(s.ipvsadm, s.thresholds)));
  });

  test("after a real server fails: it leaves the table, the inhibited one drops to weight 0, nothing else changes", () => {
    expect(canonicalTable(kernelTable("failed"))).toBe(canonicalTable([...FAILED, FOREIGN]));
    expect(report.steps.find((s) => s.name === "failed")!.ops).toEqual([
      "delete-dest tcp:198.18.0.10:80 -> 198.18.1.2:8080",
      "edit-dest tcp:198.18.0.10:80 -> 198.18.1.3:8080",
    ]);
  });

  test("after it recovers: the table is back to the initial one", () => {
    expect(canonicalTable(kernelTable("recovered"))).toBe(canonicalTable([...INITIAL, FOREIGN]));
  });

  test("after a reload: removed service gone, new one added, scheduler/persistence/forward edited in place", () => {
    expect(canonicalTable(kernelTable("reloaded"))).toBe(canonicalTable([...RELOADED, FOREIGN]));
    const ops = report.steps.find((s) => s.name === "reloaded")!.ops;
    expect(ops).toContain("delete-service sctp:198.18.0.11:3868");
    expect(ops).toContain("edit-service tcp:198.18.0.10:443");
    expect(ops).toContain("edit-dest tcp:198.18.0.10:80 -> 198.18.1.1:8080");
    expect(ops.some((o) => o.includes("198.18.0.99"))).toBe(false);
  });

  test("reconciling an unchanged table sends nothing", () => {
    expect(report.steps.find((s) => s.name === "unchanged")!.ops).toEqual([]);
  });

  test("kernel errors come back naming the operation, the service and the reason", () => {
    expect(report.errors.badScheduler).toBe("IPVS add-service tcp:198.18.0.20:80: scheduler module ip_vs_nosuch not found (ENOENT)");
    expect(report.errors.duplicateService).toBe("IPVS add-service tcp:198.18.0.10:80: virtual service already exists (EEXIST)");
    expect(report.errors.missingService).toBe("IPVS delete-service tcp:198.18.0.21:80: no such virtual service (ESRCH)");
    expect(report.errors.missingDest).toBe("IPVS delete-dest tcp:198.18.0.10:80 -> 198.18.1.200:80: no such real server in this service (ENOENT)");
  });

  test("a batch with failures applies the good ops and reports each bad one", () => {
    expect(report.errors.batch).toBe(
      "2 of 3 IPVS operations failed:\n" +
      "  IPVS add-service tcp:198.18.0.23:80: scheduler module ip_vs_bogus not found (ENOENT)\n" +
      "  IPVS delete-service tcp:198.18.0.24:80: no such virtual service (ESRCH)",
    );
    expect(report.errors.afterBatch).toContain("TCP  198.18.0.22:80 rr");
  });

  test("a 600-op batch over several datagrams reports exactly the failed ops (mid-window and last) and applies the rest", () => {
    const bad = (i: number) => i % 7 === 3 || i === 599;
    const ports = Array.from({ length: 600 }, (_, i) => 1000 + i);
    expect(report.bigBatch.failedPorts).toEqual(ports.filter((_, i) => bad(i)));
    expect([...report.bigBatch.presentPorts].sort((a, b) => a - b)).toEqual(ports.filter((_, i) => !bad(i)));
  });

  test("lvs_sync_daemon: master and backup start (IPVS_CMD_NEW_DAEMON), list, refuse a duplicate, and stop", () => {
    expect(report.daemons.ipvsadm).toContain("master sync daemon (mcast=vs0, syncid=9");
    expect(report.daemons.ipvsadm).toContain("backup sync daemon (mcast=vs1, syncid=10");
    expect(report.daemons.client).toEqual([
      expect.objectContaining({ state: "master", interface: "vs0", syncId: 9 }),
      expect.objectContaining({ state: "backup", interface: "vs1", syncId: 10, port: 8850 }),
    ]);
    expect(report.daemonDuplicate).toBe("IPVS start sync daemon master on vs0 syncid 9: sync daemon already running in that state (EEXIST)");
    expect(report.daemonsAfterStop.trim()).toBe("");
    expect(report.daemonStopAgain).toBe("IPVS stop sync daemon master: sync daemon not running (ESRCH)");
    expect(report.badGroup).toBe("IPVS start sync daemon master on vs0 syncid 9: sync group 198.18.0.1 is not a multicast address (EINVAL)");
  });

  test("mixed-family pools: tunnel only, and never together with the sync daemon (either order), each refusal explained", () => {
    expect(report.mixed.daemonWhileMixed).toBe(
      "IPVS start sync daemon master on vs0 syncid 9: the kernel refused the sync daemon: it cannot run while any service has real servers of the other address family (or a parameter is invalid) (EINVAL)",
    );
    expect(report.mixed.natMixed).toBe("add-dest fwm:6:8 -> 198.18.1.21:0: an IPv4 real server in an IPv6 service needs tunnel forwarding (lb_kind TUN), not masq");
    expect(report.mixed.mixedWhileDaemon).toBe(
      "IPVS add-dest fwm:6:8 -> 198.18.1.20:0: a real server of the other address family is refused while a sync daemon runs (EINVAL)",
    );
  });

  test("lvs_sync_daemon with an IPv6 multicast group (IPVS_DAEMON_ATTR_MCAST_GROUP6)", () => {
    expect(report.daemon6.ipvsadm).toContain("master sync daemon (mcast=vs0, syncid=11");
    expect(report.daemon6.ipvsadm).toContain("group=ff02::1:8848");
    expect(report.daemon6.client).toEqual([expect.objectContaining({ state: "master", interface: "vs0", syncId: 11, group: "ff02::1:8848" })]);
  });

  test("connection timeouts read and set over IPVS_CMD_GET/SET_CONFIG agree with ipvsadm --timeout", () => {
    const { before, after, ipvsadm, zero } = report.timeouts;
    expect(report.timeoutsIpvsadmBefore.trim()).toBe(`Timeout (tcp tcpfin udp): ${before.tcp} ${before.tcpFin} ${before.udp}`);
    expect(after).toEqual({ tcp: 7200, tcpFin: before.tcpFin, udp: 45 });
    expect(ipvsadm.trim()).toBe(`Timeout (tcp tcpfin udp): 7200 ${before.tcpFin} 45`);
    expect(zero).toBe('IPVS set timeouts {"tcpFin":0}: tcpFin timeout 0 is not 1-2147483647 seconds (EINVAL)');
  });

  test("flush empties the table", () => {
    expect(parseIpvsadm(report.afterFlush)).toEqual([]);
    expect(report.afterFlush).toContain("IP Virtual Server version 1.2.1");
  });

  test("IpvsSync: full apply, one change as one op from its cache, repair after refresh, removal of its own services only", () => {
    const [r1, r2, r3, r4, r5] = report.sync.ops;
    const dests = INITIAL.reduce((n, s) => n + s.dests.length, 0);
    expect(r1).toEqual({ n: INITIAL.length + dests, ops: [] });
    expect(r2).toEqual({ n: 1, ops: ["edit-dest tcp:198.18.0.10:80 -> 198.18.1.1:8080"] });
    // a dest deleted behind vigil's back: invisible to the cache, repaired after refresh()
    expect(r3).toEqual({ n: 0, ops: [] });
    expect(r4).toEqual({ n: 1, ops: ["add-dest tcp:198.18.0.10:443 -> 198.18.1.2:443"] });
    expect(canonicalTable(parseIpvsadm(report.sync.afterRepair, report.sync.afterRepairThresholds))).toBe(canonicalTable([...report.sync.changed, FOREIGN]));
    expect(r5!.n).toBe(INITIAL.length);
    expect(r5!.error).toBeUndefined();
    expect(canonicalTable(parseIpvsadm(report.sync.afterRemove))).toBe(canonicalTable([FOREIGN]));
  });

  test("the user's sample config (addresses moved into 198.18.0.0/15) loads and lands in the kernel as written", () => {
    expect(sample.errors).toEqual([]);
    expect(sample.virtualServers).toBe(3);
    const t = parseIpvsadm(sample.started.ipvsadm, sample.started.thresholds);
    expect(canonicalTable(t)).toBe(canonicalTable(sample.desired));
    // read by hand from test/fixtures/user-sample.conf: lb_algo rr, lb_kind NAT, persistence_timeout 50, weight 1
    const rs = (address: string, port: number) => ({ address, port, forward: "masq" as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 });
    const vs = (address: string, port: number, dests: ReturnType<typeof rs>[]): IpvsService => ({
      family: 4, protocol: "tcp", address, port, fwmark: 0, scheduler: "rr", persistenceTimeout: 50, persistenceNetmask: "", flags: [], dests,
    });
    expect(canonicalTable(t)).toBe(canonicalTable([
      vs("198.18.200.100", 443, [rs("198.18.201.100", 443)]),
      vs("198.19.10.2", 1358, [rs("198.18.200.2", 1358), rs("198.18.200.3", 1358)]),
      vs("198.19.10.3", 1358, [rs("198.18.200.4", 1358), rs("198.18.200.5", 1358)]),
    ]));
  });

  test("user's sample: when the 443 service's only real server fails, its sorry_server takes its place", () => {
    const t = parseIpvsadm(sample.failed.ipvsadm, sample.failed.thresholds);
    expect(canonicalTable(t)).toBe(canonicalTable(sample.failedDesired));
    const s443 = t.find((s) => s.port === 443)!;
    expect(s443.dests).toEqual([{ address: "198.18.200.200", port: 1358, forward: "masq", weight: 1, upperThreshold: 0, lowerThreshold: 0 }]);
    expect(t.filter((s) => s.port === 1358).flatMap((s) => s.dests.map((d) => d.address)).sort()).toEqual(["198.18.200.2", "198.18.200.3", "198.18.200.4", "198.18.200.5"]);
  });
});
