// The load-balancer half of the daemon, on the main thread: the checker runner
// decides the desired IPVS table, IpvsSync reconciles it against the table it
// knows the kernel holds (one real-server change = one netlink op, no dump), and
// the sync daemon follows its VRRP instance. When the kernel has no IP_VS,
// keepalived's checker exits and takes VRRP down with it; here the checkers keep
// running, LVS reports a fault, VRRP is untouched, and the table is applied once
// IPVS becomes available.
//
// Its job is the IPVS table: which services a new table changes
// (src/lvs/table-changes.ts), applying them, and retrying while IPVS is
// unavailable. It wires the rest: the checkers (LvsCheckRunner), ha_suspend's
// watch of the local addresses (lvs-ha-suspend.ts: checks pause while this box
// does not hold a virtual server's address), the sync daemon's role
// (lvs-sync-daemon.ts) and notify scripts. The set of IPVS services vigil owns
// is kept in <stateDir>/ipvs-owned.json so a restart after SIGKILL still removes
// services the new config dropped.
import { errorText } from "../error-text.ts";
import { realServerName, virtualServerName, type LvsSyncDaemon, type TrackFile, type VirtualServer } from "../config/model.ts";
import { LvsCheckRunner, type CheckerChange, type CheckReport, type LvsDefinitions } from "../lvs/checkers/runner.ts";
import { type IpvsService, serviceKeyString } from "../lvs/ipvs-model.ts";
import { type AppliedTable, appliedTable, changedServices } from "../lvs/table-changes.ts";
import { droppedByReload, type GoneServers, goneAtStop, type LiveState } from "../lvs/gone-servers.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import { IpvsSync } from "../sys/ipvs/ipvs-sync.ts";
import { OWNED_STATE_FILE, OwnedStateFile } from "../sys/ipvs/owned-state-file.ts";
import { initTrackFile } from "../sys/track-file-watch.ts";
import { HaSuspend } from "./lvs-ha-suspend.ts";
import { applyTableSwitches, type LvsTableSwitches, NO_TABLE_SWITCHES } from "./lvs-table-switches.ts";
import { takeSyncRole } from "./lvs-sync-daemon.ts";
import { DEFAULT_LVS_STATE_DIR } from "./lvs-needed.ts";
import { log } from "./log.ts";
import type { ScriptIds } from "./script-user.ts";
import { runScript } from "./scripts.ts";

export interface LvsHooks {
  onRealServer?(a: Extract<LvsAction, { type: "rs" }>): void;
  onCheck?(r: CheckReport): void;
  onEvent?(kind: string, detail: string): void;
  /** a virtual server gained or lost quorum (the notify FIFO's VS lines); `init`: while its checkers were (re)built, at start or reload */
  onQuorum?(a: Extract<LvsAction, { type: "quorum" }>, init?: boolean): void;
  /** a checker went up or down (keepalived's per-checker alert mails) */
  onCheckerChange?(c: CheckerChange): void;
  /** servers that went while serving: dropped by a reload, or at stop those of omega virtual servers (`stopping`) */
  onGone?(gone: GoneServers, stopping: boolean): void;
}

export interface LvsManagerOptions extends LvsDefinitions {
  /** directory of the owned-services state file: the daemon's --lock-dir (default /run/vigil) */
  stateDir?: string;
}

/** A virtual server's real servers as the checkers judge them. */
export interface VirtualServerStatus {
  virtualServer: string;
  quorumUp: boolean;
  suspended?: boolean;
  realServers: Array<{ realServer: string; alive: boolean; weight: number }>;
}

export { DEFAULT_LVS_STATE_DIR };

const RETRY_IPVS_MS = 10_000;
/** Re-read the kernel table this often: repairs changes an operator made with ipvsadm. */
const REFRESH_MS = 60_000;
const SCRIPT_TIMEOUT_MS = 30_000;

export class LvsManager {
  private readonly ipvs: IpvsSync;
  private runner: LvsCheckRunner;
  /** the checks ha_suspend pauses while a virtual server's address is not on this box */
  private readonly haSuspend: HaSuspend;
  private desired: IpvsService[] = [];
  /** what was last applied: tells which services a new table changed */
  private appliedServices: AppliedTable = new Map();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private syncRole: "master" | "backup" | null = null;
  private defs: LvsDefinitions;
  /** why IPVS cannot be programmed right now, or null */
  fault: string | null = null;
  /** IPVS operations applied since start */
  applied = 0;
  /** table applications the kernel refused (each retried later) */
  applyErrors = 0;
  /** keepalived rs_init_notifies (set before start and on reload) */
  set rsInitNotifies(on: boolean) {
    this.runner.rsInitNotifies = on;
  }
  /** keepalived checker_log_all_failures: log each failed check of a checker that is up, not only the one that takes it down (a checker's own log_all_failures does so for it) */
  logAllFailures = false;
  /** the runner is (re)building its states: the quorum it reports is the initial one */
  private initialising = false;
  /** lvs_flush, lvs_timeouts, lvs_flush_on_stop (set before start and on reload) */
  tableSwitches: LvsTableSwitches = NO_TABLE_SWITCHES;

