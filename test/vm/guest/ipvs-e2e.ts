// Runs inside the test VM as the LVS director: applies the phase tables of
// test/vm/ipvs-e2e.test.ts with vigil's client when the host asks (a file
// phase-NAME appears in the shared run dir) and confirms with applied-NAME.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { describeOp, normalizeService, reconcile } from "../../../src/lvs/reconcile.ts";
import { IpvsClient } from "../../../src/sys/ipvs/client.ts";
import { E2E_PHASES } from "../ipvs-e2e-topology.ts";

const runDir = process.argv[2]!;
const c = IpvsClient.open();
const owned = new Set<string>();

function apply(name: string) {
  const desired = E2E_PHASES[name]!;
  const ops = reconcile(c.table(), desired, owned);
  c.apply(ops);
  for (const s of desired) owned.add(serviceKeyString(normalizeService(s)));
  writeFileSync(join(runDir, `applied-${name}`), ops.map(describeOp).join("\n"));
}

apply("initial");
// bounded wait for the host's next phase: 600 × 0.5 s
const order = Object.keys(E2E_PHASES).filter((p) => p !== "initial");
let next = 0;
for (let i = 0; i < 600 && !existsSync(join(runDir, "phase-done")); i++) {
  const p = order[next];
  if (p && existsSync(join(runDir, `phase-${p}`))) {
    apply(p);
    next++;
    continue;
  }
  await Bun.sleep(500);
}
c.close();
