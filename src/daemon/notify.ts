// keepalived's notify conventions on a transition: the state-specific script
// (notify_master / notify_backup / notify_fault / notify_stop) runs as configured,
// and the generic `notify` script gets four arguments:
//   INSTANCE|GROUP <name> MASTER|BACKUP|FAULT|STOP <priority>
import type { NotifyScripts } from "../config/model.ts";
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
