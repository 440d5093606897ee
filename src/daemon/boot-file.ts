// The -f file as `vigil run` boots and reloads it, and whether a fleet may have
// pushed a config that runs instead (boot-config.ts). Apart from boot-config.ts
// because that path verifies signatures (node:crypto, the config store): a daemon
// without a vigil_fleet broker and trust key never loads it (issue 14: each module
// a daemon loads stays in its memory for good).
import type { Config } from "../config/model.ts";
import { loadConfig } from "./daemon.ts";
import { withStateDir } from "./paths.ts";

export interface RunningConfig {
  cfg: Config;
  /** serial of the pushed config that runs; 0 = the file */
  serial: number;
  hash: string;
  /** replay floor: highest serial ever committed in state_dir */
  floor: number;
  source: string;
}

/**
 * The -f file's config. `stateDir`: the fleet store when the vigil_fleet block names
 * none (`vigil run --state-dir`); `configId`: what a keepalived.conf's `@ID` lines are
 * compared with (`vigil run -i`).
 */
export function fileConfig(configFile: string, strict = false, stateDir?: string, configId?: string): Config {
  return withStateDir(loadConfig(configFile, strict, configId), stateDir);
}

/** Only a fleet with a broker and a trust key can have pushed a config that boots instead of the file. */
export function mayBootPushed(file: Config): boolean {
  return !!file.fleet?.broker && file.fleet.trustKey.length > 0;
}

/** The file runs: no pushed config (serial 0); `floor` is the store's replay floor when there is one. */
export function fileBoot(file: Config, configFile: string, floor = 0): RunningConfig {
  return { cfg: file, serial: 0, hash: "", floor, source: configFile };
}
