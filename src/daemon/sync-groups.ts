// vrrp_sync_group membership as the VRRP worker's instances come and go: at
// start-up, on a reload, when an instance waits for its interface (boot order,
// an interface deleted) and when it starts after waiting. The group logic itself
// lives in the pure SyncGroup (src/vrrp/sync-group.ts); this decides which
// groups exist around which running instances.
import { FAULT_SYNC_GROUP, type VrrpFsm } from "../vrrp/fsm.ts";
import { SyncGroup } from "../vrrp/sync-group.ts";
import type { SyncGroupPlan } from "./plan.ts";

/** What of a running instance (InstanceRuntime) the reconciliation touches. */
export interface GroupMember {
  readonly name: string;
  readonly fsm: VrrpFsm;
  /** performs the FSM's pending actions (the runtime's I/O) */
  perform(now: number): void;
}

/**
 * A group runs as one only when every member runs. While a member cannot start
 * yet, keepalived's rule for a member in FAULT holds the others in FAULT too (a
 * half group as MASTER would take half the VIPs). Once all run, the group is
 * formed (again, around a restarted member's new FSM) and mirrors its members'
 * own faults at once. An instance no longer in any group leaves its old one.
 * The FSMs' resulting actions are performed before returning.
 */
export function reconcileSyncGroups(groups: SyncGroupPlan[], runtimes: readonly GroupMember[], now: number): void {
  const grouped = new Set<string>();
  for (const g of groups) {
    for (const n of g.members) grouped.add(n);
    const present = runtimes.filter((r) => g.members.includes(r.name));
    if (present.length < g.members.length) {
      for (const m of present) {
        m.fsm.observer = null;
        m.fsm.faultRaised(now, FAULT_SYNC_GROUP);
      }
      continue;
    }
    const fsms = present.map((m) => m.fsm);
    const obs = fsms[0].observer;
    const intact = obs instanceof SyncGroup && obs.name === g.name && obs.members.length === fsms.length &&
      obs.members.every((f) => fsms.includes(f)) && fsms.every((f) => f.observer === obs);
    if (intact) continue;
    for (const f of fsms) f.observer = null;
    new SyncGroup(g.name, fsms).faultChanged(fsms[0], now);
  }
  for (const rt of runtimes) {
    if (!grouped.has(rt.name) && (rt.fsm.observer || rt.fsm.faults & FAULT_SYNC_GROUP)) {
      rt.fsm.observer = null;
      rt.fsm.faultCleared(now, FAULT_SYNC_GROUP);
    }
  }
  for (const rt of runtimes) rt.perform(now);
}
