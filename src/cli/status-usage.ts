// Usage text of `vigil status --broker`, apart from status-fleet.ts so that a plain
// `vigil status` can print it without loading the MQTT client (cold start).
import { BROKER_USAGE } from "./broker-args.ts";

export const FLEET_USAGE = "usage: vigil status --broker URL --fleet F [--json] [--wait-ms N]\n" +
  `       ${BROKER_USAGE}\n`;
