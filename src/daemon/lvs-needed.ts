// Whether a daemon needs its LVS side (lvs-manager.ts: the health checkers and the
// IPVS programming). Decided before lvs-manager.ts is loaded: the checkers' modules
// load node:net, node:tls, node:dgram and node:child_process, about 2 MiB of memory a
// VRRP-only daemon would keep for good (issue 14: memory.bench).
import type { Config } from "../config/model.ts";
import { OWNED_STATE_FILE, OwnedStateFile } from "../sys/ipvs/owned-state-file.ts";

export const DEFAULT_LVS_STATE_DIR = "/run/vigil";

/**
 * Virtual servers or lvs_sync_daemon configured, or IPVS services a previous run
 * recorded as its own (a run with virtual servers that was killed: they are removed
 * at start). A clean stop leaves an empty record, which needs nothing. `warn` hears
 * an unreadable record, as the LVS side would have said it.
 */
export function lvsNeeded(cfg: Config, stateDir: string | undefined, warn: (msg: string) => void = () => {}): boolean {
  if (cfg.virtualServers.length > 0 || cfg.global.lvsSyncDaemon !== undefined) return true;
  return new OwnedStateFile(`${stateDir ?? DEFAULT_LVS_STATE_DIR}/${OWNED_STATE_FILE}`, warn).load().size > 0;
}
