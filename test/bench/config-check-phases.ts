// Where the CPU of a cold `vigil config check` of the 10 000-line bench config
// goes, phase by phase (on demand; README "cold start" quotes it):
//   bun test/bench/config-check-phases.ts        PHASE_ROUNDS=21
// config-check-phases-entry.ts is compiled with the shipped binary's flags
// (bytecode, minified, ESM) and run cold PHASE_ROUNDS times; each run prints the
// process's CPU time (user + system of every thread) at each phase boundary. The
// first phase is the runtime's start and the loading of the config modules,
// beside a compiled hello built the same way. Medians and p10 per phase, ms.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/board.ts";
import { bigKeepalivedConf } from "./config-gen.ts";
import { percentile } from "./faults.ts";

const ROUNDS = Number(process.env.PHASE_ROUNDS ?? 21);
if (!Number.isInteger(ROUNDS) || ROUNDS < 3 || ROUNDS > 500) throw new Error("PHASE_ROUNDS must be a whole number 3..500");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const DIR = join(ROOT, "build", "bench");
mkdirSync(DIR, { recursive: true });
const compile = (src: string, out: string) => {
  const r = Bun.spawnSync([BUN, "build", "--compile", "--bytecode", "--minify", "--format=esm", src, "--outfile", out], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bun build ${src}: ${r.stderr.toString()}`);
  return out;
};
const phases = compile(join(import.meta.dir, "config-check-phases-entry.ts"), join(DIR, "config-check-phases"));
writeFileSync(join(DIR, "hello.ts"), 'console.log("hello");\n');
const hello = compile(join(DIR, "hello.ts"), join(DIR, "hello"));
const conf = join(DIR, "phases-big.conf");
writeFileSync(conf, bigKeepalivedConf(10_000));

/** runs argv, returns its stdout and its CPU time (user + system, all threads, as wait4 reports it) in ms */
const run = (argv: string[]): { out: string; cpu: number } => {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return { out: r.stdout.toString(), cpu: Number(r.resourceUsage.cpuTime.total) / 1000 };
};
const byPhase = new Map<string, number[]>([["compiled hello, whole process", []]]);
const add = (name: string, ms: number) => {
  let list = byPhase.get(name);
  if (!list) byPhase.set(name, (list = []));
  list.push(ms);
};
const la0 = (await Bun.file("/proc/loadavg").text()).trim();
for (let i = 0; i < ROUNDS; i++) {
  add("compiled hello, whole process", run([hello]).cpu);
  const r = run([phases, conf]);
  let sum = 0;
  for (const [name, ms] of Object.entries(JSON.parse(r.out) as Record<string, number>)) {
    add(name, ms);
    sum += ms;
  }
  add("exit (whole process minus the phases)", r.cpu - sum);
}
const la1 = (await Bun.file("/proc/loadavg").text()).trim();
console.log(`config check phases, CPU ms of the compiled reader run cold, ${ROUNDS} runs; loadavg before: ${la0}; after: ${la1}`);
console.log("| phase | median | p10 |\n|---|---|---|");
let total = 0;
for (const [name, list] of byPhase) {
  const m = percentile(list, 50);
  if (!name.startsWith("compiled hello")) total += m;
  console.log(`| ${name} | ${m.toFixed(1)} | ${percentile(list, 10).toFixed(1)} |`);
}
console.log(`| sum of the config check's medians | ${total.toFixed(1)} | |`);
