// What the main thread knows of every instance between two answers of the VRRP
// worker, for the status file (status-file.ts): the worker's last status answer,
// moved on by the transition and priority messages that arrive in order, with the
// counters and the heard master taken from the brief board (brief-board.ts). So
// the file is refreshed without a round trip to the worker. Pure: no I/O.
import { STATE_NAMES } from "../vrrp/actions.ts";
import { formatAddress } from "../vrrp/addr.ts";
import type { BriefBoard } from "./brief-board.ts";
import type { InstanceStatus } from "./status-types.ts";
import type { TransitionReport } from "./worker-protocol.ts";

/**
 * The worker publishes about every 200-250 ms while its loop runs (brief-publisher.ts,
 * vrrp-worker.ts IDLE_WAKE_MS). No publish for this long: the worker is stalled or
 * starved, and nothing here may be shown as current (the status file goes away and
 * `vigil status` asks the socket, which says the worker does not answer).
 */
export const BOARD_SILENT_MS = 750;

/**
 * Why an instance is in FAULT can change with no transition (another tracked
 * interface goes down, the first comes back), and no message says so: while any
 * instance is in FAULT, a worker answer older than this is not shown; the file is
 * written from a new one (a round trip to the worker every few seconds, only then).
 */
export const FAULT_REASON_MAX_AGE_MS = 5000;

export class BriefCache {
  /** the board's publish count last seen, and when (wall ms) it was seen to move */
  private seenPublishes = 0;
  private seenMasterChanges = 0;
  private movedAt = 0;
  private snapshot: InstanceStatus[] | null = null;
  /** when (wall ms) the worker's answer in `snapshot` arrived */
  private takenAt = 0;
  private board: BriefBoard | null = null;
  /** board slot of each instance name */
  private slots = new Map<string, number>();
  /** bumped by each new set of plans: a worker answer asked for before it describes the old set */
  private gen = 0;

  /** A new set of plans (start, reload): slot i of `board` is names[i]; what was known is dropped. */
  setBoard(board: BriefBoard, names: readonly string[], now: number): void {
    this.board = board;
    this.seenPublishes = 0;
    this.seenMasterChanges = 0;
    this.movedAt = now;
    this.slots = new Map(names.map((n, i) => [n, i]));
    this.snapshot = null;
    this.gen++;
  }

  /** The generation to hand back with the worker's answer (take). */
  get generation(): number {
    return this.gen;
  }

  /** The worker's status answer, asked for in generation `gen`, arrived at `now`. */
  take(instances: readonly InstanceStatus[], gen: number, now: number): void {
    if (gen !== this.gen) return;
    this.snapshot = instances.map((i) => ({ ...i }));
    this.takenAt = now;
  }

  /** A transition message: the state, effective priority, master and, into FAULT, why. */
  transition(t: TransitionReport, wallNow: number): void {
    const i = this.snapshot?.find((x) => x.name === t.instance);
    if (!i) return;
    i.state = t.to as InstanceStatus["state"];
    i.effectivePriority = t.effectivePriority;
    i.masterAddress = t.master;
    i.since = wallNow;
    if (t.to === "FAULT") i.fault = t.reason ?? i.fault ?? "fault";
    else {
      delete i.fault;
      delete i.waiting;
    }
  }

  /** A priority message: the effective priority. */
  priority(instance: string, effectivePriority: number): void {
    const i = this.snapshot?.find((x) => x.name === instance);
    if (i) i.effectivePriority = effectivePriority;
  }

  /**
   * Every instance as the main thread knows it now, or null when it must ask the
   * worker (no answer since the plans changed, or the worker has not published this
   * board yet, or it is silent, or an instance is in FAULT and the answer is older
   * than FAULT_REASON_MAX_AGE_MS). The table's counters come from the board (a running
   * instance has only those three then); the heard master too, but only while
   * the board shows the state the messages brought (a newer transition wins).
   */
  instances(now: number): InstanceStatus[] | null {
    if (!this.snapshot || !this.board || this.workerSilent(now)) return null;
    if (now - this.takenAt > FAULT_REASON_MAX_AGE_MS && this.snapshot.some((i) => i.state === "FAULT")) return null;
    const live = this.board.read();
    if (!live) return null;
    return this.snapshot.map((i) => {
      const at = this.slots.get(i.name);
      const s = at === undefined ? null : live[at];
      if (!s) return { ...i };
      // the table's counters (it sums every drop* counter; the board has their total)
      const counters = { advertsSent: s.advertsSent, advertsReceived: s.advertsReceived, dropped: s.dropped };
      const sameState = STATE_NAMES[s.state] === i.state;
      return {
        ...i,
        counters,
        ...(sameState ? { masterAddress: s.master ? formatAddress(s.master) : "", masterPriority: s.masterPriority } : {}),
      };
    });
  }

  /** No publish to the board for BOARD_SILENT_MS: the worker's loop is not running. */
  workerSilent(now: number): boolean {
    if (!this.board) return false;
    const n = this.board.publishes;
    if (n !== this.seenPublishes) {
      this.seenPublishes = n;
      this.movedAt = now;
    }
    return now - this.movedAt > BOARD_SILENT_MS;
  }

  /** Whether a backup heard a new master since the last look (no message says so): the board counts such publishes. */
  masterMoved(): boolean {
    if (!this.board) return false;
    const n = this.board.masterChanges;
    if (n === this.seenMasterChanges) return false;
    this.seenMasterChanges = n;
    return true;
  }

}
