// bench-timeout: 1800
// The shipped artifact measured as a board runs it (issue 11, item 6): sizes of
// the binaries (and xz -9) and packages; idle memory of the daemon with one VRRP
// instance, and with 50 instances + an MQTT fleet link + 100 HTTP_GET checkers;
// time from exec to the first advert sent; the same for arm64 under qemu-user,
// which is functional evidence only (an emulator, not a board). The x64 daemon is
// the /usr/sbin/vigil of dist/vigil_*_amd64.deb unpacked with dpkg-deb when
// `make package` has made one, else a copy of dist/vigil-linux-x64; every run
// hides the checkout (test/helpers/board.ts). keepalived 2.2.7 runs beside it in
// the same lab with the same keepalived.conf where it can.
//
//   bun test/bench/board.bench.ts
//   BOARD_SETTLE_S=10 BOARD_LEVEL_WINDOW_S=30 BOARD_LEVEL_MAX_S=240 BOARD_SAMPLES=5
//   BOARD_STARTS=15 BOARD_ARM64_STARTS=5 BOARD_JSON=build/bench/board.json
//
// Memory is read once SETTLE_S after the daemon answers, then again every 5 s until
// VmRSS has stayed within 1 MiB for LEVEL_WINDOW_S (a daemon under checker load grows
// its heap for a couple of minutes); the figure is the median of SAMPLES reads taken
// after that. A run still growing after LEVEL_MAX_S says so.
import { spawnSync } from "bun";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeBody } from "../../src/fleet/payload.ts";
import { hiddenCheckout, ROOT, runHidden } from "../helpers/board.ts";
import { keepalivedArgv, keepalivedConf, startRouter, stopRouter } from "../helpers/keepalived.ts";
import { Lab } from "../helpers/lab.ts";
import { artifact, artifactSizes, type SizeRow } from "./board-artifact.ts";
import { fleetCheckersConf, ownerConf, vrrpSpec } from "./board-configs.ts";
import { measureIdle, startBoardVigil, stateSummary, type IdleResult } from "./board-idle.ts";
import { startKeepalivedFull } from "./board-keepalived.ts";
import { startPeers } from "./board-peers.ts";
import { execToFirstAdvert, launchChainMs, type StartupResult } from "./board-startup.ts";
import { percentile } from "./faults.ts";

function envInt(name: string, dflt: number, min: number, max: number): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min || v > max) { console.error(`board bench: ${name} must be a whole number ${min}..${max}`); process.exit(2); }
  return v;
}
const SETTLE_S = envInt("BOARD_SETTLE_S", 10, 1, 120);
const SAMPLES = envInt("BOARD_SAMPLES", 5, 1, 60);
// level: VmRSS within 1 MiB over LEVEL_WINDOW_S, read every 5 s, waited for at most LEVEL_MAX_S
const LEVEL_WINDOW_S = envInt("BOARD_LEVEL_WINDOW_S", 30, 5, 300);
const LEVEL_MAX_S = envInt("BOARD_LEVEL_MAX_S", 240, 5, 600);
const STARTS = envInt("BOARD_STARTS", 15, 1, 50);
const ARM64_STARTS = envInt("BOARD_ARM64_STARTS", 5, 0, 20);
const JSON_OUT = process.env.BOARD_JSON ?? join(ROOT, "build", "bench", "board.json");
const CHECKERS = 100;
const INSTANCES = 50;
const FLEET = "bench";
const NODE = "r1";
const FUNCTIONAL = "functional only (qemu-user emulation, not a board)";

const MiB = (b: number) => (b / 2 ** 20).toFixed(1);
const MB = (b: number) => (b / 1e6).toFixed(1);
const kMiB = (kib: number) => (kib / 1024).toFixed(1);
const ms = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(0));

const x64 = artifact("x64");
const arm64 = artifact("arm64");
const keepalivedVersion = spawnSync(["keepalived", "--version"], { stderr: "pipe" }).stderr.toString().match(/v[\d.]+/)?.[0] ?? "?";
console.log(`board bench: x64 = ${x64.label}; arm64 = ${arm64.label}; checkout hidden from both; keepalived ${keepalivedVersion}`);

