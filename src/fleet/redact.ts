// What of a running config leaves the node on config/get: everything but the
// secrets written in it. VRRP `auth_pass` is the only secret a config carries
// inline (passwords and keys of the fleet session are files, named by path).
// The operator side redacts the blob it compares in the same way, so a diff
// never shows a password, and never a password change either.
import type { Config } from "../config/model.ts";

export const REDACTED = "<redacted>";

export function redactSecrets(cfg: Config): Config {
  if (!cfg.instances.some((i) => i.authentication)) return cfg;
  return {
    ...cfg,
    instances: cfg.instances.map((i) => (i.authentication ? { ...i, authentication: { ...i.authentication, pass: REDACTED } } : i)),
  };
}
