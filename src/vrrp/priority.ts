// Effective priority, keepalived rules: base priority plus the weights of tracked
// interfaces, scripts, processes and files; weight 0 turns a failure into FAULT;
// the result is clamped to 1..254; the address owner (255) is never altered.
// A track_file adds its number times the weight (keepalived track_file.c, the
// shared core in src/lvs/track-file.ts); -254 or below is FAULT.
import { vrrpTrackFileStatus } from "../lvs/track-file.ts";

/** A tracked interface or script as the config gives it. */
export interface TrackedItem {
  /** >0: added while up; <0: added (subtracted) while down; 0: down = FAULT */
  weight: number;
  /** keepalived `weight N reverse`: the item counts as up when it is down and vice versa */
  reverse?: boolean;
}

export interface TrackedScript extends TrackedItem {
  /** consecutive successes needed to go up (keepalived rise) */
  rise: number;
  /** consecutive failures needed to go down (keepalived fall) */
  fall: number;
  /** keepalived init_fail: start down instead of unknown */
  initFail?: boolean;
}

/**
 * Rise/fall counting for one vrrp_script as a pure state machine: results in,
 * up/down out. Unknown until the first result, which decides at once (keepalived's
 * initial state); afterwards `rise` / `fall` consecutive results flip it.
 */
export class ScriptState {
  /** null = no result yet */
  up: boolean | null;
  private streak = 0;
  private readonly rise: number;
  private readonly fall: number;

  constructor(s: TrackedScript) {
    if (!Number.isInteger(s.rise) || s.rise < 1) throw new RangeError(`vrrp_script rise ${s.rise} must be an integer >= 1`);
    if (!Number.isInteger(s.fall) || s.fall < 1) throw new RangeError(`vrrp_script fall ${s.fall} must be an integer >= 1`);
    this.rise = s.rise;
    this.fall = s.fall;
    this.up = s.initFail ? false : null;
  }

  /** Feeds one result (a timeout is a failure); returns true if `up` changed. */
  result(ok: boolean): boolean {
    if (this.up === null) {
      this.up = ok;
      return true;
    }
    if (ok === this.up) {
      this.streak = 0;
      return false;
    }
    this.streak++;
    if (this.streak < (ok ? this.rise : this.fall)) return false;
    this.up = ok;
    this.streak = 0;
    return true;
  }
}

export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 254;
const OWNER = 255;

export class PriorityTracker {
  base: number;
  /** current effective priority */
  effective: number;
  /** a weight-0 item is down */
  faulted = false;
  private readonly ifaces: TrackedItem[];
  private readonly ifUp: boolean[];
  private readonly scripts: TrackedScript[];
  readonly scriptStates: ScriptState[];
  private readonly processes: TrackedItem[];
  /** null = not known yet (adds nothing) */
  private readonly procUp: (boolean | null)[];
  private readonly files: TrackedItem[];
  /** the number in each tracked file (0 until read, as keepalived for a missing file) */
  private readonly fileValue: number[];

  /** Interfaces start up (the daemon reports real link state right after). */
  constructor(base: number, interfaces: TrackedItem[] = [], scripts: TrackedScript[] = [], processes: TrackedItem[] = [], files: TrackedItem[] = []) {
    if (!Number.isInteger(base) || base < 1 || base > OWNER) throw new RangeError(`priority ${base} out of range 1..255`);
    for (const t of [...interfaces, ...scripts, ...processes, ...files]) {
      if (!Number.isInteger(t.weight) || t.weight < -254 || t.weight > 254) {
        throw new RangeError(`track weight ${t.weight} out of range -254..254`);
      }
    }
    this.base = base;
    this.effective = base;
    this.ifaces = interfaces;
    this.ifUp = interfaces.map(() => true);
    this.scripts = scripts;
    this.scriptStates = scripts.map((s) => new ScriptState(s));
    this.processes = processes;
    this.procUp = processes.map(() => null);
    this.files = files;
    this.fileValue = files.map(() => 0);
    this.recompute();
  }

  /** Link state of tracked interface i; returns true if priority or fault changed. */
  setInterface(i: number, up: boolean): boolean {
    if (this.ifUp[i] === up) return false;
    this.ifUp[i] = up;
    return this.recompute();
  }

  /** Result of tracked script i; returns true if priority or fault changed. */
  scriptResult(i: number, ok: boolean): boolean {
    if (!this.scriptStates[i].result(ok)) return false;
    return this.recompute();
  }

  /** Quorum of tracked process i (vrrp_track_process); returns true if priority or fault changed. */
  setProcess(i: number, up: boolean): boolean {
    if (this.procUp[i] === up) return false;
    this.procUp[i] = up;
    return this.recompute();
  }

  /** The number now in tracked file i (track_file); returns true if priority or fault changed. */
  setFile(i: number, value: number): boolean {
    if (this.fileValue[i] === value) return false;
    this.fileValue[i] = value;
    return this.recompute();
  }

  /**
   * What each tracked item reads now, in config order, for `vigil status` and the
   * data dump (allocates; asked for on request, never per advert).
   */
  snapshot(): { interfaces: boolean[]; scripts: (boolean | null)[]; processes: (boolean | null)[]; files: number[] } {
    return {
      interfaces: [...this.ifUp],
      scripts: this.scriptStates.map((s) => s.up),
      processes: [...this.procUp],
      files: [...this.fileValue],
    };
  }

  /** A reloaded config changed the configured priority (the owner's 255 is never set or left this way). */
  setBase(base: number): boolean {
    if (!Number.isInteger(base) || base < 1 || base >= OWNER || this.base === OWNER) throw new RangeError(`priority ${base}: only 1..254 can change in place`);
    this.base = base;
    return this.recompute();
  }

  private recompute(): boolean {
    let sum = 0;
    let fault = false;
    for (let i = 0; i < this.ifaces.length; i++) {
      const c = contribution(this.ifaces[i], this.ifUp[i]);
      if (c === null) fault = true;
      else sum += c;
    }
    for (let i = 0; i < this.scripts.length; i++) {
      const c = contribution(this.scripts[i], this.scriptStates[i].up);
      if (c === null) fault = true;
      else sum += c;
    }
    for (let i = 0; i < this.processes.length; i++) {
      const c = contribution(this.processes[i], this.procUp[i]);
      if (c === null) fault = true;
      else sum += c;
    }
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i];
      const st = vrrpTrackFileStatus(this.fileValue[i], f.weight, !!f.reverse);
      if (st === "fault") fault = true;
      else sum += st;
    }
    // keepalived: the owner's priority is not altered by tracking
    const eff = this.base === OWNER ? OWNER : Math.min(PRIORITY_MAX, Math.max(PRIORITY_MIN, this.base + sum));
    const changed = eff !== this.effective || fault !== this.faulted;
    this.effective = eff;
    this.faulted = fault;
    return changed;
  }
}

/** Weight this item adds now; null = FAULT; unknown state adds nothing. */
function contribution(t: TrackedItem, state: boolean | null): number | null {
  if (state === null) return 0;
  const up = t.reverse ? !state : state;
  if (t.weight === 0) return up ? 0 : null;
  if (t.weight > 0) return up ? t.weight : 0;
  return up ? 0 : t.weight;
}
