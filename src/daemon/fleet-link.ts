// The daemon's side of the fleet: state and events out to MQTT, signed configs in.
// Every call returns at once (the reporter queues and coalesces); the VRRP worker
// never waits on any of it. Pushed configs go verify → store → apply → rollback
// (src/fleet/config-delivery.ts); applying is the daemon's hitless reload.
import pkg from "../../package.json" with { type: "json" };
import { readCbor } from "../config/config-cbor.ts";
import type { SignedPayload } from "../config/cose.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { Config } from "../config/model.ts";
import { ConfigStore } from "../config/store.ts";
import { TrustStore } from "../config/trust.ts";
import { configReceiver, FleetReporter, modelValidator } from "../fleet/index.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import { fleetNode, type RunningConfig } from "./boot-config.ts";
import { log } from "./log.ts";
import type { InstancePlan } from "./plan.ts";
import type { TransitionReport } from "./worker-protocol.ts";

/**
 * What the split-brain witness compares across nodes: routers of one virtual
 * router share its VIPs, whatever their interfaces are called.
 */
export function segmentOf(plan: InstancePlan): string {
  return `v${plan.params.family}:${plan.vips.filter((v) => v.advertised).map((v) => `${v.address}/${v.prefix}`).sort().join(",")}`;
}

export class FleetLink {
  readonly reporter: FleetReporter;
  /** instance -> what its last report said it is, for instances a reload removed */
  private readonly known = new Map<string, { segment: string; vrid: number }>();

  constructor(cfg: Config, private readonly running: RunningConfig, apply: (cfg: Config) => void) {
    const fleet = cfg.fleet!;
    const node = fleetNode(cfg);
    const store = new ConfigStore(fleet.stateDir);
    let trust: TrustStore | null = null;
    try {
      trust = TrustStore.fromFiles(fleet.trustKey);
    } catch (e) {
      log.error(`fleet: ${e instanceof Error ? e.message : e}; pushed configs will be rejected`);
    }
    const receive = trust
      ? configReceiver({
          trust, fleet: fleet.fleet, node, store,
          running, // configReceiver advances serial/hash/floor in place as configs are accepted
          validateConfig: modelValidator(),
          apply: async (p: SignedPayload) => {
            const r = readCbor(p.config, `pushed config serial ${p.serial}`);
            if (!r.config) throw new Error(r.errors.map((e) => formatDiagnostic(e)).join("; "));
            apply(r.config);
            log.info(`applied pushed config serial ${p.serial}`);
          },
        })
      : null;
    this.reporter = new FleetReporter({
      config: fleet,
      node,
      version: pkg.version,
      bootTime: Date.now(),
      configSerial: () => this.running.serial,
      onConfigBlob: receive ?? (() => ({ accepted: false, reason: "unknown-key", message: "this node has no usable trust_key" })),
      log: (m) => log.info(`fleet: ${m}`),
    });
  }

  start(): void {
    this.reporter.start();
  }

  transition(t: TransitionReport, plan: InstancePlan | undefined): void {
    // An instance a reload removed reports its final stop after the new plan
    // replaced it: without the last known identity that report would be lost and
    // its retained vrrp topic would say MASTER forever — a standing false
    // split-brain for the witnesses of every peer that takes those VIPs over.
    const id = plan ? { segment: segmentOf(plan), vrid: plan.params.vrid } : this.known.get(t.instance);
    if (!id) return;
    if (plan) this.known.set(t.instance, id);
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
    });
    this.reporter.event({ type: "transition", instance: t.instance, from: t.from, to: t.to, priority: t.effectivePriority });
  }

  realServer(a: Extract<LvsAction, { type: "rs" }>): void {
    this.reporter.lvsState(a.vs, a.rs, { up: a.alive, weight: a.weight, ...(a.reason ? { lastCheck: a.reason } : {}) });
  }

  event(kind: string, instance: string, detail: string): void {
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
