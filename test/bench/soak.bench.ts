// bench-timeout: 540
// Soak (issue 14, item 5): does the shipped daemon grow over time under churn? One lab:
//   r1      vigil (dist/vigil-linux-x64 copied outside the checkout): 50 VRRPv3 instances
//           at advert_int 10 ms, a vigil_fleet link to mosquitto, 100 HTTP_GET checkers
//           at delay_loop 1 s (board-configs.ts' gateway config)
//   r2      keepalived, master of VRIDs 1..10 at priority 200 every other FAILOVER_S:
//           started and stopped in turn, so 10 of r1's instances fail over both ways
//   client  mosquitto, restarted every RECONNECT_S (every client reconnects), and the
//           100 HTTP real servers, half of them refusing connections every other 20 s
//   every PUSH_S a signed config (vigil config sign / push, serial + 1, VI_50's
//   priority toggled so each push is a real reload) published to the node, with
//   commit-confirm over SOAK_CONFIRM_S (see nextPush for the schedule).
// Every SAMPLE_S: VmRSS and RssAnon (/proc/PID/status), open descriptors
// (/proc/PID/fd), threads (/proc/PID/task), the main thread's JS heap (`vigil status`
// memory.heapUsed). Reported: the samples, and after WARMUP_S the least-squares slope
// of each per hour (flat = no growth), beside how many pushes, failovers and
// reconnects happened.
//
//   bun test/bench/soak.bench.ts                  (5 minutes: make bench)
//   VIGIL_HEAP_PROBE=live bun test/bench/soak.bench.ts  (also: which live JS cells grew, by type,
//     after a full collection per sample, and mimalloc's own statistics; =mimalloc: those alone)
//   SOAK_MINUTES=60 bun test/bench/soak.bench.ts  (1 hour, on demand)
//   SOAK_DAEMON_LOG=FILE keeps the daemon's log (the lab's directory is removed)
//   SOAK_SAMPLE_S=60 SOAK_WARMUP_S=60 SOAK_FAILOVER_S=30 SOAK_RECONNECT_S=60 SOAK_PUSH_S=60 SOAK_CONFIRM_S=10
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shippedBinary } from "../helpers/board.ts";
import { type InstanceSpec, startRouter, stopRouter, type RouterHandle } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { fleetCheckersConf } from "./board-configs.ts";
import { startBoardVigil, stateSummary } from "./board-idle.ts";
import { startPeers } from "./board-peers.ts";

function envInt(name: string, dflt: number, min: number, max: number): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min || v > max) { console.error(`soak: ${name} must be a whole number ${min}..${max}`); process.exit(2); }
  return v;
}
const MINUTES = envInt("SOAK_MINUTES", 5, 1, 600);
const SAMPLE_S = envInt("SOAK_SAMPLE_S", MINUTES <= 10 ? 30 : 60, 5, 600);
const WARMUP_S = envInt("SOAK_WARMUP_S", 60, 0, 3600);
const FAILOVER_S = envInt("SOAK_FAILOVER_S", 30, 5, 3600);
const RECONNECT_S = envInt("SOAK_RECONNECT_S", 60, 5, 3600);
const PUSH_S = envInt("SOAK_PUSH_S", 60, 5, 3600);
/** vigil_fleet confirm_timeout: short enough to end before the next failover */
const CONFIRM_S = envInt("SOAK_CONFIRM_S", 10, 0, 3600);
const FLEET = "soak";
const NODE = "r1";

interface Sample { t: number; rssKiB: number; anonKiB: number; fds: number; threads: number; heapKiB: number; workerHeapKiB: number; states: string; serial?: number }

function procStatusKiB(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** least-squares slope of y over t (seconds), per hour */
function slopePerHour(pts: Array<[number, number]>): number {
  if (pts.length < 2) return NaN;
  const n = pts.length;
  const mt = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of pts) { num += (t - mt) * (y - my); den += (t - mt) ** 2; }
  return den ? (num / den) * 3600 : NaN;
}

const vigil = shippedBinary("x64");
const run = (argv: string[]) => {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
};
const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim();

