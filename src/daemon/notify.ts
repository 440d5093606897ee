// keepalived's notify conventions on a transition: the state-specific script
// (notify_master / notify_backup / notify_fault / notify_stop) runs as configured,
// and the generic `notify` script gets four arguments:
//   INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP <priority>
import type { NotifyScripts, VrrpInstance } from "../config/model.ts";
import { notify } from "./scripts.ts";

export type NotifyState = "MASTER" | "BACKUP" | "FAULT" | "STOP";

const NOTIFY_TIMEOUT_MS = 30_000;

export function notifyTransition(
  kind: "INSTANCE" | "GROUP",
  name: string,
  scripts: NotifyScripts,
  state: NotifyState,
  priority: number,
  opts: { uid?: number; gid?: number } = {},
): void {
  const specific = {
    MASTER: scripts.notifyMaster,
    BACKUP: scripts.notifyBackup,
    FAULT: scripts.notifyFault,
    STOP: scripts.notifyStop,
  }[state];
  const o = { timeoutMs: NOTIFY_TIMEOUT_MS, ...opts };
  notify(specific, [], o);
  notify(scripts.notify, [kind, name, state, String(priority)], o);
}

/** keepalived send_event_notify: notify_master_rx_lower_pri runs as configured, with no arguments added. */
export function notifyMasterRxLowerPri(script: string | undefined, opts: { uid?: number; gid?: number } = {}): void {
  notify(script, [], { timeoutMs: NOTIFY_TIMEOUT_MS, ...opts });
}

/**
 * A reload removed instance `name` (keepalived 2.2.7, measured: test/lab/notify-fifo.test.ts):
 * with notify_deleted the state told is DELETED and the notify_deleted script runs;
 * without, the state told is FAULT and notify_fault does NOT run. The generic
 * `notify` script gets the state either way. Returns the state told.
 */
export function notifyRemoved(name: string, inst: Pick<VrrpInstance, "notify" | "notifyDeleted" | "notifyDeletedScript">, priority: number,
  opts: { uid?: number; gid?: number } = {}): "DELETED" | "FAULT" {
  const state = inst.notifyDeleted ? "DELETED" : "FAULT";
  const o = { timeoutMs: NOTIFY_TIMEOUT_MS, ...opts };
  if (inst.notifyDeleted) notify(inst.notifyDeletedScript, [], o);
  notify(inst.notify, ["INSTANCE", name, state, String(priority)], o);
  return state;
}
