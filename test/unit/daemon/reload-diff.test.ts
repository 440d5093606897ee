import { describe, expect, test } from "bun:test";
import { readKeepalivedText } from "./plan-helpers.ts";
import { configPlans, type InstancePlan } from "../../../src/daemon/plan.ts";
import { priorityOnlyChange, reloadDiff, retunedPlan, samePlan } from "../../../src/daemon/reload-diff.ts";

/** Unbound plans of a config whose instances are given as name -> body lines. */
function plans(instances: Record<string, string>): InstancePlan[] {
  const text = Object.entries(instances)
    .map(([name, body]) => `vrrp_instance ${name} {\n  interface eth0\n${body}\n}`)
    .join("\n");
  const r = configPlans(readKeepalivedText(text));
  expect(r.errors).toEqual([]);
  return r.plans;
}

const body = (vrid: number, priority: number, extra = "") =>
  `  virtual_router_id ${vrid}\n  priority ${priority}\n  advert_int 1\n  virtual_ipaddress { 198.18.0.${vrid}/24 }\n${extra}`;

const byName = (ps: InstancePlan[], name: string) => ps.find((p) => p.name === name)!;

describe("reload diff: which instances survive a reload", () => {
  test("an unchanged instance keeps running, wherever it moved in the file; what only the source holds changes nothing", () => {
    const old = plans({ A: body(1, 100), B: body(2, 100) });
    // B before A, and a notify script (read from `source` when it runs, not part of the plan)
    const next = plans({ B: `${body(2, 100)}\n  notify_master /bin/true`, A: body(1, 100) });
    expect(byName(next, "B").source).not.toEqual(byName(old, "B").source);
    expect(samePlan(byName(old, "B"), byName(next, "B"))).toBe(true);
    const d = reloadDiff(old, ["A", "B"], [], next);
    expect([...d.keep].sort()).toEqual(["A", "B"]);
    expect(d.retune.size).toBe(0);
  });

  test("a changed configured priority alone (1..254 both sides) retunes the instance in place", () => {
    const old = plans({ A: body(1, 100), B: body(2, 100) });
    const next = plans({ A: body(1, 150), B: body(2, 100) });
    const d = reloadDiff(old, ["A", "B"], [], next);
    expect([...d.retune.keys()]).toEqual(["A"]);
    expect(d.retune.get("A")!.params.priority).toBe(150);
    expect([...d.keep]).toEqual(["B"]);
  });

  test("becoming or ceasing to be the address owner (priority 255) is a restart, not a retune (RFC 5798 §5.2.4)", () => {
    const low = plans({ A: body(1, 100) }), owner = plans({ A: body(1, 255) });
    expect(priorityOnlyChange(low[0], owner[0])).toBe(false);
    expect(priorityOnlyChange(owner[0], low[0])).toBe(false);
    for (const [a, b] of [[low, owner], [owner, low]]) {
      const d = reloadDiff(a, ["A"], [], b);
      expect(d.keep.size + d.retune.size).toBe(0);
    }
  });

  test("a priority change together with any other change restarts the instance", () => {
    const old = plans({ A: body(1, 100) });
    const next = plans({ A: body(1, 150, "  advert_int 2") });
    expect(priorityOnlyChange(old[0], next[0])).toBe(false);
    const d = reloadDiff(old, ["A"], [], next);
    expect(d.keep.size + d.retune.size).toBe(0);
  });

  test("any other change, or an instance gone from the config, stops it (neither kept nor retuned)", () => {
    const old = plans({ A: body(1, 100), B: body(2, 100) });
    const next = plans({ A: `  virtual_router_id 1\n  priority 100\n  advert_int 1\n  virtual_ipaddress { 198.18.0.99/24 }` });
    const d = reloadDiff(old, ["A", "B"], [], next);
    expect(d.keep.size).toBe(0);
    expect(d.retune.size).toBe(0);
  });

  test("a waiting instance keeps its wait when unchanged; a dropped one is reported as dropped; a changed one neither", () => {
    const old = plans({ A: body(1, 100), B: body(2, 100), C: body(3, 100) });
    const next = plans({ A: body(1, 100), C: body(3, 120) });
    const d = reloadDiff(old, [], old, next);
    expect([...d.keepWaiting]).toEqual(["A"]);
    expect([...d.droppedWaiting]).toEqual(["B"]);
    // a waiting instance is never retuned: it starts from its new plan
    expect(d.retune.size).toBe(0);
  });

  test("a new instance in the config is none of the verdicts (it is started by the build)", () => {
    const old = plans({ A: body(1, 100) });
    const next = plans({ A: body(1, 100), N: body(9, 100) });
    const d = reloadDiff(old, ["A"], [], next);
    expect([...d.keep]).toEqual(["A"]);
    expect(d.keepWaiting.has("N") || d.retune.has("N") || d.droppedWaiting.has("N")).toBe(false);
  });

  test("a retuned runtime keeps its bound plan and takes only the new priority and config source", () => {
    const old = plans({ A: body(1, 100) }), next = plans({ A: `  # new\n${body(1, 150)}` });
    const bound: InstancePlan = { ...old[0], ifindex: 7, mac: "02:00:00:00:00:07" };
    const r = retunedPlan(bound, next[0]);
    expect(r.ifindex).toBe(7);
    expect(r.mac).toBe("02:00:00:00:00:07");
    expect(r.params.priority).toBe(150);
    expect(r.source).toEqual(next[0].source);
    expect(bound.params.priority).toBe(100); // the bound plan itself is not changed
  });
});