const lab = await Lab.create({ routers: 2 });
const samples: Sample[] = [];
const counts = { pushes: 0, pushErrors: 0, failovers: 0, failoverErrors: 0, reconnects: 0, restartErrors: 0 };
const la0 = loadavg();
let daemonLog = "";
try {
  const peers = await startPeers(lab, 100, (MINUTES * 60 + 120) * 1000, { flapMs: 20_000 });
  try {
    const keys = join(lab.dir, "fleet");
    run([vigil, "config", "keygen", "--out", keys]);
    const confText = (prio50: number) => fleetCheckersConf({
      instances: 50, broker: peers.broker, fleet: FLEET, node: NODE, trustKey: `${keys}.pub`, stateDir: join(lab.dir, "state"),
      realServer: peers.address, ports: peers.ports, perVirtualServer: 20, delayLoopS: 1,
    }).replace("vigil_fleet {\n", `vigil_fleet {\n  confirm_timeout ${CONFIRM_S}\n`).replaceAll("  advert_int 1\n", "  advert_int 0.01\n").replace(/(virtual_router_id 50\n {2}priority )150/, `$1${prio50}`);
    const d = await startBoardVigil(lab, [vigil], confText(150), "soak", 30_000);
    const pid = d.proc.pid;
    // realtime, so the peer holds its VRIDs on a loaded host instead of flapping them
    const peerSpec = { routerId: "r2", rtPriority: 10, instances: Array.from({ length: 10 }, (_, k): InstanceSpec => ({ vrid: k + 1, priority: 200, advertInt: 0.01, version: 3, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0 })) };
    let peer: RouterHandle | null = null;
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    let nextSample = 0;
    // events half a period away from the samples, so a sample sees a settled state
    let nextFailover = FAILOVER_S / 2;
    let nextReconnect = RECONNECT_S / 2;
    // A push 5 s after the peer went away (at the defaults: failovers at 15 and 45,
    // the broker restart at 30, the push at 50, the sample at 60). Commit-confirm
    // judges the node's health at the end of a window of CONFIRM_S: a window that saw
    // the peer stop fails (lost-peer: BACKUP before, MASTER after without a raised
    // priority) and the push is rolled back, which is what once took the serial from
    // 5 back to 4 when the push at 45 raced the stop at 45. And a push is not retained:
    // one sent while the node reconnects to the restarted broker is lost.
    let nextPush = PUSH_S * 0.75 + 5;
    let serial = 1;
    for (let i = 0; i < 100_000 && elapsed() < MINUTES * 60; i++) {
      const now = elapsed();
      if (d.proc.proc.exitCode !== null || d.proc.proc.signalCode !== null) throw new Error(`vigil exited during the soak: ${lab.logOf(d.proc).split("\n").slice(-10).join("\n")}`);
      if (now >= nextSample) {
        nextSample += SAMPLE_S;
        const st = await d.status();
        samples.push({
          t: now, rssKiB: procStatusKiB(pid, "VmRSS"), anonKiB: procStatusKiB(pid, "RssAnon"),
          fds: readdirSync(`/proc/${pid}/fd`).length, threads: readdirSync(`/proc/${pid}/task`).length,
          heapKiB: st?.memory ? st.memory.heapUsed / 1024 : NaN, workerHeapKiB: st?.memory?.workerHeapUsed ? st.memory.workerHeapUsed / 1024 : NaN, states: stateSummary(st), serial: st?.configSerial,
        });
        const s = samples[samples.length - 1]!;
        // as it goes (stderr), so a long run that dies still leaves its samples
        console.error(`soak sample t=${s.t.toFixed(0)} rss=${s.rssKiB} anon=${s.anonKiB} heap=${s.heapKiB.toFixed(0)} wheap=${s.workerHeapKiB.toFixed(0)} fds=${s.fds} threads=${s.threads} serial=${s.serial ?? "-"} ${s.states} load=${loadavg()}`);
      }
      if (now >= nextFailover) {
        nextFailover += FAILOVER_S;
        try {
          if (peer) { await stopRouter(lab, peer, 5000); peer = null; }
          else peer = await startRouter(lab, 2, "keepalived", peerSpec);
          counts.failovers++;
        } catch (e) {
          // a peer that did not come up in time on the loaded host (startRouter
          // killed it) ended the first hour-long run after 25 minutes: counted, the
          // next failover starts it again
          counts.failoverErrors++;
          console.error(`soak: failover: ${(e as Error).message.split("\n")[0]}`);
        }
      }
      if (now >= nextReconnect) {
        nextReconnect += RECONNECT_S;
        try {
          await peers.restartBroker();
          counts.reconnects++;
        } catch (e) {
          counts.restartErrors++; // the next restart starts it again
          console.error(`soak: broker restart: ${(e as Error).message}`);
        }
      }
      if (now >= nextPush) {
        nextPush += PUSH_S;
        serial++;
        const conf = join(lab.dir, `push-${serial}.conf`);
        const blob = join(lab.dir, `push-${serial}.cose`);
        Bun.write(conf, confText(serial % 2 ? 150 : 149));
        await sleep(50);
        try {
          run([vigil, "config", "sign", conf, "--key", `${keys}.key`, "--serial", String(serial), "--fleet", FLEET, "--out", blob]);
          run(["ip", "netns", "exec", lab.ns("client"), vigil, "config", "push", blob, "--broker", peers.broker, "--fleet", FLEET, "--node", NODE]);
          counts.pushes++;
        } catch (e) {
          counts.pushErrors++;
          console.error(`soak: push ${serial}: ${(e as Error).message}`);
        }
      }
      await sleep(250);
    }
    if (peer) await stopRouter(lab, peer, 5000);
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 8000);
    daemonLog = lab.logOf(d.proc);
    // the lab's directory goes with it: SOAK_DAEMON_LOG=FILE keeps the daemon's log
    if (process.env.SOAK_DAEMON_LOG) writeFileSync(process.env.SOAK_DAEMON_LOG, daemonLog);
  } finally {
    await peers.stop();
  }
} finally {
  await lab.cleanup();
}

