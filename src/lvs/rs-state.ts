// Real-server and quorum state of one virtual server: the sans-IO core that
// turns checker verdicts into liveness, weights, quorum transitions and the
// scripts to run. Semantics follow keepalived's ipwrapper.c
// (update_svr_checker_state, update_quorum_state, perform_quorum_state):
//  - a real server is alive when every one of its checkers is up; one without
//    checkers is always alive;
//  - quorum is the total weight of live real servers; with hysteresis H it is
//    gained at weight >= quorum + H and lost at weight < quorum - H (or 0);
//  - while quorum is lost and a sorry_server exists, the sorry server serves
//    and live real servers leave the table.
import { LvsConfigError, LvsStateError } from "./errors.ts";
import { realServerName, virtualServerName, type VirtualServer } from "../config/model.ts";

export type LvsEvent = "rs_up" | "rs_down" | "quorum_up" | "quorum_down";

export type LvsAction =
  /** a configured notify_up/notify_down/quorum_up/quorum_down script to run */
  | { type: "notify"; event: LvsEvent; script: string; vs: string; rs?: string }
  /** a real server changed liveness or weight (for logs, status and the fleet topic) */
  | { type: "rs"; vs: string; rs: string; alive: boolean; weight: number; reason?: string }
  /** quorum changed; sorryActive tells whether the sorry server now serves */
  | { type: "quorum"; vs: string; up: boolean; weight: number; sorryActive: boolean };

/** What desired.ts needs to build the IPVS service: read-only view of the state. */
export interface VirtualServerView {
  readonly quorumUp: boolean;
  alive(rsIndex: number): boolean;
  weight(rsIndex: number): number;
}

interface RsState {
  checkersUp: boolean[];
  /** misc_dynamic weight, when a checker has set one */
  dynamicWeight: number | undefined;
  /** per checker, a weight added to the real server's (FILE_CHECK: the track file's status), 0 for others */
  offsets: number[];
  alive: boolean;
  /** added by this state (no verdict carried over a reload): keepalived's rs_init_notifies tells of it once */
  fresh: boolean;
}

/**
 * State carried over a reload (keepalived keeps the state of checkers whose
 * config did not change, so an unchanged server neither flaps nor re-runs its
 * scripts): a checker's last verdict, a real server's dynamic weight, and the
 * virtual server's quorum state.
 */
export interface CarriedState {
  checkerUp(rsIndex: number, checkerIndex: number): boolean | undefined;
  dynamicWeight(rsIndex: number): number | undefined;
  /** a checker's weight offset known from the start (FILE_CHECK reads its file at once) */
  offset?(rsIndex: number, checkerIndex: number): number | undefined;
  quorumUp?: boolean;
}

/** IPVS weights are 32-bit signed; keepalived real_weight() clamps the effective weight into 0..INT32_MAX. */
const IPVS_WEIGHT_MAX = 2_147_483_647;

export class VirtualServerState implements VirtualServerView {
  private readonly rs: RsState[];
  private up = true;
  private readonly name: string;
  private readonly quorum: number;
  private readonly hysteresis: number;

  constructor(readonly vs: VirtualServer, carried?: CarriedState) {
    this.name = virtualServerName(vs);
    this.quorum = vs.quorum;
    this.hysteresis = vs.hysteresis;
    if (!Number.isInteger(this.quorum) || this.quorum < 1) throw new LvsConfigError(`virtual_server ${this.name}: quorum must be an integer >= 1, got ${vs.quorum}`);
    if (!Number.isInteger(this.hysteresis) || this.hysteresis < 0) throw new LvsConfigError(`virtual_server ${this.name}: hysteresis must be an integer >= 0, got ${vs.hysteresis}`);
    // alpha: every checker starts down, so the server waits for its first success
    const startUp = !vs.alpha;
    this.rs = vs.realServers.map((r, i) => {
      const checkersUp = r.checkers.map((_, k) => carried?.checkerUp(i, k) ?? startUp);
      const offsets = r.checkers.map((_, k) => carried?.offset?.(i, k) ?? 0);
      const fresh = !carried || r.checkers.every((_, k) => carried.checkerUp(i, k) === undefined);
      return { checkersUp, dynamicWeight: carried?.dynamicWeight(i), offsets, alive: checkersUp.every((u) => u), fresh };
    });
    if (carried?.quorumUp !== undefined) this.up = carried.quorumUp;
  }

  /** A real server's current state, to carry over a reload. */
  carried(rsIndex: number): { checkersUp: readonly boolean[]; dynamicWeight: number | undefined } {
    const r = this.rs[rsIndex]!;
    return { checkersUp: r.checkersUp, dynamicWeight: r.dynamicWeight };
  }

  get quorumUp(): boolean {
    return this.up;
  }

  alive(i: number): boolean {
    return this.rs[i]!.alive;
  }

