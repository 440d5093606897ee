// The daemon's side of the fleet, a composition root: it wires the reporter
// (src/fleet/reporter.ts) and the config delivery (src/fleet/config-delivery.ts)
// to the daemon and turns the daemon's transitions, real-server changes and
// events into reports: state and events out to MQTT, signed configs in.
// Every call returns at once (the reporter queues and coalesces); the VRRP worker
// never waits on any of it. Pushed configs go verify → store → apply → confirm →
// rollback (src/fleet/config-delivery.ts); applying is the daemon's hitless reload,
// and the commit-confirm window is judged (src/fleet/confirm.ts) from the same
// transitions, real-server changes and events this link reports.
import { errorText } from "../error-text.ts";
import pkg from "../../package.json" with { type: "json" };
import { configToCbor, readCbor } from "../config/config-cbor.ts";
import { type SignedPayload } from "../config/cose.ts";
import { configHash, verifyBlob } from "../config-io/cose-sign.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { virtualServerName, type Config } from "../config/model.ts";
import { ConfigStore } from "../config-io/store.ts";
import { TrustStore } from "../config-io/trust.ts";
import { ConfigDelivery, FleetReporter, modelValidator, type KnownConfig } from "../fleet/index.ts";
import { checkReportDue } from "../fleet/check-reports.ts";
import { judgeConfirm } from "../fleet/confirm.ts";
import { lanOf } from "../fleet/lan.ts";
import { NodeHealth } from "../fleet/node-health.ts";
import { redactSecrets } from "../fleet/redact.ts";
import type { CheckReport } from "../lvs/checkers/runner.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { listLinks } from "../sys/rtnetlink/link.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { fleetNode, type RunningConfig } from "./boot-config.ts";
import { log } from "./log.ts";
import type { VirtualServerStatus } from "./lvs-manager.ts";
import type { InstancePlan } from "./plan.ts";
import type { TransitionReport } from "./worker-protocol.ts";

/**
 * What the split-brain witness compares across nodes: routers of one virtual
 * router share its VIPs, whatever their interfaces are called.
 */
export function segmentOf(plan: InstancePlan): string {
  return `v${plan.params.family}:${plan.vips.filter((v) => v.advertised).map((v) => `${v.address}/${v.prefix}`).sort().join(",")}`;
}

/** The subnet an instance's interface is on (src/fleet/lan.ts), read from the kernel; undefined if unknown. */
function readInterfaceLan(plan: InstancePlan): string | undefined {
  try {
    const nl = openRtnetlink();
    try {
      const link = listLinks(nl).find((l) => l.name === plan.interface);
      if (!link) return undefined;
      return lanOf(listAddresses(nl, { family: plan.params.family, index: link.index }), plan.params.family, plan.vips.map((v) => v.address));
    } finally {
      nl.close();
    }
  } catch {
    return undefined; // a report without its LAN is still worth sending
  }
}

/** A blob kept in the store, checked as at boot; null when absent or not (any longer) trusted. */
function storedConfig(bytes: Uint8Array | null, trust: TrustStore | null, fleet: string, node: string): KnownConfig | null {
  if (!bytes || !trust) return null;
  const v = verifyBlob(bytes, { trust, fleet, node, currentSerial: -1 });
  return v.ok ? { serial: v.payload.serial, hash: v.hash, config: v.payload.config } : null;
}

const LAN_CACHE_MS = 2000;

export class FleetLink {
  readonly reporter: FleetReporter;
  /** instance -> what its last report said it is, for instances a reload removed */
  private readonly known = new Map<string, { segment: string; vrid: number }>();
  private readonly health = new NodeHealth();
  private cfg: Config;
  private readonly delivery: ConfigDelivery | null;
  /** "<vs>\0<rs>" -> the last check's words and latency, and when its report last went out */
  private readonly checks = new Map<string, { lastCheck: string; latencyMs: number; sentAt: number }>();
  private lvsView: () => VirtualServerStatus[] = () => [];
  /** interface/family -> LAN, read at most once per LAN_CACHE_MS (a reload flips many instances at once) */
  private readonly lans = new Map<string, { lan: string | undefined; at: number }>();

