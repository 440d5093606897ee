// Child process holding a fleet session, for the Last Will test: the parent
// SIGKILLs it and watches the broker publish `offline`. It also emits one
// unrelated warning so the parent can prove only DEP0169 is silent.
import { defaultFleet } from "../../../src/config/model.ts";
import { FleetReporter } from "../../../src/fleet/reporter.ts";

const [broker, node, version] = process.argv.slice(2);
const r = new FleetReporter({
  config: { ...defaultFleet(), broker, fleet: "edge", protocolVersion: version === "4" ? 4 : 5 },
  node, version: "test", bootTime: Date.now(), configSerial: () => 0,
});
r.start();
process.emitWarning("vigil-test-warning", { code: "VIGIL_TEST" });
r.vrrpState("VI_1", { state: "MASTER", segment: "lan", vrid: 51, priority: 100, effectivePriority: 100, since: Date.now() });
setInterval(() => {}, 1000); // stay alive until killed
