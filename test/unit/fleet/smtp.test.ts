// SMTP alerts against a real SMTP server on loopback (test/helpers/smtp-sink.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { defaultGlobal } from "../../../src/config/model.ts";
import { realServerAlert, SmtpAlerter, smtpSettings, syncGroupAlert, vrrpAlert } from "../../../src/fleet/smtp-alerts.ts";
import { formatMessage, sendMail, type SmtpSettings } from "../../../src/fleet/smtp.ts";
import { SmtpSink } from "../../helpers/smtp-sink.ts";

const sinks: SmtpSink[] = [];
afterAll(() => sinks.forEach((s) => s.stop()));
function sink(opts = {}) {
  const s = new SmtpSink(opts).start();
  sinks.push(s);
  return s;
}
const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const settings = (port: number, over: Partial<SmtpSettings> = {}): SmtpSettings =>
  ({ server: "127.0.0.1", port, connectTimeoutMs: 3000, helo: "gw-a", from: "vigil@gw-a.test", to: ["ops@example.test", "noc@example.test"], ...over });

describe("keepalived-style alert messages", () => {
  test("VRRP transitions use keepalived's subjects and bodies", () => {
    expect(vrrpAlert("gw-a", "VI_1", "MASTER", when)).toEqual({ subject: "[gw-a] VRRP Instance VI_1 - Entering MASTER state", body: "=> VRRP Instance is now owning VRRP VIPs <=\n", date: when });
    expect(vrrpAlert("gw-a", "VI_1", "BACKUP", when).body).toBe("=> VRRP Instance is nolonger owning VRRP VIPs <=\n");
    expect(vrrpAlert("gw-a", "VI_1", "FAULT", when).body).toBe("=> VRRP Instance is in FAULT state <=\n");
    expect(syncGroupAlert("gw-a", "G1", "MASTER", when).subject).toBe("[gw-a] VRRP Group G1 - Entering MASTER state");
    expect(realServerAlert("gw-a", "[198.18.1.2]:80", "[198.18.0.10]:80", false, "CHECK failed on service : connection error", when))
      .toMatchObject({ subject: "[gw-a] Realserver [198.18.1.2]:80 of virtual server [198.18.0.10]:80 - DOWN", body: "=> CHECK failed on service : connection error <=\n" });
  });
  test("settings come from global_defs; no smtp_server or no recipients means no alerts", () => {
    const g = { ...defaultGlobal(), routerId: "gw-a", smtpServer: "127.0.0.1", smtpPort: 2525, notificationEmail: ["a@b.test"], notificationEmailFrom: "x@y.test" };
    expect(smtpSettings(g)).toEqual({ server: "127.0.0.1", port: 2525, connectTimeoutMs: 30_000, helo: "gw-a", from: "x@y.test", to: ["a@b.test"] });
    expect(smtpSettings({ ...g, smtpPort: undefined })!.port).toBe(25);
    expect(smtpSettings({ ...g, smtpServer: undefined })).toBeNull();
    expect(smtpSettings({ ...g, notificationEmail: [] })).toBeNull();
  });
  test("RFC 5321 §4.5.2: lines starting with '.' are dot-stuffed; CR/LF cannot inject headers", () => {
    const text = formatMessage(settings(25), { subject: "a\r\nBcc: evil@x", body: ".hidden\nok", date: when });
    expect(text).toContain("Subject: a Bcc: evil@x\r\n");
    expect(text).toContain("\r\n..hidden\r\nok");
    expect(text).toContain("Date: Fri, 02 Jan 2026 03:04:05 +0000");
  });
});

describe("SMTP client against a local sink", () => {
  test("EHLO, MAIL FROM, RCPT TO each recipient, DATA, QUIT: the sink receives the mail", async () => {
    const s = sink();
    await sendMail(settings(s.port), vrrpAlert("gw-a", "VI_1", "MASTER", when));
    expect(s.mails).toHaveLength(1);
    const m = s.mails[0];
    expect(m).toMatchObject({ helo: "gw-a", from: "vigil@gw-a.test", to: ["ops@example.test", "noc@example.test"] });
    expect(m.data).toContain("Subject: [gw-a] VRRP Instance VI_1 - Entering MASTER state");
    expect(m.data).toContain("\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=");
    expect(s.commands.map((c) => c.split(" ")[0])).toEqual(["EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"]);
  });
  test("RFC 5321 §4.1.1.1: falls back to HELO when the server refuses EHLO", async () => {
    const s = sink({ noEhlo: true });
    await sendMail(settings(s.port), vrrpAlert("gw-a", "VI_1", "BACKUP", when));
    expect(s.commands[1]).toBe("HELO gw-a");
    expect(s.mails).toHaveLength(1);
  });
  test("a refused recipient fails with the server's reply named", async () => {
    const s = sink({ rejectRcpt: "noc@example.test" });
    await expect(sendMail(settings(s.port), vrrpAlert("gw-a", "VI_1", "FAULT", when))).rejects.toThrow("RCPT TO <noc@example.test>: server replied 550 5.1.1 no such user");
    expect(s.mails).toHaveLength(0);
  });
  test("a server that never greets costs one smtp_connect_timeout, then a clear error", async () => {
    const s = sink({ silent: true });
    await expect(sendMail(settings(s.port, { connectTimeoutMs: 300 }), vrrpAlert("gw-a", "VI_1", "MASTER", when))).rejects.toThrow("greeting: no reply within 300 ms");
  });
  test("connection refused is reported, not thrown past the alerter", async () => {
    const s = sink();
    const port = s.port;
    s.stop();
    await expect(sendMail(settings(port), vrrpAlert("gw-a", "VI_1", "MASTER", when))).rejects.toThrow(/connect to 127\.0\.0\.1:\d+/);
  });
});

describe("alerter never blocks the caller", () => {
  test("alert() returns before any SMTP traffic; all queued alerts arrive in order", async () => {
    const s = sink();
    const a = new SmtpAlerter(settings(s.port));
    for (const st of ["MASTER", "BACKUP", "FAULT"]) a.alert(vrrpAlert("gw-a", "VI_1", st, when));
    expect(s.mails).toHaveLength(0); // nothing has been sent synchronously
    await a.drained();
    expect(s.mails.map((m) => /Entering (\w+)/.exec(m.data)![1])).toEqual(["MASTER", "BACKUP", "FAULT"]);
    expect(a.stats()).toMatchObject({ sent: 3, failed: 0, dropped: 0, queued: 0 });
  });
  test("a dead relay: failures are counted and the queue is bounded", async () => {
    const s = sink({ silent: true });
    const logs: string[] = [];
    const a = new SmtpAlerter(settings(s.port, { connectTimeoutMs: 100 }), 2, (l) => logs.push(l));
    for (let i = 0; i < 5; i++) a.alert(vrrpAlert("gw-a", `VI_${i}`, "MASTER", when));
    await a.drained();
    const st = a.stats();
    expect(st.sent).toBe(0);
    expect(st.failed + st.dropped).toBe(5);
    expect(st.dropped).toBeGreaterThanOrEqual(2);
    expect(logs[0]).toContain("no reply within 100 ms");
  });
});
