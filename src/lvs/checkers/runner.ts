// Drives the pure cores with real time and real checks: one timer armed at
// the scheduler's next wakeup, one adapter call per "run", results fed back,
// and the desired IPVS table re-emitted whenever a real server or quorum
// changes. FILE_CHECKs have no schedule: their verdict follows the track
// file's value from the watch adapter at once. Scripts (notify_*, quorum_*)
// leave as actions for the daemon's script runner; the IPVS table leaves as
// data for the daemon to program.
import {
  realServerName, virtualServerName, type FileCheck, type TrackFile, type VirtualServer, type VirtualServerGroup,
} from "../../config/model.ts";
import type { IpvsService } from "../ipvs-model.ts";
import { desiredServices } from "../desired.ts";
import { type CarriedState, type LvsAction, VirtualServerState } from "../rs-state.ts";
import { CheckScheduler, type CheckOutcome, type SchedulerAction } from "../scheduler.ts";
import { fileCheckVerdict } from "../track-file.ts";
import { TrackFileWatch } from "../../sys/track-file-watch.ts";
import { Cancel } from "./cancel.ts";
import { mulberry32 } from "./prng.ts";
import { runCheck } from "./run-check.ts";
import { expandSmtpHosts } from "./smtp-hosts.ts";
import { checkTiming, isScheduled, type ScheduledChecker } from "./timing.ts";

export interface CheckReport {
  vs: string;
  rs: string;
  checker: string;
  outcome: CheckOutcome;
  latencyMs: number;
  /** the checker's own log_all_failures (keepalived: global checker_log_all_failures OR this) */
  logAllFailures?: boolean;
}

/** One checker going up or down, and whether that changed its real server's state. */
export interface CheckerChange {
  vs: string;
  rs: string;
  /** the checker's type (TCP_CHECK, HTTP_GET, ...) */
  checker: string;
  up: boolean;
  /** the real server went up or down with it (it was the last checker to fail or to recover) */
  realServerChanged: boolean;
  reason?: string;
}

export interface LvsRunnerHooks {
  /** the desired table changed (also called once on start) */
  onTable?(table: IpvsService[]): void;
  onAction?(a: LvsAction): void;
  /** every finished attempt, for status and the fleet's lvs/<vs>/<rs> topic */
  onCheck?(r: CheckReport): void;
  /** a failed attempt of a checker that was up (its retries, then the one that takes it down): keepalived checker_log_all_failures */
  onFailedWhileUp?(r: CheckReport): void;
  /** a checker's verdict flipped (keepalived mails each one: smtp_alert, no_checker_emails) */
  onCheckerChange?(c: CheckerChange): void;
  /** a hook threw; the runner carries on (default: printed to stderr) */
  onError?(e: unknown): void;
}

export interface LvsRunnerOptions {
  /** seeds the warmup PRNG; default: time-based */
  seed?: number;
  /**
   * Wakeups are rounded up to this grid (ms). Measured here: a connection
   * started on its own event-loop wakeup costs about twice the CPU of one
   * started in a batch, and at thousands of checks per second the spread
   * (warmup) puts nearly every check on its own wakeup. 20 ms of extra
   * latency is nothing against a delay_loop of seconds. 0 = exact timers.
   */
  wakeGranularityMs?: number;
  /** replaces the adapters (an in-process harness may; tests and the benchmark use the real ones) */
  check?: typeof runCheck;
  /** the virtual_server_group definitions `virtual_server group NAME` refers to */
  groups?: readonly VirtualServerGroup[];
  /** the track_file definitions FILE_CHECK refers to */
  trackFiles?: readonly TrackFile[];
  /** reads and watches track files (default: inotify, src/sys/track-file-watch.ts) */
  trackFileSource?: (onChange: (name: string, value: number) => void) => TrackFileSource;
}

/** What the runner needs of a track-file watcher. */
export interface TrackFileSource {
  /** watches exactly these files from now on; returns each one's value now */
  set(files: readonly Pick<TrackFile, "name" | "file">[]): Map<string, number>;
  stop(): void;
}

