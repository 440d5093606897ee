// The Prometheus text exposition (format 0.0.4) of a status document and the
// checkers' statistics. Pure: data in, text out; names follow Prometheus
// conventions (vigil_ prefix, _total for counters, seconds) and are listed with
// their meaning in docs/metrics.md. Everything here comes from what the VRRP
// worker already reports for `vigil status` (one request per scrape, never a
// message per advert) and from main-thread state.
import { DROP_NAMES } from "../vrrp/drop-reasons.ts";
import { CHECK_LATENCY_BUCKETS_S, type CheckStatEntry } from "./metrics-checks.ts";
import type { DaemonStatus } from "./status-types.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const VRRP_STATES = ["INIT", "BACKUP", "MASTER", "FAULT", "STOP"] as const;

type Labels = Record<string, string>;
type Sample = [Labels, number];

/** Label values: backslash, double quote and line feed escaped (exposition format). */
function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

function value(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelInner(l: Labels): string {
  let out = "";
  for (const k in l) out += `${out ? "," : ""}${k}="${escapeLabel(l[k]!)}"`;
  return out;
}

function labelText(l: Labels): string {
  const inner = labelInner(l);
  return inner ? `{${inner}}` : "";
}

class Exposition {
  readonly lines: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string, samples: Sample[]): void {
    if (!samples.length) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) this.lines.push(`${name}${labelText(l)} ${value(v)}`);
  }

  histogram(name: string, help: string, series: Array<{ labels: Labels; buckets: ArrayLike<number>; sum: number; count: number }>, bounds: readonly number[]): void {
    if (!series.length) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    // the label text of a series is built once for its 16 lines (thousands of real servers make this the bulk of a scrape)
    const le = bounds.map((b) => `le="${b}"}`);
    for (const s of series) {
      const inner = labelInner(s.labels);
      const open = `${name}_bucket{${inner}${inner ? "," : ""}`;
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += s.buckets[i]!;
        this.lines.push(`${open}${le[i]} ${cumulative}`);
      }
      this.lines.push(`${open}le="+Inf"} ${s.count}`);
      const plain = inner ? `{${inner}}` : "";
      this.lines.push(`${name}_sum${plain} ${value(s.sum)}`);
      this.lines.push(`${name}_count${plain} ${s.count}`);
    }
  }
}

/** One counter of every instance that has counters (one waiting to start has none yet). */
function counters(st: DaemonStatus, key: string): Sample[] {
  return st.instances.filter((i) => i.counters[key] !== undefined).map((i) => [{ instance: i.name }, i.counters[key]!]);
}

interface FleetStats {
  connected?: boolean;
  queuedEvents?: number;
  droppedEvents?: number;
  inflightEvents?: number;
  publishedStates?: number;
  publishedEvents?: number;
  connects?: number;
}