  /**
   * @param apply puts a pushed config into effect (the daemon's strict reload); throws to refuse it
   * @param interfaceLan the subnet of an instance's interface: read from the kernel; the
   *   fleet simulator (test/bench/fleet-sim-node.ts) gives its simulated interfaces' instead
   */
  constructor(cfg: Config, private readonly running: RunningConfig, apply: (cfg: Config) => void,
    private readonly interfaceLan: (plan: InstancePlan) => string | undefined = readInterfaceLan) {
    const fleet = cfg.fleet!;
    const node = fleetNode(cfg);
    this.cfg = cfg;
    this.health.useConfig(cfg);
    const store = new ConfigStore(fleet.stateDir);
    let trust: TrustStore | null = null;
    try {
      trust = TrustStore.fromFiles(fleet.trustKey);
    } catch (e) {
      log.error(`fleet: ${errorText(e)}; pushed configs will be rejected`);
    }
    // What runs, as bytes: the pushed blob's config, or the bootstrap file's model.
    const current = running.serial > 0
      ? storedConfig(store.readCurrent(), trust, fleet.fleet, node)
      : { serial: 0, hash: configHash(configToCbor(cfg)), config: configToCbor(cfg) };
    if (current && running.serial === 0) running.hash = current.hash;
    const lkg = storedConfig(store.readLastKnownGood(), trust, fleet.fleet, node);
    const previous = lkg && lkg.serial < running.serial ? lkg : null;
    const bootRollback = store.takeBootRollback();
    this.delivery = trust
      ? new ConfigDelivery({
          trust, fleet: fleet.fleet, node, store,
          running, // advanced in place as configs are accepted and rolled back
          validateConfig: modelValidator(),
          ...(current ? { runningConfig: current.config } : {}),
          previous,
          apply: async (p: SignedPayload, why) => {
            const r = readCbor(p.config, `config serial ${p.serial}`);
            if (!r.config) throw new Error(r.errors.map((e) => formatDiagnostic(e)).join("; "));
            apply(r.config);
            this.cfg = r.config;
            this.health.useConfig(r.config);
            log.info(`applied ${why === "rollback" ? "last known good" : "pushed"} config serial ${p.serial}`);
          },
          confirm: {
            timeoutMs: fleet.confirmTimeoutMs,
            begin: () => {
              const before = this.health.snapshot();
              const oldConfig = this.cfg;
              const start = Date.now();
              return () => judgeConfirm({
                before, after: this.health.snapshot(), oldConfig, newConfig: this.cfg,
                conflicts: this.health.conflictsSince(start), becameMasterAt: (i) => this.health.becameMasterAt(i),
              });
            },
          },
          onProgress: (r) => {
            this.reporter.configProgress(r);
            log.info(`pushed config serial ${r.serial} runs; confirming for ${(r.confirm_ms ?? 0) / 1000} s`);
          },
          log: (level, m) => log[level](m),
        })
      : null;
    const unusable = { accepted: false, state: "rejected" as const, reason: "unknown-key", message: "this node has no usable trust_key" };
    this.reporter = new FleetReporter({
      config: fleet,
      node,
      version: pkg.version,
      bootTime: Date.now(),
      configSerial: () => this.running.serial,
      configHash: () => this.running.hash,
      onConfigBlob: (blob) => this.delivery?.receive(blob) ?? unusable,
      onRollbackRequest: (req) => this.delivery?.rollback(req) ?? unusable,
      onConfigGet: () => {
        const r = this.delivery?.running ?? current;
        if (!r) return null;
        const parsed = readCbor(r.config, `config serial ${r.serial}`).config;
        return { serial: r.serial, hash: r.hash, config: parsed ? configToCbor(redactSecrets(parsed)) : r.config };
      },
      log: (m) => log.info(`fleet: ${m}`),
    });
    if (bootRollback) {
      log.warn(`fleet: config serial ${bootRollback.serial} was still proving itself when vigil stopped; rolled back to serial ${bootRollback.rolledBackTo}`);
      this.reporter.configState({
        accepted: false, state: "rolled-back", reason: "confirm-interrupted", serial: bootRollback.serial,
        message: `restarted during its probation; rolled back to serial ${bootRollback.rolledBackTo}`,
        running_serial: running.serial, running_hash: running.hash,
      });
    }
  }

  start(): void {
    this.reporter.start();
  }

