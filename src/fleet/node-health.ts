// What a node knows of its own health, for commit-confirm (confirm.ts): the
// state of each VRRP instance, each real server's liveness, and the VIP
// conflicts it saw. The daemon feeds it from the same hooks that feed the
// fleet reporter (transitions, real-server changes, events), so it costs no
// extra query of the VRRP worker and works the same for a simulated node.
import { realServerName, virtualServerName, type Config } from "../config/model.ts";

export interface InstanceHealth {
  state: string;
  /** the master it hears (BACKUP) or its own address (MASTER); "" when unknown */
  master: string;
  reason?: string;
}

export interface HealthSnapshot {
  instances: Map<string, InstanceHealth>;
  /** virtual server name -> real server name -> alive */
  realServers: Map<string, Map<string, boolean>>;
}

export interface Conflict {
  instance: string;
  detail: string;
  at: number;
}

/** Conflicts kept for the confirm window: a flood of them must not grow memory. */
const MAX_CONFLICTS = 64;

export class NodeHealth {
  private readonly instances = new Map<string, InstanceHealth>();
  private realServers = new Map<string, Map<string, boolean>>();
  private readonly masterSince = new Map<string, number>();
  private readonly conflicts: Conflict[] = [];

  instance(name: string, h: InstanceHealth, now: number): void {
    if (h.state === "MASTER" && this.instances.get(name)?.state !== "MASTER") this.masterSince.set(name, now);
    this.instances.set(name, { ...h });
  }

  realServer(vs: string, rs: string, alive: boolean): void {
    let m = this.realServers.get(vs);
    if (!m) this.realServers.set(vs, (m = new Map()));
    m.set(rs, alive);
  }

  conflict(instance: string, detail: string, now: number): void {
    this.conflicts.push({ instance, detail, at: now });
    if (this.conflicts.length > MAX_CONFLICTS) this.conflicts.shift();
  }

  /**
   * The real servers of `cfg`, keeping the liveness already known; a server
   * never reported starts as the checkers start it (up, or down with `alpha`),
   * because only changes are reported.
   */
  useConfig(cfg: Config): void {
    const next = new Map<string, Map<string, boolean>>();
    for (const vs of cfg.virtualServers) {
      const name = virtualServerName(vs);
      const known = this.realServers.get(name);
      const m = new Map<string, boolean>();
      for (const rs of vs.realServers) {
        const n = realServerName(rs);
        m.set(n, known?.get(n) ?? !vs.alpha);
      }
      next.set(name, m);
    }
    this.realServers = next;
  }

  snapshot(): HealthSnapshot {
    const instances = new Map<string, InstanceHealth>();
    for (const [k, v] of this.instances) instances.set(k, { ...v });
    const realServers = new Map<string, Map<string, boolean>>();
    for (const [k, v] of this.realServers) realServers.set(k, new Map(v));
    return { instances, realServers };
  }

  conflictsSince(t: number): Conflict[] {
    return this.conflicts.filter((c) => c.at >= t);
  }

  /** When the instance last became MASTER (a conflict right after a takeover is the handover). */
  becameMasterAt(name: string): number | undefined {
    return this.masterSince.get(name);
  }
}
