// vrrp_sync_group: member instances move together (keepalived semantics).
// One member becoming Master pulls the others (in Backup) to Master; one leaving
// Master for Backup pushes the others to Backup; a member's own fault puts every
// other member in FAULT until no member has an own fault left. A member that as
// master hears a lower priority has the others send their lower-priority GARPs too.
import { State } from "./actions.ts";
import { FAULT_SYNC_GROUP, type FsmObserver, type VrrpFsm } from "./fsm.ts";

export class SyncGroup implements FsmObserver {
  readonly name: string;
  readonly members: readonly VrrpFsm[];
  /** set while the group itself moves members, so their moves don't echo */
  private propagating = false;

  constructor(name: string, members: VrrpFsm[]) {
    if (members.length === 0) throw new RangeError(`vrrp_sync_group ${name}: no members`);
    for (const m of members) {
      if (m.observer) throw new Error(`vrrp_sync_group ${name}: instance ${m.p.name} is already in a sync group`);
      m.observer = this;
    }
    this.name = name;
    this.members = members;
  }

  transition(src: VrrpFsm, from: State, to: State, now: number): void {
    if (this.propagating) return;
    this.propagating = true;
    try {
      for (const m of this.members) {
        if (m === src) continue;
        if (to === State.Master && m.state === State.Backup) m.forceMaster(now);
        else if (to === State.Backup && from === State.Master && m.state === State.Master) m.forceBackup(now);
      }
    } finally {
      this.propagating = false;
    }
  }

  /** keepalived vrrp_state_master_rx: the other members send their lower-priority bursts too */
  lowerPriorityHeard(src: VrrpFsm, now: number): void {
    for (const m of this.members) if (m !== src) m.lowerPriorityBurst(now);
  }

  faultChanged(_src: VrrpFsm, now: number): void {
    if (this.propagating) return;
    this.propagating = true;
    try {
      // each member mirrors the own faults of the *other* members
      for (const m of this.members) {
        let other = false;
        for (const o of this.members) if (o !== m && o.ownFault) other = true;
        if (other) m.faultRaised(now, FAULT_SYNC_GROUP);
        else m.faultCleared(now, FAULT_SYNC_GROUP);
      }
    } finally {
      this.propagating = false;
    }
  }

  /** The group's state for reporting: FAULT if any member is, else MASTER if all are, else BACKUP. */
  get state(): State {
    if (this.members.some((m) => m.state === State.Fault)) return State.Fault;
    if (this.members.every((m) => m.state === State.Master)) return State.Master;
    if (this.members.every((m) => m.state === State.Initialize)) return State.Initialize;
    return State.Backup;
  }
}
