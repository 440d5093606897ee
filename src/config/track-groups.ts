// keepalived's static track groups (vrrp_static_track.c): what the static entries
// naming a group make its instances track, and the semantic rules of the
// groups, and the static entries that name one. What keepalived 2.2.7 only logs
// and runs without (a member that is no instance, a group nobody names, a name
// no group has) is a warning here, so a config keepalived runs still runs; what
// its parser refuses (track_group outside static entries) is an error.
import type { FieldPath } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import type { Finding } from "./validate.ts";

export function validateTrackGroups(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  const instances = new Set(cfg.instances.map((i) => i.name));
  const seen = new Set<string>();
  cfg.trackGroups.forEach((g, k) => {
    // keepalived: "track_group %s already defined"
    if (seen.has(g.name)) err(["trackGroups", k, "name"], `track_group ${g.name} is defined twice`);
    seen.add(g.name);
    g.group.forEach((m, j) => {
      if (!instances.has(m)) warn(["trackGroups", k, "group", j], `vrrp instance ${m} specified in track group ${g.name} doesn't exist - ignoring (as keepalived)`);
    });
    if (!g.group.some((m) => instances.has(m))) warn(["trackGroups", k], `track_group ${g.name} has no VRRP instance: it tracks nothing (keepalived removes it)`);
  });
  const named = (what: string, group: string | undefined, path: FieldPath, iface: string | undefined, ifaceKw: string) => {
    if (group === undefined) return;
    if (!seen.has(group)) warn([...path, "trackGroup"], `track_group ${group} not found: this ${what} is not tracked (keepalived 2.2.7 says the same and runs without it)`);
    else if (iface === undefined) warn([...path, "trackGroup"], `this ${what} has no '${ifaceKw}': track_group ${group} has no interface to track (keepalived tracks the ${ifaceKw} only)`);
  };
  cfg.staticIpaddress.forEach((a, k) => named("static address", a.trackGroup, ["staticIpaddress", k], a.dev ?? cfg.global.defaultInterface ?? "eth0", "dev"));
  cfg.staticRoutes.forEach((r, k) => named("static route", r.trackGroup, ["staticRoutes", k], r.dev, "dev"));
  cfg.staticRules.forEach((r, k) => named("static rule", r.trackGroup, ["staticRules", k], r.iif, "iif"));
  // keepalived's parser refuses it anywhere else ("unknown route keyword track_group")
  // plain loops: no closure per instance (a cold `vigil config check` runs this in the interpreter)
  const only = (path: FieldPath, what: string) => err([...path, "trackGroup"], `track_group is only valid on static_${what} entries (keepalived refuses it here)`);
  const lists = [["virtualIpaddress", "ipaddress"], ["virtualIpaddressExcluded", "ipaddress"], ["virtualRoutes", "routes"], ["virtualRules", "rules"]] as const;
  for (let i = 0; i < cfg.instances.length; i++) {
    const inst = cfg.instances[i]!;
    for (const [key, what] of lists) {
      const list: ReadonlyArray<{ trackGroup?: string }> = inst[key];
      for (let k = 0; k < list.length; k++) if (list[k]!.trackGroup !== undefined) only(["instances", i, key, k], what);
    }
  }
  return out;
}

/**
 * The interfaces the static entries naming a track group make its instances track
 * (vrrp_static_track.c static_track_group_init): per instance name, the static
 * addresses' dev, the static routes' dev and the static rules' iif.
 */
export function staticTrackedInterfaces(cfg: Config): Map<string, string[]> {
  const byGroup = new Map(cfg.trackGroups.map((g) => [g.name, g.group]));
  const out = new Map<string, string[]>();
  const add = (group: string | undefined, iface: string | undefined) => {
    if (group === undefined || iface === undefined) return;
    for (const inst of byGroup.get(group) ?? []) {
      const list = out.get(inst) ?? [];
      if (!list.includes(iface)) list.push(iface);
      out.set(inst, list);
    }
  };
  for (const a of cfg.staticIpaddress) add(a.trackGroup, a.dev ?? cfg.global.defaultInterface ?? "eth0");
  for (const r of cfg.staticRoutes) add(r.trackGroup, r.dev);
  for (const r of cfg.staticRules) add(r.trackGroup, r.iif);
  return out;
}
