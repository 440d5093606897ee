// keepalived 2.2.7's health-checker alert mails (smtp_alert_checker, no_checker_emails,
// a virtual/real server's own smtp_alert, a checker's log_all_failures): read as
// keepalived reads them, through keepalived.conf, JSON and CBOR unchanged, and the
// mails the daemon decides to send for a checker's change or a quorum change.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { type Config, lvsSmtpAlert } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";
import { checkerMail, checkerMailDetail, goneMails, quorumMail } from "../../../src/daemon/checker-mail.ts";
import { LvsNames } from "../../../src/daemon/notify-fifo-lines.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}
const conf = (globals: string, vsExtra = "", rsExtra = "", checkExtra = "") => `global_defs {
  router_id lb1
  notification_email {
    ops@example.test
  }
  smtp_server 198.18.9.9
${globals}
}
virtual_server 198.18.0.10 80 {
  protocol TCP
  quorum 2
  hysteresis 1
${vsExtra}
  real_server 198.18.1.1 80 {
    weight 2
${rsExtra}
    TCP_CHECK {
${checkExtra}
    }
    HTTP_GET {
      url {
        path /
      }
    }
  }
}
`;
const date = new Date(0);
const change = (up: boolean, checker = "TCP_CHECK", realServerChanged = true) =>
  ({ vs: "198.18.0.10:80/TCP", rs: "198.18.1.1:80", checker, up, realServerChanged });

describe("reading smtp_alert_checker, no_checker_emails, smtp_alert of a virtual/real server, log_all_failures", () => {
  const text = conf("  smtp_alert_checker false\n  no_checker_emails", "  smtp_alert", "    smtp_alert off", "      log_all_failures");
  test("read as given: switches on, explicit false kept, a checker's log_all_failures its own", () => {
    const c = ok(read(text), "read");
    expect([c.global.smtpAlertChecker, c.global.noCheckerEmails]).toEqual([false, true]);
    const vs = c.virtualServers[0]!;
    expect([vs.smtpAlert, vs.realServers[0]!.smtpAlert]).toEqual([true, false]);
    expect(vs.realServers[0]!.checkers.map((k) => ("logAllFailures" in k ? k.logAllFailures : undefined))).toEqual([true, undefined]);
  });

  test("through keepalived.conf, JSON and CBOR unchanged", () => {
    const c = ok(read(text), "read");
    expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
    expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
    expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
  });

  test("a value that is not a boolean is refused at its file:line:col", () => {
    const r = read(conf("  no_checker_emails maybe", "", "", "      log_all_failures sometimes"));
    expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([
      "/t/k.conf:7:21: error: 'no_checker_emails' takes no value or one of true/false, got 'maybe' (at 'no_checker_emails maybe')",
      "/t/k.conf:18:24: error: 'log_all_failures' takes no value or one of true/false, got 'sometimes' (at 'log_all_failures sometimes')",
    ]);
  });
});

describe("keepalived 2.2.7 check_data.c: an unset smtp_alert takes smtp_alert_checker, else smtp_alert, else off for a virtual server and ON for a real server", () => {
  const g = (smtpAlert?: boolean, smtpAlertChecker?: boolean) => ({ ...ok(read(conf("")), "read").global, smtpAlert, smtpAlertChecker });
  test("own value, then smtp_alert_checker, then smtp_alert, then the default", () => {
    expect(lvsSmtpAlert(g(), undefined, "virtual")).toBe(false);
    expect(lvsSmtpAlert(g(), undefined, "real")).toBe(true);
    expect(lvsSmtpAlert(g(false), undefined, "real")).toBe(false);
    expect(lvsSmtpAlert(g(false, true), undefined, "real")).toBe(true);
    expect(lvsSmtpAlert(g(true, false), undefined, "virtual")).toBe(false);
    expect(lvsSmtpAlert(g(true, true), false, "real")).toBe(false);
    expect(lvsSmtpAlert(g(false, false), true, "virtual")).toBe(true);
  });
});

describe("a checker's change mails its real server's state, as keepalived words it", () => {
  test("by default (no smtp_alert anywhere) a real server mails each checker going down and back", () => {
    const c = ok(read(conf("")), "read");
    const names = new LvsNames(c.virtualServers);
    const down = checkerMail(c.global, names, change(false), date)!;
    expect(down.subject).toBe("[lb1] Realserver [198.18.1.1]:tcp:80 of virtual server [198.18.0.10]:tcp:80 - DOWN");
    expect(down.body).toBe("=> TCP CHECK failed on service <=\n");
    const up = checkerMail(c.global, names, change(true), date)!;
    expect(up.subject).toEndWith(" - UP");
    expect(up.body).toBe("=> TCP CHECK succeed on service <=\n");
  });

  test("a checker that changes without its real server (another checker holds it down) says DOWN, and is not mailed under no_checker_emails", () => {
    const c = ok(read(conf("")), "read");
    const names = new LvsNames(c.virtualServers);
    expect(checkerMail(c.global, names, change(true, "HTTP_GET", false), date)!.subject).toEndWith(" - DOWN");
    expect(checkerMail(c.global, names, change(true, "HTTP_GET", false), date)!.body).toBe("=> CHECK succeed on service <=\n");
    const quiet = ok(read(conf("  no_checker_emails")), "read");
    expect(checkerMail(quiet.global, names, change(false, "HTTP_GET", false), date)).toBeNull();
    expect(checkerMail(quiet.global, names, change(false, "HTTP_GET", true), date)).not.toBeNull();
  });

  test("smtp_alert off (own, or smtp_alert_checker / smtp_alert false) sends nothing; a virtual server's smtp_alert does not reach its real servers", () => {
    for (const [globals, rs] of [["", "    smtp_alert false"], ["  smtp_alert_checker false", ""], ["  smtp_alert false", ""]] as const) {
      const c = ok(read(conf(globals, "  smtp_alert", rs)), "read");
      expect(checkerMail(c.global, new LvsNames(c.virtualServers), change(false), date)).toBeNull();
    }
  });

  test("each checker type is named as its keepalived check_*.c names it", () => {
    expect(["TCP_CHECK", "HTTP_GET", "SSL_GET", "SMTP_CHECK", "MISC_CHECK", "PING_CHECK", "UDP_CHECK", "DNS_CHECK"].map((t) => checkerMailDetail(t, false))).toEqual([
      "TCP CHECK failed on service", "CHECK failed on service", "CHECK failed on service", "CHECK failed on service",
      "MISC CHECK failed on service", "ICMP CHECK failed on service", "UDP CHECK failed on service", "DNS_CHECK: failed on service",
    ]);
    expect(checkerMailDetail("MISC_CHECK", true)).toBe("MISC CHECK succeeded on service");
    expect(checkerMailDetail("PING_CHECK", true)).toBe("ICMP CHECK succeed on service");
  });
});