  transition(t: TransitionReport, plan: InstancePlan | undefined): void {
    this.health.instance(t.instance, { state: t.to, master: t.master, ...(t.reason ? { reason: t.reason } : {}) }, Date.now());
    // An instance a reload removed reports its final stop after the new plan
    // replaced it: without the last known identity that report would be lost and
    // its retained vrrp topic would say MASTER forever — a standing false
    // split-brain for the witnesses of every peer that takes those VIPs over.
    const id = plan ? { segment: segmentOf(plan), vrid: plan.params.vrid } : this.known.get(t.instance);
    if (!id) return;
    if (plan) this.known.set(t.instance, id);
    const lan = plan ? this.lanOf(plan) : undefined;
    this.reporter.vrrpState(t.instance, {
      state: t.to,
      segment: id.segment,
      vrid: id.vrid,
      priority: t.priority,
      effectivePriority: t.effectivePriority,
      ...(t.master ? { masterAddress: t.master } : {}),
      // FAULT: why (interface absent or down, no carrier, tentative source address...)
      ...(t.reason ? { reason: t.reason } : {}),
      since: Date.now(),
      // what a rollout tells pairs by (src/fleet/rollout/segments.ts)
      ...(plan ? { interface: plan.interface, family: plan.params.family } : {}),
      ...(lan ? { lan } : {}),
      ...(plan?.source.unicastPeer.length ? { unicastPeers: plan.source.unicastPeer } : {}),
    });
    this.reporter.event({ type: "transition", instance: t.instance, from: t.from, to: t.to, priority: t.effectivePriority });
  }

  private lanOf(plan: InstancePlan): string | undefined {
    const key = `${plan.interface}/${plan.params.family}`;
    const now = Date.now();
    const hit = this.lans.get(key);
    if (hit && now - hit.at < LAN_CACHE_MS) return hit.lan;
    const lan = this.interfaceLan(plan);
    this.lans.set(key, { lan, at: now });
    return lan;
  }

  realServer(a: Extract<LvsAction, { type: "rs" }>): void {
    this.health.realServer(a.vs, a.rs, a.alive);
    const c = this.checks.get(`${a.vs}\u0000${a.rs}`);
    if (c) c.sentAt = Date.now();
    this.reporter.lvsState(a.vs, a.rs, { up: a.alive, weight: a.weight, ...(a.reason ? { lastCheck: a.reason } : c ? { lastCheck: c.lastCheck } : {}), ...(c ? { latencyMs: c.latencyMs } : {}) });
  }

  /** Where the checkers' current verdicts are read (the daemon's LVS manager), for reports not caused by a change. */
  useLvsView(view: () => VirtualServerStatus[]): void {
    this.lvsView = view;
  }

  /**
   * Every finished check; which ones go out is src/fleet/check-reports.ts's
   * decision (the first of each real server, then a latency refresh now and then).
   */
  check(r: CheckReport): void {
    const key = `${r.vs}\u0000${r.rs}`;
    const now = Date.now();
    const lastCheck = r.outcome.ok ? `${r.checker} ok` : `${r.checker}: ${r.outcome.reason || "failed"}`;
    const seen = this.checks.get(key);
    const latencyMs = Math.round(r.latencyMs * 10) / 10;
    if (seen && !checkReportDue(seen.sentAt, now)) {
      seen.lastCheck = lastCheck;
      seen.latencyMs = latencyMs;
      return;
    }
    this.checks.set(key, { lastCheck, latencyMs, sentAt: now });
    const vs = this.lvsView().find((v) => v.virtualServer === r.vs);
    const rs = vs?.realServers.find((x) => x.realServer === r.rs);
    if (!vs || !rs) return;
    this.reporter.lvsState(r.vs, r.rs, { up: rs.alive, weight: rs.weight, lastCheck, latencyMs });
    if (!seen) this.quorum({ type: "quorum", vs: r.vs, up: vs.quorumUp, weight: vs.realServers.reduce((s, x) => s + (x.alive ? x.weight : 0), 0), sorryActive: !vs.quorumUp && this.sorryServerOf(r.vs) !== undefined });
  }

  quorum(a: Extract<LvsAction, { type: "quorum" }>): void {
    const sorry = this.sorryServerOf(a.vs);
    this.reporter.quorumState(a.vs, { quorumUp: a.up, weight: a.weight, sorryActive: a.sorryActive, ...(sorry ? { sorryServer: sorry } : {}) });
  }

  private sorryServerOf(vs: string): string | undefined {
    const s = this.cfg.virtualServers.find((v) => virtualServerName(v) === vs)?.sorryServer;
    if (!s) return undefined;
    const ip = s.ip.includes(":") ? `[${s.ip}]` : s.ip;
    return s.port === undefined ? ip : `${ip}:${s.port}`;
  }

  event(kind: string, instance: string, detail: string): void {
    if (kind === "vip-conflict") this.health.conflict(instance, detail, Date.now());
    this.reporter.event({ type: kind, instance, detail });
  }

  async stop(): Promise<void> {
    // The instances' final states (INIT on shutdown) go out with the reporter's
    // next flush, on a 0 ms timer set when they were reported; ours fires after
    // it, so subscribers see those states before the retained `offline`.
    await new Promise((r) => setTimeout(r, 0));
    return this.reporter.stop();
  }
}
