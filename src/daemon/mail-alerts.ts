// keepalived's smtp_alert: a mail per VRRP transition of an instance (or sync
// group) that asks for it, through the non-blocking SmtpAlerter. Configured by
// global_defs notification_email / notification_email_from / smtp_server.
import { type Config, type SyncGroup, vrrpSmtpAlert } from "../config/model.ts";
import { SmtpAlerter, smtpSettings, vrrpAlert } from "../fleet/index.ts";
import { log } from "./log.ts";
import type { TransitionReport } from "./worker-protocol.ts";

/**
 * keepalived 2.2.7: a transition is mailed when the instance's smtp_alert (or its
 * sync group's) resolves to on, except a transition to FAULT under no_email_faults.
 */
export function wantsMail(cfg: Config, to: string, own: boolean | undefined, group: SyncGroup | undefined): boolean {
  if (to === "FAULT" && cfg.global.noEmailFaults) return false;
  return vrrpSmtpAlert(cfg.global, own) || (group !== undefined && vrrpSmtpAlert(cfg.global, group.smtpAlert));
}

export class MailAlerts {
  private alerter: SmtpAlerter | null = null;
  private cfg!: Config;

  constructor(cfg: Config) {
    this.configure(cfg);
  }

  configure(cfg: Config): void {
    this.cfg = cfg;
    const s = smtpSettings(cfg.global);
    this.alerter = s ? new SmtpAlerter(s, 100, (m) => log.warn(`smtp: ${m}`)) : null;
  }

  transition(t: TransitionReport): void {
    if (!this.alerter || t.from === t.to) return;
    const inst = this.cfg.instances.find((i) => i.name === t.instance);
    const group = this.cfg.syncGroups.find((g) => g.group.includes(t.instance));
    if (!wantsMail(this.cfg, t.to, inst?.smtpAlert, group)) return;
    const state = t.to === "INIT" ? "STOP" : t.to;
    this.alerter.alert(vrrpAlert(this.cfg.global.routerId ?? "vigil", t.instance, state, new Date()));
  }

  stats() {
    return this.alerter?.stats();
  }
}
