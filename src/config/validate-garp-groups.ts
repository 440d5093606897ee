// Semantic rules of garp_group (top level): what keepalived 2.2.7's parser
// (vrrp_parser.c garp_group_*) says of a group that cannot act. Pure: config in,
// findings out (validate.ts merges them).
import type { FieldPath } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import type { Finding } from "./validate.ts";

export function validateGarpGroups(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  const owner = new Map<string, number>();
  cfg.garpGroups.forEach((g, gi) => {
    // keepalived garp_group_end_handler: "garp group N does not have any delay set - removing"
    if (g.garpIntervalMs === undefined && g.gnaIntervalMs === undefined) {
      warn(["garpGroups", gi], "garp_group without garp_interval or gna_interval does nothing (keepalived removes it)");
    }
    if (g.interfaces.length === 0) warn(["garpGroups", gi], "garp_group names no interface ('interface NAME' or 'interfaces { ... }'): it does nothing");
    g.interfaces.forEach((name, k) => {
      const first = owner.get(name);
      // keepalived garp_group_interface(s)_handler: "garp_group already specified for NAME - ignoring"
      if (first !== undefined) warn(["garpGroups", gi, "interfaces", k], `interface ${name} is already in garp_group #${first + 1}: this one is ignored for it (as keepalived)`);
      else owner.set(name, gi);
    });
  });
  return out;
}
