// The daemon's main thread, a composition root: it loads the config, plans the
// instances against the box's interfaces, takes the instance locks, starts the
// VRRP worker and wires the parts that do the work around it: tracking inputs
// (track-feeds.ts), notify scripts (notify.ts) and observers (observers.ts) on
// each transition (what is reported is state-report.ts's decision), LVS
// (lvs-manager.ts), `vigil status` (status-server.ts). It handles the signals:
//   SIGTERM/SIGINT  priority-0 adverts, VIPs removed, exit (RFC 5798 §6.4.3)
//   SIGHUP          reload: unchanged instances keep running untouched
//   SIGUSR1/SIGUSR2 keepalived's data and stats files (observers.ts)
import { errorText } from "../error-text.ts";
import pkg from "../../package.json" with { type: "json" };
import { formatDiagnostic } from "../config/diagnostics.ts";
import { loadConfigFile } from "../config-io/load.ts";
import type { Config, VrrpInstance } from "../config/model.ts";
import { EventFd } from "../sys/eventfd.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { listLinks } from "../sys/rtnetlink/link.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { InstanceLocks } from "./lock.ts";
import { type ScriptIds, scriptIds } from "./script-user.ts";
import type { LvsHooks, LvsManager } from "./lvs-manager.ts";
import { lvsNeeded } from "./lvs-needed.ts";
import { log } from "./log.ts";
import { GroupStates } from "./group-notify.ts";
import { notifyMasterRxLowerPri, notifyRemoved, notifyTransition } from "./notify.ts";
import { notifyStateOf, syncRoleOf } from "./state-report.ts";
import { type InstancePlan, planInstances, type PlanResult, pushBlockers } from "./plan.ts";
import { killRunningScripts } from "./scripts.ts";
import { BriefBoard } from "./brief-board.ts";
import { BriefCache } from "./brief-cache.ts";
import { STATUS_BRIEF } from "./status-client.ts";
import { statusFilePath } from "./status-file-doc.ts";
import { StatusFile } from "./status-file.ts";
import { readKernelAddresses } from "./status-detail.ts";
import { startStatusServer } from "./status-server.ts";
import type { DaemonStatus, InstanceStatus } from "./status-types.ts";
import type { FromWorker, ToWorker, TransitionReport } from "./worker-protocol.ts";
import { TrackFeeds } from "./track-feeds.ts";
import { Observers } from "./observers.ts";
import { startHeapTrim } from "./heap-trim.ts";
import { allocatorProbeRequested, liveProbeRequested, reportAllocator, reportLiveCells } from "./heap-probe.ts";

export interface DaemonOptions {
  configFile: string;
  statusSocket: string;
  lockDir: string;
  /** override of vrrp_rt_priority (0 = no realtime) */
  rtPriority?: number;
  /** enables the `stall` debug hook used by the split-brain fault suite */
  allowStall?: boolean;
  strict?: boolean;
}

export interface DaemonHooks {
  /** every transition, after notify scripts are started (the fleet reporter hangs here) */
  onTransition?(t: TransitionReport, plan: InstancePlan | undefined): void;
  onEvent?(kind: string, instance: string, detail: string): void;
  lvs?: LvsHooks;
  /** a new config was put into effect (SIGHUP or a fleet push), after the daemon's own parts took it */
  onConfig?(cfg: Config): void;
  /** fields the daemon does not own (config serial, fleet and mail stats) for `vigil status` */
  statusExtra?(): Partial<DaemonStatus>;
}

const SHUTDOWN_GRACE_MS = 3000;
/** VIGIL_HEAP_PROBE=live: the soak's live cells per status request (heap-probe.ts) */
const liveProbe = liveProbeRequested();
/** VIGIL_HEAP_PROBE=mimalloc: mimalloc's statistics alone per status request */
const allocatorProbe = allocatorProbeRequested();

/**
 * The worker's entry point. A compiled binary carries it as a second entry point at
 * /$bunfs/root/daemon/vrrp-worker.js, which only the bare relative specifier finds.
 * The build defines VIGIL_EMBEDDED_WORKER so the minifier drops the source-tree branch:
 * with --bytecode, import.meta.url is the build tree's absolute path frozen into the
 * binary, and a board has no build tree.
 */