  /** `scriptIds`: who notify_up/notify_down/quorum_* scripts run as (script_user, as keepalived) */
  constructor(
    private vss: VirtualServer[],
    private syncDaemon: LvsSyncDaemon | undefined,
    private readonly hooks: LvsHooks = {},
    private readonly scriptIds: () => ScriptIds = () => ({}),
    opts: LvsManagerOptions = {},
  ) {
    const store = new OwnedStateFile(`${opts.stateDir ?? DEFAULT_LVS_STATE_DIR}/${OWNED_STATE_FILE}`, (m) => log.warn(`lvs: ${m}`));
    this.ipvs = new IpvsSync(undefined, store);
    this.defs = { groups: opts.groups ?? [], trackFiles: opts.trackFiles ?? [] };
    this.runner = new LvsCheckRunner(vss, {
      onTable: (t) => this.setDesired(t),
      onAction: (a) => this.onAction(a),
      // a report per check only when someone reads it: thousands per second otherwise go to waste
      ...(hooks.onCheck ? { onCheck: (r: CheckReport) => this.hooks.onCheck!(r) } : {}),
      ...(hooks.onCheckerChange ? { onCheckerChange: (c: CheckerChange) => this.hooks.onCheckerChange!(c) } : {}),
      onFailedWhileUp: (r: CheckReport) => {
        if (this.logAllFailures || r.logAllFailures) log.info(`lvs ${r.vs}: ${r.checker} of real server ${r.rs} failed${r.outcome.reason ? ` (${r.outcome.reason})` : ""}`);
      },
      onError: (e) => log.error(`lvs: ${errorText(e)}`),
    }, this.defs);
    this.haSuspend = new HaSuspend(() => this.vss, (next) => this.runner.setSuspended(next), (kind, detail) => this.hooks.onEvent?.(kind, detail));
  }

  get active(): boolean {
    return this.vss.length > 0 || this.syncDaemon !== undefined;
  }

  start(): void {
    if (!this.active) {
      // a config without LVS after a run that had some (and was killed): its services go now
      if (this.ipvs.ownedKeys.size > 0) this.apply(null);
      return;
    }
    applyTableSwitches(this.ipvs, this.tableSwitches, true);
    this.haSuspend.follow(); // before the first checks: keepalived creates them disabled when the address is absent
    this.initTrackFiles(false); // before the runner reads them
    this.initialising = true;
    try {
      this.runner.start();
    } finally {
      this.initialising = false;
    }
    this.refreshTimer = setInterval(() => {
      this.ipvs.refresh();
      this.apply(null);
    }, REFRESH_MS);
  }

  private setDesired(table: IpvsService[]): void {
    this.desired = table;
    const changed = changedServices(this.appliedServices, table);
    if (changed.size) this.apply(changed);
  }

