// The VRRP state machine of RFC 5798 §6.4 (and RFC 3768 §6.4 for v2) plus
// keepalived's FAULT state, written as an event/handler table in the style of
// FRR's vrrpd. Pure: every method takes `now` (ms on the caller's monotonic
// clock) and appends actions to `actions`; the caller performs and clears them.
import { compareBytes } from "./addr.ts";
import { ActionKind, ActionList, State, TimerKind } from "./actions.ts";
import { GarpScheduler } from "./garp.ts";
import { PRIORITY_OWNER, type ResolvedParams } from "./params.ts";
import { masterDownInterval, skewTime } from "./timing.ts";

export enum VrrpEvent {
  Startup = 0,
  Shutdown,
  AdvertReceived,
  MasterDownTimerExpired,
  AdverTimerExpired,
  FaultRaised,
  FaultCleared,
  PriorityChanged,
  /** sync group: a peer member became master (keepalived vrrp_sync_master) */
  ForceMaster,
  /** sync group: a peer member left master */
  ForceBackup,
}
const EVENT_COUNT = VrrpEvent.ForceBackup + 1;

/** Fault sources, a bitmask: the instance is in FAULT while any is set. */
export const FAULT_TRACKING = 1;
export const FAULT_SYNC_GROUP = 2;

export { PRIORITY_OWNER };

/** Sync-group hook (see sync-group.ts); called after the member changed. */
export interface FsmObserver {
  transition(fsm: VrrpFsm, from: State, to: State, now: number): void;
  faultChanged(fsm: VrrpFsm, now: number): void;
  /** as master it heard a lower priority and sent its lower-priority burst (keepalived vrrp_state_master_rx) */
  lowerPriorityHeard?(fsm: VrrpFsm, now: number): void;
}

type Handler = (f: VrrpFsm, now: number) => void;

export class VrrpFsm {
  readonly p: ResolvedParams;
  readonly actions: ActionList;
  readonly garp: GarpScheduler;
  state = State.Initialize;
  /** effective priority (base + tracking); equals p.priority for the owner */
  priority: number;
  /** RFC 5798 §6.1 Master_Adver_Interval, learned from the master in Backup (v3) */
  masterAdverIntMs: number;
  /** absolute deadlines, Infinity = disarmed */
  adverAt = Infinity;
  masterDownAt = Infinity;
  /** keepalived preempt_delay: lower-priority masters are tolerated until then; NaN = not started */
  preemptAllowedAt = NaN;
  faults = 0;
  /** current master as seen from here (for status); valid while haveMaster */
  readonly masterAddr: Uint8Array;
  haveMaster = false;
  masterPriority = 0;
  observer: FsmObserver | null = null;
  /** adverts sent / transitions, for status */
  advertsSent = 0;
  transitions = 0;
  /** keepalived's stats (SIGUSR2): "Became master", "Released master", "Priority Zero" received/sent */
  becameMaster = 0;
  releasedMaster = 0;
  priorityZeroReceived = 0;
  priorityZeroSent = 0;
  /** adverts of lower priority heard as master (keepalived's MASTER_RX_LOWER_PRI event) */
  lowerPriorityHeard = 0;
  /**
   * keepalived vrrp_startup_delay: until this time (the caller's clock) no
   * Master_Down_Timer is counted; one armed meanwhile counts from it instead of
   * from now (vrrp_scheduler.c vrrp_init_instance_sands). -Infinity = no delay.
   */
  holdUntil = -Infinity;

  // arguments of the event being dispatched (fields, not closures: no allocation)
  private evPriority = 0;
  private evIntervalMs = 0;
  private evSrc: Uint8Array = new Uint8Array(16);
  private evSrcOff = 0;

  constructor(p: ResolvedParams, actions = new ActionList()) {
    this.p = p;
    this.actions = actions;
    this.priority = p.priority;
    this.masterAdverIntMs = p.advertIntMs;
    this.masterAddr = new Uint8Array(p.addrLen);
    this.garp = new GarpScheduler(p.garp, p.announceCount);
  }

  get isOwner(): boolean {
    return this.p.priority === PRIORITY_OWNER;
  }

  // ------------------------------------------------------------ public events

  /** `holdUntil`: keepalived vrrp_startup_delay's end, on the same clock as `now` (see the field). */
  startup(now: number, holdUntil = -Infinity): void {
    this.holdUntil = holdUntil;
    this.dispatch(VrrpEvent.Startup, now);
  }

