// Floor 6: what `vigil run` imports before it reads a config: its static import graph,
// which leaves out the fleet link (mqtt.js), the pushed-config boot (node:crypto) and
// the LVS side (the checkers' node:net/tls/dgram/child_process); a daemon loads those
// only when its config has them. FLOOR_WORKER=1 also starts the VRRP worker's entry
// point, which loads its modules and then waits for an init message it never gets.
import { run } from "../../../src/cli/run.ts";

if (process.env.FLOOR_WORKER === "1") {
  const w = new Worker(process.env.FLOOR_COMPILED === "1" ? "./src/daemon/vrrp-worker.ts" : new URL("../../../src/daemon/vrrp-worker.ts", import.meta.url).href);
  w.onerror = (e) => console.error(`vrrp worker: ${e.message}`);
}
// the import is used, so the bundler keeps it
console.log("ready", typeof run);
setInterval(() => {}, 60_000);