export function renderMetrics(st: DaemonStatus, checks: readonly CheckStatEntry[]): string {
  const x = new Exposition();
  x.family("vigil_build_info", "gauge", "Always 1; the running vigil's version.", [[{ version: st.version }, 1]]);
  x.family("vigil_start_time_seconds", "gauge", "When the daemon started, in seconds since the epoch.", [[{}, st.startedAt / 1000]]);
  if (st.configSerial !== undefined) x.family("vigil_config_serial", "gauge", "Serial of the running fleet-pushed config.", [[{}, st.configSerial]]);

  // VRRP
  const inst = st.instances;
  x.family("vigil_vrrp_state", "gauge", "1 for the state each vrrp_instance is in, 0 for the others (a state set).",
    inst.flatMap((i) => VRRP_STATES.map((s): Sample => [{ instance: i.name, state: s }, i.state === s ? 1 : 0])));
  x.family("vigil_vrrp_waiting", "gauge", "1 while the instance cannot start yet (interface absent or no usable source address).",
    inst.map((i) => [{ instance: i.name }, i.waiting ? 1 : 0]));
  x.family("vigil_vrrp_priority", "gauge", "Configured priority.", inst.map((i) => [{ instance: i.name }, i.priority]));
  x.family("vigil_vrrp_effective_priority", "gauge", "Priority after tracking weights (what is advertised).", inst.map((i) => [{ instance: i.name }, i.effectivePriority]));
  x.family("vigil_vrrp_master_priority", "gauge", "Priority the current master advertises (0 when none is known).",
    inst.filter((i) => i.masterPriority !== undefined).map((i) => [{ instance: i.name }, i.masterPriority!]));
  x.family("vigil_vrrp_last_transition_timestamp_seconds", "gauge", "When the instance last changed state, in seconds since the epoch.",
    inst.map((i) => [{ instance: i.name }, i.since / 1000]));
  x.family("vigil_vrrp_transitions_total", "counter", "State transitions.", counters(st, "transitions"));
  x.family("vigil_vrrp_adverts_sent_total", "counter", "VRRP advertisements sent.", counters(st, "advertsSent"));
  x.family("vigil_vrrp_adverts_received_total", "counter", "VRRP advertisements received and accepted.", counters(st, "advertsReceived"));
  x.family("vigil_vrrp_adverts_dropped_total", "counter", "Received VRRP packets dropped, by reason (RFC 5798 §7.1 checks and keepalived's).",
    inst.flatMap((i) => DROP_NAMES.slice(1).filter((r) => i.counters[`drop_${r}`] !== undefined).map((r): Sample => [{ instance: i.name, reason: r }, i.counters[`drop_${r}`]!])));
  x.family("vigil_vrrp_became_master_total", "counter", "Transitions into MASTER.", counters(st, "becameMaster"));
  x.family("vigil_vrrp_released_master_total", "counter", "Transitions out of MASTER.", counters(st, "releasedMaster"));
  x.family("vigil_vrrp_priority_zero_received_total", "counter", "Priority-0 adverts received (a master stepping down, RFC 5798 §6.4.2).", counters(st, "priorityZeroReceived"));
  x.family("vigil_vrrp_priority_zero_sent_total", "counter", "Priority-0 adverts sent (stepping down, RFC 5798 §6.4.3).", counters(st, "priorityZeroSent"));
  x.family("vigil_vrrp_send_errors_total", "counter", "Adverts, gratuitous ARPs/NAs and probes the kernel refused to send.", counters(st, "sendErrors"));
  x.family("vigil_vrrp_gratuitous_sent_total", "counter", "Gratuitous ARPs and unsolicited neighbour advertisements sent.", counters(st, "garpsSent"));
  x.family("vigil_vrrp_vip_lease_renewals_total", "counter", "VIP lifetimes set or extended in the kernel (one per VIP per renewal).", counters(st, "vipRenewals"));
  x.family("vigil_vrrp_vip_restores_total", "counter", "VIPs put back after someone deleted them while MASTER.", counters(st, "vipRestores"));
  x.family("vigil_vrrp_route_restores_total", "counter", "Virtual routes and rules put back after someone deleted them while MASTER.", counters(st, "routeRestores"));
  x.family("vigil_vrrp_vip_conflicts_total", "counter", "Another host claimed one of our VIPs (ARP, NA, or the address appeared while not MASTER).", counters(st, "conflicts"));
  x.family("vigil_vrrp_vip_valid_lifetime_seconds", "gauge", "Seconds the kernel keeps each VIP without a renewal (+Inf: permanent).",
    inst.flatMap((i) => (i.vipsInKernel ?? []).map((v): Sample => [{ instance: i.name, address: `${v.address}/${v.prefix}`, dev: v.dev }, v.validLifetime === "forever" ? Infinity : v.validLifetime])));
  const tracked = inst.flatMap((i) => (i.tracking ?? []).map((t) => ({ i, t })));
  x.family("vigil_vrrp_track_up", "gauge", "Tracked interface, script or process: 1 up, 0 down (absent until known).",
    tracked.filter(({ t }) => t.kind !== "file" && t.up !== null && t.up !== undefined).map(({ i, t }): Sample => [{ instance: i.name, kind: t.kind, name: t.name }, t.up ? 1 : 0]));
  x.family("vigil_vrrp_track_file_value", "gauge", "The number a tracked file holds.",
    tracked.filter(({ t }) => t.kind === "file" && t.value !== undefined).map(({ i, t }): Sample => [{ instance: i.name, name: t.name }, t.value!]));
  x.family("vigil_vrrp_sync_group_state", "gauge", "1 for the state each vrrp_sync_group is in (none while its members differ).",
    (st.syncGroups ?? []).flatMap((g) => VRRP_STATES.filter((s) => s !== "INIT").map((s): Sample => [{ group: g.name, state: s }, g.state === s ? 1 : 0])));

  // LVS
  const vss = st.virtualServers ?? [];
  x.family("vigil_lvs_virtual_server_quorum_up", "gauge", "1 while the virtual server has quorum (its real servers' live weight is enough).",
    vss.map((v) => [{ virtual_server: v.virtualServer }, v.quorumUp ? 1 : 0]));
  x.family("vigil_lvs_virtual_server_suspended", "gauge", "1 while ha_suspend pauses the virtual server's checks (its address is not on this box).",
    vss.map((v) => [{ virtual_server: v.virtualServer }, v.suspended ? 1 : 0]));
  const rss = vss.flatMap((v) => v.realServers.map((r) => ({ v, r })));
  x.family("vigil_lvs_real_server_up", "gauge", "1 while every checker of the real server passes.",
    rss.map(({ v, r }) => [{ virtual_server: v.virtualServer, real_server: r.realServer }, r.alive ? 1 : 0]));
  x.family("vigil_lvs_real_server_weight", "gauge", "The real server's weight as programmed when alive.",
    rss.map(({ v, r }) => [{ virtual_server: v.virtualServer, real_server: r.realServer }, r.weight]));
  const ck = (c: CheckStatEntry): Labels => ({ virtual_server: c.virtualServer, real_server: c.realServer, checker: c.checker });
  x.family("vigil_lvs_check_last_success", "gauge", "1 if the last check attempt passed, 0 if it failed.", checks.map((c) => [ck(c), c.stat.lastOk ? 1 : 0]));
  x.family("vigil_lvs_check_failures_total", "counter", "Failed check attempts.", checks.map((c) => [ck(c), c.stat.failures]));
  x.histogram("vigil_lvs_check_duration_seconds", "Time from the start of a check attempt to its result.",
    checks.map((c) => ({ labels: ck(c), buckets: c.stat.buckets, sum: c.stat.sumS, count: c.stat.count })), CHECK_LATENCY_BUCKETS_S);
  if (st.ipvs) {
    x.family("vigil_ipvs_operations_total", "counter", "IPVS operations applied (service or real server added, changed or removed).", [[{}, st.ipvs.operations]]);
    x.family("vigil_ipvs_apply_errors_total", "counter", "Table applications the kernel refused (retried every 10 s).", [[{}, st.ipvs.applyErrors]]);
    x.family("vigil_ipvs_fault", "gauge", "1 while IPVS cannot be programmed (no IP_VS in the kernel, or it refuses).", [[{}, st.ipvs.fault ? 1 : 0]]);
  }

  // fleet and notify FIFOs
  const f = st.fleet as FleetStats | undefined;
  if (f) {
    x.family("vigil_fleet_connected", "gauge", "1 while the MQTT session to the fleet broker is up.", [[{}, f.connected ? 1 : 0]]);
    x.family("vigil_fleet_queued_events", "gauge", "Fleet events waiting to be published (bounded queue).", [[{}, f.queuedEvents ?? 0]]);
    x.family("vigil_fleet_inflight_events", "gauge", "Fleet events published and not yet acknowledged (QoS 1).", [[{}, f.inflightEvents ?? 0]]);
    x.family("vigil_fleet_dropped_events_total", "counter", "Fleet events dropped because the queue was full.", [[{}, f.droppedEvents ?? 0]]);
    x.family("vigil_fleet_published_events_total", "counter", "Fleet events published.", [[{}, f.publishedEvents ?? 0]]);
    x.family("vigil_fleet_published_states_total", "counter", "Retained fleet state messages published.", [[{}, f.publishedStates ?? 0]]);
    x.family("vigil_fleet_connects_total", "counter", "MQTT sessions established.", [[{}, f.connects ?? 0]]);
  }
  const fifos = st.notifyFifos ?? [];
  x.family("vigil_notify_fifo_lines_total", "counter", "Lines written to each notify FIFO.", fifos.map((q) => [{ path: q.path }, q.written]));
  x.family("vigil_notify_fifo_dropped_lines_total", "counter", "Lines dropped because nobody read the FIFO and its queue was full.", fifos.map((q) => [{ path: q.path }, q.dropped]));
  x.family("vigil_notify_fifo_queued_lines", "gauge", "Lines waiting for room in the FIFO.", fifos.map((q) => [{ path: q.path }, q.queued]));
  return `${x.lines.join("\n")}\n`;
}
