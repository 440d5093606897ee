// IPVS apply benchmark (issue 6): 1000 virtual services × 8 real servers from
// empty with vigil's batched netlink client vs `ipvsadm -R` of the same table in
// the same VM, then one real-server change. Under TCG emulation only ratios mean
// much; VM times are also scaled to the host by timing the same pure reconcile
// on both. Run: node_modules/.bin/bun test/bench/ipvs.bench.ts  (needs make setup)
// bench-timeout: 480
import { reconcile } from "../../src/lvs/reconcile.ts";
import { ROOT } from "../helpers/netns.ts";
import { runInVm, vmAvailable } from "../helpers/vm.ts";
import { benchTable } from "./ipvs-table.ts";

if (!vmAvailable()) {
  console.error("ipvs.bench: VM inputs missing, run `make setup`");
  process.exit(1);
}
const SERVICES = Number(process.env.IPVS_BENCH_SERVICES ?? 1000);
const DESTS = Number(process.env.IPVS_BENCH_DESTS ?? 8);

const r = await runInVm({
  script: `cd ${ROOT}\nIPVS_BENCH_SERVICES=${SERVICES} IPVS_BENCH_DESTS=${DESTS} ${ROOT}/node_modules/.bin/bun test/bench/ipvs-guest.ts\n`,
  timeoutMs: 300_000,
});
if (r.exitCode !== 0) {
  console.error(`guest failed (exit ${r.exitCode}):\n${r.stderr}\n${r.console.slice(-2000)}`);
  process.exit(1);
}
const g = JSON.parse(r.stdout.trim().split("\n").pop()!);

// host time scale: the same pure reconcile on the host
const table = benchTable(SERVICES, DESTS);
const host: number[] = [];
for (let i = 0; i < 12; i++) {
  const a = performance.now();
  reconcile([], table, new Set());
  host.push(performance.now() - a);
}
const f = (ms: number) => `${ms.toFixed(1)} ms`;
// the fastest run: least disturbed by JIT warm-up and by other load on this shared machine
const best = (xs: number[]) => Math.min(...xs);
const slowdown = best(g.pureReconcileMs) / best(host);

console.log(`IPVS apply, ${SERVICES} services × ${DESTS} real servers (${g.ops} netlink ops), from empty, in the VM (qemu TCG), alternating order:`);
g.vigilRuns.forEach((v: { total: number; reconcile: number; apply: number }, i: number) => {
  const ip = g.ipvsadmRuns[i];
  console.log(`  round ${i + 1}: ipvsadm -R ${f(ip)}  vigil ${f(v.total)} (reconcile ${f(v.reconcile)}, apply ${f(v.apply)})  ratio ${(ip / v.total).toFixed(2)}x`);
});
const bestIp = best(g.ipvsadmRuns), bestVigil = best(g.vigilRuns.map((v: { total: number }) => v.total));
console.log(`  best: ipvsadm -R ${f(bestIp)} (${g.rulesIpvsadm} rules), vigil ${f(bestVigil)} (${g.rulesVigil} rules)  ratio ${(bestIp / bestVigil).toFixed(2)}x  (target ≥ 2x)`);
console.log(`  encoding all requests alone (cold JIT): ${f(g.encodeMs)}`);
console.log(`One real-server change (weight), VM:`);
console.log(`  vigil, changed service only     p50 ${f(g.changeTargetedP50)}  p99 ${f(g.changeTargetedP99)}`);
console.log(`  vigil, whole cached table       p50 ${f(g.changeCachedP50)}  max ${f(g.changeCachedP99)}`);
console.log(`  vigil re-reading the kernel     p50 ${f(g.changeFullReadP50)}  (full table dump ${f(g.tableReadMs)})`);
console.log(`  one ipvsadm -e process          p50 ${f(g.ipvsadmEditP50)}`);
console.log(`Emulation slowdown (same pure reconcile, VM/host): ${slowdown.toFixed(1)}x  (best of 12: VM ${f(best(g.pureReconcileMs))}, host ${f(best(host))})`);
console.log(`  host-scale estimate, one change (changed service only): p50 ${f(g.changeTargetedP50 / slowdown)} p99 ${f(g.changeTargetedP99 / slowdown)}  (target < 5 ms)`);
console.log(`  host-scale estimate, one change (whole cached table):  p50 ${f(g.changeCachedP50 / slowdown)}`);
console.log(`VM wall ${f(r.wallMs)}`);
