// The Prometheus exposition of a status document, checked by Prometheus's own
// parser and linter (`promtool check metrics`, Debian's prometheus package):
// names, types, HELP/TYPE lines, label escaping of hostile names, histogram
// buckets (cumulative, +Inf = count), and the check statistics behind them.
import { describe, expect, test } from "bun:test";
import { CHECK_LATENCY_BUCKETS_S, CheckStats } from "../../../src/daemon/metrics-checks.ts";
import { renderMetrics } from "../../../src/daemon/metrics.ts";
import type { DaemonStatus, InstanceStatus } from "../../../src/daemon/status-types.ts";
import { DROP_NAMES } from "../../../src/vrrp/drop-reasons.ts";

const PROMTOOL = "/usr/bin/promtool";

function promtool(text: string): { ok: boolean; out: string } {
  const r = Bun.spawnSync([PROMTOOL, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: `${r.stdout}${r.stderr}` };
}

/** name{labels} value lines of one metric, after promtool accepted the text */
function samples(text: string, name: string): Array<{ labels: string; value: number }> {
  return text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).map((l) => {
    const m = /^[^{ ]+(\{.*\})? (\S+)$/.exec(l)!;
    return { labels: m[1] ?? "", value: m[2] === "+Inf" ? Infinity : Number(m[2]) };
  });
}

function instance(name: string, o: Partial<InstanceStatus> = {}): InstanceStatus {
  const counters: Record<string, number> = { advertsSent: 10, advertsReceived: 5, transitions: 2, vipRenewals: 7, becameMaster: 1, releasedMaster: 0, priorityZeroReceived: 0, priorityZeroSent: 0, sendErrors: 0, garpsSent: 5, vipRestores: 0, routeRestores: 0, conflicts: 0 };
  for (const r of DROP_NAMES.slice(1)) counters[`drop_${r}`] = r === "bad_ttl" ? 3 : 0;
  return {
    name, interface: "eth0", vrid: 51, family: 4, version: 3, state: "MASTER", priority: 100, effectivePriority: 110, masterAddress: "198.18.0.1",
    since: 1_700_000_000_000, vips: ["198.18.0.100/32"], counters, masterPriority: 110,
    tracking: [{ kind: "script", name: "chk", weight: 10, up: true }, { kind: "interface", name: "eth1", weight: 0, up: null }, { kind: "file", name: "tf", weight: 2, value: 5 }],
    vipsInKernel: [{ address: "198.18.0.100", prefix: 32, dev: "eth0", validLifetime: 3 }, { address: "198.18.0.101", prefix: 32, dev: "eth0", validLifetime: "forever" }],
    ...o,
  };
}

function status(): DaemonStatus {
  return {
    version: "0.1.0", pid: 1, startedAt: 1_700_000_000_000, configFile: "/etc/vigil/vigil.conf",
    instances: [
      instance("VI_1"),
      // keepalived names may carry characters the exposition format must escape
      instance('we"ird\\name\nx', { state: "BACKUP" }),
      { ...instance("WAIT"), state: "FAULT", waiting: true, counters: {}, tracking: [] },
    ],
    syncGroups: [{ name: "G1", members: ["VI_1"], state: "MASTER" }, { name: "G2", members: ["WAIT", "VI_1"], state: null }],
    virtualServers: [{ virtualServer: "198.18.0.10:80/TCP", quorumUp: true, realServers: [{ realServer: "198.18.0.1:80", alive: true, weight: 1, checkers: [] }, { realServer: "198.18.0.2:80", alive: false, weight: 1, checkers: [] }] }],
    ipvs: { operations: 4, applyErrors: 1, fault: "no IP_VS" },
    fleet: { connected: false, queuedEvents: 12, droppedEvents: 0, inflightEvents: 0, publishedEvents: 3, publishedStates: 4, connects: 1 },
    notifyFifos: [{ path: "/run/vigil/notify.fifo", written: 9, queued: 0, dropped: 0 }],
  };
}

function checks(): CheckStats {
  const c = new CheckStats();
  const rep = (rs: string, ok: boolean, latencyMs: number) => c.record({ vs: "198.18.0.10:80/TCP", rs, checker: "TCP_CHECK", outcome: ok ? { ok } : { ok, reason: "connection refused" }, latencyMs }, 1_700_000_000_000);
  for (const ms of [0.4, 0.9, 3, 30, 30, 7000, 20_000]) rep("198.18.0.1:80", true, ms);
  rep("198.18.0.2:80", false, 1.5);
  return c;
}

describe("Prometheus text exposition", () => {
  test("promtool parses and lints it without a complaint", () => {
    expect(promtool(renderMetrics(status(), checks().entries()))).toEqual({ ok: true, out: "" });
  });

  test("the check can fail: promtool refuses a counter without _total and a malformed line", () => {
    const bad = promtool("# HELP vigil_x a\n# TYPE vigil_x counter\nvigil_x 1\nvigil_y{a=\"1\" 2\n");
    expect(bad.ok).toBe(false);
  });

  test("state set, priorities, every drop reason, VIP lifetimes (+Inf for a permanent one), tracked items that are known", () => {
    const t = renderMetrics(status(), checks().entries());
    expect(samples(t, "vigil_vrrp_state").filter((s) => s.value === 1).map((s) => s.labels)).toEqual([
      '{instance="VI_1",state="MASTER"}', '{instance="we\\"ird\\\\name\\nx",state="BACKUP"}', '{instance="WAIT",state="FAULT"}',
    ]);
    expect(samples(t, "vigil_vrrp_waiting").map((s) => s.value)).toEqual([0, 0, 1]);
    expect(samples(t, "vigil_vrrp_effective_priority")[0]).toEqual({ labels: '{instance="VI_1"}', value: 110 });
    const drops = samples(t, "vigil_vrrp_adverts_dropped_total").filter((s) => s.labels.startsWith('{instance="VI_1"'));
    expect(drops.map((s) => /reason="([^"]+)"/.exec(s.labels)![1])).toEqual(DROP_NAMES.slice(1));
    expect(drops.find((s) => s.labels.includes("bad_ttl"))!.value).toBe(3);
    // an instance waiting to start has no counters yet: no series rather than zeros
    expect(samples(t, "vigil_vrrp_adverts_sent_total").map((s) => s.labels)).toEqual(['{instance="VI_1"}', '{instance="we\\"ird\\\\name\\nx"}']);
    expect(samples(t, "vigil_vrrp_vip_valid_lifetime_seconds").filter((s) => s.labels.startsWith('{instance="VI_1"')).map((s) => s.value)).toEqual([3, Infinity]);
    expect(samples(t, "vigil_vrrp_track_up").filter((s) => s.labels.startsWith('{instance="VI_1"'))).toEqual([{ labels: '{instance="VI_1",kind="script",name="chk"}', value: 1 }]);
    expect(samples(t, "vigil_vrrp_track_file_value")[0]!.value).toBe(5);
    expect(samples(t, "vigil_vrrp_sync_group_state").filter((s) => s.value === 1).map((s) => s.labels)).toEqual(['{group="G1",state="MASTER"}']);
  });

  test("check latency histogram: cumulative buckets in seconds, +Inf equals the count, sum in seconds", () => {
    const t = renderMetrics(status(), checks().entries());
    const b = samples(t, "vigil_lvs_check_duration_seconds_bucket").filter((s) => s.labels.includes('real_server="198.18.0.1:80"'));
    expect(b.length).toBe(CHECK_LATENCY_BUCKETS_S.length + 1);
    // 0.4 and 0.9 ms <= 1 ms; 3 ms <= 5 ms; 2 x 30 ms <= 50 ms; 7 s <= 10 s; 20 s only in +Inf
    expect(b.map((s) => s.value)).toEqual([2, 2, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 6, 7]);
    expect(b[b.length - 1]!.labels).toContain('le="+Inf"');
    expect(samples(t, "vigil_lvs_check_duration_seconds_count").map((s) => s.value)).toEqual([7, 1]);
    expect(samples(t, "vigil_lvs_check_duration_seconds_sum")[0]!.value).toBeCloseTo((0.4 + 0.9 + 3 + 30 + 30 + 7000 + 20_000) / 1000, 9);
    expect(samples(t, "vigil_lvs_check_failures_total").map((s) => s.value)).toEqual([0, 1]);
    expect(samples(t, "vigil_lvs_real_server_up").map((s) => s.value)).toEqual([1, 0]);
  });

  test("IPVS, fleet queue depth and FIFO counters", () => {
    const t = renderMetrics(status(), []);
    expect(samples(t, "vigil_ipvs_fault")[0]!.value).toBe(1);
    expect(samples(t, "vigil_ipvs_apply_errors_total")[0]!.value).toBe(1);
    expect(samples(t, "vigil_fleet_queued_events")[0]!.value).toBe(12);
    expect(samples(t, "vigil_notify_fifo_lines_total")[0]).toEqual({ labels: '{path="/run/vigil/notify.fifo"}', value: 9 });
  });
});

describe("check statistics", () => {
  test("last result per checker type, failures counted, servers the config dropped forgotten", () => {
    const c = checks();
    const s = c.get("198.18.0.10:80/TCP", "198.18.0.2:80")!.get("TCP_CHECK")!;
    expect({ ok: s.lastOk, reason: s.lastReason, count: s.count, failures: s.failures, ms: s.lastLatencyMs }).toEqual({ ok: false, reason: "connection refused", count: 1, failures: 1, ms: 1.5 });
    c.retain([{ virtualServer: "198.18.0.10:80/TCP", realServers: [{ realServer: "198.18.0.1:80" }] }]);
    expect(c.entries().map((e) => e.realServer)).toEqual(["198.18.0.1:80"]);
    c.retain([]);
    expect(c.entries()).toEqual([]);
  });
});
