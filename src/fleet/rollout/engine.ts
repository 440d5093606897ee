// The rollout as a state machine: what the fleet says (retained and live
// messages) and the clock go in, what to do comes out (publish the blob to a
// node, send a signed rollback request, a line for the operator, finished).
// Pure apart from the clock it is given; the MQTT side is mqtt.ts.
//
// A node of the current wave goes
//   sent        the blob was published to its own config/set
//   confirming  it runs the config, on probation on the node (confirm_ms)
//   soaking     it runs the config for good; the gate (health.ts) must hold
//               for --soak, a violation counting only once it lasted --hold
//   done        with an outcome: applied | rejected | rolled-back-by-node |
//               timed-out | unhealthy
// and after an abort with --rollback-on-abort, each changed node (it runs the
// blob's config: applied or unhealthy) goes rolling-back -> rolled-back |
// rollback-failed, one wave at a time, the last wave first (so two routers that
// back each other up are never rolled back together either). Nodes of later
// waves stay untouched.
//
// Timeouts (sent, confirming, rolling-back) sit in one heap of deadlines; the
// soak is judged on each tick for the soaking nodes only; counts per phase are
// kept as phases change. Nothing is O(nodes) per message, nothing is a timer
// per node.
import { TimerHeap } from "../../lvs/timer-heap.ts";
import type { ConfigStateMsg, FleetState } from "./fleet-state.ts";
import { gateViolation, realServersUp } from "./health.ts";
import { indexFleet, refreshItem, type SegmentIndex } from "./segments.ts";

export interface RolloutSpec {
  id: string;
  fleet: string;
  serial: number;
  /** sha256 of the blob's config bytes: what config/state reports as `hash` */
  configHash: string;
  /** sha256 of the blob file, to refuse resuming with another blob */
  blobSha256: string;
  waves: string[][];
  soakMs: number;
  timeoutMs: number;
  /** how long a gate violation must last to fail the node (handovers are brief) */
  holdMs: number;
  /** abort when more nodes than this have failed */
  maxFailed: number;
  rollbackOnAbort: boolean;
  notes: string[];
}

export type Phase = "pending" | "sent" | "confirming" | "soaking" | "done" | "rolling-back";
export type Outcome = "applied" | "rejected" | "rolled-back-by-node" | "timed-out" | "unhealthy" | "rolled-back" | "rollback-failed" | "untouched";
export const FAILED_OUTCOMES: ReadonlySet<Outcome> = new Set(["rejected", "rolled-back-by-node", "timed-out", "unhealthy"]);

export interface NodeRecord {
  /** 0-based */
  wave: number;
  phase: Phase;
  outcome?: Outcome;
  reason?: string;
  /** it ran the blob's config (a rollback has something to undo) */
  changed?: boolean;
  /** it counted against --max-failed (stays set when a rollback follows) */
  failed?: boolean;
  sends?: number;
  sentAt?: number;
  appliedAt?: number;
  finishedAt?: number;
  deadline?: number;
  violation?: { since: number; reason: string };
  /** real servers up when its wave started */
  baselineUp?: string[];
}

export type RolloutStatus = "planned" | "running" | "aborting" | "rolling-back" | "done" | "aborted";

/** Everything needed to show or resume the rollout: plain data, written as JSON. */
export interface EngineState {
  spec: RolloutSpec;
  status: RolloutStatus;
  /** current wave, 0-based; -1 before the start */
  wave: number;
  /** during rolling-back: the wave being rolled back */
  rollbackWave?: number;
  startedAt?: number;
  finishedAt?: number;
  abortReason?: string;
  nodes: Record<string, NodeRecord>;
}

export type Action =
  | { type: "publish"; node: string }
  | { type: "rollback"; node: string }
  | { type: "note"; text: string }
  | { type: "finished"; ok: boolean };

/** Republishing to a node that comes back online while the blob was on its way (clean sessions lose it). */
const MAX_SENDS = 3;

