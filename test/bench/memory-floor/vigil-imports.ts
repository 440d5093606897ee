// Floor 4: vigil's daemon modules imported (what `vigil run` loads before it reads a
// config) and nothing started. FLOOR_WORKER=1 also starts the VRRP worker's entry
// point, which loads its modules and then waits for an init message it never gets.
import { run } from "../../../src/cli/run.ts";
import { LvsManager } from "../../../src/daemon/lvs-manager.ts";
import { FleetLink } from "../../../src/daemon/fleet-link.ts";

if (process.env.FLOOR_WORKER === "1") {
  const w = new Worker(process.env.FLOOR_COMPILED === "1" ? "./src/daemon/vrrp-worker.ts" : new URL("../../../src/daemon/vrrp-worker.ts", import.meta.url).href);
  w.onerror = (e) => console.error(`vrrp worker: ${e.message}`);
}
// the imports are used, so the bundler keeps them
console.log("ready", typeof run, typeof LvsManager, typeof FleetLink);
setInterval(() => {}, 60_000);
