// How a VRRP transition is reported, decided in one place: the state names the
// daemon and the fleet see for an FSM transition (in the VRRP worker), the state
// notify scripts and FIFOs get, and the role lvs_sync_daemon takes (on the main
// thread). Pure.
import { State, STATE_NAMES } from "../vrrp/actions.ts";
import type { NotifyState } from "./notify.ts";

/**
 * The `from` name reported for an FSM transition, or null when there is nothing
 * to report. An instance that waited to start (waiting-instance.ts) was FAULT for
 * the daemon and the fleet, so its INIT -> X reads FAULT -> X, and its
 * INIT -> FAULT is no transition at all.
 */
export function reportedFrom(from: State, to: State, waitedInFault: boolean): string | null {
  const name = waitedInFault && from === State.Initialize ? "FAULT" : STATE_NAMES[from];
  return name === STATE_NAMES[to] ? null : name;
}

/** The state notify scripts and FIFOs get for a reported one: INIT (the instance stopped) is keepalived's STOP. */
export function notifyStateOf(to: string): NotifyState {
  return to === "INIT" ? "STOP" : (to as NotifyState);
}

/** The role lvs_sync_daemon takes when the instance it follows goes to `to`; null (FAULT, INIT): it keeps its role. */
export function syncRoleOf(to: string): "master" | "backup" | null {
  if (to === "MASTER") return "master";
  if (to === "BACKUP") return "backup";
  return null;
}

/**
 * Whether the daemon and the fleet show an instance as FAULT when its runtime
 * goes back to waiting: it is FAULT now (its link went), or it waited before and
 * never got to report another state. A waiting instance shown FAULT reports
 * FAULT -> INIT when it stops; one not shown FAULT reports nothing.
 */
export function showsFault(state: State, waitedInFault: boolean): boolean {
  return state === State.Fault || waitedInFault;
}
