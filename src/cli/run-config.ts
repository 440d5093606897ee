// Which file `vigil run` reads, and whether it gives the daemon anything to do.
// A board's user runs `vigil run` bare: vigil's own /etc/vigil/vigil.conf first,
// else an existing keepalived's /etc/keepalived/keepalived.conf. The Debian package
// ships vigil.conf as an all-comment example, so "exists but configures nothing" is
// the state of every fresh install and gets its own one-line message.
import { lstatSync } from "node:fs";
import type { Config } from "../config/model.ts";
import { DEFAULT_CONFIG_FILES } from "../daemon/paths.ts";

export type ConfigChoice = { file: string; why: string } | { error: string };

/** True when `path` names something, even a dangling symlink (reading it then says why it fails). */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The file to run: -f if given, else the first of `candidates` that exists. */
export function chooseConfigFile(given: string | undefined, candidates: readonly string[] = DEFAULT_CONFIG_FILES, exists = present): ConfigChoice {
  if (given !== undefined) return { file: given, why: "-f" };
  for (let i = 0; i < candidates.length; i++) {
    const file = candidates[i]!;
    if (!exists(file)) continue;
    const skipped = candidates.slice(0, i);
    return { file, why: skipped.length ? `no -f; ${skipped.join(", ")} does not exist` : "no -f" };
  }
  return { error: `no config: none of ${candidates.join(", ")} exists (write one, or name one with -f)` };
}

/**
 * Why `cfg` gives the daemon nothing to do, or null when it does. A vigil_fleet
 * block alone is something to do: the node reports and waits for a pushed config.
 */
export function nothingConfigured(cfg: Config, file: string): string | null {
  if (cfg.instances.length || cfg.virtualServers.length || cfg.fleet?.broker) return null;
  return `no vrrp_instance or virtual_server configured in ${file}`;
}
