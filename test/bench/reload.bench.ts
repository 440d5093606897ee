// bench-timeout: 420
// Reload of a large config (issue 14, item 6), vigil beside keepalived 2.2.7 in the
// same lab, one after the other: 200 VRRPv3 instances at advert_int 0.1 s (each alone
// on its VRID, so each is master) plus 100 virtual servers with TCP_CHECK real servers
// (vigil runs their checkers; keepalived runs `--vrrp`, so it parses them and leaves
// them alone, as it would exit without IP_VS here). The reload changes one instance
// (VI_1's priority 150 → 151) and the daemon gets SIGHUP. From one tcpdump on the
// lab bridge (no daemon help: an independent harness could do the same):
//   - time to apply: SIGHUP → first advert of VRID 1 carrying priority 151;
//   - untouched instances (VRIDs 2..200): the longest gap between two of their adverts
//     from 3 s before to 3 s after the SIGHUP, and how many of them missed an advert
//     (a gap > 1.5 × advert_int), in that window and in a window of the same length
//     ending where it starts (what the host does to them without a reload).
//
//   bun test/bench/reload.bench.ts [--reloads 3]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedArgv, keepalivedConf, type InstanceSpec } from "../helpers/keepalived.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, type Frame } from "../helpers/pcap.ts";
import { percentile } from "./faults.ts";
import { spawnVigil, status } from "./vrrp-daemon-lab.ts";

const o = { reloads: 3 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = argv[i + 1];
  if (argv[i] === "--reloads" && Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 20) { o.reloads = Number(v); i++; }
  else { console.error(`reload: bad argument '${argv[i]}'`); process.exit(2); }
}

const N = 200;
const INT_S = 0.1;
const WINDOW_MS = 3000;

function conf(prio1: number): string {
  const inst: InstanceSpec[] = Array.from({ length: N }, (_, k) => ({
    vrid: k + 1, priority: k === 0 ? prio1 : 150, advertInt: INT_S, version: 3, vips: [`198.18.${2 + (k >> 8)}.${(k & 255) + 1}`], garpMasterDelay: 0,
  }));
  const vs: string[] = [];
  for (let v = 0; v < 100; v++) {
    vs.push(`virtual_server 198.19.0.${v + 1} 80 {`, "  delay_loop 5", "  lb_algo rr", "  lb_kind NAT", "  protocol TCP");
    for (let r = 0; r < 2; r++) vs.push(`  real_server 198.18.0.250 ${8000 + v * 2 + r} {`, "    weight 1", "    TCP_CHECK {", "      connect_timeout 2", "    }", "  }");
    vs.push("}", "");
  }
  return `${keepalivedConf({ routerId: "r1", instances: inst })}\n${vs.join("\n")}`;
}

interface Result { applyMs: number; maxGapAfter: number; missedAfter: number; maxGapBefore: number; missedBefore: number }

/** Per untouched VRID, gaps between consecutive adverts inside [from, to]. */
function untouched(frames: Frame[], src: string, from: number, to: number): { maxGap: number; missed: number } {
  const byVrid = new Map<number, number[]>();
  for (const a of adverts(frames)) {
    if (a.d.src !== src || a.d.vrid === 1 || a.t < from || a.t > to) continue;
    const l = byVrid.get(a.d.vrid) ?? [];
    l.push(a.t);
    byVrid.set(a.d.vrid, l);
  }
  let maxGap = 0;
  let missed = 0;
  for (let vrid = 2; vrid <= N; vrid++) {
    const ts = byVrid.get(vrid) ?? [];
    let worst = ts.length ? 0 : to - from; // silent all window long
    for (let i = 1; i < ts.length; i++) worst = Math.max(worst, ts[i]! - ts[i - 1]!);
    if (ts.length) worst = Math.max(worst, ts[0]! - from, to - ts.at(-1)!);
    maxGap = Math.max(maxGap, worst);
    if (worst > 1.5 * INT_S * 1000) missed++;
  }
  return { maxGap, missed };
}