// ---------------------------------------------------------------- sizes
const sizes: SizeRow[] = artifactSizes();
for (const s of sizes) {
  console.log(`size ${s.what}: ${MiB(s.bytes)} MiB (${MB(s.bytes)} MB)${s.xzBytes ? `, xz -9 ${MiB(s.xzBytes)} MiB (${MB(s.xzBytes)} MB)${s.xzCached ? " [same SHA-256 as an earlier run: size read back]" : ""}` : ""}`);
}

interface IdleRow { impl: string; arch: string; config: string; states: string; idle: IdleResult; note?: string }
interface StartRow { impl: string; arch: string; config: string; result: StartupResult; chainMs: number[] }
const idle: IdleRow[] = [];
const starts: StartRow[] = [];
const notes: string[] = [];
/** what makes a figure meaningless (the daemon was not doing its job while measured) */
const invalid: string[] = [];
const check = (ok: boolean, what: string) => { if (!ok) invalid.push(what); };
/** why keepalived in full mode did not run the checker config, if it did not */
let keepalivedFullMode: string | undefined;
const idleOpts = { settleS: SETTLE_S, samples: SAMPLES, sampleEveryMs: 1000, plateau: { stepS: 5, windowS: LEVEL_WINDOW_S, toleranceKiB: 1024, maxS: LEVEL_MAX_S } };
const level = (i: IdleResult) => (i.plateau.reachedAfterS === null ? `STILL GROWING after ${LEVEL_MAX_S} s` : `level (±1 MiB for ${LEVEL_WINDOW_S} s) by ${(SETTLE_S + i.plateau.reachedAfterS).toFixed(0)} s`);

function logIdle(r: IdleRow) {
  const m = r.idle.memory.median;
  console.log(`idle ${r.impl} ${r.arch} ${r.config}: VmRSS ${kMiB(m.vmRss)} MiB (anon ${kMiB(m.rssAnon)}, file ${kMiB(m.rssFile)}), Uss ${kMiB(m.uss)} MiB, Pss ${kMiB(m.pss)} MiB, ${m.processes} process(es); VmRSS range ${kMiB(r.idle.memory.vmRssMin)}–${kMiB(r.idle.memory.vmRssMax)} MiB over ${r.idle.memory.samples.length} samples, ${level(r.idle)}, ${kMiB(r.idle.earlyVmRss)} MiB ${SETTLE_S} s after start; states ${r.states}; ${r.idle.vridsOnWire} VRIDs on the wire, ${r.idle.advertsPerS.toFixed(1)} adverts/s${r.idle.synsPerS !== undefined ? `, ${r.idle.synsPerS.toFixed(0)} checker connections/s` : ""}`);
}

function logStart(r: StartRow) {
  const s = r.result.samples;
  console.log(`exec → first advert ${r.impl} ${r.arch} (${r.config}): ${s.length}/${r.result.runs} runs sent one; p50 ${ms(percentile(s, 50))} ms, p90 ${ms(percentile(s, 90))} ms, max ${ms(Math.max(...s))} ms; launcher chain p50 ${ms(percentile(r.chainMs, 50))} ms`);
  for (const f of [...new Set(r.result.failures)].slice(0, 3)) console.log(`  no advert: ${f}`);
}