  shutdown(now: number): void {
    this.dispatch(VrrpEvent.Shutdown, now);
  }

  /** A validated advert (see AdvertValidator): priority, its advert interval in ms, source address bytes. */
  advertReceived(now: number, priority: number, advertIntMs: number, src: Uint8Array, srcOff = 0): void {
    if (priority === 0) this.priorityZeroReceived++;
    this.evPriority = priority;
    this.evIntervalMs = advertIntMs;
    this.evSrc = src;
    this.evSrcOff = srcOff;
    this.dispatch(VrrpEvent.AdvertReceived, now);
  }

  timerExpired(now: number, timer: TimerKind): void {
    if (timer === TimerKind.Adver) this.dispatch(VrrpEvent.AdverTimerExpired, now);
    else if (timer === TimerKind.MasterDown) this.dispatch(VrrpEvent.MasterDownTimerExpired, now);
    else this.fireGarp(now);
  }

  /** Fires every timer due at `now`; the daemon's loop is: sleep until nextDeadline(), tick(). */
  tick(now: number): void {
    if (this.masterDownAt <= now) this.dispatch(VrrpEvent.MasterDownTimerExpired, now);
    if (this.adverAt <= now) this.dispatch(VrrpEvent.AdverTimerExpired, now);
    if (this.garp.deadline <= now) this.fireGarp(now);
  }

  nextDeadline(): number {
    return Math.min(this.adverAt, this.masterDownAt, this.garp.deadline);
  }

  faultRaised(now: number, source = FAULT_TRACKING): void {
    const was = this.faults;
    this.faults |= source;
    if (was === 0 && this.faults !== 0) this.dispatch(VrrpEvent.FaultRaised, now);
    if (was !== this.faults && source !== FAULT_SYNC_GROUP) this.observer?.faultChanged(this, now);
  }

  faultCleared(now: number, source = FAULT_TRACKING): void {
    const was = this.faults;
    this.faults &= ~source;
    if (was !== 0 && this.faults === 0) this.dispatch(VrrpEvent.FaultCleared, now);
    if (was !== this.faults && source !== FAULT_SYNC_GROUP) this.observer?.faultChanged(this, now);
  }

  /** New effective priority from tracking (priority.ts). The owner's priority never changes. */
  setPriority(now: number, priority: number): void {
    if (this.isOwner || priority === this.priority) return;
    this.evPriority = priority;
    this.dispatch(VrrpEvent.PriorityChanged, now);
  }

  /**
   * A reload changed the configured (base) priority, 1..254 on both sides: the
   * instance keeps its state and advertises from the effective priority that
   * tracking gives next (setPriority / applyTracking). An owner (255) cannot be
   * retuned: becoming or ceasing to be the address owner (RFC 5798 §5.2.4) is a
   * restart, not a change of preference.
   */
  setBasePriority(priority: number): void {
    if (this.isOwner || priority === PRIORITY_OWNER || !Number.isInteger(priority) || priority < 1 || priority > PRIORITY_OWNER) {
      throw new RangeError(`${this.p.name}: base priority ${this.p.priority} -> ${priority} cannot change in place (1..254 on both sides)`);
    }
    this.p.priority = priority;
  }

  /** Convenience for PriorityTracker output: effective priority and fault flag. */
  applyTracking(now: number, effective: number, faulted: boolean): void {
    this.setPriority(now, effective);
    if (faulted) this.faultRaised(now, FAULT_TRACKING);
    else this.faultCleared(now, FAULT_TRACKING);
  }

  /**
   * Sync group: a peer member, master, heard a lower priority. keepalived
   * vrrp_state_master_rx has every other member with garp_lower_prio_repeat send
   * its lower-priority burst (and the delayed one) too — if it holds its VIPs.
   */
  lowerPriorityBurst(now: number): void {
    if (this.state !== State.Master) return;
    const before = this.garp.deadline;
    this.garp.lowerPriorityHeard(now, this.actions);
    this.garpTimerChanged(before);
  }

  forceMaster(now: number): void {
    this.dispatch(VrrpEvent.ForceMaster, now);
  }

  forceBackup(now: number): void {
    this.dispatch(VrrpEvent.ForceBackup, now);
  }

  /** Own faults only (not those mirrored from a sync group). */
  get ownFault(): boolean {
    return (this.faults & ~FAULT_SYNC_GROUP) !== 0;
  }

  // ------------------------------------------------------------ dispatch

  private dispatch(ev: VrrpEvent, now: number): void {
    HANDLERS[this.state * EVENT_COUNT + ev](this, now);
  }

