// bench-timeout: 480
// Fleet at scale (issue 12 item 3): N simulated routers (fleet-sim-*.ts: the
// daemon's own fleet link, reporter, delivery, COSE check, store and planner,
// one MQTT connection each, only VRRP/IPVS simulated) in a few processes,
// against a mosquitto started here; the operator side is the shipped binary
// dist/vigil-linux-x64. Measured, REPS times each, as min/p50/max:
//   - `vigil fleet rollout --all --waves 100%` start to exit (every node applied)
//   - the same with --waves 1,10%,100%
//   - `vigil status --broker` for the whole fleet, start to exit (a full view)
//   - max RSS of the rollout process and of mosquitto
// Checked on every rollout's record: the two routers of a pair are never in
// one wave. Scenario: a config that binds VI_1 to a down interface stops at the
// canary, which rolls itself back (commit-confirm: new-fault), the rest untouched.
// Nodes run confirm_timeout CONFIRM_S (the commit-confirm probation is part of
// "applied"); rollouts run with --soak 0 --hold 0.
//
//   node_modules/.bin/bun test/bench/fleet-scale.bench.ts   (FLEET_SCALE_N=1000 FLEET_SCALE_REPS=3 FLEET_SCALE_PROCS=4)
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Mosquitto } from "../helpers/mosquitto.ts";
import { instanceConf, SIM_FLEET, simNode } from "./fleet-sim-config.ts";

const N = Number(process.env.FLEET_SCALE_N ?? 1000);
const REPS = Number(process.env.FLEET_SCALE_REPS ?? 3);
const PROCS = Number(process.env.FLEET_SCALE_PROCS ?? Math.min(8, Math.max(1, Math.ceil(N / 250))));
const CONFIRM_S = 1;
const VIGIL = "dist/vigil-linux-x64";
const ROOT = `${import.meta.dir}/../..`;
if (N % 2 || N < 2) throw new Error("FLEET_SCALE_N must be even (pairs)");

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const summary = (xs: number[], unit: string, digits = 2) =>
  `min ${pct(xs, 0).toFixed(digits)}  p50 ${pct(xs, 0.5).toFixed(digits)}  max ${pct(xs, 1).toFixed(digits)} ${unit}  (n=${xs.length})`;
/** peak and current RSS of a process, MiB, from /proc */
function memOf(pid: number): { hwm: number; rss: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0) / 1024;
  return { hwm: kb("VmHWM"), rss: kb("VmRSS") };
}
function cpuSecondsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ = 100
}