/** The definitions a reload brings besides the virtual servers. */
export interface LvsDefinitions {
  groups?: readonly VirtualServerGroup[];
  trackFiles?: readonly TrackFile[];
}

/** A FILE_CHECK: no schedule, its verdict follows its file. */
interface FileRef {
  vs: number;
  rs: number;
  ck: number;
  check: FileCheck;
  /** the track_file the check names, when it exists */
  file: TrackFile | undefined;
}

interface CheckRef {
  vs: number;
  rs: number;
  ck: number;
  /** identity across reloads: same service, same server, same checker config and timing */
  key: string;
  /** report names, built on first use: thousands of checks per second need not rebuild them */
  vsName?: string;
  rsName?: string;
}

export class LvsCheckRunner {
  /** the virtual servers as checked: SMTP_CHECK host blocks split into checkers (smtp-hosts.ts) */
  private vss: VirtualServer[];
  private states: VirtualServerState[];
  private refs = new Map<number, CheckRef>();
  private fileRefs: FileRef[] = [];
  private groups: Map<string, VirtualServerGroup>;
  private trackFiles: Map<string, TrackFile>;
  private fileValues = new Map<string, number>();
  private fileSource: TrackFileSource | undefined;
  private readonly makeFileSource: (onChange: (name: string, value: number) => void) => TrackFileSource;
  /** checkers scheduled and states built for the current config (by start() or a reload before it) */
  private prepared = false;
  private nextId = 0;
  private readonly sched: CheckScheduler;
  private readonly inflight = new Map<number, { seq: number; ctl: Cancel; started: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private running = false;
  private readonly check: typeof runCheck;
  private readonly grain: number;
  /** virtualServerName of the services whose checks are suspended (ha_suspend) */
  private suspendedVs: ReadonlySet<string> = new Set();

  constructor(vss: VirtualServer[], private readonly hooks: LvsRunnerHooks = {}, opts: LvsRunnerOptions = {}) {
    this.vss = vss.map(runtimeView);
    this.groups = byName(opts.groups);
    this.trackFiles = byName(opts.trackFiles);
    // provisional until start(): FILE_CHECK verdicts need their files read
    this.states = this.vss.map((v) => new VirtualServerState(v));
    this.sched = new CheckScheduler(mulberry32(opts.seed ?? Date.now()));
    this.check = opts.check ?? runCheck;
    this.grain = opts.wakeGranularityMs ?? 20;
    this.makeFileSource = opts.trackFileSource ?? ((onChange) => new TrackFileWatch(onChange, (m) => this.reportError(new Error(m))));
  }

  /** keepalived rs_init_notifies: a real server that starts alive (at start, or added by a reload) runs its notify_up */
  rsInitNotifies = false;

  start(): void {
    if (this.running) return;
    this.running = true;
    // a reload before start() has already scheduled the checkers
    if (!this.prepared) this.prepare(this.vss, false);
    for (const s of this.states) for (const a of s.start(this.rsInitNotifies)) this.safely(() => this.hooks.onAction?.(a));
    this.safely(() => this.hooks.onTable?.(this.table()));
    this.pump();
  }

  /**
   * Applies a new config without disturbing what did not change: a checker
   * with the same service, server, config and timing keeps its schedule, its
   * attempt in flight and its verdict, so an unchanged real server neither
   * flaps in the table nor re-runs its scripts. New checkers start as at
   * startup; removed ones are cancelled. A group's members follow its new
   * definition: the table changes by the members added or removed.
   */
  reload(vss: VirtualServer[], defs: LvsDefinitions = {}): void {
    this.groups = byName(defs.groups);
    this.trackFiles = byName(defs.trackFiles);
    this.prepare(vss.map(runtimeView), true);
    for (const s of this.states) for (const a of s.start(this.rsInitNotifies)) this.safely(() => this.hooks.onAction?.(a));
    this.safely(() => this.hooks.onTable?.(this.table()));
    if (this.running) this.pump();
  }

  /**
   * Schedules the checkers of `vss` (keeping those of the current config with
   * the same identity when `carry`), reads the track files FILE_CHECKs name and
   * builds the real-server states with what is known at once.
   */
  private prepare(vss: VirtualServer[], carry: boolean): void {
    const now = performance.now();
    const oldByKey = new Map<string, number>();
    if (carry) for (const [id, r] of this.refs) oldByKey.set(r.key, id);
    const oldStates = new Map(carry && this.prepared ? this.vss.map((vs, i) => [virtualServerName(vs), { vs, state: this.states[i]! }]) : []);
    const refs = new Map<number, CheckRef>();
    const added: { id: number; vs: VirtualServer; rs: VirtualServer["realServers"][number]; c: ScheduledChecker }[] = [];
    const reusedUp = new Map<string, boolean>();
    const fileRefs: FileRef[] = [];
    vss.forEach((vs, v) =>
      vs.realServers.forEach((rs, r) =>
        rs.checkers.forEach((c, k) => {
          if (!isScheduled(c)) {
            fileRefs.push({ vs: v, rs: r, ck: k, check: c, file: this.trackFiles.get(c.trackFile) });
            return;
          }
          const key = checkKey(vs, rs, k);
          let id = oldByKey.get(key);
          if (id !== undefined) {
            oldByKey.delete(key);
            const up = this.sched.isUp(id);
            if (up !== undefined) reusedUp.set(`${v}|${r}|${k}`, up);
          } else {
            id = this.nextId++;
            added.push({ id, vs, rs, c });
          }
          refs.set(id, { vs: v, rs: r, ck: k, key });
        }),
      ),
    );
    for (const id of oldByKey.values()) {
      this.sched.remove(id);
      this.inflight.get(id)?.ctl.abort();
      this.inflight.delete(id);
    }
    this.readTrackFiles(fileRefs);
    const fileVerdicts = new Map(fileRefs.map((f) => [`${f.vs}|${f.rs}|${f.ck}`, this.fileVerdict(f)]));
    const states = vss.map((vs, v) => {
      const old = oldStates.get(virtualServerName(vs));
      const oldRs = new Map(old ? old.vs.realServers.map((rs, i) => [realServerName(rs), i]) : []);
      const carried: CarriedState = {
        checkerUp: (r, k) => fileVerdicts.get(`${v}|${r}|${k}`)?.up ?? reusedUp.get(`${v}|${r}|${k}`),
        offset: (r, k) => fileVerdicts.get(`${v}|${r}|${k}`)?.offset,
        dynamicWeight: (r) => {
          const i = oldRs.get(realServerName(vs.realServers[r]!));
          return i === undefined ? undefined : old!.state.carried(i).dynamicWeight;
        },
        quorumUp: old?.state.quorumUp,
      };
      return new VirtualServerState(vs, carried);
    });
    this.vss = vss;
    this.states = states;
    this.refs = refs;
    this.fileRefs = fileRefs;
    for (const a of added) this.sched.add(a.id, checkTiming(a.vs, a.rs, a.c), now);
    this.applySuspension();
    this.prepared = true;
  }

  /** Watches the track files the FILE_CHECKs name (and only those, as keepalived) and reads them now. */
  private readTrackFiles(refs: FileRef[]): void {
    const files = [...new Map(refs.filter((f) => f.file).map((f) => [f.file!.name, f.file!])).values()];
    if (files.length === 0) {
      this.fileSource?.stop();
      this.fileSource = undefined;
      this.fileValues = new Map();
      return;
    }
    this.fileSource ??= this.makeFileSource((name, value) => this.onTrackFile(name, value));
    this.fileValues = this.fileSource.set(files.map((f) => ({ name: f.name, file: f.file })));
  }

  private fileVerdict(f: FileRef): { up: boolean; offset: number; reason?: string } {
    // a FILE_CHECK naming no track_file is refused by the config check; here it only fails
    if (!f.file) return { up: false, offset: 0, reason: `track_file ${f.check.trackFile} is not defined` };
    const value = this.fileValues.get(f.file.name) ?? 0;
    const weight = f.check.weight ?? f.file.weight;
    const reverse = f.check.weight !== undefined ? f.check.weightReverse : f.file.weightReverse;
    const v = fileCheckVerdict(value, weight, reverse);
    return v.up ? v : { ...v, reason: `track_file ${f.file.name} reads ${value}` };
  }

  /** A track file's value changed: its FILE_CHECKs take the new verdict at once (no retries, no delay loop). */
  private onTrackFile(name: string, value: number): void {
    this.fileValues.set(name, value);
    let changed = false;
    for (const f of this.fileRefs) {
      if (f.file?.name !== name) continue;
      const v = this.fileVerdict(f);
      const out = this.states[f.vs]!.checker(f.rs, f.ck, v.up, undefined, v.reason, v.offset);
      if (this.hooks.onCheck) {
        const vs = this.vss[f.vs]!;
        const report: CheckReport = {
          vs: virtualServerName(vs),
          rs: realServerName(vs.realServers[f.rs]!),
          checker: "FILE_CHECK",
          outcome: v.up ? { ok: true } : { ok: false, reason: v.reason ?? "" },
          latencyMs: 0,
        };
        this.safely(() => this.hooks.onCheck!(report));
      }
      for (const x of out) {
        if (x.type !== "notify") changed = true;
        this.safely(() => this.hooks.onAction?.(x));
      }
    }
    if (changed) this.safely(() => this.hooks.onTable?.(this.table()));
  }

  /** Stops every check; returns the omega actions (scripts to run on the way out). */
  stop(): LvsAction[] {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const f of this.inflight.values()) f.ctl.abort();
    this.inflight.clear();
    this.fileSource?.stop();
    this.fileSource = undefined;
    return this.states.flatMap((s) => s.shutdown());
  }

