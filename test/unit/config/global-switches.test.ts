// keepalived's alert-mail and logging switches in global_defs (keepalived.conf(5)):
// smtp_helo_name, smtp_alert, smtp_alert_vrrp, no_email_faults, log_unknown_vrids. Read as keepalived 2.2.7 reads them,
// through keepalived.conf, JSON and CBOR unchanged, and what the daemon makes of them.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { vrrpSmtpAlert } from "../../../src/config/model.ts";
import { wantsMail } from "../../../src/daemon/mail-alerts.ts";
import { kernelTimeouts } from "../../../src/daemon/lvs-table-switches.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { smtpSettings } from "../../../src/fleet/smtp-alerts.ts";
import { read, ok, instance } from "./read-text.ts";

const conf = (globals: string, body = instance("VI_1", 5)) =>
  `global_defs {\n  notification_email {\n    ops@example.test\n  }\n  smtp_server 198.18.9.9\n${globals}\n}\n${body}`;

describe("global smtp switches", () => {
  const text = conf("  smtp_helo_name mx1.example.test\n  smtp_alert\n  smtp_alert_vrrp false\n  no_email_faults",
    instance("VI_1", 5) + instance("VI_2", 6, "  smtp_alert\n") + "vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n");

  test("read as given: a bare switch is on, smtp_alert_vrrp false is kept, an instance's own smtp_alert only when written", () => {
    const c = ok(read(text), "read");
    expect([c.global.smtpHeloName, c.global.smtpAlert, c.global.smtpAlertVrrp, c.global.noEmailFaults]).toEqual(["mx1.example.test", true, false, true]);
    expect(c.instances.map((i) => i.smtpAlert)).toEqual([undefined, true]);
    expect(c.syncGroups[0]!.smtpAlert).toBeUndefined();
  });

  test("through keepalived.conf, JSON and CBOR unchanged", () => {
    const c = ok(read(text), "read");
    expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
    expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
    expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
  });

  test("an instance's explicit smtp_alert false is written back, so a global smtp_alert cannot turn it on", () => {
    const c = ok(read(conf("  smtp_alert", instance("VI_1", 5, "  smtp_alert false\n"))), "read");
    expect(c.instances[0]!.smtpAlert).toBe(false);
    expect(writeKeepalived(c)).toMatch(/^\s*smtp_alert false$/m);
  });

  test("a value that is not a boolean is refused with its line", () => {
    const r = read(conf("  smtp_alert_vrrp maybe"));
    expect(r.errors.map((d) => `${d.loc?.line}: ${d.message}`)).toEqual(["6: 'smtp_alert_vrrp' takes no value or one of true/false, got 'maybe'"]);
  });
});

describe("keepalived 2.2.7: an unset smtp_alert takes smtp_alert_vrrp, else smtp_alert, else off", () => {
  const g = (smtpAlert?: boolean, smtpAlertVrrp?: boolean) => ({ ...ok(read(conf("")), "read").global, smtpAlert, smtpAlertVrrp });
  test("the instance's own value wins, then smtp_alert_vrrp, then smtp_alert", () => {
    expect(vrrpSmtpAlert(g(), undefined)).toBe(false);
    expect(vrrpSmtpAlert(g(true), undefined)).toBe(true);
    expect(vrrpSmtpAlert(g(true, false), undefined)).toBe(false);
    expect(vrrpSmtpAlert(g(false, true), undefined)).toBe(true);
    expect(vrrpSmtpAlert(g(true, true), false)).toBe(false);
    expect(vrrpSmtpAlert(g(false, false), true)).toBe(true);
  });

  test("a mail goes out for the instance or its sync group; no_email_faults drops FAULT transitions only", () => {
    const c = ok(read(conf("  smtp_alert_vrrp", instance("VI_1", 5, "  smtp_alert off\n") + "vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n")), "read");
    expect(wantsMail(c, "MASTER", c.instances[0]!.smtpAlert, undefined)).toBe(false);
    expect(wantsMail(c, "MASTER", c.instances[0]!.smtpAlert, c.syncGroups[0])).toBe(true); // the group takes smtp_alert_vrrp
    expect(wantsMail(c, "FAULT", c.instances[0]!.smtpAlert, c.syncGroups[0])).toBe(true);
    const quiet = { ...c, global: { ...c.global, noEmailFaults: true } };
    expect(wantsMail(quiet, "FAULT", c.instances[0]!.smtpAlert, c.syncGroups[0])).toBe(false);
    expect(wantsMail(quiet, "BACKUP", c.instances[0]!.smtpAlert, c.syncGroups[0])).toBe(true);
  });

  test("smtp_helo_name is the name the relay is greeted with; without it router_id", () => {
    expect(smtpSettings(ok(read(conf("  router_id gw7\n  smtp_helo_name mx1.example.test")), "r").global)?.helo).toBe("mx1.example.test");
    expect(smtpSettings(ok(read(conf("  router_id gw7")), "r").global)?.helo).toBe("gw7");
  });
});

