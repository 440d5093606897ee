// IPVS apply benchmark (issue 6): 1000 virtual services × 8 real servers from
// empty with vigil's batched netlink client vs `ipvsadm -R` of the same table in
// the same VM, then one real-server change. Under TCG emulation only ratios mean
// much; VM times are also scaled to the host by timing the same pure reconcile
// on both. Run: node_modules/.bin/bun test/bench/ipvs.bench.ts  (needs make setup)
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
for (let i = 0; i < 5; i++) {
  const a = performance.now();
  reconcile([], table, new Set());
  host.push(performance.now() - a);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const slowdown = med(g.pureReconcileMs) / med(host);
const f = (ms: number) => `${ms.toFixed(1)} ms`;

console.log(`IPVS apply, ${SERVICES} services × ${DESTS} real servers (${g.ops} netlink ops), in the VM (qemu TCG):`);
console.log(`  ipvsadm -R                      ${f(g.ipvsadmRestoreMs)}  (${g.rulesIpvsadm} rules)`);
console.log(`  vigil reconcile + batched apply ${f(g.vigilTotalMs)}  (reconcile ${f(g.vigilReconcileMs)}, apply ${f(g.vigilApplyMs)}; encoding all requests alone, cold JIT: ${f(g.encodeMs)}; ${g.rulesVigil} rules)`);
console.log(`  ratio ipvsadm -R / vigil        ${(g.ipvsadmRestoreMs / g.vigilTotalMs).toFixed(2)}x  (target ≥ 2x)`);
console.log(`One real-server change (weight), VM:`);
console.log(`  vigil, changed service only     p50 ${f(g.changeTargetedP50)}  p99 ${f(g.changeTargetedP99)}`);
console.log(`  vigil, whole cached table       p50 ${f(g.changeCachedP50)}  max ${f(g.changeCachedP99)}`);
console.log(`  vigil re-reading the kernel     p50 ${f(g.changeFullReadP50)}  (full table dump ${f(g.tableReadMs)})`);
console.log(`  one ipvsadm -e process          p50 ${f(g.ipvsadmEditP50)}`);
console.log(`Emulation slowdown (same pure reconcile, VM/host): ${slowdown.toFixed(1)}x  (VM ${f(med(g.pureReconcileMs))}, host ${f(med(host))})`);
console.log(`  host-scale estimate, one change (changed service only): p50 ${f(g.changeTargetedP50 / slowdown)} p99 ${f(g.changeTargetedP99 / slowdown)}  (target < 5 ms)`);
console.log(`  host-scale estimate, one change (whole cached table):  p50 ${f(g.changeCachedP50 / slowdown)}`);
console.log(`VM wall ${f(r.wallMs)}`);