  /** Applies the desired table; `only` limits the work to services known to have changed (null = all). */
  private apply(only: ReadonlySet<string> | null): void {
    const r = this.ipvs.sync(this.desired, only ?? undefined);
    if (r.error) {
      this.applyErrors++;
      const msg = r.error.message;
      if (this.fault !== msg) {
        this.fault = msg;
        log.error(`lvs: cannot program IPVS (${msg}); health checks continue, VRRP is unaffected`);
        this.hooks.onEvent?.("lvs-fault", msg);
      }
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.apply(null);
        if (!this.fault && this.syncRole) this.setSyncRole(this.syncRole);
      }, RETRY_IPVS_MS);
      return;
    }
    if (this.fault) {
      this.fault = null;
      log.info("lvs: IPVS programmed again");
      this.hooks.onEvent?.("lvs-recovered", "IPVS is available again; table applied");
    }
    this.appliedServices = appliedTable(this.desired);
    if (r.ops.length) {
      this.applied += r.ops.length;
      log.info(`lvs: applied ${r.ops.length} IPVS operation(s)`);
    }
  }

  private onAction(a: LvsAction): void {
    if (a.type === "notify") {
      runScript(a.script, [], { timeoutMs: SCRIPT_TIMEOUT_MS, ...this.scriptIds() }).then((r) => {
        if (r.exitCode !== 0) log.warn(`lvs ${a.event} script ${a.script}: exit ${r.exitCode ?? r.signal}`);
      });
    } else if (a.type === "rs") {
      log.info(`lvs ${a.vs}: real server ${a.rs} ${a.alive ? "UP" : "DOWN"} weight ${a.weight}${a.reason ? ` (${a.reason})` : ""}`);
      this.hooks.onRealServer?.(a);
    } else if (a.type === "quorum") {
      log.warn(`lvs ${a.vs}: quorum ${a.up ? "gained" : "lost"} (weight ${a.weight})${a.sorryActive ? ", sorry server serving" : ""}`);
      this.hooks.onQuorum?.(a, this.initialising);
      this.hooks.onEvent?.(a.up ? "quorum-up" : "quorum-down", `${a.vs} weight ${a.weight}`);
    }
  }

  /** lvs_sync_daemon follows the VRRP instance it names: master sends, backup receives. */
  setSyncRole(role: "master" | "backup"): void {
    this.syncRole = role;
    const d = this.syncDaemon;
    if (!d || this.fault) return;
    takeSyncRole(d, role);
  }

  get syncInstance(): string | undefined {
    return this.syncDaemon?.instance;
  }

  /** `defs`: the config's virtual_server_group and track_file definitions (none when absent). */
  reload(vss: VirtualServer[], syncDaemon: LvsSyncDaemon | undefined, defs: LvsDefinitions = {}): void {
    const wasActive = this.active;
    if (wasActive && this.hooks.onGone) {
      const gone = droppedByReload(this.vss, this.liveState(), vss);
      if (gone.realServers.length || gone.virtualServers.length) this.hooks.onGone(gone, false);
    }
    this.vss = vss;
    this.syncDaemon = syncDaemon;
    this.defs = { groups: defs.groups ?? [], trackFiles: defs.trackFiles ?? [] };
    this.ipvs.refresh(); // a reload is the moment to repair what changed behind our back
    if (wasActive && this.active) applyTableSwitches(this.ipvs, this.tableSwitches, false);
    if (wasActive) this.haSuspend.follow(); // new checkers must start suspended when their address is absent
    if (wasActive) this.initTrackFiles(true);
    this.initialising = true;
    try {
      this.runner.reload(vss, this.defs); // emits the new table: services dropped from the config are removed
    } finally {
      this.initialising = false;
    }
    if (this.active && !wasActive) this.start();
  }

  /**
   * keepalived's init_file for the track files a FILE_CHECK uses: created at
   * start (or overwritten, with overwrite), created on a reload only if missing.
   */
  private initTrackFiles(reload: boolean): void {
    const used = new Set(this.vss.flatMap((vs) => vs.realServers.flatMap((rs) => rs.checkers.flatMap((c) => (c.type === "FILE_CHECK" ? [c.trackFile] : [])))));
    for (const t of this.defs.trackFiles ?? []) {
      if (!used.has(t.name)) continue;
      const w = initTrackFile(t as TrackFile, reload);
      if (w) log.warn(`lvs: ${w}`);
    }
  }

  /** keepalived removes the services it created when it stops; so do we. */
  stop(): void {
    if (this.active && this.hooks.onGone) {
      const gone = goneAtStop(this.vss, this.liveState());
      if (gone.realServers.length || gone.virtualServers.length) this.hooks.onGone(gone, true);
    }
    this.haSuspend.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const a of this.runner.stop()) this.onAction(a);
    if (this.active && this.tableSwitches.lvsFlushOnStop === "all") {
      try {
        this.ipvs.flushAll();
      } catch (e) {
        log.error(`lvs: lvs_flush_on_stop: ${errorText(e)}`);
      }
    } else if (!this.fault) {
      const r = this.ipvs.removeOwned();
      if (r.error) log.error(`lvs: removing vigil's services: ${r.error.message}`);
    }
    this.ipvs.close();
  }

  /** Which real servers are alive and which virtual servers have quorum, now. */
  private liveState(): LiveState {
    const states = new Map(this.realServerStates().map((v) => [v.virtualServer, v]));
    return {
      alive: (vs, rs) => states.get(vs)?.realServers.find((r) => r.realServer === rs)?.alive ?? false,
      quorumUp: (vs) => states.get(vs)?.quorumUp ?? false,
    };
  }

  /**
   * Every virtual server's real servers as the checkers judge them now (alive,
   * weight), for status, metrics and the notify FIFO's baseline; a group's
   * members share one entry.
   */
  realServerStates(): VirtualServerStatus[] {
    return this.vss.map((_, i) => {
      const st = this.runner.state(i);
      return {
        virtualServer: virtualServerName(st.vs),
        quorumUp: st.quorumUp,
        ...(this.haSuspend.suspended.has(virtualServerName(st.vs)) ? { suspended: true } : {}),
        realServers: st.vs.realServers.map((rs, k) => ({ realServer: realServerName(rs), alive: st.alive(k), weight: st.weight(k) })),
      };
    });
  }

  status(): unknown[] {
    // the runner's table and its owners come in the same order (a group's members one by one)
    const owners = this.runner.serviceOwners();
    const names = owners.length === this.desired.length ? owners : [];
    return this.desired.map((s, i) => ({
      service: serviceKeyString(s),
      ...(names[i] !== undefined ? { virtualServer: names[i] } : {}),
      ...(names[i] !== undefined && this.haSuspend.suspended.has(names[i]!) ? { suspended: true } : {}),
      scheduler: s.scheduler,
      dests: s.dests.map((d) => ({ address: d.address, port: d.port, weight: d.weight, forward: d.forward })),
      ...(this.fault ? { fault: this.fault } : {}),
    }));
  }
}
