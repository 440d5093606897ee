// Random alert-mail, notify and static-track-group constructs for the property
// tests of random-config.ts: smtp_alert_checker, no_checker_emails, a virtual or
// real server's smtp_alert, a checker's log_all_failures, notify_deleted [SCRIPT],
// track_group blocks and the static entries naming them. Everything generated is
// valid, and keepalived 2.2.7 reads all of it.
import type { Config } from "../../../src/config/model.ts";
import type { Rng } from "./random-config.ts";

export function addNotifyGrammar(r: Rng, cfg: Config): void {
  const g = cfg.global;
  if (r.chance(0.3)) g.smtpAlertChecker = r.chance(0.5);
  g.noCheckerEmails = r.chance(0.3);
  for (const vs of cfg.virtualServers) {
    if (r.chance(0.3)) vs.smtpAlert = r.chance(0.5);
    for (const rs of vs.realServers) {
      if (r.chance(0.3)) rs.smtpAlert = r.chance(0.5);
      for (const c of rs.checkers) if (c.type !== "FILE_CHECK" && r.chance(0.2)) c.logAllFailures = r.chance(0.5);
    }
  }
  for (const i of cfg.instances) {
    if (!r.chance(0.2)) continue;
    i.notifyDeleted = true;
    if (r.chance(0.5)) i.notifyDeletedScript = `/usr/local/bin/gone-${r.int(0, 999)}`;
  }
  if (!cfg.instances.length || !r.chance(0.4)) return;
  const names = cfg.instances.map((i) => i.name);
  cfg.trackGroups = Array.from({ length: r.int(1, 2) }, (_, k) => ({
    name: `tg${k}`,
    group: [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(names)))],
  }));
  const group = () => r.pick(cfg.trackGroups).name;
  for (const a of cfg.staticIpaddress) if (a.dev !== undefined && r.chance(0.5)) a.trackGroup = group();
  for (const rt of cfg.staticRoutes) if (rt.dev !== undefined && r.chance(0.5)) rt.trackGroup = group();
  for (const ru of cfg.staticRules) if (ru.iif !== undefined && r.chance(0.5)) ru.trackGroup = group();
}
