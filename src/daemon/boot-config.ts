// Which config the daemon boots with. The -f file is the bootstrap; when it
// configures a fleet and that fleet has pushed a signed config that is still
// valid in state_dir, the pushed one (newer, signed) runs instead — so a reboot
// comes back with what the fleet last accepted, not with the factory file.
import { errorText } from "../error-text.ts";
import { verifyBlob } from "../config-io/cose-sign.ts";
import { readCbor } from "../config/config-cbor.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { Config } from "../config/model.ts";
import { ConfigStore } from "../config-io/store.ts";
import { TrustStore } from "../config-io/trust.ts";
import { fileBoot, fileConfig, mayBootPushed, type RunningConfig } from "./boot-file.ts";
import { log } from "./log.ts";
import { withStateDir } from "./paths.ts";

export type { RunningConfig };

export function fleetNode(cfg: Config): string {
  return cfg.fleet?.node ?? cfg.global.routerId ?? "vigil";
}

/**
 * `stateDir`: the fleet store when the vigil_fleet block names none (`vigil run --state-dir`);
 * `configId`: what a keepalived.conf's `@ID` lines are compared with (`vigil run -i`).
 */
export function bootConfig(configFile: string, strict = false, stateDir?: string, configId?: string): RunningConfig {
  return bootPushed(fileConfig(configFile, strict, stateDir, configId), configFile, stateDir);
}

/** The config to boot given the -f file's (`file`, from fileConfig): a valid pushed one in state_dir, else the file. */
export function bootPushed(file: Config, configFile: string, stateDir?: string): RunningConfig {
  const fleet = file.fleet;
  if (!fleet || !mayBootPushed(file)) return fileBoot(file, configFile);
  let trust: TrustStore;
  try {
    trust = TrustStore.fromFiles(fleet.trustKey);
  } catch (e) {
    log.error(`fleet: ${errorText(e)}; booting from ${configFile}`);
    return fileBoot(file, configFile);
  }
  const store = new ConfigStore(fleet.stateDir);
  const node = fleetNode(file);
  const valid = new Map<number, { cfg: Config; hash: string }>();
  const pick = store.boot((bytes) => {
    // currentSerial -1: any trusted, well-formed blob for this node is a boot candidate
    const v = verifyBlob(bytes, { trust, fleet: fleet.fleet, node, currentSerial: -1 });
    if (!v.ok) return null;
    const r = readCbor(v.payload.config, `${fleet.stateDir} serial ${v.payload.serial}`);
    if (!r.config) {
      for (const e of r.errors) log.error(formatDiagnostic(e));
      return null;
    }
    valid.set(v.payload.serial, { cfg: r.config, hash: v.hash });
    return v.payload.serial;
  });
  const won = pick && valid.get(pick.serial);
  if (!pick || !won) return fileBoot(file, configFile, store.readState()?.floor ?? 0);
  log.info(`booting pushed config serial ${pick.serial} (${pick.which}) from ${fleet.stateDir} instead of ${configFile}`);
  // A pushed config without a vigil_fleet block (one config signed for many
  // nodes cannot carry each node's id) keeps the file's: without it the node
  // would come back from a reboot cut off from the fleet that configured it.
  const cfg = won.cfg.fleet ? withStateDir(won.cfg, stateDir) : { ...won.cfg, fleet };
  return { cfg, serial: pick.serial, hash: won.hash, floor: pick.floor, source: `${fleet.stateDir}/${pick.which}` };
}