export function newRollout(spec: RolloutSpec): EngineState {
  const nodes: Record<string, NodeRecord> = {};
  spec.waves.forEach((w, i) => { for (const n of w) nodes[n] = { wave: i, phase: "pending" }; });
  return { spec, status: "planned", wave: -1, nodes };
}

export class RolloutEngine {
  private readonly seg: SegmentIndex;
  private readonly heap = new TimerHeap();
  private readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly gen: number[];
  private readonly phaseCount = new Map<Phase, number>();
  private readonly soaking = new Set<string>();
  private failures = 0;
  private out: Action[] = [];
  /** set when the state changed: the adapter persists it */
  dirty = false;

  constructor(readonly state: EngineState, readonly fleet: FleetState) {
    this.seg = indexFleet(fleet);
    this.names = Object.keys(state.nodes);
    this.gen = this.names.map(() => 0);
    this.names.forEach((n, i) => this.index.set(n, i));
    for (const r of Object.values(state.nodes)) {
      this.phaseCount.set(r.phase, (this.phaseCount.get(r.phase) ?? 0) + 1);
      if (r.failed) this.failures++;
    }
  }

  private get spec() {
    return this.state.spec;
  }

  private take(): Action[] {
    const a = this.out;
    this.out = [];
    return a;
  }

  private note(text: string) {
    this.out.push({ type: "note", text });
  }

  count(p: Phase): number {
    return this.phaseCount.get(p) ?? 0;
  }

  /** applied / failed / pending / in flight, for the progress line */
  tally(): { applied: number; failed: number; rolledBack: number; pending: number; inFlight: number; total: number } {
    let applied = 0, rolledBack = 0;
    for (const r of Object.values(this.state.nodes)) {
      if (r.outcome === "applied") applied++;
      else if (r.outcome === "rolled-back") rolledBack++;
    }
    return {
      applied, failed: this.failures, rolledBack, pending: this.count("pending"),
      inFlight: this.count("sent") + this.count("confirming") + this.count("soaking") + this.count("rolling-back"),
      total: this.names.length,
    };
  }

  private setPhase(name: string, r: NodeRecord, p: Phase) {
    this.phaseCount.set(r.phase, (this.phaseCount.get(r.phase) ?? 1) - 1);
    this.phaseCount.set(p, (this.phaseCount.get(p) ?? 0) + 1);
    r.phase = p;
    this.gen[this.index.get(name)!]!++;
    if (p === "soaking") this.soaking.add(name);
    else this.soaking.delete(name);
    delete r.deadline;
    this.dirty = true;
  }

  private arm(name: string, r: NodeRecord, at: number) {
    r.deadline = at;
    const i = this.index.get(name)!;
    this.heap.push(at, i, this.gen[i]!);
  }

  private finish(name: string, r: NodeRecord, outcome: Outcome, reason: string | undefined, now: number) {
    this.setPhase(name, r, "done");
    r.outcome = outcome;
    if (reason) r.reason = reason;
    else delete r.reason;
    r.finishedAt = now;
    delete r.violation;
    if (FAILED_OUTCOMES.has(outcome)) {
      r.failed = true;
      this.failures++;
    }
    this.note(`${name}: ${outcome}${reason ? `: ${reason}` : ""}`);
  }

  /** Starts the rollout, or picks up a persisted one where it stopped. */
  start(now: number): Action[] {
    const s = this.state;
    if (s.status === "planned") {
      s.status = "running";
      s.startedAt = now;
      this.dirty = true;
      this.startWave(0, now);
    } else {
      this.note(`resuming rollout ${this.spec.id} (${s.status}, wave ${s.wave + 1}/${this.spec.waves.length})`);
      for (const [name, r] of Object.entries(s.nodes)) {
        if (r.phase === "sent" || r.phase === "confirming") this.engage(name, r, now, true);
        else if (r.phase === "soaking") this.startSoak(name, r, now, "soak restarted on resume");
        else if (r.phase === "rolling-back") {
          // it may have rolled back while we were away: then it no longer runs the serial
          if (this.fleet.running(name).serial !== this.spec.serial) this.finish(name, r, "rolled-back", r.reason, now);
          else this.sendRollback(name, r, now);
        }
      }
    }
    this.progress(now);
    return this.take();
  }

