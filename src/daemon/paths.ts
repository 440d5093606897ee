// Where vigil keeps things on a board, by the FHS: configuration under /etc,
// the fleet's config store (state that must survive a reboot) under /var/lib,
// locks and the status socket (gone with the boot) under /run. Every one is
// overridable on `vigil run`'s command line.
import type { Config } from "../config/model.ts";

/** `vigil run` without -f reads the first of these that exists. */
export const DEFAULT_CONFIG_FILES = ["/etc/vigil/vigil.conf", "/etc/keepalived/keepalived.conf"] as const;

/** per-instance locks, the status socket, IPVS services this run owns */
export const DEFAULT_RUN_DIR = "/run/vigil";

/** the fleet's config store (vigil_fleet state_dir) */
export const DEFAULT_STATE_DIR = "/var/lib/vigil";

/**
 * The config with `dir` as its fleet state directory when its vigil_fleet block
 * names none. The readers fill an absent state_dir with DEFAULT_STATE_DIR, so a
 * block that spells out that same directory is taken as naming none: the command
 * line's directory wins then too.
 */
export function withStateDir(cfg: Config, dir: string | undefined): Config {
  if (!dir || !cfg.fleet || cfg.fleet.stateDir !== DEFAULT_STATE_DIR) return cfg;
  return { ...cfg, fleet: { ...cfg.fleet, stateDir: dir } };
}
