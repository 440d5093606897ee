// Config benchmarks (issue 3 targets: parse < 50 ms, CBOR round trip < 5 ms):
// read a generated 10 000-line keepalived.conf into the model (lexer, blocks,
// spec check, validation), and encode/decode its deterministic CBOR.
// Run: node_modules/.bin/bun test/bench/config.bench.ts   (CONFIG_BENCH_RUNS=N)
import { configToCbor, readCbor } from "../../src/config/config-cbor.ts";
import { decodeStrict, encodeDeterministic } from "../../src/config/cbor.ts";
import { readJson, configToJson } from "../../src/config/json.ts";
import { readKeepalived } from "../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../src/config/keepalived-writer.ts";
import { memorySource } from "../../src/config/source.ts";
import { ptr } from "bun:ffi";
import { libc } from "../../src/sys/libc.ts";
import { bigKeepalivedConf } from "./config-gen.ts";

const RUNS = Number(process.env.CONFIG_BENCH_RUNS ?? 60);
const text = bigKeepalivedConf(10_000);
const lines = text.split("\n").length - 1;
const src = memorySource({ "/bench/keepalived.conf": text });

// CPU time of this thread only (CLOCK_THREAD_CPUTIME_ID): process.cpuUsage()
// would also count Bun's GC and JIT helper threads.
const CLOCK_THREAD_CPUTIME_ID = 3;
const ts = new BigInt64Array(2);
function threadCpuMs(): number {
  libc.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, ptr(ts));
  return Number(ts[0]!) * 1000 + Number(ts[1]!) / 1e6;
}

/** Median wall time and median thread CPU time per run. On a shared, loaded
 *  machine the wall time includes waiting for a core; the CPU time is what the
 *  operation itself costs. */
function measure(name: string, f: () => unknown): { wall: number; cpu: number } {
  for (let i = 0; i < 5; i++) f(); // warm-up: JIT tiers
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    Bun.gc(true); // each run starts from a clean heap instead of paying for the previous one's garbage
    const c0 = threadCpuMs();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    cpu.push(threadCpuMs() - c0);
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p90 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
  const r = { wall: med(wall), cpu: med(cpu) };
  console.log(`${name.padEnd(40)} wall median ${r.wall.toFixed(2).padStart(7)} ms (min ${Math.min(...wall).toFixed(2)}, p90 ${p90(wall).toFixed(2)})   cpu median ${r.cpu.toFixed(2).padStart(7)} ms`);
  return r;
}

const first = readKeepalived("/bench/keepalived.conf", src);
if (!first.config) throw new Error(`generated config does not load: ${first.errors[0]?.message}`);
const cfg = first.config;
const cbor = configToCbor(cfg);
const json = configToJson(cfg);
console.log(`config: ${lines} lines, ${text.length} bytes; ${cfg.instances.length} instances, ${cfg.virtualServers.length} virtual servers, ` +
  `${cfg.virtualServers.reduce((n, v) => n + v.realServers.length, 0)} real servers; CBOR ${cbor.length} bytes, JSON ${json.length} bytes; ${RUNS} runs`);

const parse = measure("parse keepalived.conf -> model (validated)", () => readKeepalived("/bench/keepalived.conf", src));
const enc = measure("CBOR encode (deterministic)", () => encodeDeterministic(cfg));
const dec = measure("CBOR decode (strict)", () => decodeStrict(cbor));
const rt = measure("CBOR round trip (encode + decode)", () => decodeStrict(encodeDeterministic(cfg)));
measure("CBOR decode + model check + validate", () => readCbor(cbor));
measure("JSON read (parse + check + validate)", () => readJson(json));
measure("write keepalived.conf", () => writeKeepalived(cfg));
void enc;
void dec;
// The machine is shared: say how busy it was, medians move with it.
const load = (await Bun.file("/proc/loadavg").text().catch(() => "?")).split(" ").slice(0, 3).join(" ");
const verdict = (x: { wall: number; cpu: number }, limit: number) =>
  `wall ${x.wall.toFixed(2)} ms ${x.wall < limit ? "MET" : "MISSED"}, cpu ${x.cpu.toFixed(2)} ms ${x.cpu < limit ? "MET" : "MISSED"}`;
console.log(`targets (medians; load average ${load} on ${navigator.hardwareConcurrency} cores): parse < 50 ms: ${verdict(parse, 50)}; CBOR round trip < 5 ms: ${verdict(rt, 5)}`);