async function measure(lab: Lab, impl: "vigil" | "keepalived"): Promise<Result[]> {
  if (impl === "vigil") {
    const v = await spawnVigil(lab, 1, conf(150));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await status(v))?.instances.filter((i) => i.state === "MASTER").length !== N) await sleep(200);
    // spawnVigil wrote its own copy: reloads rewrite that file
    const confFile = v.proc.argv[v.proc.argv.indexOf("-f") + 1]!;
    return reloads(lab, v.proc.pid, confFile);
  }
  const file = join(lab.dir, "keepalived.conf");
  writeFileSync(file, conf(150));
  const p = lab.spawn(1, keepalivedArgv(file, join(lab.dir, "ka")), "keepalived");
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (lab.logOf(p).match(/Entering MASTER STATE/g) ?? []).length < N) await sleep(200);
  // the VRRP child is the one that sends; SIGHUP goes to the parent, which reloads both
  return reloads(lab, p.pid, file);
}

async function reloads(lab: Lab, pid: number, file: string): Promise<Result[]> {
  const out: Result[] = [];
  const src = lab.router(1).ipv4;
  let prio = 150;
  for (let k = 0; k < o.reloads; k++) {
    await sleep(1500);
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    // the quiet window and the one around the SIGHUP both inside the capture
    await sleep(3 * WINDOW_MS + 500);
    prio = prio === 150 ? 151 : 150;
    writeFileSync(file, conf(prio));
    const tHup = nowMs();
    process.kill(pid, "SIGHUP");
    await sleep(WINDOW_MS + 500);
    const frames = await cap.stop();
    const first = adverts(frames, 1).find((a) => a.d.src === src && a.t > tHup && a.d.priority === prio);
    const after = untouched(frames, src, tHup - WINDOW_MS, tHup + WINDOW_MS);
    // as long as the window around the SIGHUP, ending where it starts
    const before = untouched(frames, src, tHup - 3 * WINDOW_MS, tHup - WINDOW_MS);
    out.push({ applyMs: first ? first.t - tHup : NaN, maxGapAfter: after.maxGap, missedAfter: after.missed, maxGapBefore: before.maxGap, missedBefore: before.missed });
    console.error(`${pid} reload ${k}: applied in ${first ? (first.t - tHup).toFixed(1) : "never"} ms; untouched max gap ${after.maxGap.toFixed(1)} ms, ${after.missed} missed (before: ${before.maxGap.toFixed(1)} ms, ${before.missed})`);
  }
  return out;
}

const loadavg = async () => (await Bun.file("/proc/loadavg").text()).trim();
const la0 = await loadavg();
const lab = await Lab.create({ routers: 1 });
const rows: Array<[string, Result[]]> = [];
try {
  for (const impl of ["vigil", "keepalived"] as const) {
    rows.push([impl, await measure(lab, impl)]);
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 8000);
  }
} finally {
  await lab.cleanup();
}
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
console.log(`\nSIGHUP reload, ${N} VRRPv3 instances at ${INT_S * 1000} ms + 100 virtual servers (keepalived: --vrrp), one instance changed; ${o.reloads} reloads each; loadavg ${la0} → ${await loadavg()}`);
console.log(`untouched = VRIDs 2..${N}: longest advert gap within ±${WINDOW_MS / 1000} s of the SIGHUP, and instances with a gap > 1.5 × advert_int; "quiet" = the ${(2 * WINDOW_MS) / 1000} s before that window\n`);
console.log("| impl | SIGHUP → changed instance's new advert, ms (median; max) | untouched max gap, ms (worst reload) | untouched instances that missed an advert (per reload) | quiet window: max gap ms; missed |");
console.log("|---|---|---|---|---|");
for (const [impl, rs] of rows) {
  const apply = rs.map((r) => r.applyMs).filter(Number.isFinite);
  console.log(`| ${impl} | ${f(percentile(apply, 50))}; ${f(apply.length ? Math.max(...apply) : NaN)} (${apply.length}/${rs.length} applied) | ${f(Math.max(...rs.map((r) => r.maxGapAfter)))} | ${rs.map((r) => r.missedAfter).join(", ")} | ${f(Math.max(...rs.map((r) => r.maxGapBefore)))}; ${rs.map((r) => r.missedBefore).join(", ")} |`);
}
