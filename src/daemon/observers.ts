// What the daemon shows outside itself besides the fleet: the notify FIFOs,
// the Prometheus endpoint, the detail of `vigil status --json`, and keepalived's
// SIGUSR1/SIGUSR2 files. All of it lives on the main thread and reads what the
// VRRP worker already reports (transitions as they happen, counters on a status
// request): nothing here adds work to the advert path.
import { errorText } from "../error-text.ts";
import type { Config } from "../config/model.ts";
import { CHECK_DATA_FILE, DATA_FILE, dumpDir, formatCheckData, formatData, formatStats, STATS_FILE, writeDumpFile } from "./data-dump.ts";
import { log } from "./log.ts";
import type { LvsHooks, LvsManager } from "./lvs-manager.ts";
import { renderMetrics } from "./metrics.ts";
import { CheckStats } from "./metrics-checks.ts";
import { type MetricsServer, startMetricsServer } from "./metrics-server.ts";
import type { VrrpFifoState } from "./notify-fifo-lines.ts";
import { NotifyFifos } from "./notify-fifos.ts";
import type { PlanResult } from "./plan.ts";
import type { ScriptIds } from "./script-user.ts";
import { addKernelVips, addSettings, type KernelAddresses, syncGroupStatus, virtualServerDetail } from "./status-detail.ts";
import type { DaemonStatus } from "./status-types.ts";

/** Longest a sync group's FAULT line waits for its members' FAULT lines. */
const FAULT_LINE_WAIT_MS = 1000;

export interface ObservedState {
  cfg: Config;
  plan: PlanResult;
  lvs: LvsManager | null;
  /** the kernel's addresses for vipsInKernel; none for a brief status */
  kernel?: KernelAddresses;
}

export class Observers {
  readonly checks = new CheckStats();
  readonly fifos = new NotifyFifos((level, msg) => log[level](msg));
  private metrics: MetricsServer | null = null;
  private metricsAt = "";
  /** each instance's last FIFO state, and sync groups whose FAULT line waits for their members' */
  private readonly lastState = new Map<string, VrrpFifoState>();
  private readonly pendingFault = new Map<string, { members: string[]; timer: ReturnType<typeof setTimeout> }>();

  /** `snapshot`: the daemon's status document, enriched (see enrich) */
  constructor(private readonly snapshot: () => Promise<DaemonStatus>) {}

  /** The daemon's LVS hooks plus what the checks' statistics and the FIFO's VS/RS lines need. */
  lvsHooks(base: LvsHooks = {}): LvsHooks {
    return {
      ...base,
      onCheck: (r) => {
        this.checks.record(r);
        base.onCheck?.(r);
      },
      onRealServer: (a) => {
        this.fifos.realServer(a.vs, a.rs, a.alive);
        base.onRealServer?.(a);
      },
      onQuorum: (a, init) => {
        this.fifos.quorum(a.vs, a.up);
        base.onQuorum?.(a, init);
      },
    };
  }

  /** Opens the FIFOs and the metrics endpoint a config asks for (a reload keeps unchanged ones). */
  async configure(cfg: Config, scriptIds: ScriptIds): Promise<void> {
    await this.fifos.configure(cfg.global, scriptIds);
    const m = cfg.global.metricsListen;
    const at = m ? `${m.address.includes(":") ? `[${m.address}]` : m.address}:${m.port}` : "";
    if (at === this.metricsAt) return;
    this.metrics?.stop();
    this.metrics = null;
    this.metricsAt = "";
    if (!m) return;
    try {
      this.metrics = startMetricsServer(m.address, m.port, async () => renderMetrics(await this.snapshot(), this.checks.entries()));
      this.metricsAt = at;
      log.info(`metrics: Prometheus endpoint at ${this.metrics.url}`);
    } catch (e) {
      // the daemon's job is VRRP and LVS: a port in use costs the metrics only
      log.error(`metrics_listen ${at}: ${errorText(e)}; no metrics endpoint`);
    }
  }

  /** The checkers (re)started: RS lines are measured from here; servers the config dropped lose their statistics. */
  lvsStarted(cfg: Config, lvs: LvsManager | null): void {
    const states = lvs?.active ? lvs.realServerStates() : [];
    this.fifos.lvsBaseline(cfg.virtualServers, states);
    this.checks.retain(states);
  }

  instance(name: string, state: VrrpFifoState, priority: number): void {
    // a member leaving FAULT before the others got there: the group's FAULT comes first
    if (state !== "FAULT") for (const [g, p] of this.pendingFault) if (p.members.includes(name)) this.flushFault(g);
    this.lastState.set(name, state);
    this.fifos.instance(name, state, priority);
    for (const [g, p] of this.pendingFault) if (p.members.every((m) => this.lastState.get(m) === "FAULT")) this.flushFault(g);
  }