describe("a virtual server with smtp_alert mails its quorum changes (ipwrapper.c do_vs_notifies)", () => {
  const quorum = (up: boolean, weight: number) => ({ type: "quorum" as const, vs: "198.18.0.10:80/TCP", up, weight, sorryActive: false });
  test("gained and lost, with the threshold crossed and the live weight", () => {
    const c = ok(read(conf("", "  smtp_alert")), "read");
    const names = new LvsNames(c.virtualServers);
    const lost = quorumMail(c.global, names, quorum(false, 0), false, date)!;
    expect(lost.subject).toBe("[lb1] Virtualserver [198.18.0.10]:tcp:80 - DOWN");
    expect(lost.body).toBe("=> Lost quorum 2+1=1 <= 0 <=\n");
    expect(quorumMail(c.global, names, quorum(true, 4), false, date)!.body).toBe("=> Gained quorum 2+1=3 <= 4 <=\n");
  });

  test("off by default; at start a quorum lost is mailed only when a sorry server takes over", () => {
    const plain = ok(read(conf("")), "read");
    expect(quorumMail(plain.global, new LvsNames(plain.virtualServers), quorum(false, 0), false, date)).toBeNull();
    const c = ok(read(conf("", "  smtp_alert")), "read");
    expect(quorumMail(c.global, new LvsNames(c.virtualServers), quorum(false, 0), true, date)).toBeNull();
    const sorry = ok(read(conf("", "  smtp_alert\n  sorry_server 198.18.2.1 80")), "read");
    expect(quorumMail(sorry.global, new LvsNames(sorry.virtualServers), quorum(false, 0), true, date)!.body).toBe("=> Starting with quorum down 2+1=1 <= 0 <=\n");
  });
});

describe("servers that go while serving (ipwrapper.c clear_service_rs / do_vs_notifies)", () => {
  test("a reload that drops a live real server mails DOWN '=> Removing <='; its virtual server, dropped with quorum and smtp_alert on, mails the quorum it loses", () => {
    const c = ok(read(conf("", "  smtp_alert")), "read");
    const vs = c.virtualServers[0]!;
    const mails = goneMails(c.global, { realServers: [{ vs, rs: vs.realServers[0]! }], virtualServers: [{ vs, quorumUp: true }] }, false, date);
    expect(mails.map((m) => [m.subject, m.body])).toEqual([
      ["[lb1] Realserver [198.18.1.1]:tcp:80 of virtual server [198.18.0.10]:tcp:80 - DOWN", "=> Removing <=\n"],
      ["[lb1] Virtualserver [198.18.0.10]:tcp:80 - DOWN", "=> Lost quorum 2+1=1 <= 0 <=\n"],
    ]);
    // a virtual server without quorum loses none; one without smtp_alert mails nothing
    expect(goneMails(c.global, { realServers: [], virtualServers: [{ vs, quorumUp: false }] }, false, date)).toEqual([]);
    const plain = ok(read(conf("")), "read");
    expect(goneMails(plain.global, { realServers: [], virtualServers: [{ vs: plain.virtualServers[0]!, quorumUp: true }] }, false, date)).toEqual([]);
  });

  test("at stop (omega) each says '=> Shutting down <='; a real server with smtp_alert off says nothing", () => {
    const c = ok(read(conf("", "  smtp_alert\n  omega")), "read");
    const vs = c.virtualServers[0]!;
    const mails = goneMails(c.global, { realServers: [{ vs, rs: vs.realServers[0]! }], virtualServers: [{ vs, quorumUp: true }] }, true, date);
    expect(mails.map((m) => m.body)).toEqual(["=> Shutting down <=\n", "=> Shutting down <=\n"]);
    const quiet = ok(read(conf("", "  smtp_alert\n  omega", "    smtp_alert false")), "read");
    const qvs = quiet.virtualServers[0]!;
    expect(goneMails(quiet.global, { realServers: [{ vs: qvs, rs: qvs.realServers[0]! }], virtualServers: [] }, true, date)).toEqual([]);
  });
});