const lab = await Lab.create({ routers: 1 });
try {
  // ------------------------------------------------------------ one instance
  {
    const d = await startBoardVigil(lab, x64.argv, keepalivedConf(vrrpSpec(1)), "vigil-1", 15_000);
    const r: IdleRow = { impl: "vigil", arch: "x64", config: "1 instance", states: "", idle: await measureIdle(lab, d.proc.pid, idleOpts) };
    r.states = stateSummary(await d.status());
    logIdle(r);
    idle.push(r);
    check(r.states === "1 MASTER" && r.idle.vridsOnWire === 1, `vigil x64 1 instance: ${r.states}, ${r.idle.vridsOnWire} VRIDs on the wire`);
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 5000);
  }
  {
    const h = await startRouter(lab, 1, "keepalived", vrrpSpec(1));
    const r: IdleRow = { impl: `keepalived ${keepalivedVersion}`, arch: "x64", config: "1 instance", states: "-", idle: await measureIdle(lab, h.proc.pid, idleOpts), note: "--vrrp: parent + VRRP child" };
    logIdle(r);
    idle.push(r);
    check(r.idle.vridsOnWire === 1, `keepalived 1 instance: ${r.idle.vridsOnWire} VRIDs on the wire`);
    await stopRouter(lab, h, 5000);
  }

  // ------------------------------------------------------------ 50 instances + MQTT + 100 HTTP_GET
  {
    const peers = await startPeers(lab, CHECKERS, (2 * (SETTLE_S + LEVEL_MAX_S + SAMPLES) + 120) * 1000);
    try {
      const keys = join(lab.dir, "fleet");
      const kg = runHidden([...x64.run, "config", "keygen", "--out", keys]);
      if (kg.code !== 0) throw new Error(`vigil config keygen: ${kg.err}`);
      const conf = fleetCheckersConf({
        instances: INSTANCES, broker: peers.broker, fleet: FLEET, node: NODE, trustKey: `${keys}.pub`, stateDir: join(lab.dir, "state"),
        realServer: peers.address, ports: peers.ports, perVirtualServer: 20, delayLoopS: 1,
      });
      const d = await startBoardVigil(lab, x64.argv, conf, "vigil-50", 30_000);
      const r: IdleRow = {
        impl: "vigil", arch: "x64", config: `${INSTANCES} instances + MQTT + ${CHECKERS} HTTP_GET (delay_loop 1 s)`, states: "",
        idle: await measureIdle(lab, d.proc.pid, { ...idleOpts, countSyns: { excludePort: 1883 } }),
      };
      const st = await d.status();
      r.states = stateSummary(st);
      // the fleet link is live: retained birth `online` and one retained vrrp topic per instance
      const topic = (rest: string) => `vigil/v1/${FLEET}/${NODE}/${rest}`;
      const body = (b: Buffer) => { const x = decodeBody(b); return x.ok ? (x.value as Record<string, unknown>) : {}; };
      const online = peers.watcher.msgs.some((m) => m.topic === topic("status") && body(m.body).status === "online");
      const vrrpTopics = new Set(peers.watcher.msgs.filter((m) => m.topic.startsWith(topic("vrrp/"))).map((m) => m.topic)).size;
      const lvsFault = (st?.lvs as Array<{ fault?: string }> | undefined)?.find((v) => v.fault)?.fault;
      r.note = `MQTT ${online ? "online" : "NOT online"}, ${vrrpTopics} vrrp topics on the broker${lvsFault ? `; LVS fault reported: ${lvsFault}` : ""}`;
      if (lvsFault) notes.push(`This kernel has no IP_VS: vigil reports the LVS fault and keeps VRRP and the ${CHECKERS} checkers running (see the checker connections/s); the IPVS table itself is not programmed, so its kernel memory is not in these figures.`);
      logIdle(r);
      console.log(`  ${r.note}`);
      idle.push(r);
      check(r.states === `${INSTANCES} MASTER` && r.idle.vridsOnWire === INSTANCES, `vigil ${r.config}: ${r.states}, ${r.idle.vridsOnWire} VRIDs on the wire`);
      check(online && vrrpTopics === INSTANCES, `vigil ${r.config}: MQTT ${online ? "online" : "not online"}, ${vrrpTopics} vrrp topics`);
      check((r.idle.synsPerS ?? 0) >= 0.8 * CHECKERS, `vigil ${r.config}: ${r.idle.synsPerS?.toFixed(0)} checker connections/s, want ≈ ${CHECKERS}`);
      lab.kill(1, "SIGTERM");
      await lab.reap(1, 5000);

      // keepalived on the same file (vigil_fleet is not a keepalived keyword), in full mode
      const ka = await startKeepalivedFull(lab, conf, 6000);
      const kaConfig = `${INSTANCES} instances + ${CHECKERS} HTTP_GET (delay_loop 1 s), full mode`;
      if (ka.running) {
        const k: IdleRow = { impl: `keepalived ${keepalivedVersion}`, arch: "x64", config: kaConfig, states: "-", idle: await measureIdle(lab, ka.proc.pid, { ...idleOpts, countSyns: { excludePort: 1883 } }), note: "no MQTT in keepalived" };
        logIdle(k);
        idle.push(k);
        check(k.idle.vridsOnWire === INSTANCES, `keepalived ${kaConfig}: ${k.idle.vridsOnWire} VRIDs on the wire`);
        lab.kill(1, "SIGTERM");
        await lab.reap(1, 5000);
      } else {
        keepalivedFullMode = ka.why;
        console.log(`keepalived ${keepalivedVersion} ${kaConfig}: not running, ${ka.why}`);
      }
    } finally {
      await peers.stop();
    }
  }
  {
    const h = await startRouter(lab, 1, "keepalived", vrrpSpec(INSTANCES));
    const r: IdleRow = { impl: `keepalived ${keepalivedVersion}`, arch: "x64", config: `${INSTANCES} instances (VRRP only)`, states: "-", idle: await measureIdle(lab, h.proc.pid, idleOpts), note: `--vrrp${keepalivedFullMode ? `; with the virtual servers (full mode) keepalived stops: ${keepalivedFullMode}` : ""}` };
    logIdle(r);
    idle.push(r);
    check(r.idle.vridsOnWire === INSTANCES, `keepalived ${r.config}: ${r.idle.vridsOnWire} VRIDs on the wire`);
    await stopRouter(lab, h, 5000);
  }

  // ------------------------------------------------------------ exec → first advert (address owner)
  notes.push("exec → first advert: spawn time (CLOCK_REALTIME) to the pcap timestamp of the router's first advert on the lab bridge, address owner (priority 255: RFC 5798 §6.4.1 sends at once, a backup would wait Master_Down_Interval). vigil's figure includes its one re-exec of itself (MIMALLOC_PURGE_DELAY=-1, src/sys/allocator-env.ts); the launcher chain (ip netns exec, and for vigil the mount namespace hiding the checkout) is measured alone to a `date` exec.");
  const owner = join(lab.dir, "owner.conf");
  writeFileSync(owner, ownerConf("MASTER"));
  const vigilRun = (argv: string[]) => (run: number) => [...argv, "run", "-f", owner, "--status-socket", join(lab.dir, `start-${run}.sock`), "--lock-dir", join(lab.dir, `start-${run}.lock`)];
  {
    const result = await execToFirstAdvert(lab, vigilRun(x64.argv), { runs: STARTS, boundMs: 5000, giveUpAfter: 3 });
    const r: StartRow = { impl: "vigil", arch: "x64", config: "priority 255, state MASTER", result, chainMs: await launchChainMs(lab, hiddenCheckout, STARTS) };
    logStart(r);
    starts.push(r);
    check(result.samples.length === result.runs, `vigil x64 start-up: ${result.samples.length} of ${result.runs} runs sent an advert`);
  }
  {
    const kaChain = await launchChainMs(lab, (a) => a, STARTS);
    const result = await execToFirstAdvert(lab, (run) => keepalivedArgv(owner, join(lab.dir, `ka-start-${run}`)), { runs: STARTS, boundMs: 5000, giveUpAfter: 3 });
    const r: StartRow = { impl: `keepalived ${keepalivedVersion}`, arch: "x64", config: "priority 255, state MASTER", result, chainMs: kaChain };
    logStart(r);
    starts.push(r);
    check(result.samples.length === result.runs, `keepalived start-up: ${result.samples.length} of ${result.runs} runs sent an advert`);
    // the same owner written `state BACKUP`: keepalived waits Master_Down_Interval (3 s at advert_int 1)
    const ownerBackup = join(lab.dir, "owner-backup.conf");
    writeFileSync(ownerBackup, ownerConf("BACKUP"));
    const runs = Math.min(3, STARTS);
    const rb = await execToFirstAdvert(lab, (run) => keepalivedArgv(ownerBackup, join(lab.dir, `ka-startb-${run}`)), { runs, boundMs: 8000, giveUpAfter: 2 });
    const b: StartRow = { impl: `keepalived ${keepalivedVersion}`, arch: "x64", config: "priority 255, state BACKUP", result: rb, chainMs: kaChain };
    logStart(b);
    starts.push(b);
  }

  // ------------------------------------------------------------ arm64 under qemu-user: functional only
  {
    const d = await startBoardVigil(lab, arm64.argv, keepalivedConf(vrrpSpec(1)), "vigil-arm64", 60_000);
    const r: IdleRow = { impl: "vigil", arch: `arm64, ${FUNCTIONAL}`, config: "1 instance", states: "", idle: await measureIdle(lab, d.proc.pid, idleOpts) };
    const st = await d.status();
    r.states = stateSummary(st);
    r.note = "RSS of the qemu-aarch64-static process: emulator and its translation cache included";
    if (!st?.instances.some((i) => i.state === "MASTER")) {
      const why = lab.logOf(d.proc).split("\n").filter((l) => / ERROR /.test(l)).slice(0, 2).join(" | ");
      r.note += `; the instance did not run under qemu-user: ${why || "see the log"}`;
    }
    logIdle(r);
    console.log(`  ${r.note}`);
    idle.push(r);
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 8000);
  }
  if (ARM64_STARTS > 0) {
    const result = await execToFirstAdvert(lab, vigilRun(arm64.argv), { runs: ARM64_STARTS, boundMs: 20_000, giveUpAfter: 1 });
    const r: StartRow = { impl: "vigil", arch: `arm64, ${FUNCTIONAL}`, config: "priority 255, state MASTER", result, chainMs: await launchChainMs(lab, hiddenCheckout, ARM64_STARTS) };
    logStart(r);
    starts.push(r);
  }
} finally {
  await lab.cleanup();
}

