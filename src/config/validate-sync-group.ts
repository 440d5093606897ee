// Semantic rules of a vrrp_sync_group's own tracking (track_interface,
// track_script, track_file, track_process, sync_group_tracking_weight), and what
// keepalived 2.2.7 logs about its members' tracking at start. Pure: config in,
// findings out (validate.ts merges them).
import type { FieldPath } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import { ignoredMemberWeights } from "./sync-group-tracking.ts";
import type { Finding } from "./validate.ts";
import { PRIORITY_OWNER } from "../vrrp/params.ts";

export function validateSyncGroupTracking(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  const scripts = new Set(cfg.scripts.map((s) => s.name));
  const files = new Set(cfg.trackFiles.map((f) => f.name));
  const procs = new Set(cfg.trackProcesses.map((p) => p.name));

  cfg.syncGroups.forEach((g, gi) => {
    const P = (...f: FieldPath): FieldPath => ["syncGroups", gi, ...f];
    const members = cfg.instances.filter((i) => g.group.includes(i.name));
    const owner = members.find((i) => i.priority === PRIORITY_OWNER);
    const lists = [
      { key: "trackInterface", kw: "track_interface", names: g.trackInterface.map((t) => t.name), weights: g.trackInterface.map((t) => t.weight ?? 0), defined: undefined, of: (i: (typeof members)[number]) => [i.interface, ...i.trackInterface.map((t) => t.name)] },
      { key: "trackScript", kw: "track_script", names: g.trackScript.map((t) => t.script), weights: g.trackScript.map((t) => t.weight ?? cfg.scripts.find((s) => s.name === t.script)?.weight ?? 0), defined: scripts, what: "vrrp_script", of: (i: (typeof members)[number]) => i.trackScript.map((t) => t.script) },
      { key: "trackFile", kw: "track_file", names: g.trackFile.map((t) => t.name), weights: g.trackFile.map((t) => t.weight ?? cfg.trackFiles.find((f) => f.name === t.name)?.weight ?? 1), defined: files, what: "track_file", of: (i: (typeof members)[number]) => i.trackFile.map((t) => t.name) },
      { key: "trackProcess", kw: "track_process", names: g.trackProcess.map((t) => t.name), weights: g.trackProcess.map((t) => t.weight ?? cfg.trackProcesses.find((p) => p.name === t.name)?.weight ?? 0), defined: procs, what: "vrrp_track_process", of: (i: (typeof members)[number]) => i.trackProcess.map((t) => t.name) },
    ];
    for (const l of lists) {
      const seen = new Set<string>();
      l.names.forEach((n, k) => {
        if (l.defined && !l.defined.has(n)) err(P(l.key, k), `${l.kw} refers to ${l.what} '${n}', which does not exist`);
        if (seen.has(n)) err(P(l.key, k), `${l.kw} ${n} listed twice (keepalived ignores the second)`);
        seen.add(n);
        if (owner && l.weights[k]) warn(P(l.key, k), `member '${owner.name}' is the address owner (priority 255): the group's ${l.kw} ${n} is unweighted, down is FAULT (as keepalived)`);
        for (const m of members) {
          if (l.of(m).includes(n)) warn(P(l.key, k), `${l.kw} ${n} is also tracked by member '${m.name}': tracked once, with the group's weight unless the member's is 0 (keepalived: "remove vrrp instance config")`);
        }
      });
    }
  });
  cfg.instances.forEach((inst, i) => {
    for (const f of ignoredMemberWeights(cfg, inst)) warn(["instances", i, ...f.path], f.message);
  });
  return out;
}
