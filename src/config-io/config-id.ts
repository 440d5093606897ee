// The config id that `@ID` lines of a keepalived.conf are compared with
// (keepalived -i/--config-id). keepalived's default is the first part of the
// node name uname(2) returns, i.e. the hostname without its domain.
import { hostname } from "node:os";

export function defaultConfigId(): string {
  return hostname().split(".")[0] ?? "";
}
