// Runs inside the test VM: loads the user's keepalived.conf sample (addresses
// rewritten into 198.18.0.0/15 by the host), builds the desired IPVS table the
// way the daemon does (config → real-server state → desired table → reconcile)
// and applies it; then fails the only real server of the first virtual server
// so its sorry_server takes over. Prints "SAMPLE <json>".
import { spawnSync } from "bun";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { desiredTable } from "../../../src/lvs/desired.ts";
import { reconcile } from "../../../src/lvs/reconcile.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { IpvsClient } from "../../../src/sys/ipvs/client.ts";

const sh = (cmd: string) => spawnSync(["sh", "-c", cmd], { stdout: "pipe" }).stdout.toString();
const loaded = loadConfigFile(process.argv[2]!);
if (!loaded.config) {
  console.log(`SAMPLE ${JSON.stringify({ errors: loaded.errors })}`);
  process.exit(0);
}
const items = loaded.config.virtualServers.map((vs) => ({ vs, state: new VirtualServerState(vs) }));
for (const it of items) it.state.start();
const c = IpvsClient.open();
const snapshot = () => ({ ipvsadm: sh("ipvsadm -Ln"), thresholds: sh("ipvsadm -Ln --thresholds") });

const desired = desiredTable(items);
c.apply(reconcile(c.table(), desired, new Set()));
const started = snapshot();

// the SSL_GET of the first virtual server's only real server fails
items[0]!.state.checker(0, 0, false, undefined, "test: SSL_GET failed");
const owned = new Set<string>();
const failedDesired = desiredTable(items);
c.apply(reconcile(c.table(), failedDesired, owned));
const failed = snapshot();
c.flush();
c.close();
console.log(`SAMPLE ${JSON.stringify({ errors: [], virtualServers: items.length, desired, started, failedDesired, failed })}`);