  private fireGarp(now: number): void {
    if (this.state !== State.Master) return;
    const before = this.garp.deadline;
    this.garp.fire(now, this.actions);
    this.garpTimerChanged(before);
  }

  // ------------------------------------------------------------ transitions (used by handlers)

  /** @internal */ setAdver(at: number): void {
    this.adverAt = at;
    this.actions.push(at === Infinity ? ActionKind.CancelTimer : ActionKind.SetTimer, TimerKind.Adver, at);
  }

  /** @internal */ setMasterDown(at: number): void {
    this.masterDownAt = at;
    this.actions.push(at === Infinity ? ActionKind.CancelTimer : ActionKind.SetTimer, TimerKind.MasterDown, at);
  }

  /** @internal */ garpTimerChanged(before: number): void {
    const d = this.garp.deadline;
    if (d !== before) this.actions.push(d === Infinity ? ActionKind.CancelTimer : ActionKind.SetTimer, TimerKind.Garp, d);
  }

  /** @internal */ sendAdvert(priority: number): void {
    this.advertsSent++;
    if (priority === 0) this.priorityZeroSent++;
    this.actions.push(ActionKind.SendAdvert, priority);
  }

  /** @internal */ masterDownInterval(): number {
    return masterDownInterval(this.p.version, this.priority, this.masterAdverIntMs, this.p.downTimerAdverts);
  }

  /** Where a Master_Down_Timer armed at `now` starts counting: now, or the end of vrrp_startup_delay. */
  /** @internal */ downTimerBase(now: number): number {
    return now < this.holdUntil ? this.holdUntil : now;
  }

  /** @internal */ skewTime(): number {
    return skewTime(this.p.version, this.priority, this.masterAdverIntMs);
  }

  /** @internal */ moveTo(to: State, now: number): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.transitions++;
    if (to === State.Master) this.becameMaster++;
    else if (from === State.Master) this.releasedMaster++;
    this.actions.push(ActionKind.NotifyTransition, from, to);
    this.observer?.transition(this, from, to, now);
  }

  /** RFC 5798 §6.4.1 / §6.4.2: send an advert, announce the VIPs, arm Adver_Timer, become Master. */
  /** @internal */ becomeMaster(now: number): void {
    if (this.masterDownAt !== Infinity) this.setMasterDown(Infinity);
    this.sendAdvert(this.priority);
    this.actions.push(ActionKind.AddVips, this.p.accept ? 1 : 0);
    const before = this.garp.deadline;
    this.garp.start(now, this.actions);
    this.garpTimerChanged(before);
    this.setAdver(now + this.p.advertIntMs);
    this.masterAddr.set(this.p.primary);
    this.haveMaster = true;
    this.masterPriority = this.priority;
    this.moveTo(State.Master, now);
  }

  /** Leaving Master: stop adverts and GARPs, remove the VIPs. */
  /** @internal */ leaveMaster(releasePriority0: boolean): void {
    this.setAdver(Infinity);
    if (releasePriority0) this.sendAdvert(0); // RFC 5798 §6.4.3: priority 0 tells backups to take over now
    const before = this.garp.deadline;
    this.garp.stop();
    this.garpTimerChanged(before);
    this.actions.push(ActionKind.RemoveVips);
  }

  /** RFC 5798 §6.4.1: Backup with Master_Down_Timer = Master_Down_Interval. */
  /** @internal */ becomeBackup(now: number, masterDownAt = NaN): void {
    this.masterAdverIntMs = this.p.advertIntMs;
    this.preemptAllowedAt = NaN; // keepalived: entering Backup restarts preempt_delay
    this.setMasterDown(Number.isNaN(masterDownAt) ? this.downTimerBase(now) + this.masterDownInterval() : masterDownAt);
    this.haveMaster = false;
    this.moveTo(State.Backup, now);
  }

  /** @internal */ get eventPriority(): number {
    return this.evPriority;
  }
  /** @internal */ get eventIntervalMs(): number {
    return this.evIntervalMs;
  }
  /** RFC 5798 §6.4.3: is the sender's primary address greater than ours? */
  /** @internal */ senderAddressHigher(): boolean {
    return compareBytes(this.evSrc, this.evSrcOff, this.p.primary, 0, this.p.addrLen) > 0;
  }
  /** @internal */ recordMaster(): void {
    for (let i = 0; i < this.p.addrLen; i++) this.masterAddr[i] = this.evSrc[this.evSrcOff + i];
    this.haveMaster = true;
    this.masterPriority = this.evPriority;
  }
}