  private startWave(w: number, now: number) {
    const s = this.state;
    s.wave = w;
    const nodes = this.spec.waves[w]!;
    this.note(`wave ${w + 1}/${this.spec.waves.length}: ${nodes.length} node(s): ${nodes.join(", ")}`);
    for (const name of nodes) {
      const r = s.nodes[name]!;
      r.baselineUp = realServersUp(this.fleet, name);
      this.engage(name, r, now, false);
    }
  }

  /**
   * A node of the current wave: already running the blob (a node that took it
   * before an interruption, or a re-run), or still to be sent it.
   */
  private engage(name: string, r: NodeRecord, now: number, resuming: boolean) {
    const n = this.fleet.nodes.get(name);
    const cfg = n?.config;
    // On resume the node's last result is this rollout's: a verdict may have come meanwhile.
    if (resuming && cfg && cfg.serial === this.spec.serial && this.verdict(name, r, cfg, now)) return;
    const running = this.fleet.running(name);
    if (running.serial === this.spec.serial && running.hash === this.spec.configHash) {
      if (cfg?.serial === this.spec.serial && cfg.state === "confirming") return this.confirming(name, r, cfg, now);
      return this.startSoak(name, r, now, `already runs serial ${this.spec.serial}`);
    }
    this.send(name, r, now);
  }

  private send(name: string, r: NodeRecord, now: number) {
    this.setPhase(name, r, "sent");
    r.sends = (r.sends ?? 0) + 1;
    r.sentAt = now;
    this.arm(name, r, now + this.spec.timeoutMs);
    this.out.push({ type: "publish", node: name });
  }

  private confirming(name: string, r: NodeRecord, m: ConfigStateMsg, now: number) {
    this.setPhase(name, r, "confirming");
    r.appliedAt ??= now;
    r.changed = true;
    const ms = typeof m.confirm_ms === "number" ? m.confirm_ms : 0;
    this.arm(name, r, now + ms + this.spec.timeoutMs);
    this.note(`${name}: runs serial ${this.spec.serial}, confirming on the node for ${ms / 1000} s`);
  }

  private startSoak(name: string, r: NodeRecord, now: number, why?: string) {
    this.setPhase(name, r, "soaking");
    r.appliedAt ??= now;
    r.changed = true;
    r.deadline = now + this.spec.soakMs;
    delete r.violation;
    this.note(`${name}: ${why ?? `applied serial ${this.spec.serial}`}; soaking ${this.spec.soakMs / 1000} s`);
  }

  /** A config/state about the blob's serial; returns whether it settled what the node is doing. */
  private verdict(name: string, r: NodeRecord, m: ConfigStateMsg, now: number): boolean {
    const why = [m.reason, m.message].filter(Boolean).join(": ") || undefined;
    if (m.state === "confirming") {
      this.confirming(name, r, m, now);
      return true;
    }
    if (m.state === "applied" || (m.state === undefined && m.accepted === true)) {
      this.startSoak(name, r, now);
      return true;
    }
    if (m.state === "rolled-back") {
      r.changed = false;
      this.finish(name, r, "rolled-back-by-node", why, now);
      return true;
    }
    if (m.state === "rejected" || (m.state === undefined && m.accepted === false)) {
      // A replay of what it already runs (a resend after an interruption) is no failure.
      if (m.reason === "stale-serial" && this.fleet.running(name).serial === this.spec.serial) {
        this.startSoak(name, r, now, `already runs serial ${this.spec.serial}`);
        return true;
      }
      this.finish(name, r, "rejected", why, now);
      return true;
    }
    return false;
  }

