// Usage text of `vigil status --broker`, apart from status-fleet.ts so that a plain
// `vigil status` can print it without loading the MQTT client (cold start).
export const FLEET_USAGE = "usage: vigil status --broker URL --fleet F [--json] [--wait-ms N]\n" +
  "       [--ca-file F] [--cert-file F --key-file F] [--username U --password-file F] [--mqtt-version 4|5]\n";