// ------------------------------------------------------------------ handlers

const ignore: Handler = () => {};

const toInitialize: Handler = (f, now) => f.moveTo(State.Initialize, now);

/** RFC 5798 §6.4.1: Startup in Initialize. */
const initStartup: Handler = (f, now) => {
  if (f.faults !== 0) return f.moveTo(State.Fault, now);
  // §6.4.1: the address owner becomes Master at once (keepalived vrrp_startup_delay: once it ran out)
  if (f.isOwner) return now < f.holdUntil ? f.becomeBackup(now, f.holdUntil) : f.becomeMaster(now);
  // keepalived `state MASTER`: let Master_Down fire at once; a better master's advert still wins
  f.becomeBackup(now, f.p.initialState === "master" && f.p.preempt ? f.downTimerBase(now) : NaN);
  // keepalived preempt_delay also counts from startup
  if (f.p.preemptDelayMs > 0) f.preemptAllowedAt = now + f.p.preemptDelayMs;
};

/** PriorityChanged outside Master/Backup: just remember it. */
const takePriority: Handler = (f) => {
  f.priority = f.eventPriority;
};

/** RFC 5798 §6.4.2: Shutdown in Backup. */
const backupShutdown: Handler = (f, now) => {
  f.setMasterDown(Infinity);
  f.moveTo(State.Initialize, now);
};

/** RFC 5798 §6.4.2: Master_Down_Timer fires. */
const backupMasterDown: Handler = (f, now) => f.becomeMaster(now);

/** RFC 5798 §6.4.2: an ADVERTISEMENT arrives in Backup. */
const backupAdvert: Handler = (f, now) => {
  const prio = f.eventPriority;
  if (prio === 0) {
    // §6.4.2: master released: Master_Down_Timer = Skew_Time
    f.haveMaster = false;
    f.setMasterDown(f.downTimerBase(now) + f.skewTime());
    return;
  }
  let tolerate = !f.p.preempt || prio >= f.priority;
  if (!tolerate && f.p.preemptDelayMs > 0) {
    // keepalived preempt_delay: a lower master is tolerated until the delay has run
    if (Number.isNaN(f.preemptAllowedAt)) f.preemptAllowedAt = now + f.p.preemptDelayMs;
    tolerate = now < f.preemptAllowedAt;
  }
  if (!tolerate) return; // §6.4.2: lower priority and Preempt_Mode: discard, let the timer run
  if (prio >= f.priority) f.preemptAllowedAt = NaN; // a legitimate master restarts the delay next time
  // §6.4.2 (v3): Master_Adver_Interval = the advert's Max Adver Int, recompute Master_Down_Interval
  if (f.p.version === 3) f.masterAdverIntMs = f.eventIntervalMs;
  f.recordMaster();
  f.setMasterDown(f.downTimerBase(now) + f.masterDownInterval());
};

const backupFault: Handler = (f, now) => {
  f.setMasterDown(Infinity);
  f.moveTo(State.Fault, now);
};

/** Backup priority change: takes effect for the next Master_Down_Interval. */
const backupPriority: Handler = (f) => {
  f.priority = f.eventPriority;
};

/** RFC 5798 §6.4.3: Shutdown in Master: cancel Adver_Timer, send priority 0, go to Initialize. */
const masterShutdown: Handler = (f, now) => {
  f.leaveMaster(true);
  f.moveTo(State.Initialize, now);
};

/** RFC 5798 §6.4.3: Adver_Timer fires: send an advert and reset the timer. */
const masterAdverTimer: Handler = (f, now) => {
  f.sendAdvert(f.priority);
  // stay on the absolute schedule (no drift) unless a whole interval was missed
  const next = f.adverAt + f.p.advertIntMs;
  f.setAdver(next > now ? next : now + f.p.advertIntMs);
};

