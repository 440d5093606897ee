// The VRRP worker's side of the brief board (brief-board.ts): a few times a second
// it copies each running instance's counters and heard master into the board, with
// no allocation in the steady state (the advert loop's rule, vrrp-worker.ts).
import { State } from "../vrrp/actions.ts";
import { BriefBoard, type BriefSource } from "./brief-board.ts";
import type { InstancePlan } from "./plan.ts";
import type { InstanceRuntime } from "./vrrp-runtime.ts";

/** How often the board is refreshed: the status file takes it once a second. */
export const BRIEF_PUBLISH_MS = 200;

export class BriefPublisher {
  private board: BriefBoard | null = null;
  private names: string[] = [];
  /** runtimes in slot order, for the runtimes list they were found in */
  private bySlot: Array<InstanceRuntime | null> = [];
  private mappedFrom: readonly InstanceRuntime[] | null = null;
  private nextAt = 0;
  /** reused for every slot: the publish allocates nothing */
  private readonly src: BriefSource = { state: 0, advertsSent: 0, advertsReceived: 0, dropped: 0, masterPriority: 0, master: null };

  /** A new board for a new set of plans (start, reload): slot i is plans[i]. */
  adopt(buffer: SharedArrayBuffer | undefined, plans: readonly InstancePlan[]): void {
    this.board = buffer ? new BriefBoard(buffer) : null;
    this.names = plans.map((p) => p.name);
    this.mappedFrom = null;
    this.nextAt = 0;
  }

  /** Copies the running instances into the board when BRIEF_PUBLISH_MS has passed since the last copy. */
  publish(now: number, runtimes: readonly InstanceRuntime[]): void {
    const board = this.board;
    if (!board || now < this.nextAt) return;
    this.nextAt = now + BRIEF_PUBLISH_MS;
    // the runtimes list is replaced (not edited) when instances come or go
    if (runtimes !== this.mappedFrom) this.map(runtimes);
    board.begin();
    const n = Math.min(board.slots, this.bySlot.length);
    for (let i = 0; i < n; i++) {
      const rt = this.bySlot[i];
      board.write(i, rt ? this.source(rt) : null);
    }
    board.end();
  }

  /**
   * Apart from publish(): JSC gives a function whose locals a closure captures a
   * scope object on every call, used or not (measured: vrrp-daemon-alloc.bench saw
   * JSLexicalEnvironment cells per loop pass while this was inline).
   */
  private map(runtimes: readonly InstanceRuntime[]): void {
    this.bySlot = this.names.map((n) => runtimes.find((r) => r.name === n) ?? null);
    this.mappedFrom = runtimes;
  }

  private source(rt: InstanceRuntime): BriefSource {
    const s = this.src;
    const f = rt.fsm;
    const counts = rt.core.validator.counters.counts;
    let dropped = 0;
    for (let k = 1; k < counts.length; k++) dropped += counts[k];
    s.state = f.state;
    s.advertsSent = f.advertsSent;
    s.advertsReceived = counts[0];
    s.dropped = dropped;
    // as runtime-status.ts reports it: a master names its own address
    s.masterPriority = f.state === State.Master ? f.priority : f.haveMaster ? f.masterPriority : 0;
    s.master = f.state === State.Master ? rt.core.p.primary : f.haveMaster ? f.masterAddr : null;
    return s;
  }
}