function vigil(args: string[]): { code: number; out: string; err: string; ms: number; maxRssMiB: number } {
  const t0 = performance.now();
  const r = Bun.spawnSync([VIGIL, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - t0;
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString(), ms, maxRssMiB: (r.resourceUsage?.maxRSS ?? 0) / 2 ** 20 }; // bytes here (process.resourceUsage() says KiB)
}

// The nodes' config stores (fsync'd on every push) on tmpfs: N routers have N flash
// chips, the simulator one shared virtual disk, whose fsyncs would serialise them all.
const dir = mkdtempSync(`${existsSync("/dev/shm") ? "/dev/shm" : "/tmp"}/vigil-fleet-scale-`);
const broker = new Mosquitto({ maxConnections: N + 64 });
/** a simulator process: its stdin (closed to stop it), its stdout (JSON lines) */
interface Agent {
  stdin: { end(): unknown };
  stdout: ReadableStream<Uint8Array>;
  exited: Promise<number>;
  exitCode: number | null;
  kill(signal?: NodeJS.Signals): void;
}
const agents: Agent[] = [];
/** each simulator process's stdout so far (JSON lines), read as it comes */
const agentOut: string[] = [];
const agentDone: Promise<void>[] = [];
let serial = 0;
const agentLog = (i: number) => `${dir}/agents-${i}.log`;

/** Signs the pushed config (one blob for every node) with the shipped binary. */
function sign(iface = "lan0"): { path: string; serial: number } {
  serial++;
  const conf = `${dir}/push-${serial}.conf`;
  writeFileSync(conf, instanceConf({ tag: `rollout-${serial}`, iface }));
  const out = `${dir}/push-${serial}.cose`;
  const r = vigil(["config", "sign", conf, "--key", `${dir}/fleet.key`, "--serial", String(serial), "--fleet", SIM_FLEET, "--out", out]);
  if (r.code !== 0) throw new Error(`config sign: ${r.err}`);
  return { path: out, serial };
}

interface RolloutJson {
  status: string;
  startedAt?: number;
  finishedAt?: number;
  tally: { applied: number; failed: number; rolledBack: number; total: number };
  spec: { waves: string[][] };
  nodes: Record<string, { wave: number; outcome?: string; reason?: string; result: string; sentAt?: number; appliedAt?: number; finishedAt?: number }>;
}

/** Where a rollout's time went, from its record: per wave, first send -> last "runs it" (confirming) -> last done. */
function waveTimes(j: RolloutJson): string {
  const t0 = j.startedAt ?? 0;
  const s = (x: number) => ((x - t0) / 1000).toFixed(2);
  const parts = j.spec.waves.map((_, w) => {
    const ns = Object.values(j.nodes).filter((n) => n.wave === w && n.sentAt);
    if (!ns.length) return `w${w + 1} -`;
    const max = (f: (n: (typeof ns)[number]) => number | undefined) => Math.max(...ns.map((n) => f(n) ?? 0));
    return `w${w + 1} sent ${s(Math.min(...ns.map((n) => n.sentAt!)))}-${s(max((n) => n.sentAt))} runs ${s(max((n) => n.appliedAt))} done ${s(max((n) => n.finishedAt))}`;
  });
  return `engine ${(((j.finishedAt ?? t0) - t0) / 1000).toFixed(2)} s: ${parts.join("; ")}`;
}

/** Both routers of a pair (same site, same VRID on lan0) in one wave: the rollout's record would say so. */
function pairsInOneWave(j: RolloutJson): string[] {
  const bad: string[] = [];
  for (let i = 0; i < N; i += 2) {
    const a = j.nodes[simNode(i).node], b = j.nodes[simNode(i + 1).node];
    if (a && b && a.wave === b.wave) bad.push(`${simNode(i).node}+${simNode(i + 1).node} in wave ${a.wave + 1}`);
  }
  return bad;
}

function rollout(blob: string, waves: string, extra: string[] = []) {
  const spawnedAt = Date.now();
  const r = vigil(["fleet", "rollout", blob, "--broker", broker.url, "--fleet", SIM_FLEET, "--all", "--waves", waves,
    "--soak", "0", "--hold", "0", "--timeout", "30", "--json", "--state", `${dir}/rollout-${serial}.json`, ...extra]);
  let j: RolloutJson;
  try {
    j = JSON.parse(r.out);
  } catch {
    throw new Error(`rollout printed no JSON (exit ${r.code}): ${r.err.slice(-2000)}`);
  }
  const pairs = pairsInOneWave(j);
  if (pairs.length) throw new Error(`pair rule broken: ${pairs.slice(0, 5).join(", ")}`);
  // the CLI's own share: connect + settle before the engine starts, persist + output after it ends
  const exitedAt = spawnedAt + r.ms;
  const cli = `before the engine ${(((j.startedAt ?? spawnedAt) - spawnedAt) / 1000).toFixed(2)} s, after it ${((exitedAt - (j.finishedAt ?? exitedAt)) / 1000).toFixed(2)} s`;
  return { ...r, j, cli };
}

/** `vigil status --broker` until it shows every node with VI_1 settled; returns the last run. */
function fleetView() {
  const r = vigil(["status", "--broker", broker.url, "--fleet", SIM_FLEET, "--json"]);
  if (r.code !== 0) return { ...r, nodes: 0, settled: 0, alarms: 0, serials: new Map<number, number>() };
  const v = JSON.parse(r.out) as {
    nodes: Record<string, { status?: { status?: string; config_serial?: number }; vrrp: Record<string, { state?: string }>; alarms: Record<string, { active?: boolean }> }>;
  };
  const nodes = Object.values(v.nodes).filter((n) => n.status?.status === "online");
  const serials = new Map<number, number>();
  for (const n of nodes) serials.set(n.status?.config_serial ?? -1, (serials.get(n.status?.config_serial ?? -1) ?? 0) + 1);
  const settled = nodes.filter((n) => ["MASTER", "BACKUP"].includes(n.vrrp.VI_1?.state ?? "")).length;
  // identical branch configs at every site: a split-brain alarm here is a false one (witness.ts compares within a site)
  const alarms = nodes.filter((n) => Object.values(n.alarms ?? {}).some((a) => a.active)).length;
  return { ...r, nodes: nodes.length, settled, alarms, serials };
}

// run.sh's timeout sends SIGTERM, which skips `finally`: stop what we started, by pid
process.on("SIGTERM", () => {
  for (const a of agents) a.kill("SIGKILL");
  void broker.dispose().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(143);
  });
});

