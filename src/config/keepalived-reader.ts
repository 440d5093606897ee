// keepalived.conf -> Config. Top-level blocks are dispatched here; each block's
// keywords live in kc-vrrp.ts, kc-lvs.ts and kc-fleet.ts.
import { errorText } from "../error-text.ts";
import { Diagnostics, type FieldPath } from "./diagnostics.ts";
import { finishConfig } from "./finish.ts";
import { Ctx, Locations, whyUnknown, type Raw } from "./kc-context.ts";
import { unsupportedReason } from "./kc-unsupported.ts";
import { readFleet } from "./kc-fleet.ts";
import { readVirtualServer, readVirtualServerGroup } from "./kc-lvs.ts";
import { readTrackFile } from "./kc-track-file.ts";
import { readGarpGroup } from "./kc-garp-group.ts";
import {
  readGlobal, readInstance, readInterfaceUpDownDelays, readScript, readStaticAddresses, readStaticRoutes, readStaticRules, readSyncGroup, readTrackProcess,
} from "./kc-vrrp.ts";
import { readTrackGroup } from "./kc-track-group.ts";
import { toResult, type LoadResult, type ReadOptions } from "./result.ts";
import { DEFAULT_LIMITS, readConfigLines, type FileSource, type SourceLimits } from "./source.ts";
import { buildTree, type Stmt } from "./syntax-tree.ts";


/** camelCase model field -> keepalived keyword, for messages. */
export function keywordOf(path: FieldPath): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i];
    if (typeof p === "string") return p.replace(/Ms$/, "").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  }
  return "config";
}

export function readKeepalived(
  path: string,
  fs: FileSource,
  opts: ReadOptions & { limits?: SourceLimits } = {},
): LoadResult {
  // First without field locations: a config with no finding about a field (the
  // usual case) never needs them, and recording one per field is about a third of
  // the reading (test/bench/cold-start.bench.ts). When a finding does need one,
  // the whole read is done again with them, the same way.
  const quick = readOnce(path, fs, opts, false);
  return quick.locationsWanted ? readOnce(path, fs, opts, true).result : quick.result;
}

function readOnce(
  path: string,
  fs: FileSource,
  opts: ReadOptions & { limits?: SourceLimits },
  recordLocations: boolean,
): { result: LoadResult; locationsWanted: boolean } {
  const diags = new Diagnostics();
  let locationsWanted = false;
  try {
    const lines = readConfigLines(path, fs, diags, opts.limits ?? DEFAULT_LIMITS, opts.configId !== undefined ? { configId: opts.configId } : {});
    const tree = buildTree(lines, diags);
    const locs = new Locations(recordLocations);
    const c = new Ctx(diags, locs, opts.strict ?? false);
    const raw = readTopLevel(c, tree);
    const locate = (p: FieldPath) => {
      locationsWanted = true;
      return locs.find(raw, p);
    };
    const config = finishConfig(raw, diags, locate, keywordOf, (p) => locs.refusedAt(raw, p));
    return { result: toResult("keepalived", diags.list, config, path), locationsWanted: locationsWanted && !recordLocations };
  } catch (e) {
    // A reader bug must still come back as a finding, never as a crash.
    diags.error(`internal error while reading ${path}: ${errorText(e)}`);
    return { result: toResult("keepalived", diags.list, undefined, path), locationsWanted: false };
  }
}

/** The top-level blocks of the statement tree, each to its keyword reader: the raw (unchecked) config. */
export function readTopLevel(c: Ctx, tree: Stmt[]): Raw {
  const raw: Raw = { global: {}, scripts: [], syncGroups: [], instances: [], trackFiles: [], virtualServerGroups: [], virtualServers: [],
    trackProcesses: [] };
  const push = (key: string, v: Raw | undefined, s: Parameters<Ctx["mark"]>[2]) => {
    if (!v) return;
    const list = raw[key] as Raw[];
    c.mark(list, list.length, s);
    list.push(v);
  };
  for (const s of tree) {
    if (s.kw.quoted) {
      c.unknown(s, "the top level");
      continue;
    }
    switch (s.kw.text) {
      case "global_defs":
        if (s.args.length) c.error(s, "'global_defs' takes no value before its block", s.args[0]);
        readGlobal(c, s, raw.global as Raw);
        break;
      case "vrrp_script":
        push("scripts", readScript(c, s), s);
        break;
      case "vrrp_sync_group":
        push("syncGroups", readSyncGroup(c, s), s);
        break;
      case "vrrp_track_process":
        push("trackProcesses", readTrackProcess(c, s), s);
        break;
      case "static_ipaddress":
        readStaticAddresses(c, s, raw);
        break;
      case "static_routes":
        readStaticRoutes(c, s, raw);
        break;
      case "static_rules":
        readStaticRules(c, s, raw);
        break;
      case "interface_up_down_delays":
        readInterfaceUpDownDelays(c, s, raw);
        break;
      case "track_group":
        raw.trackGroups ??= [];
        push("trackGroups", readTrackGroup(c, s), s);
        break;
      case "garp_group":
        raw.garpGroups ??= [];
        push("garpGroups", readGarpGroup(c, s), s);
        break;
      case "vrrp_instance":
        push("instances", readInstance(c, s, raw.global as Raw), s);
        break;
      case "virtual_server":
        push("virtualServers", readVirtualServer(c, s), s);
        break;
      case "virtual_server_group":
        push("virtualServerGroups", readVirtualServerGroup(c, s), s);
        break;
      case "track_file":
      case "vrrp_track_file":
        push("trackFiles", readTrackFile(c, s), s);
        break;
      case "vigil_fleet":
        if (raw.fleet) c.warn(s, "'vigil_fleet' given more than once, the blocks are merged");
        raw.fleet ??= {};
        readFleet(c, s, raw.fleet as Raw);
        break;
      default:
        c.unknown(s, "the top level", whyUnknown(s.kw.text), unsupportedReason(s.kw.text));
    }
  }
  return raw;
}