console.log(`\nsoak of the shipped binary, ${MINUTES} min: 50 instances at 10 ms, 100 HTTP_GET checkers (half the real servers flapping every 20 s), MQTT; loadavg ${la0} → ${loadavg()}`);
console.log(`events: ${counts.failovers} failover rounds of 10 instances (keepalived peer at priority 200 started/stopped; ${counts.failoverErrors} failed), ${counts.reconnects} broker restarts (${counts.restartErrors} failed to come back in 15 s), ${counts.pushes} signed pushes (${counts.pushErrors} failed)\n`);
// commit-confirm (vigil_fleet confirm_timeout, 30 s by default) judges each push: a
// push whose window sees the peer go away is rolled back (lost-peer), so the
// running serial can step back by one; the daemon's own lines say which and why
const rollbacks = daemonLog.split("\n").filter((l) => / rolled back to serial /.test(l));
const applied = daemonLog.split("\n").filter((l) => / applied pushed config serial /.test(l)).length;
console.log(`pushes applied by the node (its log): ${applied} of ${counts.pushes}`);
console.log(`commit-confirm rollbacks: ${rollbacks.length}${rollbacks.length ? `\n  ${rollbacks.map((l) => l.replace(/^\S+ vigil\[\d+\] \w+ /, "")).join("\n  ")}` : ""}\n`);
console.log("| t (s) | VmRSS MiB | RssAnon MiB | JS heap main MiB | JS heap VRRP worker MiB | fds | threads | states | config serial |");
console.log("|---|---|---|---|---|---|---|---|---|");
const mib = (k: number) => (k / 1024).toFixed(1);
for (const s of samples) console.log(`| ${s.t.toFixed(0)} | ${mib(s.rssKiB)} | ${mib(s.anonKiB)} | ${mib(s.heapKiB)} | ${mib(s.workerHeapKiB)} | ${s.fds} | ${s.threads} | ${s.states} | ${s.serial ?? "-"} |`);
const after = samples.filter((s) => s.t >= WARMUP_S);
const sl = (k: keyof Sample) => slopePerHour(after.map((s) => [s.t, s[k] as number]));
console.log(`\nslope per hour after ${WARMUP_S} s of warm-up (${after.length} samples, least squares): VmRSS ${(sl("rssKiB") / 1024).toFixed(1)} MiB/h, RssAnon ${(sl("anonKiB") / 1024).toFixed(1)} MiB/h, ` +
  `JS heap main ${(sl("heapKiB") / 1024).toFixed(1)} MiB/h, worker ${(sl("workerHeapKiB") / 1024).toFixed(1)} MiB/h, fds ${sl("fds").toFixed(1)}/h, threads ${sl("threads").toFixed(1)}/h` +
  (MINUTES < 30 ? " (a short run: a slope over minutes mostly shows warm-up; the 1-hour run is the figure)" : ""));

