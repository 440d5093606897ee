// lvs_sync_daemon on the kernel: IPVS's connection-sync daemon takes the role
// its VRRP instance gives (the steps are src/lvs/sync-daemon-role.ts's decision).
// A failure is logged; the caller tries again once IPVS is back.
import type { LvsSyncDaemon } from "../config/model.ts";
import { errorText } from "../error-text.ts";
import { type SyncRole, syncDaemonSteps } from "../lvs/sync-daemon-role.ts";
import { IpvsClient } from "../sys/ipvs/client.ts";
import { log } from "./log.ts";

export function takeSyncRole(d: LvsSyncDaemon, role: SyncRole): void {
  let client: IpvsClient | undefined;
  try {
    client = IpvsClient.open();
    const steps = syncDaemonSteps(client.listDaemons(), role);
    if (steps.stop) client.stopDaemon(steps.stop);
    if (steps.start) {
      client.startDaemon({
        state: role, interface: d.interface, syncId: d.syncId ?? 0,
        ...(d.maxlen !== undefined ? { maxLen: d.maxlen } : {}),
        ...(d.group !== undefined ? { group: d.group } : {}),
        ...(d.port !== undefined ? { port: d.port } : {}),
        ...(d.ttl !== undefined ? { ttl: d.ttl } : {}),
      });
    }
    log.info(`lvs: sync daemon now ${role} on ${d.interface}`);
  } catch (e) {
    log.error(`lvs: sync daemon: ${errorText(e)}`);
  } finally {
    client?.close();
  }
}