  /**
   * Suspends the checks of the named virtual servers (virtualServerName) and
   * resumes all others. Suspended checks start no attempt; verdicts, real
   * servers and the table stay as they are (keepalived ha_suspend).
   */
  setSuspended(names: ReadonlySet<string>): void {
    this.suspendedVs = new Set(names);
    this.applySuspension();
  }

  isSuspended(vsIndex: number): boolean {
    const vs = this.vss[vsIndex];
    return vs !== undefined && this.suspendedVs.has(virtualServerName(vs));
  }

  private applySuspension(): void {
    for (const [id, ref] of this.refs) this.sched.setSuspended(id, this.suspendedVs.has(virtualServerName(this.vss[ref.vs]!)));
  }

  /** The desired IPVS table: each virtual server's services in config order (a group's, member by member). */
  table(): IpvsService[] {
    return this.vss.flatMap((vs, i) => desiredServices(vs, this.states[i]!, this.groups));
  }

  /** virtualServerName of the virtual server each entry of table() belongs to, in the same order. */
  serviceOwners(): string[] {
    return this.vss.flatMap((vs, i) => desiredServices(vs, this.states[i]!, this.groups).map(() => virtualServerName(vs)));
  }

  state(vsIndex: number): VirtualServerState {
    return this.states[vsIndex]!;
  }