  private sendRollback(name: string, r: NodeRecord, now: number) {
    this.setPhase(name, r, "rolling-back");
    this.arm(name, r, now + this.spec.timeoutMs);
    this.out.push({ type: "rollback", node: name });
  }

  /** One message from the broker (retained or live). */
  message(topic: string, body: Uint8Array, now: number): Action[] {
    const ch = this.fleet.apply(topic, body);
    if (!ch) return [];
    const n = this.fleet.nodes.get(ch.node)!;
    if (ch.kind === "vrrp") refreshItem(this.seg, ch.node, n, ch.instance, n.vrrp.get(ch.instance));
    else if (ch.kind === "status") {
      for (const [instance, v] of n.vrrp) refreshItem(this.seg, ch.node, n, instance, v);
      const r = this.state.nodes[ch.node];
      // Back from offline while the blob was on its way: its clean session lost it; send again.
      // (Not on every birth: a node republishes it when it accepts a config.)
      if (r?.phase === "sent" && ch.cameBack && (r.sends ?? 0) < MAX_SENDS) this.send(ch.node, r, now);
    } else if (ch.kind === "config") {
      const r = this.state.nodes[ch.node];
      const m = n.config;
      if (r && m && m.serial === this.spec.serial) {
        if (r.phase === "sent" || r.phase === "confirming") this.verdict(ch.node, r, m, now);
        else if (r.phase === "rolling-back") this.rollbackVerdict(ch.node, r, m, now);
        else if (r.phase === "soaking" && m.state === "rolled-back") {
          // undone under the soak (another operator's rollback, a restart during probation)
          r.changed = false;
          this.finish(ch.node, r, "rolled-back-by-node", [m.reason, m.message].filter(Boolean).join(": ") || undefined, now);
        }
      }
    }
    this.progress(now);
    return this.take();
  }

  private rollbackVerdict(name: string, r: NodeRecord, m: ConfigStateMsg, now: number) {
    const prior = r.reason;
    if (m.state === "rolled-back") {
      r.changed = false;
      this.finish(name, r, "rolled-back", prior, now);
    } else if (m.state === "rollback-refused") {
      // "not-running": it does not run the serial (any more), which is what the rollback was for
      if (m.reason === "not-running") {
        r.changed = false;
        this.finish(name, r, "rolled-back", prior, now);
      } else this.finish(name, r, "rollback-failed", [m.reason, m.message].filter(Boolean).join(": "), now);
    }
  }

  /** The clock: timeouts, the soak gate, the next wave. */
  tick(now: number): Action[] {
    for (let i = 0; i < 1_000_000 && this.heap.size > 0 && this.heap.peekAt()! <= now; i++) {
      const idx = this.heap.peekId(), g = this.heap.peekGen();
      this.heap.pop();
      if (g !== this.gen[idx]) continue; // the node moved on since this deadline was set
      const name = this.names[idx]!;
      const r = this.state.nodes[name]!;
      const secs = this.spec.timeoutMs / 1000;
      if (r.phase === "sent") this.finish(name, r, "timed-out", `no answer within ${secs} s`, now);
      else if (r.phase === "confirming") this.finish(name, r, "timed-out", `not confirmed within its probation + ${secs} s`, now);
      else if (r.phase === "rolling-back") this.finish(name, r, "rollback-failed", `no answer within ${secs} s`, now);
    }
    for (const name of [...this.soaking]) this.judge(name, this.state.nodes[name]!, now);
    this.progress(now);
    return this.take();
  }

  private judge(name: string, r: NodeRecord, now: number) {
    const v = gateViolation(this.fleet, this.seg, name, r.baselineUp);
    if (v) {
      if (!r.violation || r.violation.reason !== v) {
        r.violation = { since: r.violation?.since ?? now, reason: v };
        this.dirty = true;
      }
      if (now - r.violation.since >= this.spec.holdMs) this.finish(name, r, "unhealthy", v, now);
      return;
    }
    if (r.violation) {
      delete r.violation;
      this.dirty = true;
    }
    if (now >= (r.deadline ?? 0)) this.finish(name, r, "applied", undefined, now);
  }

