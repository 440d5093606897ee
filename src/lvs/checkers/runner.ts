// Drives the pure cores with real time and real checks: one timer armed at
// the scheduler's next wakeup, one adapter call per "run", results fed back,
// and the desired IPVS table re-emitted whenever a real server or quorum
// changes. Scripts (notify_*, quorum_*) leave as actions for the daemon's
// script runner; this file never touches the kernel.
import { realServerName, virtualServerName, type VirtualServer } from "../../config/model.ts";
import type { IpvsService } from "../ipvs-model.ts";
import { desiredService } from "../desired.ts";
import { type CarriedState, type LvsAction, VirtualServerState } from "../rs-state.ts";
import { CheckScheduler, type CheckOutcome, type SchedulerAction } from "../scheduler.ts";
import { Cancel } from "./cancel.ts";
import { mulberry32 } from "./prng.ts";
import { runCheck } from "./run-check.ts";
import { checkTiming } from "./timing.ts";

export interface CheckReport {
  vs: string;
  rs: string;
  checker: string;
  outcome: CheckOutcome;
  latencyMs: number;
}

export interface LvsRunnerHooks {
  /** the desired table changed (also called once on start) */
  onTable?(table: IpvsService[]): void;
  onAction?(a: LvsAction): void;
  /** every finished attempt, for status and the fleet's lvs/<vs>/<rs> topic */
  onCheck?(r: CheckReport): void;
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
  private vss: VirtualServer[];
  private states: VirtualServerState[];
  private refs = new Map<number, CheckRef>();
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
    this.vss = vss;
    this.states = vss.map((v) => new VirtualServerState(v));
    this.sched = new CheckScheduler(mulberry32(opts.seed ?? Date.now()));
    this.check = opts.check ?? runCheck;
    this.grain = opts.wakeGranularityMs ?? 20;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = performance.now();
    // a reload before start() has already scheduled the checkers
    if (this.refs.size === 0) this.vss.forEach((vs, v) =>
      vs.realServers.forEach((rs, r) =>
        rs.checkers.forEach((c, k) => {
          const id = this.nextId++;
          this.refs.set(id, { vs: v, rs: r, ck: k, key: checkKey(vs, rs, k) });
          this.sched.add(id, checkTiming(vs, rs, c), now);
          this.sched.setSuspended(id, this.suspendedVs.has(virtualServerName(vs)));
        }),
      ),
    );
    for (const s of this.states) for (const a of s.start()) this.safely(() => this.hooks.onAction?.(a));
    this.safely(() => this.hooks.onTable?.(this.table()));
    this.pump();
  }

  /**
   * Applies a new config without disturbing what did not change: a checker
   * with the same service, server, config and timing keeps its schedule, its
   * attempt in flight and its verdict, so an unchanged real server neither
   * flaps in the table nor re-runs its scripts. New checkers start as at
   * startup; removed ones are cancelled.
   */
  reload(vss: VirtualServer[]): void {
    const now = performance.now();
    const oldByKey = new Map<string, number>();
    for (const [id, r] of this.refs) oldByKey.set(r.key, id);
    const oldStates = new Map(this.vss.map((vs, i) => [virtualServerName(vs), { vs, state: this.states[i]! }]));
    const refs = new Map<number, CheckRef>();
    const added: { id: number; vs: VirtualServer; rs: VirtualServer["realServers"][number]; ck: number }[] = [];
    const reusedUp = new Map<string, boolean>();
    vss.forEach((vs, v) =>
      vs.realServers.forEach((rs, r) =>
        rs.checkers.forEach((_c, k) => {
          const key = checkKey(vs, rs, k);
          let id = oldByKey.get(key);
          if (id !== undefined) {
            oldByKey.delete(key);
            const up = this.sched.isUp(id);
            if (up !== undefined) reusedUp.set(`${v}|${r}|${k}`, up);
          } else {
            id = this.nextId++;
            added.push({ id, vs, rs, ck: k });
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
    const states = vss.map((vs, v) => {
      const old = oldStates.get(virtualServerName(vs));
      const oldRs = new Map(old ? old.vs.realServers.map((rs, i) => [realServerName(rs), i]) : []);
      const carried: CarriedState = {
        checkerUp: (r, k) => reusedUp.get(`${v}|${r}|${k}`),
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
    for (const a of added) this.sched.add(a.id, checkTiming(a.vs, a.rs, a.rs.checkers[a.ck]!), now);
    this.applySuspension();
    for (const s of this.states) for (const a of s.start()) this.safely(() => this.hooks.onAction?.(a));
    this.safely(() => this.hooks.onTable?.(this.table()));
    if (this.running) this.pump();
  }

  /** Stops every check; returns the omega actions (scripts to run on the way out). */
  stop(): LvsAction[] {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const f of this.inflight.values()) f.ctl.abort();
    this.inflight.clear();
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

  table(): IpvsService[] {
    return this.vss.map((vs, i) => desiredService(vs, this.states[i]!));
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
        const out = this.states[ref.vs]!.checker(ref.rs, ref.ck, a.up, a.weight, a.reason);
        for (const x of out) {
          if (x.type !== "notify") changed = true;
          this.safely(() => this.hooks.onAction?.(x));
        }
      }
    }
    if (changed) this.safely(() => this.hooks.onTable?.(this.table()));
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
    const checker = rs.checkers[ref.ck]!;
    const ctl = new Cancel();
    const started = performance.now();
    this.inflight.set(id, { seq, ctl, started });
    this.check({ vs, rs, checker, deadline, signal: ctl }).then((outcome) => {
      const f = this.inflight.get(id);
      if (f && f.seq === seq) this.inflight.delete(id);
      if (!this.running) return;
      const now = performance.now();
      const actions = this.sched.result(id, seq, outcome, now);
      if (this.hooks.onCheck) {
        const report: CheckReport = {
          vs: (ref.vsName ??= virtualServerName(vs)),
          rs: (ref.rsName ??= realServerName(rs)),
          checker: checker.type,
          outcome,
          latencyMs: now - started,
        };
        try {
          this.hooks.onCheck(report);
        } catch (e) {
          this.reportError(e);
        }
      }
      if (actions.length) this.apply(actions);
      this.pump();
    });
  }
}

function checkKey(vs: VirtualServer, rs: VirtualServer["realServers"][number], k: number): string {
  const c = rs.checkers[k]!;
  return `${virtualServerName(vs)}|${realServerName(rs)}|${k}|${JSON.stringify(c)}|${JSON.stringify(checkTiming(vs, rs, c))}`;
}
