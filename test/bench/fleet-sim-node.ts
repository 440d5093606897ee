// One simulated router of the fleet simulator: the daemon's own fleet link
// (src/daemon/fleet-link.ts: reporter with its MQTT connection, config
// delivery, COSE signature check, config store, commit-confirm), booted by the
// daemon's bootConfig from a keepalived.conf with a vigil_fleet block. What
// the daemon would hand to the VRRP worker and the kernel is simulated: the
// node has two interfaces (lan0, up, shared with its pair partner; lan1, down),
// a pushed config is planned against them with the daemon's planner and
// refused for the same reasons Daemon.applyConfig refuses it (pushBlockers),
// and its instances settle by fleet-sim-vrrp.ts's election and report their
// transitions through the link as the worker's would.
import type { Config } from "../../src/config/model.ts";
import { bootConfig } from "../../src/daemon/boot-config.ts";
import { FleetLink } from "../../src/daemon/fleet-link.ts";
import { type AddrInfo, type InstancePlan, type LinkInfo, planInstances, pushBlockers } from "../../src/daemon/plan.ts";
import { lanOf } from "../../src/fleet/lan.ts";
import type { SimSegments } from "./fleet-sim-vrrp.ts";

export interface SimNodeSpec {
  node: string;
  /** the pair's site: its lan0 is one L2 segment with the partner's */
  site: string;
  /** lan0's address, /24 */
  address: string;
  /** the bootstrap keepalived.conf (vigil_fleet block included) */
  confPath: string;
}

interface Running {
  /** what would make the worker restart it: interface, VRID, family, priority, VIPs */
  identity: string;
  /** the simulated segment it is on; null while FAULT */
  segment: string | null;
  state: string;
}

const LINKS: LinkInfo[] = [
  { index: 2, name: "lan0", mac: "02:00:00:00:00:02", up: true, running: true },
  { index: 3, name: "lan1", mac: "02:00:00:00:00:03", up: false, running: false },
];

const identityOf = (p: InstancePlan) =>
  `${p.interface}|${p.params.vrid}|${p.params.family}|${p.params.priority}|${p.vips.map((v) => `${v.address}/${v.prefix}`).join(",")}`;

export class SimNode {
  link!: FleetLink;
  private readonly running = new Map<string, Running>();
  private readonly addrs: AddrInfo[];

  constructor(readonly spec: SimNodeSpec, private readonly segments: SimSegments) {
    this.addrs = [{ ifindex: 2, family: 4, address: spec.address, prefix: 24, scope: 0 }];
  }

  /** Boots as `vigil run` does: the stored pushed config if any, else the file; the link first, then the instances. */
  start(): void {
    const boot = bootConfig(this.spec.confPath);
    this.link = new FleetLink(boot.cfg, boot, (cfg) => this.apply(cfg, true), (plan) => this.lanOf(plan));
    this.link.start();
    this.apply(boot.cfg, false);
  }

  stop(): Promise<void> {
    for (const [name, r] of this.running) if (r.segment) this.segments.leave(r.segment, `${this.spec.node}/${name}`);
    return this.link.stop();
  }

  private lanOf(plan: InstancePlan): string | undefined {
    const mine = this.addrs.filter((a) => a.ifindex === plan.ifindex).map((a) => ({ address: a.address, prefixlen: a.prefix, scope: a.scope, flags: 0 }));
    return lanOf(mine, plan.params.family, plan.vips.map((v) => v.address));
  }

  /** Daemon.applyConfig's effect: strict refuses an unrunnable config; unchanged instances keep running. */
  private apply(cfg: Config, strict: boolean): void {
    const plan = planInstances(cfg, LINKS, this.addrs);
    const blockers = strict ? pushBlockers(plan) : [];
    if (blockers.length) throw new Error(blockers.join("; "));
    const names = new Set(plan.templates.map((p) => p.name));
    for (const [name, r] of this.running) {
      if (names.has(name)) continue;
      this.moveOff(name, r);
      this.running.delete(name);
      this.report(name, r.state, "INIT", undefined, 0, "");
    }
    for (const p of plan.plans) {
      const was = this.running.get(p.name);
      const identity = identityOf(p);
      if (was?.segment && was.identity === identity) continue; // hitless reload: untouched
      if (was) this.moveOff(p.name, was);
      const iface = LINKS.find((l) => l.index === p.ifindex)!;
      // lan0 is the pair's segment; any other interface is the node's own
      const segment = `${iface.name === "lan0" ? this.spec.site : this.spec.node}/${iface.name}/v${p.params.family}/${p.params.vrid}`;
      const r: Running = { identity, segment, state: was?.state ?? "INIT" };
      this.running.set(p.name, r);
      this.segments.join(segment, {
        id: `${this.spec.node}/${p.name}`, priority: p.params.priority, address: this.spec.address,
        settle: (state, master) => {
          const from = r.state;
          r.state = state;
          this.report(p.name, from, state, p, p.params.priority, master);
        },
      });
    }
    for (const w of plan.waiting) {
      const was = this.running.get(w.plan.name);
      const identity = identityOf(w.plan);
      if (was && !was.segment && was.identity === identity) continue;
      if (was) this.moveOff(w.plan.name, was);
      this.running.set(w.plan.name, { identity, segment: null, state: "FAULT" });
      this.report(w.plan.name, was?.state ?? "INIT", "FAULT", w.plan, w.plan.params.priority, "", w.block.reason);
    }
  }

  private moveOff(name: string, r: Running) {
    if (r.segment) this.segments.leave(r.segment, `${this.spec.node}/${name}`);
    r.segment = null;
  }

  private report(instance: string, from: string, to: string, plan: InstancePlan | undefined, priority: number, master: string, reason?: string) {
    this.link.transition({
      type: "transition", instance, from, to, priority, effectivePriority: priority, master, at: Date.now(), ...(reason ? { reason } : {}),
    }, plan);
  }
}
