// One process of the fleet simulator: `count` simulated routers (fleet-sim-node.ts),
// each with its own MQTT connection, pairs kept together (their segment is in
// this process). Prints one JSON line when every node is connected
// ({"ready":count}), then runs until SIGTERM or stdin closes, and prints its
// own peak memory on the way out ({"stopped":count,"maxRssMiB":...}).
//   bun test/bench/fleet-sim-agents.ts --broker URL --dir DIR --from I --count C --confirm S
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { setLogLevel } from "../../src/daemon/log.ts";
import { nodeConf, simNode } from "./fleet-sim-config.ts";
import { SimNode } from "./fleet-sim-node.ts";
import { SimSegments } from "./fleet-sim-vrrp.ts";

// generous: on connect every node is sent every node's retained vrrp state (the
// split-brain witness), N² deliveries, minutes for 1 000 nodes on a loaded 2-core host
const CONNECT_BOUND_MS = 210_000;
const STOP_BOUND_MS = 10_000;
const BATCH = 25;
const BATCH_BOUND_MS = 15_000;

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: { broker: { type: "string" }, dir: { type: "string" }, from: { type: "string" }, count: { type: "string" }, confirm: { type: "string" } },
});
const from = Number(v.from), count = Number(v.count);
if (!v.broker || !v.dir || !Number.isInteger(from) || !Number.isInteger(count) || from % 2 || count % 2) {
  throw new Error("usage: --broker URL --dir DIR --from EVEN --count EVEN --confirm S");
}
// the nodes' applied/confirmed lines would be 1 000s per rollout; refusals and rollbacks (warn) stay
setLogLevel("warn");

mkdirSync(`${v.dir}/conf`, { recursive: true });
const segments = new SimSegments();
const nodes: SimNode[] = [];
for (let i = from; i < from + count; i++) {
  const n = simNode(i);
  const confPath = `${v.dir}/conf/${n.node}.conf`;
  mkdirSync(`${v.dir}/state/${n.node}`, { recursive: true });
  writeFileSync(confPath, nodeConf(i, { broker: v.broker, dir: v.dir, confirmS: Number(v.confirm ?? 1) }));
  const node = new SimNode({ ...n, confPath }, segments);
  node.start();
  nodes.push(node);
  // Paced: a batch connects before the next starts. All at once, the broker's loop
  // (busy sending each newcomer every node's retained vrrp state) left connects in
  // its listen backlog past the 10 s connect timeout, and the nodes backed off for
  // up to a minute: the fleet took 15 s to over 240 s to come up.
  if (nodes.length % BATCH === 0) {
    const batch = nodes.slice(-BATCH);
    const until = Date.now() + BATCH_BOUND_MS;
    while (batch.some((n) => !n.link.reporter.stats().connected) && Date.now() < until) await Bun.sleep(20);
  }
}

const deadline = Date.now() + CONNECT_BOUND_MS;
while (nodes.some((n) => !n.link.reporter.stats().connected) && Date.now() < deadline) await Bun.sleep(50);
const connected = nodes.filter((n) => n.link.reporter.stats().connected).length;
// connects beyond one per node: sessions the broker dropped (keepalive) while the fleet came up
const connects = nodes.reduce((a, n) => a + n.link.reporter.stats().connects, 0);
console.log(JSON.stringify({ ready: connected, of: count, connects }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.race([Promise.all(nodes.map((n) => n.stop())), Bun.sleep(STOP_BOUND_MS)]);
  console.log(JSON.stringify({ stopped: count, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.on("data", () => {});
process.stdin.resume();
