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
import { bigKeepalivedConf } from "./config-gen.ts";

const RUNS = Number(process.env.CONFIG_BENCH_RUNS ?? 60);
const text = bigKeepalivedConf(10_000);
const lines = text.split("\n").length - 1;
const src = memorySource({ "/bench/keepalived.conf": text });

function measure(name: string, f: () => unknown) {
  for (let i = 0; i < 5; i++) f(); // warm-up: JIT tiers
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    Bun.gc(true); // each run starts from a clean heap instead of paying for the previous one's garbage
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  const q = (p: number) => t[Math.min(t.length - 1, Math.floor(p * t.length))]!.toFixed(2);
  console.log(`${name.padEnd(44)} median ${q(0.5).padStart(8)} ms   min ${t[0]!.toFixed(2).padStart(7)} ms   p90 ${q(0.9).padStart(8)} ms`);
  return Number(q(0.5));
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
console.log(`targets (medians, load average ${load} on ${navigator.hardwareConcurrency} cores): parse < 50 ms: ${parse.toFixed(2)} ms ${parse < 50 ? "MET" : "MISSED"}; ` +
  `CBOR round trip < 5 ms: ${rt.toFixed(2)} ms ${rt < 5 ? "MET" : "MISSED"}`);