  /** A reload removed the instance: its last line (FAULT, or DELETED with notify_deleted), and it is forgotten. */
  instanceRemoved(name: string, state: "FAULT" | "DELETED", priority: number): void {
    if (state === "FAULT") this.instance(name, state, priority);
    else this.fifos.instanceEvent(name, state, priority);
    this.lastState.delete(name);
  }

  /** keepalived notify_priority_changes: the instance's effective priority changed. */
  priority(name: string, master: boolean, priority: number): void {
    this.fifos.instanceEvent(name, master ? "MASTER_PRIORITY" : "BACKUP_PRIORITY", priority);
  }

  /** keepalived MASTER_RX_LOWER_PRI: as master, the instance heard an advert of lower priority. */
  lowerPriority(name: string, priority: number): void {
    this.fifos.instanceEvent(name, "MASTER_RX_LOWER_PRI", priority);
  }

  /**
   * A sync group changed state. keepalived writes a group's FAULT line after it
   * has put every member in FAULT (vrrp_sync.c, measured: INSTANCE VI_1 FAULT,
   * INSTANCE VI_2 FAULT, GROUP G1 FAULT); the group is FAULT here as soon as one
   * member is, so its line waits for the others' (they follow in the same worker
   * pass; bounded by FAULT_LINE_WAIT_MS). Other group states need every member
   * there already.
   */
  group(name: string, state: VrrpFifoState, members: readonly string[]): void {
    if (this.pendingFault.has(name)) this.flushFault(name);
    if (state === "FAULT" && !members.every((m) => this.lastState.get(m) === "FAULT")) {
      const timer = setTimeout(() => this.flushFault(name), FAULT_LINE_WAIT_MS);
      this.pendingFault.set(name, { members: [...members], timer });
      return;
    }
    this.fifos.group(name, state);
  }

  private flushFault(group: string): void {
    const p = this.pendingFault.get(group);
    if (!p) return;
    clearTimeout(p.timer);
    this.pendingFault.delete(group);
    this.fifos.group(group, "FAULT");
  }

  /** `vigil status` detail the main thread knows: kernel VIPs, groups, real servers and checkers, IPVS, FIFOs. */
  /** Where else the daemon reports, as the table shows it (the status file's share of enrich, without its per-instance work). */
  reportTargets(): Pick<DaemonStatus, "notifyFifos" | "metricsListen"> {
    return {
      ...(this.fifos.active ? { notifyFifos: this.fifos.stats() } : {}),
      ...(this.metricsAt ? { metricsListen: this.metricsAt } : {}),
    };
  }

  enrich(st: DaemonStatus, o: ObservedState): DaemonStatus {
    const kernelError = o.kernel ? addKernelVips(st.instances, o.plan.templates, o.kernel) : undefined;
    addSettings(st.instances, o.cfg, o.plan.templates);
    const lvs = o.lvs?.active ? o.lvs : null;
    return {
      ...st,
      ...(o.plan.syncGroups.length ? { syncGroups: syncGroupStatus(o.plan.syncGroups, st.instances) } : {}),
      ...(lvs ? { virtualServers: virtualServerDetail(o.cfg.virtualServers, lvs.realServerStates(), this.checks) } : {}),
      ...(lvs ? { ipvs: { operations: lvs.applied, applyErrors: lvs.applyErrors, ...(lvs.fault ? { fault: lvs.fault } : {}) } } : {}),
      ...(this.fifos.active ? { notifyFifos: this.fifos.stats() } : {}),
      ...(this.metricsAt ? { metricsListen: this.metricsAt } : {}),
      ...(kernelError ? { kernelError } : {}),
    };
  }

  /** SIGUSR1: keepalived.data (and keepalived_check.data with LVS), where keepalived writes them. */
  async writeData(cfg: Config): Promise<void> {
    const st = await this.snapshot();
    const dir = dumpDir();
    const files = [writeDumpFile(dir, DATA_FILE, formatData(cfg, st))];
    if (cfg.virtualServers.length) files.push(writeDumpFile(dir, CHECK_DATA_FILE, formatCheckData(cfg, st)));
    log.info(`data written to ${files.join(", ")}`);
  }

  /** SIGUSR2: keepalived.stats. */
  async writeStats(): Promise<void> {
    const path = writeDumpFile(dumpDir(), STATS_FILE, formatStats(await this.snapshot()));
    log.info(`stats written to ${path}`);
  }

  /** The checkers stop: with omega, keepalived writes RS DOWN for live servers and VS DOWN. */
  lvsStopping(cfg: Config): void {
    this.fifos.lvsStopping(cfg.virtualServers);
  }

  async stop(): Promise<void> {
    for (const g of [...this.pendingFault.keys()]) this.flushFault(g);
    this.metrics?.stop();
    this.metrics = null;
    this.metricsAt = "";
    await this.fifos.close();
  }
}
