// Fleet benchmarks (issue 7 targets: state change -> broker p99 < 20 ms; memory
// flat after the event queue fills during an outage; verify+store of a 64 KB
// signed config < 20 ms).
// Run: node_modules/.bin/bun test/bench/fleet.bench.ts   (FLEET_BENCH_N=N)
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { configToCbor } from "../../src/config/config-cbor.ts";
import { signBlob, verifyBlob } from "../../src/config-io/cose-sign.ts";
import { readKeepalived } from "../../src/config/keepalived-reader.ts";
import { defaultFleet } from "../../src/config/model.ts";
import { memorySource } from "../../src/config/source.ts";
import { ConfigStore } from "../../src/config-io/store.ts";
import { TrustStore } from "../../src/config-io/trust.ts";
import { modelValidator } from "../../src/fleet/config-delivery.ts";
import { FleetReporter } from "../../src/fleet/reporter.ts";
import { Mosquitto, TcpGate, Watcher } from "../helpers/mosquitto.ts";
import { bigKeepalivedConf } from "./config-gen.ts";

const N = Number(process.env.FLEET_BENCH_N ?? 2000);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 0.5).toFixed(3)} ms  p99 ${pct(xs, 0.99).toFixed(3)} ms  max ${pct(xs, 1).toFixed(3)} ms  (n=${xs.length})`;

const broker = await new Mosquitto().start();
const dir = mkdtempSync("/tmp/vigil-fleet-bench-");
try {
  // 1. vrrpState() -> message at the broker, seen by a subscriber (both ends in this process).
  const w = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt" }, ["vigil/v1/bench/gw-a/vrrp/VI_1"]);
  const r = new FleetReporter({ config: { ...defaultFleet(), broker: broker.url, fleet: "bench" }, node: "gw-a", version: "bench", bootTime: 0, configSerial: () => 0 });
  r.start();
  for (let i = 0; i < 500 && !r.stats().connected; i++) await Bun.sleep(10);
  const lat: number[] = [];
  let pending: { seq: number; t0: number; done: () => void } | undefined;
  const { decodeCbor: decode } = await import("../../src/fleet/cbor-body.ts");
  w.client.on("message", (_t, body) => {
    const seq = (decode(body) as { counters?: { seq: number } }).counters?.seq;
    if (pending && seq === pending.seq) { lat.push(performance.now() - pending.t0); pending.done(); }
  });
  let callerMax = 0;
  for (let seq = 0; seq < N; seq++) {
    await new Promise<void>((done) => {
      pending = { seq, t0: performance.now(), done };
      const c0 = performance.now();
      r.vrrpState("VI_1", { state: seq % 2 ? "MASTER" : "BACKUP", segment: "lan", vrid: 1, priority: 100, effectivePriority: 100, since: seq, counters: { seq } });
      callerMax = Math.max(callerMax, performance.now() - c0);
      setTimeout(done, 2000); // a lost sample must not hang the bench
    });
  }
  console.log(`state change -> broker -> subscriber     ${fmt(lat.slice(50))}`);
  console.log(`vrrpState() call itself (caller cost)    max ${callerMax.toFixed(3)} ms`);
  await r.stop();
  await w.close();

  // 2. Memory over a long outage with a steady event stream: flat once the queue is full.
  const gate = await new TcpGate(() => 1).open(); // relays to a closed port: the broker is "down"
  const out = new FleetReporter({ config: { ...defaultFleet(), broker: `mqtt://127.0.0.1:${gate.port}`, fleet: "bench" }, node: "gw-b", version: "bench", bootTime: 0, configSerial: () => 0, eventCapacity: 1000, backoff: { baseMs: 50, maxMs: 200 } });
  out.start();
  const heapAt: string[] = [];
  for (let i = 1; i <= 400_000; i++) {
    out.event({ type: "check", vs: "198.18.0.10:80", rs: "198.18.1.2:8080", ok: i % 3 !== 0, seq: i });
    if (i % 100_000 === 0) {
      Bun.gc(true);
      heapAt.push(`${i / 1000}k: heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB`);
      await Bun.sleep(0);
    }
  }
  console.log(`outage, 400k events, queue 1000          ${heapAt.join("  ")}  (queued ${out.stats().queuedEvents}, dropped ${out.stats().droppedEvents})`);
  await out.stop(200);
  gate.close();

  // 3. verify + model check + durable store of a ~64 KB signed config.
  let text = bigKeepalivedConf(1000);
  let cfg = readKeepalived("/b.conf", memorySource({ "/b.conf": text })).config!;
  let bytes = configToCbor(cfg);
  for (let lines = 1000; bytes.length < 60_000 && lines < 100_000; lines = Math.ceil(lines * 1.3)) {
    text = bigKeepalivedConf(lines);
    cfg = readKeepalived("/b.conf", memorySource({ "/b.conf": text })).config!;
    bytes = configToCbor(cfg);
  }
  const k = generateKeyPairSync("ed25519");
  const trust = new TrustStore();
  const kid = trust.add(k.publicKey);
  const store = new ConfigStore(`${dir}/state`);
  const validate = modelValidator();
  const tv: number[] = [], tvs: number[] = [];
  for (let i = 1; i <= 200; i++) {
    const blob = signBlob({ serial: i, fleet: "bench", issuedAt: 0, config: bytes }, k.privateKey, kid);
    const t0 = performance.now();
    const v = verifyBlob(blob, { trust, fleet: "bench", node: "gw-a", currentSerial: i - 1, validateConfig: validate });
    if (!v.ok) throw new Error(`bench blob rejected: ${v.message}`);
    const t1 = performance.now();
    store.commit(blob, i, v.hash);
    const t2 = performance.now();
    tv.push(t1 - t0);
    tvs.push(t2 - t0);
  }
  console.log(`verify+model check, ${(bytes.length / 1024).toFixed(0)} KiB config     ${fmt(tv.slice(10))}`);
  console.log(`verify+check+fsync'd store             ${fmt(tvs.slice(10))}`);
} finally {
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