function workerEntry(): string {
  return process.env.VIGIL_EMBEDDED_WORKER === "1" ? "./daemon/vrrp-worker.ts" : new URL("./vrrp-worker.ts", import.meta.url).href;
}

export function loadConfig(path: string, strict = false, configId?: string): Config {
  const r = loadConfigFile(path, { strict, ...(configId !== undefined ? { configId } : {}) });
  for (const w of r.warnings) log.warn(formatDiagnostic(w, path));
  if (!r.config) {
    throw new Error(`${path}: configuration has errors:\n${r.errors.map((e) => `  ${formatDiagnostic(e, path)}`).join("\n")}`);
  }
  return r.config;
}

/** Plans instances against the live interfaces (read over rtnetlink). */
export function planFromKernel(cfg: Config): PlanResult {
  const nl = openRtnetlink();
  try {
    const links = listLinks(nl).map((l) => ({ index: l.index, name: l.name, mac: l.mac, up: l.up, running: l.running }));
    const addrs = listAddresses(nl).map((a) => ({ ifindex: a.index, family: a.family, address: a.address, prefix: a.prefixlen, scope: a.scope, flags: a.flags }));
    return planInstances(cfg, links, addrs);
  } finally {
    nl.close();
  }
}

export class Daemon {
  private cfg!: Config;
  private plan!: PlanResult;
  /** instances the last reload dropped, until the worker reports them stopped (keepalived's FAULT/DELETED notification) */
  private removedInstances = new Map<string, VrrpInstance>();
  private readonly groups = new GroupStates([]);
  private worker!: Worker;
  private readonly wake = EventFd.create();
  private readonly locks: InstanceLocks;
  private statusServer: { stop(): void } | null = null;
  /** `vigil status`'s table as a file next to the socket (status-file.ts) */
  private statusFile: StatusFile | null = null;
  /** what the main thread knows of the instances between worker answers, for that file */
  private readonly brief = new BriefCache();
  private heapTrim: { stop(): void } | null = null;
  private readonly startedAt = Date.now();
  private statusWaiters = new Map<number, (s: InstanceStatus[]) => void>();
  private nextStatusId = 1;
  /** the VRRP worker's JS heap as of its last status answer (bytes) */
  private workerHeapUsed = 0;
  private stopping: Promise<void> | null = null;
  private stoppedResolve!: () => void;
  readonly stopped = new Promise<void>((r) => (this.stoppedResolve = r));
  private readonly progress = new Int32Array(new SharedArrayBuffer(4));
  realtime = false;
  lvs: LvsManager | null = null;
  /** track_file, vrrp_track_process and vrrp_script values for the VRRP worker */
  private readonly feeds = new TrackFeeds(
    (m) => this.post(m),
    () => ({ cfg: this.cfg, scriptUser: this.scriptUser }),
    () => this.stopping !== null,
  );
  /** notify FIFOs, metrics endpoint, status detail, data/stats files */
  readonly observers = new Observers(() => this.status());

  constructor(private readonly opts: DaemonOptions, private readonly hooks: DaemonHooks = {}) {
    this.locks = new InstanceLocks(opts.lockDir);
  }

  /** uid/gid for notify scripts (script_user / enable_script_security), resolved per config */
  private scriptUser: ScriptIds = {};

