// keepalived's smtp_alert: a mail per VRRP transition of an instance (or sync
// group) that asks for it, and the health checkers' mails (checker-mail.ts),
// through the non-blocking SmtpAlerter. Configured by global_defs
// notification_email / notification_email_from / smtp_server.
import { type Config, type SyncGroup, vrrpSmtpAlert } from "../config/model.ts";
// smtp-alerts.ts itself, not the fleet index: the index loads mqtt.js and node:crypto,
// which a daemon without a fleet never needs (vigil run imports fleet-link.ts only for a vigil_fleet broker)
import { SmtpAlerter, smtpSettings, vrrpAlert } from "../fleet/smtp-alerts.ts";
import type { CheckerChange } from "../lvs/checkers/runner.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import type { MailMessage } from "../fleet/smtp.ts";
import type { GoneServers } from "../lvs/gone-servers.ts";
import { checkerMail, goneMails, quorumMail } from "./checker-mail.ts";
import { log } from "./log.ts";
import { LvsNames } from "./notify-fifo-lines.ts";
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
  private names!: LvsNames;
  private settingsKey: string | undefined;

  constructor(cfg: Config) {
    this.configure(cfg);
  }

  configure(cfg: Config): void {
    this.cfg = cfg;
    this.names = new LvsNames(cfg.virtualServers);
    const s = smtpSettings(cfg.global);
    // a reload that keeps the mail settings keeps the queue: nothing waiting is lost
    const key = s ? JSON.stringify(s) : "";
    if (key === this.settingsKey) return;
    this.settingsKey = key;
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

  /** A checker went up or down (keepalived mails its real server's state). */
  checker(c: CheckerChange): void {
    if (this.alerter) this.send(checkerMail(this.cfg.global, this.names, c, new Date()));
  }

  /** A virtual server gained or lost quorum. */
  quorum(a: Extract<LvsAction, { type: "quorum" }>, init = false): void {
    if (this.alerter) this.send(quorumMail(this.cfg.global, this.names, a, init, new Date()));
  }

  /** Servers a reload dropped, or (stopping) those of omega virtual servers at stop. */
  gone(g: GoneServers, stopping: boolean): void {
    if (this.alerter) for (const m of goneMails(this.cfg.global, g, stopping, new Date())) this.alerter.alert(m);
  }

  /** Resolves once the queued mails went out (or failed), or after `maxMs`: the daemon's last mails at exit. */
  async drained(maxMs: number): Promise<void> {
    if (!this.alerter) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.alerter.drained(), new Promise<void>((res) => (timer = setTimeout(res, maxMs)))]);
    clearTimeout(timer);
  }

  private send(m: MailMessage | null): void {
    if (m) this.alerter?.alert(m);
  }

  stats() {
    return this.alerter?.stats();
  }
}
