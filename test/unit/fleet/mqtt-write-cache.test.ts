// The fleet session's mqtt.js client writes packet numbers without mqtt-packet's
// number cache (src/fleet/session-options.ts writeCache): that cache is 65 536
// Buffers kept for the life of the daemon, a third of a gateway's anonymous memory.
import { afterAll, expect, test } from "bun:test";
import { Mosquitto } from "../../helpers/mosquitto.ts";

const broker = new Mosquitto();
afterAll(() => broker.dispose());

function cacheEntries(mode: "daemon" | "cache"): number {
  const r = Bun.spawnSync([process.execPath, `${import.meta.dir}/mqtt-write-cache-child.ts`, broker.url, mode], { stderr: "pipe", timeout: 20_000 });
  if (r.exitCode !== 0) throw new Error(`child (${mode}) exited ${r.exitCode}: ${r.stderr.toString()}`);
  return Number(r.stdout.toString().trim());
}

test("a published QoS 1 packet leaves mqtt-packet's 16-bit number cache empty with the daemon's options (full with mqtt.js's default)", async () => {
  await broker.start();
  expect(cacheEntries("daemon")).toBe(0);
  expect(cacheEntries("cache")).toBe(65536);
}, 60_000);
