// keepalived's health-checker alert mails, decided and worded as keepalived 2.2.7
// does: each checker that goes down or comes back mails its real server's state
// (check_tcp.c, check_http.c, ... smtp_alert(SMTP_MSG_RS, ...)) when the real
// server's smtp_alert resolves to on, and under no_checker_emails only when the
// real server itself changed with it; a virtual server whose smtp_alert is on mails
// its quorum changes (ipwrapper.c do_vs_notifies). Pure: the daemon sends.
import { type GlobalDefs, lvsSmtpAlert } from "../config/model.ts";
// smtp-alerts.ts itself, not the fleet index: the index loads mqtt.js and node:crypto
import { realServerAlert, virtualServerAlert } from "../fleet/smtp-alerts.ts";
import type { MailMessage } from "../fleet/smtp.ts";
import type { CheckerChange } from "../lvs/checkers/runner.ts";
import type { GoneServers } from "../lvs/gone-servers.ts";
import type { LvsAction } from "../lvs/rs-state.ts";
import { keepalivedRsName, keepalivedVsName, type LvsNames } from "./notify-fifo-lines.ts";

/** How each checker names itself in its mail (the check_*.c strings). */
const CHECK_LABEL: Record<string, string> = {
  TCP_CHECK: "TCP CHECK",
  HTTP_GET: "CHECK",
  SSL_GET: "CHECK",
  SMTP_CHECK: "CHECK",
  MISC_CHECK: "MISC CHECK",
  PING_CHECK: "ICMP CHECK",
  UDP_CHECK: "UDP CHECK",
  DNS_CHECK: "DNS_CHECK:",
};

/** The body line keepalived mails for a checker of `type` going up or down. */
export function checkerMailDetail(type: string, up: boolean): string {
  // check_misc.c words its success "succeeded"; the others "succeed"
  const success = type === "MISC_CHECK" ? "succeeded" : "succeed";
  return `${CHECK_LABEL[type] ?? "CHECK"} ${up ? success : "failed"} on service`;
}

/**
 * The mail for one checker's change, or null when keepalived sends none: the real
 * server's smtp_alert is off, or no_checker_emails is set and the real server
 * stayed as it was (another checker still holds it down).
 */
export function checkerMail(g: GlobalDefs, names: LvsNames, c: CheckerChange, date: Date): MailMessage | null {
  const found = names.rs(c.vs, c.rs);
  if (!found || !CHECK_LABEL[c.checker]) return null;
  if (!lvsSmtpAlert(g, found.rs.smtpAlert, "real")) return null;
  if (g.noCheckerEmails && !c.realServerChanged) return null;
  // the subject tells the real server's state: down unless this checker brought it up
  const alive = c.up && c.realServerChanged;
  return realServerAlert(routerIdOf(g), keepalivedRsName(found.rs, found.vs), keepalivedVsName(found.vs), alive, checkerMailDetail(c.checker, c.up), date);
}

/**
 * The mail for a quorum change, or null. `init`: the change came while the checkers
 * were (re)built, where keepalived (init_service_vs) mails a quorum gained, and a
 * quorum lost only when a sorry server takes over.
 */
export function quorumMail(g: GlobalDefs, names: LvsNames, a: Extract<LvsAction, { type: "quorum" }>, init: boolean, date: Date): MailMessage | null {
  const vs = names.vs(a.vs);
  if (!vs || !lvsSmtpAlert(g, vs.smtpAlert, "virtual")) return null;
  if (init && !a.up && vs.sorryServer === undefined) return null;
  // keepalived prints the threshold it crossed: quorum + hysteresis going up, quorum - hysteresis going down
  const threshold = vs.quorum + (a.up ? 1 : -1) * vs.hysteresis;
  const what = a.up ? (init ? "Starting with quorum up" : "Gained quorum") : init ? "Starting with quorum down" : "Lost quorum";
  return virtualServerAlert(routerIdOf(g), keepalivedVsName(vs), a.up, `${what} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${a.weight}`, date);
}

/**
 * The mails for servers that went (lvs/gone-servers.ts): each live real server whose
 * smtp_alert is on says DOWN "=> Removing <=" (a reload dropped it) or "=> Shutting
 * down <=" (stop, omega); each virtual server whose smtp_alert is on says DOWN,
 * "=> Shutting down <=" at stop, or the quorum it loses with its last real server
 * when a reload drops it while it had quorum (ipwrapper.c clear_service_rs,
 * update_vs_notifies, do_vs_notifies).
 */
export function goneMails(g: GlobalDefs, gone: GoneServers, stopping: boolean, date: Date): MailMessage[] {
  const out: MailMessage[] = [];
  for (const { vs, rs } of gone.realServers) {
    if (!lvsSmtpAlert(g, rs.smtpAlert, "real")) continue;
    out.push(realServerAlert(routerIdOf(g), keepalivedRsName(rs, vs), keepalivedVsName(vs), false, stopping ? "Shutting down" : "Removing", date));
  }
  for (const { vs, quorumUp } of gone.virtualServers) {
    if (!lvsSmtpAlert(g, vs.smtpAlert, "virtual")) continue;
    if (stopping) out.push(virtualServerAlert(routerIdOf(g), keepalivedVsName(vs), false, "Shutting down", date));
    else if (quorumUp) out.push(virtualServerAlert(routerIdOf(g), keepalivedVsName(vs), false, `Lost quorum ${vs.quorum}+${vs.hysteresis}=${vs.quorum - vs.hysteresis} <= 0`, date));
  }
  return out;
}

function routerIdOf(g: GlobalDefs): string {
  return g.routerId ?? "vigil";
}
