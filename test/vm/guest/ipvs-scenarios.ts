// Runs inside the test VM (as root, IPVS modules loaded): applies the scenario
// tables with vigil's IPVS client and reconcile, and after each step records
// what ipvsadm (the oracle) reports. Prints one JSON document on stdout; the
// host test (test/vm/ipvs.test.ts) makes the assertions.
import { spawnSync } from "bun";
import type { IpvsService } from "../../../src/lvs/ipvs-model.ts";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { describeOp, normalizeService, reconcile } from "../../../src/lvs/reconcile.ts";
import { IpvsClient } from "../../../src/sys/ipvs/client.ts";
import { IpvsSync } from "../../../src/sys/ipvs/ipvs-sync.ts";
import { FAILED, FOREIGN_IPVSADM, INITIAL, RELOADED } from "../ipvs-scenarios.ts";

function sh(cmd: string): string {
  const r = spawnSync(["sh", "-c", cmd], { stdout: "pipe", stderr: "pipe" });
  return r.stdout.toString() + r.stderr.toString();
}
function errorOf(f: () => void): string {
  try {
    f();
    return "no error";
  } catch (e) {
    return (e as Error).message;
  }
}

const out: Record<string, unknown> = {};
const steps: { name: string; ops: string[]; ipvsadm: string; thresholds: string; clientTable: IpvsService[] }[] = [];
const c = IpvsClient.open();
out.info = c.info();
out.timeoutsIpvsadmBefore = sh("ipvsadm -L --timeout");
for (const cmd of FOREIGN_IPVSADM) sh(cmd);

const owned = new Set<string>();
function step(name: string, desired: IpvsService[]) {
  const ops = reconcile(c.table(), desired, owned);
  c.apply(ops);
  for (const s of desired) owned.add(serviceKeyString(normalizeService(s)));
  steps.push({ name, ops: ops.map(describeOp), ipvsadm: sh("ipvsadm -Ln"), thresholds: sh("ipvsadm -Ln --thresholds"), clientTable: c.table() });
}
step("initial", INITIAL);
step("failed", FAILED);
step("recovered", INITIAL);
step("reloaded", RELOADED);
step("unchanged", RELOADED);
out.steps = steps;

const probe = { family: 4 as const, protocol: "tcp" as const, address: "198.18.0.20", port: 80, fwmark: 0, persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests: [] };
out.errors = {
  badScheduler: errorOf(() => c.addService({ ...probe, scheduler: "nosuch" as never })),
  duplicateService: errorOf(() => c.addService({ ...probe, address: "198.18.0.10", scheduler: "rr" })),
  missingService: errorOf(() => c.deleteService({ ...probe, address: "198.18.0.21" })),
  missingDest: errorOf(() => c.deleteDest({ ...probe, address: "198.18.0.10" }, { address: "198.18.1.200", port: 80 })),
  batch: errorOf(() => c.apply([
    { op: "add-service", service: { ...probe, address: "198.18.0.22", scheduler: "rr" } },
    { op: "add-service", service: { ...probe, address: "198.18.0.23", scheduler: "bogus" as never } },
    { op: "delete-service", service: { ...probe, address: "198.18.0.24" } },
  ])),
  afterBatch: sh("ipvsadm -Ln -t 198.18.0.22:80"),
};

// a batch spanning several datagrams with failures inside windows and at the very end
const BIG = 600;
const bad = (i: number) => i % 7 === 3 || i === BIG - 1;
let bigError: unknown;
try {
  c.apply(Array.from({ length: BIG }, (_, i) => ({
    op: "add-service" as const,
    service: { ...probe, address: "198.18.4.1", port: 1000 + i, scheduler: (bad(i) ? "bogus" : "rr") as never },
  })));
} catch (e) {
  bigError = e;
}
const listed = sh("ipvsadm -Sn").split("\n").filter((l) => l.startsWith("-A -t 198.18.4.1:"));
out.bigBatch = {
  failedPorts: ((bigError as { errors?: { operation: string }[] }).errors ?? []).map((e) => Number(/:(\d+)$/.exec(e.operation)![1])),
  presentPorts: listed.map((l) => Number(/198\.18\.4\.1:(\d+)/.exec(l)![1])),
};