  private pump(): void {
    if (!this.running) return;
    const now = performance.now();
    this.apply(this.sched.tick(now));
    const due = this.sched.nextWakeup();
    if (due === undefined) return;
    const next = this.grain > 0 ? Math.ceil(due / this.grain) * this.grain : due;
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, next - performance.now()));
  }

  private apply(actions: SchedulerAction[]): void {
    let changed = false;
    for (const a of actions) {
      if (a.type === "run") this.launch(a.id, a.seq, a.deadline);
      else if (a.type === "abort") {
        const f = this.inflight.get(a.id);
        if (f && f.seq === a.seq) {
          f.ctl.abort();
          this.inflight.delete(a.id);
        }
      } else {
        const ref = this.refs.get(a.id);
        if (!ref) continue;
        const state = this.states[ref.vs]!;
        const checkerWas = state.carried(ref.rs).checkersUp[ref.ck];
        const rsWas = state.alive(ref.rs);
        const out = state.checker(ref.rs, ref.ck, a.up, a.weight, a.reason);
        for (const x of out) {
          if (x.type !== "notify") changed = true;
          this.safely(() => this.hooks.onAction?.(x));
        }
        // a "state" action also reports a new dynamic weight of a checker that stays up
        if (checkerWas !== a.up && this.hooks.onCheckerChange) this.checkerChanged(ref, a.up, state.alive(ref.rs) !== rsWas, a.reason);
      }
    }
    if (changed) this.safely(() => this.hooks.onTable?.(this.table()));
  }

  private checkerChanged(ref: CheckRef, up: boolean, realServerChanged: boolean, reason: string | undefined): void {
    const vs = this.vss[ref.vs]!;
    const rs = vs.realServers[ref.rs]!;
    const c: CheckerChange = {
      vs: (ref.vsName ??= virtualServerName(vs)),
      rs: (ref.rsName ??= realServerName(rs)),
      checker: rs.checkers[ref.ck]!.type,
      up,
      realServerChanged,
      ...(reason !== undefined ? { reason } : {}),
    };
    this.safely(() => this.hooks.onCheckerChange!(c));
  }

  /** Hooks are the daemon's code; one that throws is reported and never stops the checks. */
  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.reportError(e);
    }
  }

  private reportError(e: unknown): void {
    if (this.hooks.onError) this.hooks.onError(e);
    else process.stderr.write(`vigil lvs: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  }

  private launch(id: number, seq: number, deadline: number): void {
    const ref = this.refs.get(id);
    if (!ref) return;
    const vs = this.vss[ref.vs]!;
    const rs = vs.realServers[ref.rs]!;
    const checker = rs.checkers[ref.ck] as ScheduledChecker;
    const ctl = new Cancel();
    const started = performance.now();
    this.inflight.set(id, { seq, ctl, started });
    this.check({ vs, rs, checker, deadline, signal: ctl }).then((outcome) => {
      const f = this.inflight.get(id);
      if (f && f.seq === seq) this.inflight.delete(id);
      if (!this.running) return;
      const now = performance.now();
      const failedWhileUp = !outcome.ok && this.hooks.onFailedWhileUp !== undefined && this.sched.isUp(id) === true;
      const actions = this.sched.result(id, seq, outcome, now);
      if (this.hooks.onCheck || failedWhileUp) {
        const report: CheckReport = {
          vs: (ref.vsName ??= virtualServerName(vs)),
          rs: (ref.rsName ??= realServerName(rs)),
          checker: checker.type,
          outcome,
          latencyMs: now - started,
          ...(checker.logAllFailures ? { logAllFailures: true } : {}),
        };
        if (this.hooks.onCheck) this.safely(() => this.hooks.onCheck!(report));
        if (failedWhileUp) this.safely(() => this.hooks.onFailedWhileUp!(report));
      }
      if (actions.length) this.apply(actions);
      this.pump();
    });
  }
}

function checkKey(vs: VirtualServer, rs: VirtualServer["realServers"][number], k: number): string {
  const c = rs.checkers[k] as ScheduledChecker;
  return `${virtualServerName(vs)}|${realServerName(rs)}|${k}|${JSON.stringify(c)}|${JSON.stringify(checkTiming(vs, rs, c))}`;
}

/** A virtual server as the runner checks it: SMTP_CHECK host blocks become checkers of their own. */
function runtimeView(vs: VirtualServer): VirtualServer {
  const rss = vs.realServers.map(expandSmtpHosts);
  return rss.every((r, i) => r === vs.realServers[i]) ? vs : { ...vs, realServers: rss };
}

function byName<T extends { name: string }>(list: readonly T[] | undefined): Map<string, T> {
  return new Map((list ?? []).map((x) => [x.name, x]));
}