// ---------------------------------------------------------------- report
const rows: string[][] = [];
for (const s of sizes) {
  rows.push([`size ${s.what}${s.xzBytes ? " / xz -9" : ""}`, `${MiB(s.bytes)} MiB (${MB(s.bytes)} MB)${s.xzBytes ? ` / ${MiB(s.xzBytes)} MiB (${MB(s.xzBytes)} MB)` : ""}`]);
}
for (const r of idle) {
  const m = r.idle.memory.median;
  rows.push([`idle ${r.impl}, ${r.arch}, ${r.config}: VmRSS (anon / file), Uss, Pss`,
    `${kMiB(m.vmRss)} MiB (${kMiB(m.rssAnon)} / ${kMiB(m.rssFile)}), Uss ${kMiB(m.uss)} MiB, Pss ${kMiB(m.pss)} MiB; ${level(r.idle)} (${kMiB(r.idle.earlyVmRss)} MiB at ${SETTLE_S} s); ${m.processes} proc; states ${r.states}; ${r.idle.vridsOnWire} VRIDs on the wire${r.idle.synsPerS !== undefined ? `; ${r.idle.synsPerS.toFixed(0)} checks/s` : ""}${r.note ? `; ${r.note}` : ""}`]);
}
for (const r of starts) {
  const s = r.result.samples;
  rows.push([`exec → first advert, ${r.impl}, ${r.arch}, ${r.config}: p50 / p90 / max`,
    s.length ? `${ms(percentile(s, 50))} / ${ms(percentile(s, 90))} / ${ms(Math.max(...s))} ms (${s.length} of ${r.result.runs} runs; launcher chain p50 ${ms(percentile(r.chainMs, 50))} ms)` : `no advert in ${r.result.runs} run(s): ${r.result.failures[0] ?? "?"}`]);
}
console.log(`\nboard bench: x64 measured = ${x64.label}; memory: median of ${SAMPLES} reads 1 s apart once VmRSS stayed within 1 MiB for ${LEVEL_WINDOW_S} s (read every 5 s from ${SETTLE_S} s after start, at most ${LEVEL_MAX_S} s)\n`);
console.log("| what | measured |");
console.log("|---|---|");
for (const [a, b] of rows) console.log(`| ${a} | ${b.replaceAll("|", "\\|")} |`);
for (const n of notes) console.log(`\nnote: ${n}`);

