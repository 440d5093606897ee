// The config id that `@ID` lines of a keepalived.conf are compared with
// (keepalived -i/--config-id). keepalived's default is the first part of the
// node name uname(2) returns, i.e. the hostname without its domain.

export function defaultConfigId(): string {
  // node:os is loaded only when an id is asked for (an `@ID` line, ${_INSTANCE}):
  // loading it is ≈ 0.5 ms of a cold `vigil config check` (test/bench/config-check-phases.ts)
  const { hostname } = require("node:os") as typeof import("node:os");
  return hostname().split(".")[0] ?? "";
}