try {
  console.log(`fleet-scale: N=${N} in ${PROCS} process(es), confirm_timeout ${CONFIRM_S} s, ${REPS} repetition(s); load ${loadavg()}`);
  const k = vigil(["config", "keygen", "--out", `${dir}/fleet`]);
  if (k.code !== 0) throw new Error(`keygen: ${k.err}`);
  await broker.start();

  // --- the fleet: PROCS processes of simulated routers, pairs never split across processes
  const t0 = performance.now();
  const per = Math.ceil(N / PROCS / 2) * 2;
  for (let from = 0; from < N; from += per) {
    const i = agents.length;
    const count = Math.min(per, N - from);
    // FLEET_SCALE_PROF=DIR: a CPU profile of each simulator process (markdown) in DIR
    const prof = process.env.FLEET_SCALE_PROF ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.FLEET_SCALE_PROF}`] : [];
    agents.push(Bun.spawn([process.execPath, ...prof, `${import.meta.dir}/fleet-sim-agents.ts`, "--broker", broker.url, "--dir", dir,
      "--from", String(from), "--count", String(count), "--confirm", String(CONFIRM_S)], { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: Bun.file(agentLog(i)) }));
    agentOut[i] = "";
    agentDone[i] = (async () => {
      for await (const chunk of agents[i]!.stdout) agentOut[i] += new TextDecoder().decode(chunk);
    })();
  }
  const firstLine = async (i: number) => {
    for (let t = 0; t < 4800 && !agentOut[i]!.includes("\n"); t++) {
      if (agents[i]!.exitCode !== null) throw new Error(`simulator process ${i} exited ${agents[i]!.exitCode}: ${readFileSync(agentLog(i), "utf8").slice(-2000)}`);
      await Bun.sleep(50);
    }
    return agentOut[i]!.split("\n")[0]!;
  };
  const ready = await Promise.race([Promise.all(agents.map((_, i) => firstLine(i))), Bun.sleep(240_000).then(() => null)]);
  if (!ready) throw new Error("simulator processes not connected within 240 s");
  const lines = ready.map((l) => JSON.parse(l) as { ready: number; connects: number });
  const connected = lines.reduce((a, l) => a + l.ready, 0);
  const connects = lines.reduce((a, l) => a + l.connects, 0);
  console.log(`fleet up: ${connected}/${N} connected in ${((performance.now() - t0) / 1000).toFixed(1)} s (${connects} connects); load ${loadavg()}`);
  // every node has told its VRRP state before any rollout (bounded)
  let view = fleetView();
  for (let i = 0; i < 40 && view.settled < N; i++) {
    await Bun.sleep(1000);
    view = fleetView();
  }
  console.log(`fleet settled: ${view.settled}/${N} nodes online with VI_1 MASTER/BACKUP, ${((performance.now() - t0) / 1000).toFixed(1)} s after start; load ${loadavg()}`);
  if (view.settled < N) throw new Error(`only ${view.settled} of ${N} nodes settled`);
  if (view.alarms) throw new Error(`${view.alarms} node(s) raise a split-brain alarm: every pair has one MASTER`);

  // --- fleet view
  const statusMs: number[] = [], statusRss: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const v = fleetView();
    if (v.nodes !== N) throw new Error(`status saw ${v.nodes} of ${N} nodes`);
    statusMs.push(v.ms / 1000);
    statusRss.push(v.maxRssMiB);
  }
  console.log(`status --broker, ${N} nodes (full view)   ${summary(statusMs, "s")}; max RSS ${summary(statusRss, "MiB", 0)}; load ${loadavg()}`);

  // --- rollouts of good configs
  for (const waves of ["100%", "1,10%,100%"]) {
    const took: number[] = [], rss: number[] = [];
    let waveCount = 0;
    for (let i = 0; i < REPS; i++) {
      const blob = sign();
      const load = loadavg();
      const r = rollout(blob.path, waves);
      if (r.code !== 0 || r.j.tally.applied !== N) throw new Error(`rollout ${waves} serial ${blob.serial}: exit ${r.code}, ${JSON.stringify(r.j.tally)}: ${r.err.slice(-1500)}`);
      took.push(r.ms / 1000);
      rss.push(r.maxRssMiB);
      waveCount = r.j.spec.waves.length;
      console.log(`  rollout --waves ${waves} serial ${blob.serial}: ${N} applied in ${(r.ms / 1000).toFixed(2)} s (${waveCount} waves), max RSS ${r.maxRssMiB.toFixed(0)} MiB; load ${load}`);
      console.log(`    ${r.cli}; ${waveTimes(r.j)}`);
    }
    console.log(`rollout --waves ${waves} (${waveCount} waves), ${N} nodes   ${summary(took, "s")}; max RSS ${summary(rss, "MiB", 0)}`);
  }

  // --- a bad config: VI_1 bound to lan1 (down) -> FAULT on the canary -> it rolls back by itself
  const bad = sign("lan1");
  const r = rollout(bad.path, "1,10%,100%", ["--max-failed", "0"]);
  const canary = Object.entries(r.j.nodes).filter(([, n]) => n.wave === 0);
  const touched = Object.values(r.j.nodes).filter((n) => n.wave > 0 && n.outcome !== "untouched" && n.result !== "pending");
  const ok = r.code !== 0 && r.j.status === "aborted" && canary.length === 1 && canary[0]![1].outcome === "rolled-back-by-node" && touched.length === 0;
  console.log(`bad config (interface down): exit ${r.code}, ${r.j.status}; canary ${canary.map(([n, c]) => `${n} ${c.result} (${c.reason ?? "-"})`).join(", ")}; ` +
    `${touched.length} node(s) beyond the canary touched`);
  if (!ok) throw new Error("a bad config must stop at the canary, rolled back by the node");
  const after = fleetView();
  console.log(`after the bad rollout: running serials ${JSON.stringify([...after.serials])} (the canary back on ${bad.serial - 1}); ${after.settled}/${N} settled`);
  if (after.serials.get(bad.serial)) throw new Error(`${after.serials.get(bad.serial)} node(s) still run the bad serial`);

  const pid = broker.pid!;
  const m = memOf(pid);
  console.log(`mosquitto: max RSS ${m.hwm.toFixed(0)} MiB (now ${m.rss.toFixed(0)} MiB), CPU ${cpuSecondsOf(pid).toFixed(1)} s over the run; load ${loadavg()}`);
  console.log(`pair rule: held in every rollout (checked on each record, ${N / 2} pairs)`);
} finally {
  for (const a of agents) {
    try {
      a.stdin.end();
    } catch {}
  }
  const ends = await Promise.race([Promise.all(agents.map(async (a, i) => {
    await a.exited;
    await agentDone[i];
    return agentOut[i]!.trim();
  })), Bun.sleep(15_000).then(() => null)]);
  if (ends) {
    const rss = ends.map((l) => JSON.parse(l.split("\n").pop() || "{}").maxRssMiB as number).filter(Number.isFinite);
    if (rss.length) console.log(`simulator processes: max RSS ${rss.map((x) => x.toFixed(0)).join(", ")} MiB`);
  } else for (const a of agents) a.kill("SIGKILL");
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