describe("log_unknown_vrids", () => {
  test("off unless given; given, every instance's plan carries it to its advert receiver; the rewrite keeps it", () => {
    const off = ok(read(conf("")), "off");
    const on = ok(read(conf("  log_unknown_vrids")), "on");
    expect([off.global.logUnknownVrids, on.global.logUnknownVrids]).toEqual([false, true]);
    expect(configPlans(on).plans.map((p) => p.logUnknownVrids)).toEqual([true]);
    expect(configPlans(off).plans.map((p) => p.logUnknownVrids)).toEqual([false]);
    expect(ok(read(writeKeepalived(on)), "rewrite").global.logUnknownVrids).toBe(true);
  });
});

describe("lvs_timeouts, lvs_flush, lvs_flush_on_stop (the IPVS table as a whole)", () => {
  test("read as keepalived 2.2.7 reads them: seconds per protocol, 0 = unchanged; lvs_flush_onstop is the older spelling; VS is the per-service variant", () => {
    const g = ok(read(conf("  lvs_timeouts tcp 900 udp 0 tcpfin 120\n  lvs_flush\n  lvs_flush_onstop")), "read").global;
    expect([g.lvsTimeouts, g.lvsFlush, g.lvsFlushOnStop]).toEqual([{ tcpMs: 900_000, tcpFinMs: 120_000 }, true, "all"]);
    expect(kernelTimeouts(g)).toEqual({ tcp: 900, tcpFin: 120 });
    const d = ok(read(conf("  lvs_flush_on_stop VS")), "vs").global;
    expect([d.lvsTimeouts, d.lvsFlush, d.lvsFlushOnStop, kernelTimeouts(d)]).toEqual([undefined, false, "vs", undefined]);
  });

  test("through keepalived.conf, JSON and CBOR unchanged", () => {
    const c = ok(read(conf("  lvs_timeouts tcp 900 tcpfin 120 udp 300\n  lvs_flush\n  lvs_flush_on_stop VS")), "read");
    expect(ok(read(writeKeepalived(c)), "keepalived")).toEqual(c);
    expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
    expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
  });

  test("bad forms are refused with their line: no timeout, an unknown protocol, beyond 31 days, a word after lvs_flush_on_stop other than VS", () => {
    const err = (g: string) => read(conf(g)).errors.map((d) => `${d.loc?.line}: ${d.message}`);
    expect(err("  lvs_timeouts")).toEqual(["6: 'lvs_timeouts' takes [tcp SECS] [tcpfin SECS] [udp SECS], at least one"]);
    expect(err("  lvs_timeouts sctp 5")).toEqual(["6: 'lvs_timeouts': unknown timeout 'sctp' (tcp, tcpfin or udp)"]);
    expect(err("  lvs_timeouts tcp 2678401")).toEqual(["6: 'lvs_timeouts' tcp expects 0-2678400 seconds, got '2678401'"]);
    expect(err("  lvs_flush_on_stop all")).toEqual(["6: 'lvs_flush_on_stop' takes nothing or VS, got 'all'"]);
  });
});

test("checker_log_all_failures: off unless given, a BOOL like keepalived's, kept by the rewrite", () => {
  expect(ok(read(conf("")), "off").global.checkerLogAllFailures).toBe(false);
  expect(ok(read(conf("  checker_log_all_failures false")), "false").global.checkerLogAllFailures).toBe(false);
  const on = ok(read(conf("  checker_log_all_failures")), "on");
  expect(on.global.checkerLogAllFailures).toBe(true);
  expect(ok(read(writeKeepalived(on)), "rewrite").global.checkerLogAllFailures).toBe(true);
});