  /** Starts with `cfg` (the boot config: the -f file, or the pushed config in state_dir). */
  async start(cfg: Config): Promise<void> {
    this.cfg = cfg;
    this.scriptUser = await scriptIds(cfg.global);
    this.plan = planFromKernel(this.cfg);
    this.groups.setGroups(this.plan.syncGroups);
    for (const e of this.plan.errors) log.error(e);
    // An instance whose interface is absent or not usable yet is no error: the worker
    // runs it (FAULT) and starts it when the interface is ready, as on a board that is
    // still bringing its interfaces up. Only a config with nothing runnable gives up.
    if (this.plan.templates.length === 0 && this.cfg.instances.length > 0) {
      throw new Error("no vrrp_instance can run (see errors above)");
    }
    this.locks.acquire(this.plan.templates.map((p) => ({ interface: p.interface, vrid: p.params.vrid, family: p.params.family })));
    const rtPriority = this.opts.rtPriority ?? this.cfg.global.vrrpRtPriority;
    // before the worker starts: its first transitions are FIFO lines too
    await this.observers.configure(cfg, this.scriptUser);
    this.worker = new Worker(workerEntry());
    let counts = { running: 0, waiting: 0 };
    const ready = new Promise<void>((resolve, reject) => {
      this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === "ready") {
          this.realtime = m.realtime;
          counts = { running: m.running, waiting: m.waiting };
          if (m.rtError) log.warn(`VRRP worker runs without SCHED_FIFO: ${m.rtError}`);
          resolve();
        } else if (m.type === "fatal") {
          reject(new Error(`VRRP worker: ${m.msg}`));
        } else {
          this.onWorkerMessage(m);
        }
      };
      this.worker.onerror = (e) => reject(new Error(`VRRP worker crashed: ${e.message}`));
    });
    const tracked = this.feeds.startTracking(this.cfg, this.plan, false);
    const board = this.newBriefBoard();
    this.post({
      type: "init", plans: this.plan.templates, syncGroups: this.plan.syncGroups, rtPriority,
      statics: this.plan.statics, trackFiles: tracked.files, trackProcesses: tracked.procs,
      ...(this.cfg.global.vrrpPriority !== undefined ? { nice: this.cfg.global.vrrpPriority } : {}),
      noSwap: this.cfg.global.vrrpNoSwap,
      startupDelayMs: this.cfg.global.vrrpStartupDelayMs ?? 0,
      wakeFd: this.wake.fd, allowStall: !!this.opts.allowStall,
      progress: this.progress.buffer as SharedArrayBuffer,
      brief: board,
    });
    await ready.catch(async (e: unknown) => {
      await this.observers.stop(); // a FIFO vigil created does not outlive a failed start
      throw e;
    });
    this.worker.onerror = (e) => {
      log.error(`VRRP worker crashed: ${e.message}; exiting so the supervisor restarts vigil`);
      process.exit(70);
    };
    this.feeds.startTrackScripts(this.plan);
    if (lvsNeeded(this.cfg, this.opts.lockDir, (m) => log.warn(`lvs: ${m}`))) await this.startLvs();
    else this.observers.lvsStarted(this.cfg, null);
    this.statusServer = startStatusServer(this.opts.statusSocket, (req) => this.answer(req));
    this.statusFile = new StatusFile(statusFilePath(this.opts.statusSocket), {
      cached: () => {
        const instances = this.brief.instances(Date.now());
        return instances ? this.fileDocument(instances) : null;
      },
      moved: () => this.brief.masterMoved(),
      workerSilent: () => this.brief.workerSilent(Date.now()),
      ask: () => this.status({ brief: true }),
    });
    this.statusFile.start();
    this.heapTrim = startHeapTrim();
    const waiting = counts.waiting ? `, ${counts.waiting} waiting for ${counts.waiting === 1 ? "its interface" : "their interfaces"}` : "";
    log.info(`vigil ${pkg.version} running ${counts.running} VRRP instance(s)${waiting} from ${this.opts.configFile}${this.realtime ? ` (SCHED_FIFO ${rtPriority})` : ""}`);
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
    this.wake.signal();
  }

  private onWorkerMessage(m: FromWorker): void {
    switch (m.type) {
      case "transition": {
        log.info(`${m.instance}: ${m.from} -> ${m.to} (priority ${m.effectivePriority})`);
        const plan = this.plan.templates.find((p) => p.name === m.instance);
        const to = notifyStateOf(m.to);
        const removed = this.removedInstances.get(m.instance);
        if (!plan && removed && m.to === "INIT") {
          // the reload that dropped it from the config stopped it: keepalived tells FAULT, or DELETED (notify_deleted)
          this.removedInstances.delete(m.instance);
          this.observers.instanceRemoved(m.instance, notifyRemoved(m.instance, removed, m.effectivePriority, this.scriptUser), m.effectivePriority);
        }
        if (plan && m.to !== m.from) {
          notifyTransition("INSTANCE", m.instance, plan.source, to, m.effectivePriority, this.scriptUser);
          this.observers.instance(m.instance, to, m.effectivePriority);
          // keepalived passes priority 0 for a group
          for (const c of this.groups.update(m.instance, to)) {
            const g = this.cfg.syncGroups.find((x) => x.name === c.group);
            if (g) notifyTransition("GROUP", g.name, g, c.state, 0, this.scriptUser);
            if (g) this.observers.group(g.name, c.state, g.group);
          }
        }
        this.brief.transition(m, Date.now());
        this.statusFile?.changed();
        const role = syncRoleOf(m.to);
        if (this.lvs?.syncInstance === m.instance && role) this.lvs.setSyncRole(role);
        this.hooks.onTransition?.(m, plan);
        break;
      }
      case "status":
        // transitions handled before this answer are in the file before the answer leaves
        this.statusFile?.flush();
        this.workerHeapUsed = m.heapUsed;
        this.statusWaiters.get(m.id)?.(m.instances);
        this.statusWaiters.delete(m.id);
        break;
      case "log":
        log[m.level](m.msg);
        break;
      case "priority":
        log.info(`${m.instance}: effective priority ${m.effectivePriority}`);
        this.observers.priority(m.instance, m.master, m.effectivePriority);
        this.brief.priority(m.instance, m.effectivePriority);
        this.statusFile?.changed();
        break;
      case "lower-priority": {
        // keepalived: every such advert runs the script and writes the line (a lower master that does not hear us)
        const plan = this.plan.templates.find((p) => p.name === m.instance);
        notifyMasterRxLowerPri(plan?.source.notifyMasterRxLowerPri, this.scriptUser);
        this.observers.lowerPriority(m.instance, m.effectivePriority);
        break;
      }
      case "event":
        log.warn(`${m.instance}: ${m.kind}: ${m.detail}`);
        this.hooks.onEvent?.(m.kind, m.instance, m.detail);
        break;
      case "stopped":
        this.finish();
        break;
      default:
        break;
    }
  }

  instances(timeoutMs = 2000): Promise<InstanceStatus[]> {
    const id = this.nextStatusId++;
    const gen = this.brief.generation;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.statusWaiters.delete(id);
        reject(new Error(`VRRP worker did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.statusWaiters.set(id, (s) => {
        clearTimeout(t);
        this.brief.take(s, gen, Date.now());
        resolve(s);
      });
      this.post({ type: "status", id });
    });
  }

  /**
   * The status document. `brief` leaves out each VIP as the kernel holds it
   * (vipsInKernel: an address dump), which `vigil status`'s table does not show.
   */
  async status(opts: { brief?: boolean } = {}): Promise<DaemonStatus> {
    if (liveProbe) reportLiveCells("main");
    if (liveProbe || allocatorProbe) reportAllocator();
    const instances = this.instances();
    // the kernel dump is synchronous: done while the worker prepares its answer
    const kernel = opts.brief ? undefined : readKernelAddresses();
    return this.document(await instances, kernel);
  }

  /** The status document around the instances' status (the worker's answer, or the brief cache's). */
  private document(instances: InstanceStatus[], kernel?: ReturnType<typeof readKernelAddresses>): DaemonStatus {
    const st: DaemonStatus = { ...this.statusHead(instances), memory: { ...mainHeap(), workerHeapUsed: this.workerHeapUsed } };
    return this.observers.enrich(st, { cfg: this.cfg, plan: this.plan, lvs: this.lvs, ...(kernel ? { kernel } : {}) });
  }

  /** Who is reporting, and what it runs: the part of every status document that is not per instance. */
  private statusHead(instances: InstanceStatus[]): DaemonStatus {
    return {
      version: pkg.version,
      pid: process.pid,
      startedAt: this.startedAt,
      configFile: this.opts.configFile,
      instances,
      ...(this.lvs?.active ? { lvs: this.lvs.status() } : {}),
      ...this.hooks.statusExtra?.(),
    };
  }

  /**
   * What the status file shows around the instances: the table's fields only, none of
   * enrich's per-instance detail (settings, sync groups, checker statistics), which
   * the file's once-a-second rewrite would pay for nothing.
   */
  private fileDocument(instances: InstanceStatus[]): DaemonStatus {
    return { ...this.statusHead(instances), ...this.observers.reportTargets() };
  }

  /** A brief board for the current plans (the worker publishes into it; brief-board.ts). */
  private newBriefBoard(): SharedArrayBuffer {
    const board = BriefBoard.create(this.plan.templates.length);
    this.brief.setBoard(board, this.plan.templates.map((p) => p.name), Date.now());
    return board.buffer;
  }

  private async answer(req: string): Promise<unknown> {
    if (req === "status" || req === "") return this.status();
    if (req === STATUS_BRIEF) return this.status({ brief: true });
    if (req.startsWith("stall ") && this.opts.allowStall) {
      const ms = Number(req.slice(6));
      this.post({ type: "stall", ms });
      return { ok: true, stalled: ms };
    }
    return { error: `unknown request '${req.slice(0, 40)}'` };
  }

  get config(): Config {
    return this.cfg;
  }

  /**
   * Puts a new config into effect without restarting what did not change: the
   * worker keeps unchanged instances (state, VIPs, advert rhythm), LVS keeps the
   * state of unchanged checkers. With `strict` (a pushed config) any instance that
   * cannot run rejects the whole config, so the caller can roll back: a config
   * error, or an interface that does not exist on this running box (likely a
   * typo; one that is only down or still in DAD waits as at boot). A SIGHUP of a
   * hand-edited file runs what it can, as keepalived does, and waits for absent
   * interfaces.
   */
  applyConfig(cfg: Config, opts: { strict: boolean }): void {
    const plan = planFromKernel(cfg);
    const blockers = opts.strict ? pushBlockers(plan) : [];
    if (blockers.length) throw new Error(blockers.join("; "));
    for (const e of plan.errors) log.error(e);
    this.locks.sync(plan.templates.map((p) => ({ interface: p.interface, vrid: p.params.vrid, family: p.params.family })));
    // the instances this config drops: the worker stops them, and their last notification says why
    this.removedInstances = new Map(this.cfg.instances.filter((i) => !cfg.instances.some((n) => n.name === i.name)).map((i) => [i.name, i]));
    this.cfg = cfg;
    this.plan = plan;
    void scriptIds(cfg.global).then((ids) => (this.scriptUser = ids));
    this.groups.setGroups(plan.syncGroups);
    this.post({ type: "reload", plans: plan.templates, syncGroups: plan.syncGroups, statics: plan.statics, brief: this.newBriefBoard() });
    this.statusFile?.changed();
    // the instances (re)started by the reload learn the values as they are now
    const tracked = this.feeds.startTracking(cfg, plan, true);
    for (const [name, value] of tracked.files) this.post({ type: "track-file", name, value });
    for (const [name, up] of tracked.procs) this.post({ type: "track-process", name, up });
    this.feeds.startTrackScripts(this.plan);
    if (this.lvs) {
      this.lvs.tableSwitches = cfg.global;
      this.lvs.logAllFailures = cfg.global.checkerLogAllFailures;
      this.lvs.rsInitNotifies = cfg.global.rsInitNotifies;
    }
    this.lvs?.reload(cfg.virtualServers, cfg.global.lvsSyncDaemon, { groups: cfg.virtualServerGroups, trackFiles: cfg.trackFiles });
    if (this.lvs || !lvsNeeded(cfg, this.opts.lockDir, (m) => log.warn(`lvs: ${m}`))) this.observers.lvsStarted(cfg, this.lvs);
    else void this.startLvs().catch((e: unknown) => log.error(`lvs start: ${errorText(e)}`));
    this.hooks.onConfig?.(cfg);
    void this.observers.configure(cfg, this.scriptUser).then(() => {
      if (cfg.global.fifoWriteVrrpStatesOnReload) void this.writeStatesToFifos();
    });
  }

  /**
   * keepalived fifo_write_vrrp_states_on_reload: the states as FIFO lines again.
   * As keepalived 2.2.7 (measured), an instance in the state of its sync group is
   * not repeated (vrrp_notify.c send_instance_notifies): the group's line says it.
   */
  private async writeStatesToFifos(): Promise<void> {
    try {
      const st = await this.status();
      const groups = st.syncGroups ?? [];
      for (const i of st.instances) {
        if (groups.some((g) => g.members.includes(i.name) && g.state === i.state)) continue;
        this.observers.instance(i.name, i.state === "INIT" ? "STOP" : i.state, i.effectivePriority);
      }
      for (const g of groups) if (g.state) this.observers.group(g.name, g.state, g.members);
    } catch (e) {
      log.warn(`fifo_write_vrrp_states_on_reload: ${errorText(e)}`);
    }
  }

  /**
   * The LVS side for the running config, loaded on first need (lvs-needed.ts): at start,
   * or when a reload first configures virtual servers. It starts with the config
   * current once its modules are loaded, so a reload meanwhile is not lost.
   */
  private async startLvs(): Promise<void> {
    const { LvsManager } = await import("./lvs-manager.ts");
    if (this.lvs || this.stopping) return;
    const cfg = this.cfg;
    this.lvs = new LvsManager(cfg.virtualServers, cfg.global.lvsSyncDaemon, this.observers.lvsHooks(this.hooks.lvs), () => this.scriptUser, {
      stateDir: this.opts.lockDir, groups: cfg.virtualServerGroups, trackFiles: cfg.trackFiles,
    });
    this.lvs.tableSwitches = cfg.global;
    this.lvs.logAllFailures = cfg.global.checkerLogAllFailures;
    this.lvs.rsInitNotifies = cfg.global.rsInitNotifies;
    this.lvs.start();
    this.observers.lvsStarted(cfg, this.lvs);
  }

  /** SIGHUP: re-read the config through `load`; a broken one leaves the running config alone. */
  reload(load: () => Config): void {
    try {
      this.applyConfig(load(), { strict: false });
      log.info(`reloaded ${this.opts.configFile}`);
    } catch (e) {
      log.error(`reload rejected, keeping the running config: ${errorText(e)}`);
    }
  }

  /** SIGUSR1: keepalived.data (the log keeps a line per instance too). */
  async dumpState(): Promise<void> {
    try {
      for (const i of await this.instances()) {
        log.info(`state ${i.name}: ${i.state} prio ${i.effectivePriority}/${i.priority} master ${i.masterAddress || "-"} ${JSON.stringify(i.counters)}`);
      }
      await this.observers.writeData(this.cfg);
    } catch (e) {
      log.error(`state dump: ${errorText(e)}`);
    }
  }

  /** SIGUSR2: keepalived.stats. */
  async dumpStats(): Promise<void> {
    try {
      await this.observers.writeStats();
    } catch (e) {
      log.error(`stats dump: ${errorText(e)}`);
    }
  }

  /** Worker progress counter, for the watchdog: it only moves while the advert loop runs. */
  get workerProgress(): number {
    return Atomics.load(this.progress, 0);
  }

  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      log.info("stopping: priority-0 adverts, removing VIPs");
      this.feeds.stopScripts();
      killRunningScripts();
      this.feeds.stopWatches();
      try {
        this.observers.lvsStopping(this.cfg);
        this.lvs?.stop();
      } catch (e) {
        log.error(`lvs stop: ${errorText(e)}`);
      }
      this.post({ type: "shutdown" });
      const grace = setTimeout(() => {
        log.error(`VRRP worker did not stop within ${SHUTDOWN_GRACE_MS} ms; terminating it`);
        this.finish();
      }, SHUTDOWN_GRACE_MS);
      await this.stopped;
      clearTimeout(grace);
    })();
    return this.stopping;
  }

  private finish(): void {
    this.statusServer?.stop();
    this.statusServer = null;
    this.statusFile?.stop();
    this.statusFile = null;
    this.heapTrim?.stop();
    this.locks.releaseAll();
    this.worker?.terminate();
    this.wake.close();
    // the FIFOs close after the last STOP line; a reading script gets to finish (bounded)
    void this.observers.stop().finally(() => this.stoppedResolve());
  }
}

/** The main thread's JS heap for `vigil status --json` (rss is /proc's business). */
function mainHeap(): { heapUsed: number; heapTotal: number; external: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}
