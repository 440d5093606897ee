// keepalived's split-brain baseline, one fault of each kind on a fixed plan,
// through the same fault script the bench runs (test/bench/faults.ts). It
// pins down what keepalived does — the behaviour vigil is measured against —
// and proves the script's judging (duplicates, "until undo", recovery) on a
// real peer. No timing thresholds: only which faults leave two holders.
import { expect, test } from "bun:test";
import { runFaults } from "../bench/faults.ts";

test("keepalived baseline: SIGKILL, SIGSTOP and partition of the master leave two VIP holders until undone; link down and a killed backup do not", async () => {
  const rs = await runFaults({
    impl: "keepalived", faults: 0, seed: 1, advertInt: 0.1, maxSeconds: 90,
    plan: [
      { kind: "kill", target: "master", holdMs: 800 },
      { kind: "stop", target: "master", holdMs: 800 },
      { kind: "link", target: "master", holdMs: 800 },
      { kind: "partition", target: "master", holdMs: 800 },
      { kind: "kill", target: 3, holdMs: 500 },
    ],
  });
  expect(rs.map((r) => [r.kind, r.target, r.targetWasMaster, r.settled])).toEqual([
    ["kill", 1, true, true], ["stop", 1, true, true], ["link", 1, true, true], ["partition", 1, true, true], ["kill", 3, false, true],
  ]);
  // The dead or frozen master keeps its permanent VIP while r2 promotes itself.
  expect(rs[0].dupToUndo).toBe(true);
  expect(rs[1].dupToUndo).toBe(true);
  // Link down puts keepalived in FAULT, which removes its VIPs: no stale holder.
  expect(rs[2].dupToUndo).toBe(false);
  // An isolated master cannot know: both sides hold the VIP until the heal.
  expect(rs[3].dupToUndo).toBe(true);
  expect(rs[4].dupMaxMs).toBe(0);
  // The client is answered by a healthy holder after every fault.
  for (const r of rs) expect(r.recoveryMs).not.toBeNull();
}, 120_000);
