// lvs_sync_daemon follows its VRRP instance: as master it sends the connection
// table, as backup it receives it. Taking a role stops the daemon of the other
// role if one runs, and starts ours unless it runs already. Pure.

export type SyncRole = "master" | "backup";

/** The steps from the sync daemons running now (IPVS's list) to `role`. */
export function syncDaemonSteps(running: ReadonlyArray<{ state: SyncRole }>, role: SyncRole): { stop: SyncRole | null; start: boolean } {
  const other: SyncRole = role === "master" ? "backup" : "master";
  return { stop: running.some((x) => x.state === other) ? other : null, start: !running.some((x) => x.state === role) };
}