/** RFC 5798 §6.4.3: an ADVERTISEMENT arrives in Master. */
const masterAdvert: Handler = (f, now) => {
  const prio = f.eventPriority;
  if (prio === 0) {
    // §6.4.3: another router released: answer at once so backups keep us
    f.sendAdvert(f.priority);
    f.setAdver(now + f.p.advertIntMs);
    return;
  }
  if (prio === PRIORITY_OWNER && f.priority === PRIORITY_OWNER) {
    // keepalived: two address owners is a configuration error; the one that notices
    // backs off to 254 so the election can settle (reported via priority in status)
    f.priority = PRIORITY_OWNER - 1;
    f.masterPriority = f.priority;
  }
  if (prio > f.priority || (prio === f.priority && f.senderAddressHigher())) {
    // §6.4.3: higher priority, or equal priority and greater primary address: step down
    // (keepalived higher_prio_send_advert: after one last advert of ours)
    if (f.p.higherPrioSendAdvert) f.sendAdvert(f.priority);
    if (f.p.version === 3) f.masterAdverIntMs = f.eventIntervalMs;
    f.leaveMaster(false);
    f.recordMaster();
    f.preemptAllowedAt = NaN;
    f.setMasterDown(f.downTimerBase(now) + f.masterDownInterval());
    f.moveTo(State.Backup, now);
    return;
  }
  // keepalived: a lower master exists (e.g. a healed partition): reassert with an
  // advert and gratuitous ARPs now instead of waiting (never demotes us)
  // (keepalived lower_prio_no_advert: without the advert; garp_lower_prio_repeat: that many, 0 = none)
  if (prio < f.priority) f.lowerPriorityHeard++;
  if (!f.p.lowerPrioNoAdvert) {
    f.sendAdvert(f.priority);
    f.setAdver(now + f.p.advertIntMs);
  }
  // (garp_lower_prio_delay: the burst again that much later, garp.ts)
  const before = f.garp.deadline;
  const burst = f.garp.lowerPriorityHeard(now, f.actions);
  f.garpTimerChanged(before);
  // keepalived: with its own burst, the sync group's other members announce too
  if (burst) f.observer?.lowerPriorityHeard?.(f, now);
};

/** Master enters FAULT: release with priority 0 so a backup takes over at once. */
const masterFault: Handler = (f, now) => {
  f.leaveMaster(true);
  f.moveTo(State.Fault, now);
};

const masterPriority: Handler = (f) => {
  f.priority = f.eventPriority;
  f.masterPriority = f.priority;
};

/** Sync group: a member left Master, follow it to Backup (keepalived vrrp_sync_backup). */
const masterForceBackup: Handler = (f, now) => {
  f.leaveMaster(true);
  f.haveMaster = false;
  f.setMasterDown(f.downTimerBase(now) + f.masterDownInterval());
  f.moveTo(State.Backup, now);
};

/** Fault cleared: back to election (the owner takes over at once, §6.4.1). */
const faultCleared: Handler = (f, now) => {
  if (f.isOwner) return now < f.holdUntil ? f.becomeBackup(now, f.holdUntil) : f.becomeMaster(now);
  f.becomeBackup(now);
};

type Row = Partial<Record<VrrpEvent, Handler>>;

// Rows are states, columns events; anything unlisted is ignored in that state.
const TABLE: Record<State, Row> = {
  [State.Initialize]: {
    [VrrpEvent.Startup]: initStartup,
    [VrrpEvent.PriorityChanged]: takePriority,
  },
  [State.Backup]: {
    [VrrpEvent.Shutdown]: backupShutdown,
    [VrrpEvent.AdvertReceived]: backupAdvert,
    [VrrpEvent.MasterDownTimerExpired]: backupMasterDown,
    [VrrpEvent.FaultRaised]: backupFault,
    [VrrpEvent.PriorityChanged]: backupPriority,
    [VrrpEvent.ForceMaster]: backupMasterDown,
  },
  [State.Master]: {
    [VrrpEvent.Shutdown]: masterShutdown,
    [VrrpEvent.AdvertReceived]: masterAdvert,
    [VrrpEvent.AdverTimerExpired]: masterAdverTimer,
    [VrrpEvent.FaultRaised]: masterFault,
    [VrrpEvent.PriorityChanged]: masterPriority,
    [VrrpEvent.ForceBackup]: masterForceBackup,
  },
  [State.Fault]: {
    [VrrpEvent.Shutdown]: toInitialize,
    [VrrpEvent.FaultCleared]: faultCleared,
    [VrrpEvent.PriorityChanged]: takePriority,
  },
};

/** TABLE flattened for dispatch: HANDLERS[state * EVENT_COUNT + event], unlisted cells ignore. */
const STATE_COUNT = State.Fault + 1;
const HANDLERS: Handler[] = [];
for (let st = 0; st < STATE_COUNT; st++) {
  const row = TABLE[st as State];
  for (let e = 0; e < EVENT_COUNT; e++) HANDLERS.push(row[e as VrrpEvent] ?? ignore);
}