  weight(i: number): number {
    const r = this.rs[i]!;
    let w = r.dynamicWeight ?? this.vs.realServers[i]!.weight;
    for (const o of r.offsets) w += o;
    return w < 0 ? 0 : w > IPVS_WEIGHT_MAX ? IPVS_WEIGHT_MAX : w;
  }

  liveWeight(): number {
    let sum = 0;
    for (let i = 0; i < this.rs.length; i++) if (this.rs[i]!.alive) sum += this.weight(i);
    return sum;
  }

  get sorryActive(): boolean {
    return !this.up && this.vs.sorryServer !== undefined;
  }

  /**
   * Initial quorum evaluation; keepalived does the same when it installs the service.
   * `initNotifies` (keepalived rs_init_notifies, ipwrapper.c init_service_rs): a real
   * server added alive runs its notify_up, at start and when a reload adds it; without
   * it only later changes notify.
   */
  start(initNotifies = false): LvsAction[] {
    const out: LvsAction[] = [];
    this.rs.forEach((r, i) => {
      const cfg = this.vs.realServers[i]!;
      if (initNotifies && r.fresh && r.alive && cfg.notifyUp) out.push({ type: "notify", event: "rs_up", script: cfg.notifyUp, vs: this.name, rs: realServerName(cfg) });
      r.fresh = false;
    });
    this.updateQuorum(out);
    return out;
  }

  /**
   * A checker of real server `rsIndex` changed verdict (and maybe set a dynamic
   * weight, or a weight offset to add to the real server's).
   */
  checker(rsIndex: number, checkerIndex: number, up: boolean, weight?: number, reason?: string, offset?: number): LvsAction[] {
    const r = this.rs[rsIndex];
    if (!r || checkerIndex < 0 || checkerIndex >= r.checkersUp.length) {
      throw new LvsStateError(`virtual_server ${this.name}: no checker ${checkerIndex} on real server ${rsIndex}`);
    }
    const out: LvsAction[] = [];
    const oldWeight = this.weight(rsIndex);
    r.checkersUp[checkerIndex] = up;
    if (weight !== undefined) r.dynamicWeight = weight;
    if (offset !== undefined) r.offsets[checkerIndex] = offset;
    const wasAlive = r.alive;
    r.alive = r.checkersUp.every((u) => u);
    const cfg = this.vs.realServers[rsIndex]!;
    const name = realServerName(cfg);
    if (r.alive !== wasAlive || (r.alive && this.weight(rsIndex) !== oldWeight)) {
      out.push(reason === undefined
        ? { type: "rs", vs: this.name, rs: name, alive: r.alive, weight: this.weight(rsIndex) }
        : { type: "rs", vs: this.name, rs: name, alive: r.alive, weight: this.weight(rsIndex), reason });
    }
    if (r.alive !== wasAlive) {
      const script = r.alive ? cfg.notifyUp : cfg.notifyDown;
      if (script) out.push({ type: "notify", event: r.alive ? "rs_up" : "rs_down", script, vs: this.name, rs: name });
    }
    this.updateQuorum(out);
    return out;
  }

  /**
   * Daemon shutdown. With omega, keepalived runs the down notifiers as if
   * everything failed, so external state (e.g. firewall rules) is undone.
   */
  shutdown(): LvsAction[] {
    const out: LvsAction[] = [];
    if (!this.vs.omega) return out;
    for (let i = 0; i < this.rs.length; i++) {
      const cfg = this.vs.realServers[i]!;
      if (this.rs[i]!.alive && cfg.notifyDown) {
        out.push({ type: "notify", event: "rs_down", script: cfg.notifyDown, vs: this.name, rs: realServerName(cfg) });
      }
    }
    if (this.up && this.vs.quorumDown) out.push({ type: "notify", event: "quorum_down", script: this.vs.quorumDown, vs: this.name });
    return out;
  }

  private updateQuorum(out: LvsAction[]): void {
    const sum = this.liveWeight();
    // keepalived update_quorum_state: hysteresis widens the band on both sides
    const threshold = this.quorum + (this.up ? -1 : 1) * this.hysteresis;
    if (!this.up && sum >= threshold) {
      this.up = true;
      out.push({ type: "quorum", vs: this.name, up: true, weight: sum, sorryActive: false });
      if (this.vs.quorumUp) out.push({ type: "notify", event: "quorum_up", script: this.vs.quorumUp, vs: this.name });
    } else if (this.up && (sum === 0 || sum < threshold)) {
      this.up = false;
      out.push({ type: "quorum", vs: this.name, up: false, weight: sum, sorryActive: this.sorryActive });
      if (this.vs.quorumDown) out.push({ type: "notify", event: "quorum_down", script: this.vs.quorumDown, vs: this.name });
    }
  }
}
