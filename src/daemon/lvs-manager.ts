// The load-balancer half of the daemon, on the main thread: the checker runner
// decides the desired IPVS table, the pure reconcile turns it into the minimal
// operations, and the generic-netlink client applies them. When the kernel has
// no IP_VS, keepalived's checker exits and takes VRRP down with it; here the
// checkers keep running, LVS reports a fault, and VRRP is untouched. The table
// is re-applied once IPVS becomes available.
import type { LvsSyncDaemon, VirtualServer } from "../config/model.ts";
import { LvsCheckRunner, type CheckReport } from "../lvs/checkers/runner.ts";
import { type IpvsService, serviceKeyString } from "../lvs/ipvs-model.ts";
import { normalizeService, reconcile } from "../lvs/reconcile.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import { IpvsClient } from "../sys/ipvs/client.ts";
import { log } from "./log.ts";
import { runScript } from "./scripts.ts";

export interface LvsHooks {
  onRealServer?(a: Extract<LvsAction, { type: "rs" }>): void;
  onCheck?(r: CheckReport): void;
  onEvent?(kind: string, detail: string): void;
}

const RETRY_IPVS_MS = 10_000;
const SCRIPT_TIMEOUT_MS = 30_000;

export class LvsManager {
  private client: IpvsClient | null = null;
  private runner: LvsCheckRunner;
  private owned = new Set<string>();
  private desired: IpvsService[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private syncRole: "master" | "backup" | null = null;
  /** why IPVS cannot be programmed right now, or null */
  fault: string | null = null;
  applied = 0;

  constructor(private vss: VirtualServer[], private syncDaemon: LvsSyncDaemon | undefined, private readonly hooks: LvsHooks = {}) {
    this.runner = new LvsCheckRunner(vss, {
      onTable: (t) => this.setDesired(t),
      onAction: (a) => this.onAction(a),
      onCheck: (r) => this.hooks.onCheck?.(r),
      onError: (e) => log.error(`lvs: ${e instanceof Error ? e.message : e}`),
    });
  }

  get active(): boolean {
    return this.vss.length > 0 || this.syncDaemon !== undefined;
  }

  start(): void {
    if (!this.active) return;
    this.connect();
    this.runner.start();
  }

  private connect(): boolean {
    if (this.client) return true;
    try {
      this.client = IpvsClient.open();
      if (this.fault) this.hooks.onEvent?.("lvs-recovered", "IPVS is available again; table re-applied");
      this.fault = null;
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (this.fault !== msg) {
        this.fault = msg;
        log.error(`lvs: cannot program IPVS (${msg}); health checks continue, VRRP is unaffected`);
        this.hooks.onEvent?.("lvs-fault", msg);
      }
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        if (this.connect()) {
          this.apply();
          if (this.syncRole) this.setSyncRole(this.syncRole);
        }
      }, RETRY_IPVS_MS);
      return false;
    }
  }

  /**
   * Services vigil owns are those its config produces; one dropped from the
   * config stays owned until its removal has been applied. Services anyone else
   * made are never touched.
   */
  private setDesired(table: IpvsService[]): void {
    this.desired = table;
    for (const s of table) this.owned.add(serviceKeyString(normalizeService(s)));
    this.apply();
  }

  private apply(): void {
    if (!this.client) return;
    try {
      const ops = reconcile(this.client.table(), this.desired, this.owned);
      if (ops.length) {
        this.client.apply(ops);
        this.applied += ops.length;
        log.info(`lvs: applied ${ops.length} IPVS operation(s)`);
      }
      this.owned = new Set(this.desired.map((s) => serviceKeyString(normalizeService(s))));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error(`lvs: ${msg}`);
      this.hooks.onEvent?.("lvs-error", msg);
    }
  }

  private onAction(a: LvsAction): void {
    if (a.type === "notify") {
      runScript(a.script, [], { timeoutMs: SCRIPT_TIMEOUT_MS }).then((r) => {
        if (r.exitCode !== 0) log.warn(`lvs ${a.event} script ${a.script}: exit ${r.exitCode ?? r.signal}`);
      });
    } else if (a.type === "rs") {
      log.info(`lvs ${a.vs}: real server ${a.rs} ${a.alive ? "UP" : "DOWN"} weight ${a.weight}${a.reason ? ` (${a.reason})` : ""}`);
      this.hooks.onRealServer?.(a);
    } else if (a.type === "quorum") {
      log.warn(`lvs ${a.vs}: quorum ${a.up ? "gained" : "lost"} (weight ${a.weight})${a.sorryActive ? ", sorry server serving" : ""}`);
      this.hooks.onEvent?.(a.up ? "quorum-up" : "quorum-down", `${a.vs} weight ${a.weight}`);
    }
  }

  /** lvs_sync_daemon follows the VRRP instance it names: master sends, backup receives. */
  setSyncRole(role: "master" | "backup"): void {
    this.syncRole = role;
    const d = this.syncDaemon;
    if (!d || !this.client) return;
    const other = role === "master" ? "backup" : "master";
    try {
      if (this.client.listDaemons().some((x) => x.state === other)) this.client.stopDaemon(other);
      if (!this.client.listDaemons().some((x) => x.state === role)) {
        this.client.startDaemon({
          state: role, interface: d.interface, syncId: d.syncId ?? 0,
          ...(d.maxlen !== undefined ? { maxLen: d.maxlen } : {}),
          ...(d.group !== undefined ? { group: d.group } : {}),
          ...(d.port !== undefined ? { port: d.port } : {}),
          ...(d.ttl !== undefined ? { ttl: d.ttl } : {}),
        });
      }
      log.info(`lvs: sync daemon now ${role} on ${d.interface}`);
    } catch (e) {
      log.error(`lvs: sync daemon: ${e instanceof Error ? e.message : e}`);
    }
  }

  get syncInstance(): string | undefined {
    return this.syncDaemon?.instance;
  }

  reload(vss: VirtualServer[], syncDaemon: LvsSyncDaemon | undefined): void {
    this.vss = vss;
    this.syncDaemon = syncDaemon;
    if (!this.active) {
      this.setDesired([]);
      this.runner.reload([]);
      return;
    }
    if (!this.client) this.connect();
    this.runner.reload(vss);
  }

  /** keepalived removes the services it created when it stops; so do we. */
  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const a of this.runner.stop()) this.onAction(a);
    if (this.client) {
      this.desired = [];
      this.apply();
      this.client.close();
      this.client = null;
    }
  }

  status(): unknown[] {
    return this.desired.map((s) => ({
      service: serviceKeyString(s),
      scheduler: s.scheduler,
      dests: s.dests.map((d) => ({ address: d.address, port: d.port, weight: d.weight, forward: d.forward })),
      ...(this.fault ? { fault: this.fault } : {}),
    }));
  }
}
