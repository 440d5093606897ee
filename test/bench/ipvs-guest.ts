// Runs inside the test VM: applies the benchmark table with vigil's client
// (one batched netlink session) and with `ipvsadm -R`, then times one
// real-server change. Prints one JSON line; test/bench/ipvs.bench.ts reports it.
import { spawnSync } from "bun";
import { writeFileSync } from "node:fs";
import { serviceKeyString } from "../../src/lvs/ipvs-model.ts";
import { reconcile } from "../../src/lvs/reconcile.ts";
import { IpvsClient } from "../../src/sys/ipvs/client.ts";
import { benchTable, ipvsadmRestore } from "./ipvs-table.ts";

const SERVICES = Number(process.env.IPVS_BENCH_SERVICES ?? 1000);
const DESTS = Number(process.env.IPVS_BENCH_DESTS ?? 8);
const CHANGES = Number(process.env.IPVS_BENCH_CHANGES ?? 50);

function sh(cmd: string): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(["sh", "-c", cmd], { stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd}: exit ${r.exitCode} ${r.stderr.toString()}`);
  return { ms, out: r.stdout.toString() };
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const countRules = () => sh("ipvsadm -Sn | wc -l").out.trim();

const tBuild = performance.now();
const table = benchTable(SERVICES, DESTS);
const buildMs = performance.now() - tBuild;
writeFileSync("/tmp/ipvs-bench.restore", ipvsadmRestore(table));

const c = IpvsClient.open({ timeoutMs: 60_000 });
c.flush();
// JS-side cost of building every request (no kernel involved)
const e0 = performance.now();
c.encodeAll(reconcile([], table, new Set()));
const encodeMs = performance.now() - e0;

// Alternating rounds (ipvsadm first, then vigil first): whoever runs second
// inherits the previous flush's deferred frees and the estimator timer's load.
// A pause after each flush lets the kernel settle.
const ROUNDS = Number(process.env.IPVS_BENCH_ROUNDS ?? 2);
const settle = () => { c.flush(); Bun.sleepSync(2000); };
const ipvsadmRuns: number[] = [];
const vigilRuns: { total: number; reconcile: number; apply: number }[] = [];
let rulesIpvsadm = "", rulesVigil = "", opsCount = 0;
const runIpvsadm = () => {
  ipvsadmRuns.push(sh("ipvsadm -R < /tmp/ipvs-bench.restore").ms);
  rulesIpvsadm = countRules();
  settle();
};
const runVigil = () => {
  // reconcile from the (empty) kernel table, then one batched apply
  const t0 = performance.now();
  const ops = reconcile(c.table(), table, new Set());
  const t1 = performance.now();
  c.apply(ops);
  const t2 = performance.now();
  opsCount = ops.length;
  vigilRuns.push({ total: t2 - t0, reconcile: t1 - t0, apply: t2 - t1 });
  rulesVigil = countRules();
  settle();
};
settle();
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2 === 0) { runIpvsadm(); runVigil(); } else { runVigil(); runIpvsadm(); }
}
// leave the table applied for the change measurements below
c.apply(reconcile([], table, new Set()));

// The pure part alone, to scale VM times to the host (the host repeats it).
const pureRuns: number[] = [];
for (let i = 0; i < 12; i++) {
  const a = performance.now();
  reconcile([], table, new Set());
  pureRuns.push(performance.now() - a);
}

// one real server change: weight of one dest, against the last applied table (what the daemon keeps)
const cached = structuredClone(table);
const changeCached: number[] = [];
const changeTargeted: number[] = [];
const changeFullRead: number[] = [];
for (let i = 0; i < CHANGES; i++) {
  // the checker knows which virtual service it changed: reconcile only that one
  const want = structuredClone(cached);
  const svc = want[i % SERVICES]!;
  svc.dests[i % DESTS]!.weight += 10;
  const a = performance.now();
  const o = reconcile(cached, want, new Set(), { only: new Set([serviceKeyString(svc)]) });
  c.apply(o);
  changeTargeted.push(performance.now() - a);
  if (o.length !== 1) throw new Error(`expected 1 op, got ${o.length}`);
  cached.splice(0, cached.length, ...want);
}
for (let i = 0; i < Math.min(10, CHANGES); i++) {
  // the whole desired table against the whole cached one
  const want = structuredClone(cached);
  want[(i * 7) % SERVICES]!.dests[i % DESTS]!.weight += 10;
  const a = performance.now();
  const o = reconcile(cached, want, new Set());
  c.apply(o);
  changeCached.push(performance.now() - a);
  if (o.length !== 1) throw new Error(`expected 1 op, got ${o.length}`);
  cached.splice(0, cached.length, ...want);
}
for (let i = 0; i < Math.min(5, CHANGES); i++) {
  const want = structuredClone(cached);
  want[i]!.dests[0]!.weight += 1;
  const a = performance.now();
  c.apply(reconcile(c.table(), want, new Set()));
  changeFullRead.push(performance.now() - a);
  cached.splice(0, cached.length, ...want);
}
// one ipvsadm process per change, as a script driving ipvsadm would do
const ipvsadmEdit: number[] = [];
for (let i = 0; i < 10; i++) ipvsadmEdit.push(sh(`ipvsadm -e -t ${table[i]!.address}:80 -r ${table[i]!.dests[1]!.address}:8080 -m -w 9`).ms);

// table read (dump of every service and its dests)
const r0 = performance.now();
const n = c.table().length;
const readMs = performance.now() - r0;
c.flush();
c.close();

console.log(JSON.stringify({
  services: SERVICES, dests: DESTS, ops: opsCount, rulesIpvsadm, rulesVigil, buildMs,
  ipvsadmRuns, vigilRuns,
  pureReconcileMs: pureRuns, encodeMs,
  changeTargetedP50: pct(changeTargeted, 50), changeTargetedP99: pct(changeTargeted, 99),
  changeCachedP50: pct(changeCached, 50), changeCachedP99: pct(changeCached, 99),
  changeFullReadP50: pct(changeFullRead, 50), ipvsadmEditP50: pct(ipvsadmEdit, 50),
  tableReadMs: readMs, tableReadServices: n,
}));
