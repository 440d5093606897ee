// The rollout's command line (--max-failed N|P%, seconds, what excludes what),
// its output (live line, per-node table), and the LAN a node reports.
import { describe, expect, test } from "bun:test";
import { progressLine, renderRollout, tallyOf } from "../../../../src/cli/fleet-render.ts";
import { maxFailedOf, parseMaxFailed, parseRolloutArgs } from "../../../../src/cli/fleet-rollout-args.ts";
import { lanOf, subnetOf } from "../../../../src/fleet/lan.ts";
import { newRollout, type EngineState } from "../../../../src/fleet/rollout/engine.ts";

const base = ["b.blob", "--broker", "mqtt://127.0.0.1:1", "--fleet", "edge"];

describe("fleet rollout arguments", () => {
  test("--max-failed: a count, or a percentage of the targets rounded down", () => {
    expect(maxFailedOf(parseMaxFailed(undefined), 100)).toBe(0);
    expect(maxFailedOf(parseMaxFailed("3"), 100)).toBe(3);
    expect(maxFailedOf(parseMaxFailed("2%"), 1000)).toBe(20);
    expect(maxFailedOf(parseMaxFailed("10%"), 19)).toBe(1);
    expect(() => parseMaxFailed("-1")).toThrow("--max-failed expects a count");
    expect(() => parseMaxFailed("150%")).toThrow("--max-failed expects a count");
  });

  test("defaults, seconds to ms, and the selectors", () => {
    const o = parseRolloutArgs([...base, "--all"]);
    expect(o).toMatchObject({ all: true, soakMs: 10_000, timeoutMs: 60_000, holdMs: 3000, maxFailed: { count: 0 }, rollbackOnAbort: false, dryRun: false, settleMs: 1500 });
    expect(o.waves).toEqual([{ count: 1 }, { percent: 10 }, { percent: 50 }, { percent: 100 }]);
    expect(parseRolloutArgs([...base, "--node", "a", "--node", "b", "--soak", "0.5"])).toMatchObject({ nodes: ["a", "b"], soakMs: 500 });
    expect(parseRolloutArgs([...base, "--where", "vrrp.instance=VI_1"]).where.map((t) => t.text)).toEqual(["vrrp.instance=VI_1"]);
  });

  test("mistakes are named", () => {
    expect(() => parseRolloutArgs([...base])).toThrow("say which nodes");
    expect(() => parseRolloutArgs([...base, "--all", "--node", "a"])).toThrow("--all and --node exclude each other");
    expect(() => parseRolloutArgs([...base, "--all", "--soak", "ten"])).toThrow("--soak expects seconds");
    expect(() => parseRolloutArgs([...base, "--node", "all"])).toThrow("node id 'all' is reserved");
    expect(() => parseRolloutArgs([...base, "--node", "rollout"])).toThrow("node id 'rollout' is reserved");
    expect(() => parseRolloutArgs(["--resume", "x", "--all"])).toThrow("--resume takes the rest from the rollout's state file");
    expect(() => parseRolloutArgs([...base, "--all", "--mqtt-version", "3"])).toThrow("--mqtt-version expects 4 or 5");
  });
});

function state(): EngineState {
  const s = newRollout({
    id: "s7-x", fleet: "edge", serial: 7, configHash: "h", blobSha256: "b", waves: [["gw1"], ["gw2", "gw3"]],
    soakMs: 0, timeoutMs: 1000, holdMs: 0, maxFailed: 0, rollbackOnAbort: false, notes: ["1 wave(s) added at the end: x"],
  });
  s.status = "running";
  s.wave = 1;
  s.startedAt = 1_000;
  s.nodes.gw1 = { wave: 0, phase: "done", outcome: "applied" };
  s.nodes.gw2 = { wave: 1, phase: "done", outcome: "rejected", reason: "bad-signature: does not verify\u001b[31m", failed: true };
  s.nodes.gw3 = { wave: 1, phase: "soaking" };
  return s;
}

describe("fleet rollout output", () => {
  test("the live line: wave, applied/failed/pending, in flight, elapsed", () => {
    const s = state();
    expect(progressLine(s, tallyOf(s), 13_300)).toBe("wave 2/2  applied 1  failed 1  pending 0  in flight 1  12.3s");
  });

  test("the table: one row per node in wave order, the reason beside it, control characters neutralised", () => {
    const out = renderRollout(state(), 13_300);
    expect(out.split("\n").slice(0, 3)).toEqual([
      "rollout s7-x: serial 7 to 3 node(s) of fleet edge in 2 wave(s): running",
      "started 1970-01-01T00:00:01.000Z, 12.3s; 1 applied, 1 failed, 0 rolled back, 0 pending",
      "note: 1 wave(s) added at the end: x",
    ]);
    expect(out).toContain("gw1   1     applied   -");
    expect(out).toContain("gw2   2     rejected  bad-signature: does not verify?[31m");
    expect(out).toContain("gw3   2     soaking   -");
  });
});

describe("the LAN a node reports", () => {
  test("subnets of IPv4 and IPv6 addresses", () => {
    expect(subnetOf("198.18.0.7", 24)).toBe("198.18.0.0/24");
    expect(subnetOf("198.18.3.200", 27)).toBe("198.18.3.192/27");
    expect(subnetOf("fd00:198:18::5", 64)).toBe("fd00:198:18::/64");
  });

  test("the first global address that is not a VIP: not a secondary, not the IPv6 link-local", () => {
    const addrs = [
      { address: "198.18.0.100", prefixlen: 32, scope: 0, flags: 0 }, // a VIP
      { address: "127.0.0.1", prefixlen: 8, scope: 254, flags: 0 },
      { address: "198.18.9.1", prefixlen: 24, scope: 0, flags: 0x01 }, // secondary
      { address: "198.18.0.2", prefixlen: 24, scope: 0, flags: 0 },
      { address: "fe80::1", prefixlen: 64, scope: 253, flags: 0 },
      { address: "fd00:1::2", prefixlen: 64, scope: 0, flags: 0 },
    ];
    expect(lanOf(addrs, 4, ["198.18.0.100"])).toBe("198.18.0.0/24");
    expect(lanOf(addrs, 6, [])).toBe("fd00:1::/64");
    expect(lanOf(addrs.slice(0, 3), 4, ["198.18.0.100"])).toBeUndefined();
  });
});
