// global_defs switches (keepalived.conf(5), global_parser.c) of keepalived's alert
// mails: smtp_helo_name NAME, smtp_alert [BOOL], smtp_alert_vrrp [BOOL],
// no_email_faults, smtp_alert_checker [BOOL], no_checker_emails (an instance or sync group without its own smtp_alert takes
// smtp_alert_vrrp, else smtp_alert: model.ts vrrpSmtpAlert); and of its logging:
// log_unknown_vrids, checker_log_all_failures; and rs_init_notifies. Reader and writer side by side.
import type { GlobalDefs } from "./model.ts";
import { type Ctx, type Handler, hFlag, hStr } from "./kc-context.ts";
import { type Out, word } from "./keepalived-writer.ts";

export function globalSwitchHandlers(c: Ctx): Record<string, Handler> {
  return {
    smtp_helo_name: hStr(c, "smtpHeloName"),
    smtp_alert: hFlag(c, "smtpAlert"),
    smtp_alert_vrrp: hFlag(c, "smtpAlertVrrp"),
    no_email_faults: hFlag(c, "noEmailFaults"),
    smtp_alert_checker: hFlag(c, "smtpAlertChecker"),
    no_checker_emails: hFlag(c, "noCheckerEmails"),
    log_unknown_vrids: hFlag(c, "logUnknownVrids"),
    checker_log_all_failures: hFlag(c, "checkerLogAllFailures"),
    rs_init_notifies: hFlag(c, "rsInitNotifies"),
  };
}

const tristate = (o: Out, kw: string, v: boolean | undefined) => {
  if (v !== undefined) o.line(kw, v ? "true" : "false");
};

/** The same keywords back into global_defs. */
export function writeGlobalSwitches(o: Out, g: GlobalDefs): void {
  o.opt("smtp_helo_name", g.smtpHeloName, word);
  tristate(o, "smtp_alert", g.smtpAlert);
  tristate(o, "smtp_alert_vrrp", g.smtpAlertVrrp);
  o.flag("no_email_faults", g.noEmailFaults);
  tristate(o, "smtp_alert_checker", g.smtpAlertChecker);
  o.flag("no_checker_emails", g.noCheckerEmails);
  o.flag("log_unknown_vrids", g.logUnknownVrids);
  o.flag("checker_log_all_failures", g.checkerLogAllFailures);
  o.flag("rs_init_notifies", g.rsInitNotifies);
}

/** An instance's or sync group's own smtp_alert: written only when given, false too (it overrides the global default). */
export function writeOwnSmtpAlert(o: Out, v: boolean | undefined): void {
  tristate(o, "smtp_alert", v);
}