// VIGIL_HEAP_PROBE=live: the daemon wrote its live cells (after a full collection)
// at every status request; which types grew from the first reading after warm-up to the last
if (process.env.VIGIL_HEAP_PROBE === "live") {
  const readings = [...daemonLog.matchAll(/<<vigil-heap-live (\S+) (\d+) (\{.*?\})>>/g)].map((m) => ({ thread: m[1]!, total: Number(m[2]), counts: JSON.parse(m[3]!) as Record<string, number> }));
  const firstAfter = Math.min(samples.findIndex((s) => s.t >= WARMUP_S), samples.length - 1);
  for (const thread of ["main", "vrrp-worker"]) {
    const r = readings.filter((x) => x.thread === thread);
    // the last samples.length readings are the samples' (startBoardVigil's readiness polls came before)
    const a = r[Math.max(0, r.length - samples.length + firstAfter)];
    const b = r.at(-1);
    if (!a || !b || a === b) { console.log(`live cells, ${thread}: fewer than two readings`); continue; }
    const growth = Object.keys({ ...a.counts, ...b.counts }).map((k) => [k, (b.counts[k] ?? 0) - (a.counts[k] ?? 0)] as const)
      .filter(([, d]) => d !== 0).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, 15);
    console.log(`live cells, ${thread} (reading ${r.indexOf(a) + 1} → ${r.length} of ${r.length}): ${a.total} → ${b.total}; by type: ${growth.map(([k, d]) => `${k} ${d > 0 ? "+" : ""}${d}`).join(", ")}`);
  }
}

// and mimalloc's statistics at each of them (process-wide): `committed` is what the
// allocator holds from the kernel, a level with MIMALLOC_PURGE_DELAY=-1 (flat at 138 MiB
// while RssAnon climbed towards it); with 0 it rose to 2.4 GiB in 35 minutes while VmSize
// stayed at 6.55 GB, so there it counts re-commits. Its "touched" line only ever grows.
if (process.env.VIGIL_HEAP_PROBE === "live" || process.env.VIGIL_HEAP_PROBE === "mimalloc") {
  const size = (num: string, unit: string | undefined) => Number(num) * ({ Ki: 1, Mi: 1024, Gi: 1024 * 1024 }[(unit ?? "").replace(/B$/, "").trim()] ?? 1 / 1024);
  // a line "  NAME : peak total current": the current column, in KiB
  const current = (dump: string, name: string) => {
    const m = new RegExp(`^\\s*${name}\\s*:\\s*(?:(-?[\\d.]+)\\s*(\\S*B|Ki|Mi|Gi)?\\s+){2}(-?[\\d.]+)\\s*(\\S*B|Ki|Mi|Gi)?`, "m").exec(dump);
    return m ? size(m[3]!, m[4]) : NaN;
  };
  const dumps = [...daemonLog.matchAll(/<<vigil-mimalloc begin>>([\s\S]*?)<<vigil-mimalloc end>>/g)].map((m) => m[1]!).slice(-samples.length);
  const off = samples.length - dumps.length;
  console.log("\n| t (s) | RssAnon MiB | mimalloc committed MiB | JS heaps, main + worker MiB |");
  console.log("|---|---|---|---|");
  dumps.forEach((d, i) => {
    const s = samples[i + off]!;
    console.log(`| ${s.t.toFixed(0)} | ${(s.anonKiB / 1024).toFixed(1)} | ${(current(d, "committed") / 1024).toFixed(1)} | ${((s.heapKiB + s.workerHeapKiB) / 1024).toFixed(1)} |`);
  });
}