mkdirSync(dirname(JSON_OUT), { recursive: true });
writeFileSync(JSON_OUT, JSON.stringify({
  at: new Date().toISOString(),
  measured: { x64: x64.label, arm64: arm64.label, arm64Caveat: FUNCTIONAL },
  settings: { settleS: SETTLE_S, levelWindowS: LEVEL_WINDOW_S, levelMaxS: LEVEL_MAX_S, samples: SAMPLES, starts: STARTS, arm64Starts: ARM64_STARTS, keepalived: keepalivedVersion },
  sizes,
  idle: idle.map((r) => ({ impl: r.impl, arch: r.arch, config: r.config, states: r.states, note: r.note, ...r.idle })),
  startup: starts.map((r) => ({
    impl: r.impl, arch: r.arch, config: r.config, runs: r.result.runs, samplesMs: r.result.samples, failures: r.result.failures,
    p50Ms: percentile(r.result.samples, 50), p90Ms: percentile(r.result.samples, 90), maxMs: r.result.samples.length ? Math.max(...r.result.samples) : null,
    launcherChainMs: r.chainMs,
  })),
  notes,
  invalid,
}, null, 1));
console.log(`\nwrote ${JSON_OUT}`);
if (invalid.length) {
  for (const w of invalid) console.log(`FAIL: ${w}`);
  process.exitCode = 1;
}
