// Semantic rules of the global_defs extras (notify FIFOs, metrics_listen): what
// the spec's types cannot say. Pure: config in, findings out (validate.ts merges them).
import { ipFamily, isMulticast, parseIP } from "../net/ip-address.ts";
import type { FieldPath } from "./diagnostics.ts";
import type { Config } from "./model.ts";
import type { Finding } from "./validate.ts";

export function validateGlobalExtras(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  const g = cfg.global;
  const fifos = [["notify_fifo", "notifyFifo"], ["vrrp_notify_fifo", "vrrpNotifyFifo"], ["lvs_notify_fifo", "lvsNotifyFifo"]] as const;
  for (const [kw, key] of fifos) {
    const f = g[key];
    if (!f) continue;
    // keepalived writes these as "KEYWORD VALUE [user [group]]": a group alone has no spelling
    if (f.group !== undefined && f.user === undefined) err(["global", key, "group"], `${kw}: a group needs a user (keepalived: ${kw} FIFO_NAME [username [groupname]])`);
    if (f.scriptGroup !== undefined && f.scriptUser === undefined) err(["global", key, "scriptGroup"], `${kw}_script: a group needs a user`);
    if (!f.path.startsWith("/")) warn(["global", key, "path"], `${kw} ${f.path} is relative: it is opened relative to vigil's working directory`);
  }
  // keepalived 2.2.7 (global_parser.c): the same FIFO twice is read once
  if (g.notifyFifo && g.vrrpNotifyFifo?.path === g.notifyFifo.path) warn(["global", "vrrpNotifyFifo", "path"], `vrrp_notify_fifo ${g.notifyFifo.path} is also notify_fifo: the vrrp one is ignored (as keepalived)`);
  if (g.notifyFifo && g.lvsNotifyFifo?.path === g.notifyFifo.path) warn(["global", "lvsNotifyFifo", "path"], `lvs_notify_fifo ${g.notifyFifo.path} is also notify_fifo: the lvs one is ignored (as keepalived)`);
  if (g.vrrpNotifyFifo && g.lvsNotifyFifo?.path === g.vrrpNotifyFifo.path && g.vrrpNotifyFifo.script && g.lvsNotifyFifo.script) {
    warn(["global", "lvsNotifyFifo", "script"], "lvs_notify_fifo and vrrp_notify_fifo are one FIFO with two scripts: the lvs script is not run (as keepalived)");
  }
  // keepalived joins and sends to these groups: a unicast address or the other family could never carry an advert
  const groups = [["vrrp_mcast_group4", "vrrpMcastGroup4", 4], ["vrrp_mcast_group6", "vrrpMcastGroup6", 6]] as const;
  for (const [kw, key, fam] of groups) {
    const a = g[key];
    if (a === undefined) continue;
    if (ipFamily(a) !== fam) err(["global", key], `${kw}: '${a}' is not an IPv${fam} address`);
    else if (!isMulticast(parseIP(a).bytes)) err(["global", key], `${kw}: ${a} is not a multicast address (IPv${fam} ${fam === 4 ? "224.0.0.0/4" : "ff00::/8"})`);
  }
  const m = g.metricsListen;
  if (m && ipFamily(m.address) === 0) err(["global", "metricsListen", "address"], `metrics_listen: '${m.address}' is not an IPv4 or IPv6 address`);
  return out;
}
