// Runs inside the test VM: prints vigil's view of the IPVS counters as "STATS <json>".
import { IpvsClient } from "../../../src/sys/ipvs/client.ts";

const c = IpvsClient.open();
console.log(`STATS ${JSON.stringify(c.stats())}`);
c.close();