// the kernel's sync protocol and mixed-family pools exclude each other, in both orders
const fwm8 = { family: 6 as const, protocol: "tcp" as const, address: "", port: 0, fwmark: 8 };
const mixedDest = { address: "198.18.1.20", port: 0, forward: "tunnel" as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };
out.mixed = {
  daemonWhileMixed: errorOf(() => c.startDaemon({ state: "master", interface: "vs0", syncId: 9 })),
  natMixed: errorOf(() => c.addDest(fwm8, { ...mixedDest, address: "198.18.1.21", forward: "masq" })),
};
c.deleteDest(fwm8, mixedDest);
c.startDaemon({ state: "master", interface: "vs0", syncId: 9 });
(out.mixed as Record<string, string>).mixedWhileDaemon = errorOf(() => c.addDest(fwm8, mixedDest));
c.startDaemon({ state: "backup", interface: "vs1", syncId: 10, port: 8850 });
out.daemons = { client: c.listDaemons(), ipvsadm: sh("ipvsadm -Ln --daemon") };
out.daemonDuplicate = errorOf(() => c.startDaemon({ state: "master", interface: "vs0", syncId: 9 }));
out.badGroup = errorOf(() => c.startDaemon({ state: "master", interface: "vs0", syncId: 9, group: "198.18.0.1" }));
c.stopDaemon("master");
c.stopDaemon("backup");
// IPv6 multicast group (IPVS_DAEMON_ATTR_MCAST_GROUP6)
sh("ip -6 addr add fd00:99::1/64 dev vs0 nodad");
c.startDaemon({ state: "master", interface: "vs0", syncId: 11, group: "ff02::1:8848" });
out.daemon6 = { client: c.listDaemons(), ipvsadm: sh("ipvsadm -Ln --daemon") };
c.stopDaemon("master");
out.daemonsAfterStop = sh("ipvsadm -Ln --daemon");
out.daemonStopAgain = errorOf(() => c.stopDaemon("master"));

const t0 = c.timeouts();
c.setTimeouts({ tcp: 7200, udp: 45 });
out.timeouts = { before: t0, after: c.timeouts(), ipvsadm: sh("ipvsadm -L --timeout"), zero: errorOf(() => c.setTimeouts({ tcpFin: 0 })) };

c.flush();
out.afterFlush = sh("ipvsadm -Ln");
c.close();

// IpvsSync, the daemon's adapter: cached table, owned set, refresh
{
  for (const cmd of FOREIGN_IPVSADM) sh(cmd);
  const sync = new IpvsSync();
  const r1 = sync.sync(INITIAL);
  const changed = structuredClone(INITIAL);
  changed[0]!.dests[0]!.weight = 9;
  const r2 = sync.sync(changed, new Set([serviceKeyString(normalizeService(changed[0]!))]));
  sh("ipvsadm -d -t 198.18.0.10:443 -r 198.18.1.2:443");
  const r3 = sync.sync(changed);
  sync.refresh();
  const r4 = sync.sync(changed);
  const afterRepair = sh("ipvsadm -Ln");
  const afterRepairThresholds = sh("ipvsadm -Ln --thresholds");
  const r5 = sync.removeOwned();
  out.sync = {
    ops: [r1, r2, r3, r4, r5].map((r) => ({ n: r.ops.length, ops: r.ops.length < 5 ? r.ops.map(describeOp) : [], error: r.error?.message })),
    afterRepair, afterRepairThresholds, changed,
    afterRemove: sh("ipvsadm -Ln"),
  };
  sync.close();
  sh("ipvsadm -C"); // leave an empty table for the next guest program
}
console.log(`SCENARIOS ${JSON.stringify(out)}`);
