// keepalived's alert mails (smtp_alert): same subjects and bodies, so mail
// filters written for keepalived keep working. Sending never blocks the
// caller: alerts queue (bounded, drops counted) and go out one at a time.
import { errorText } from "../error-text.ts";
import type { GlobalDefs } from "../config/model.ts";
import { BoundedQueue } from "./event-queue.ts";
import { sendMail, type MailMessage, type SmtpSettings } from "./smtp.ts";
import { hostname } from "node:os";

export function vrrpAlert(routerId: string, instance: string, state: "MASTER" | "BACKUP" | "FAULT" | string, date: Date): MailMessage {
  const body =
    state === "MASTER" ? "=> VRRP Instance is now owning VRRP VIPs <=" :
    state === "BACKUP" ? "=> VRRP Instance is nolonger owning VRRP VIPs <=" :
    state === "FAULT" ? "=> VRRP Instance is in FAULT state <=" :
    `=> VRRP Instance is in ${state} state <=`;
  return { subject: `[${routerId}] VRRP Instance ${instance} - Entering ${state} state`, body: `${body}\n`, date };
}

export function syncGroupAlert(routerId: string, group: string, state: string, date: Date): MailMessage {
  const body = state === "MASTER" ? "=> All VRRP group instances are now in MASTER state <=" :
    state === "BACKUP" ? "=> All VRRP group instances are now in BACKUP state <=" : `=> VRRP group instances are in ${state} state <=`;
  return { subject: `[${routerId}] VRRP Group ${group} - Entering ${state} state`, body: `${body}\n`, date };
}

export function realServerAlert(routerId: string, rs: string, vs: string, up: boolean, detail: string, date: Date): MailMessage {
  return {
    subject: `[${routerId}] Realserver ${rs} of virtual server ${vs} - ${up ? "UP" : "DOWN"}`,
    body: `=> ${detail} <=\n`,
    date,
  };
}

/** keepalived SMTP_MSG_VS: a virtual server's quorum went up or down. */
export function virtualServerAlert(routerId: string, vs: string, up: boolean, detail: string, date: Date): MailMessage {
  return { subject: `[${routerId}] Virtualserver ${vs} - ${up ? "UP" : "DOWN"}`, body: `=> ${detail} <=\n`, date };
}

/** SMTP settings from global_defs, or null when alerts are not configured (keepalived's rule). */
export function smtpSettings(g: GlobalDefs): SmtpSettings | null {
  if (!g.smtpServer || g.notificationEmail.length === 0) return null;
  const helo = g.smtpHeloName ?? (g.routerId && /^[A-Za-z0-9.-]+$/.test(g.routerId) ? g.routerId : hostname());
  return {
    server: g.smtpServer,
    port: g.smtpPort ?? 25,
    connectTimeoutMs: g.smtpConnectTimeoutMs,
    helo,
    from: g.notificationEmailFrom ?? `keepalived@${hostname()}`,
    to: g.notificationEmail,
  };
}

export interface AlerterStats {
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
  lastError?: string;
}

export class SmtpAlerter {
  private readonly queue: BoundedQueue<MailMessage>;
  private running = false;
  private idle: Array<() => void> = [];
  private readonly s = { sent: 0, failed: 0, lastError: undefined as string | undefined };

  constructor(
    private readonly settings: SmtpSettings,
    capacity = 100,
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.queue = new BoundedQueue(capacity);
  }

  /** Returns at once; the mail goes out in the background. */
  alert(m: MailMessage): void {
    this.queue.push(m);
    if (!this.running) void this.pump();
  }

  stats(): AlerterStats {
    return { ...this.s, dropped: this.queue.dropped, queued: this.queue.size };
  }

  /** Resolves once everything queued so far has been sent or has failed. */
  drained(): Promise<void> {
    if (!this.running && this.queue.size === 0) return Promise.resolve();
    return new Promise((res) => this.idle.push(res));
  }

  private async pump() {
    this.running = true;
    for (let m = this.queue.shift(); m; m = this.queue.shift()) {
      try {
        await sendMail(this.settings, m);
        this.s.sent++;
      } catch (e) {
        this.s.failed++;
        this.s.lastError = errorText(e);
        this.log(`smtp alert '${m.subject}' not sent: ${this.s.lastError}`);
      }
    }
    this.running = false;
    for (const r of this.idle.splice(0)) r();
  }
}