  /**
   * The broker connection came back: blobs published while it was down may be
   * lost (clean session), so the nodes still waiting for theirs get them again.
   * A node that had it already answers stale-serial while running it: applied.
   */
  reconnected(now: number): Action[] {
    for (const [name, r] of Object.entries(this.state.nodes)) {
      if (r.phase === "sent" && (r.sends ?? 0) < MAX_SENDS) this.send(name, r, now);
      else if (r.phase === "rolling-back") this.sendRollback(name, r, now);
    }
    this.progress(now);
    return this.take();
  }

  abort(reason: string, now: number): Action[] {
    if (this.state.status === "running") this.beginAbort(reason, now);
    this.progress(now);
    return this.take();
  }

  private beginAbort(reason: string, now: number) {
    const s = this.state;
    s.status = "aborting";
    s.abortReason = reason;
    this.dirty = true;
    this.note(`aborting: ${reason}`);
    // What soaks already runs the config; its gate no longer decides anything.
    for (const name of [...this.soaking]) this.finish(name, this.state.nodes[name]!, "applied", "soak cut short by the abort", now);
    for (const [name, r] of Object.entries(s.nodes)) {
      if (r.phase === "pending") {
        this.setPhase(name, r, "done");
        r.outcome = "untouched";
      }
    }
  }

  private inFlight(): number {
    return this.count("sent") + this.count("confirming") + this.count("soaking");
  }

  private progress(now: number) {
    const s = this.state;
    if (s.status === "running") {
      if (this.failures > this.spec.maxFailed) {
        this.beginAbort(`${this.failures} node(s) failed, more than --max-failed ${this.spec.maxFailed}`, now);
      } else if (this.inFlight() === 0) {
        if (s.wave + 1 < this.spec.waves.length) {
          this.note(`wave ${s.wave + 1}/${this.spec.waves.length} passed`);
          this.startWave(s.wave + 1, now);
          if (this.inFlight() === 0) this.progress(now); // every node of it already settled (resume)
          return;
        }
        return this.end("done", now);
      }
    }
    if (s.status === "aborting" && this.inFlight() === 0) {
      if (!this.spec.rollbackOnAbort || !Object.values(s.nodes).some((r) => r.changed)) return this.end("aborted", now);
      s.status = "rolling-back";
      s.rollbackWave = s.wave + 1;
      this.dirty = true;
    }
    if (s.status === "rolling-back" && this.count("rolling-back") === 0) {
      // the last changed wave first; pairs are never in one wave, so never rolled back together
      for (let w = (s.rollbackWave ?? 0) - 1; w >= 0; w--) {
        const changed = this.spec.waves[w]!.filter((n) => s.nodes[n]!.changed && s.nodes[n]!.phase === "done");
        if (changed.length === 0) continue;
        s.rollbackWave = w;
        this.note(`rolling back wave ${w + 1}: ${changed.join(", ")}`);
        for (const n of changed) this.sendRollback(n, s.nodes[n]!, now);
        return;
      }
      this.end("aborted", now);
    }
  }

  private end(status: "done" | "aborted", now: number) {
    const s = this.state;
    s.status = status;
    s.finishedAt = now;
    this.dirty = true;
    const t = this.tally();
    const ok = status === "done" && t.applied === t.total;
    this.note(`${status}: ${t.applied}/${t.total} applied, ${t.failed} failed${t.rolledBack ? `, ${t.rolledBack} rolled back` : ""}`);
    this.out.push({ type: "finished", ok });
  }

  get finished(): boolean {
    return this.state.status === "done" || this.state.status === "aborted";
  }

  get ok(): boolean {
    const t = this.tally();
    return this.state.status === "done" && t.applied === t.total;
  }
}
