// keepalived's smtp_alert through a running daemon: a backup router with
// notification_email / smtp_server mails "Entering BACKUP state" when it starts
// and "Entering MASTER state" when it takes over from a SIGKILLed master; and
// the health checkers' mails (real server DOWN/UP, a virtual server's quorum)
// from TCP_CHECKs against listeners the test stops and starts again, and those of
// servers that go: dropped by a reload, or shut down (omega) at exit.
//
// The SMTP sink runs in this test process but listens on the loopback of the
// router's own namespace (the socket is opened with the thread switched in by
// setns and stays there), so the daemon talks to 127.0.0.1 as on a real box
// with a local MTA, and nothing leaves the lab.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { CLONE_NEWNET } from "../../src/sys/abi.ts";
import { libc } from "../../src/sys/libc.ts";
import { Lab } from "../helpers/lab.ts";
import { SmtpSink } from "../helpers/smtp-sink.ts";
import { startVigil, vigilConf, waitStates, waitUntil } from "../helpers/vigil.ts";

let lab: Lab;
let sink: SmtpSink | undefined;
let checkerSink: SmtpSink | undefined;

/** Runs `fn` with this thread in namespace `ns`; sockets opened inside stay there. */
function inNetns<T>(ns: string, fn: () => T): T {
  const home = openSync("/proc/thread-self/ns/net", "r");
  const target = openSync(`/run/netns/${ns}`, "r");
  try {
    if (libc.symbols.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${ns} failed`);
    try {
      return fn();
    } finally {
      if (libc.symbols.setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back from ${ns} failed: the test thread is stranded`);
    }
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
}, 30_000);

afterAll(async () => {
  sink?.stop();
  checkerSink?.stop();
  await lab?.cleanup();
}, 30_000);

test("smtp_alert (here global smtp_alert_vrrp, greeting with smtp_helo_name): the backup mails 'Entering BACKUP state' at start and 'Entering MASTER state' on takeover, as keepalived words them", async () => {
  sink = inNetns(lab.ns(2), () => new SmtpSink().start());
  const inst = (r: number) => ({ name: "VI_M", vrid: 71, priority: r === 1 ? 150 : 100, advertInt: 0.2, vips: ["198.18.0.171"], extra: ["garp_master_delay 0"] });
  const h1 = await startVigil(lab, 1, vigilConf({ routerId: "gw1", global: ["vip_lifetime 2"], instances: [inst(1)] }));
  expect(await waitStates([[h1, "VI_M", "MASTER"]], 6000)).toEqual(["MASTER"]);
  const h2 = await startVigil(lab, 2, vigilConf({
    routerId: "gw2",
    global: ["vip_lifetime 2", "notification_email {", "  ops@example.test", "  oncall@example.test", "}", "notification_email_from vigil@gw2.example.test",
      `smtp_server 127.0.0.1 ${sink.port}`, "smtp_connect_timeout 5", "smtp_alert_vrrp", "smtp_helo_name mx.gw2.example.test"],
    instances: [inst(2)],
  }));
  expect(await waitStates([[h2, "VI_M", "BACKUP"]], 6000)).toEqual(["BACKUP"]);
  const subject = (state: string) => `Subject: [gw2] VRRP Instance VI_M - Entering ${state} state`;
  const mailWith = (state: string) => sink!.mails.find((m) => m.data.includes(subject(state)));
  expect(await waitUntil(() => !!mailWith("BACKUP"), 10_000)).toBe(true);
  expect(mailWith("MASTER")).toBeUndefined();

  lab.kill(1, "SIGKILL");
  await lab.reap(1);
  expect(await waitStates([[h2, "VI_M", "MASTER"]], 6000)).toEqual(["MASTER"]);
  expect(await waitUntil(() => !!mailWith("MASTER"), 10_000)).toBe(true);
  const m = mailWith("MASTER")!;
  expect(m.from).toBe("vigil@gw2.example.test");
  expect(m.to).toEqual(["ops@example.test", "oncall@example.test"]);
  expect(m.helo).toBe("mx.gw2.example.test");
  expect(m.data).toContain("=> VRRP Instance is now owning VRRP VIPs <=");
  expect(m.data).toMatch(/^From: vigil@gw2\.example\.test$/m);
  expect(m.data).toMatch(/^To: ops@example\.test, oncall@example\.test$/m);
  // one mail per transition: BACKUP at start, MASTER now (the dead master sent nothing: it has no smtp_server)
  expect(sink.mails.map((x) => /Entering (\w+) state/.exec(x.data)?.[1])).toEqual(["BACKUP", "MASTER"]);
}, 60_000);

/** A TCP listener in namespace `ns` that accepts and closes: what a TCP_CHECK needs to pass. */
function listenIn(ns: string, port = 0) {
  return inNetns(ns, () => Bun.listen({ hostname: "127.0.0.1", port, socket: { open: (s) => void s.end(), data: () => {} } }));
}

test("checker mails (smtp_alert_checker, no_checker_emails, a virtual server's smtp_alert): the real server's DOWN and UP, the quorum lost and gained, no mail for a checker that changes nothing under no_checker_emails, a checker's own log_all_failures, and the mails of servers a reload drops or omega shuts down", async () => {
  const ns = lab.ns(1);
  checkerSink = inNetns(ns, () => new SmtpSink().start());
  let a = listenIn(ns);
  let b = listenIn(ns);
  const portA = a.port, portB = b.port;
  const tcpCheck = (port: number, extra: string[] = []) => [`    TCP_CHECK {`, `      connect_port ${port}`, "      connect_timeout 1", "      retry 0", ...extra, "    }"];
  const conf = [
    "global_defs {", "  router_id lb1", "  notification_email {", "    ops@example.test", "  }",
    `  smtp_server 127.0.0.1 ${checkerSink.port}`, "  smtp_connect_timeout 5", "  smtp_alert_checker", "  no_checker_emails", "}",
    "virtual_server 198.18.0.250 80 {", "  protocol TCP", "  delay_loop 0.3", "  quorum 1", "  smtp_alert",
    "  real_server 127.0.0.1 80 {", ...tcpCheck(portA, ["      log_all_failures"]), ...tcpCheck(portB), "  }", "}", "",
  ].join("\n");
  const h = await startVigil(lab, 1, conf);
  try {
    const subjects = () => checkerSink!.mails.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1] ?? "");
    const bodies = () => checkerSink!.mails.map((m) => /^=> .* <=$/m.exec(m.data)?.[0] ?? "");
    const rsSubject = (state: string) => `[lb1] Realserver [127.0.0.1]:tcp:80 of virtual server [198.18.0.250]:tcp:80 - ${state}`;
    const vsSubject = (state: string) => `[lb1] Virtualserver [198.18.0.250]:tcp:80 - ${state}`;
    await Bun.sleep(1000); // both checkers pass: nothing to mail (checkers start up, as keepalived's)
    expect(checkerSink.mails).toEqual([]);

    a.stop(true); // the real server goes down with checker A: its mail and the quorum's
    expect(await waitUntil(() => checkerSink!.mails.length >= 2, 10_000)).toBe(true);
    expect(subjects().sort()).toEqual([rsSubject("DOWN"), vsSubject("DOWN")].sort());
    expect(bodies()).toContain("=> TCP CHECK failed on service <=");
    expect(bodies()).toContain("=> Lost quorum 1+0=1 <= 0 <=");

    b.stop(true); // checker B fails too, the real server was down already: no_checker_emails keeps quiet
    await Bun.sleep(1500);
    b = listenIn(ns, portB); // and B passes again: still down (A fails), still quiet
    await Bun.sleep(1500);
    expect(checkerSink.mails.length).toBe(2);

    // log_all_failures on A alone: its failure while up is logged, B's (no global checker_log_all_failures) is not
    const failLines = lab.logOf(h.proc).split("\n").filter((l) => l.includes("TCP_CHECK of real server 127.0.0.1:80 failed"));
    expect(failLines.length).toBe(1);

    a = listenIn(ns, portA); // the real server comes back with A
    expect(await waitUntil(() => checkerSink!.mails.length >= 4, 10_000)).toBe(true);
    expect(subjects().slice(2).sort()).toEqual([rsSubject("UP"), vsSubject("UP")].sort());
    expect(bodies().slice(2)).toContain("=> TCP CHECK succeed on service <=");
    expect(bodies().slice(2)).toContain("=> Gained quorum 1+0=1 <= 1 <=");
    expect(checkerSink.mails.every((m) => m.to.join() === "ops@example.test")).toBe(true);

    // a reload that drops the virtual server: its live real server says "Removing", the virtual server the quorum it loses
    const pairs = (from: number) => checkerSink!.mails.slice(from).map((m) => `${/^Subject: (.*)$/m.exec(m.data)?.[1]} ${/^=> .* <=$/m.exec(m.data)?.[0]}`).sort();
    const reloaded = checkerSink.mails.length;
    writeFileSync(h.conf, conf.replace("virtual_server 198.18.0.250 80 {", "virtual_server 198.18.0.251 80 {\n  omega"));
    process.kill(h.proc.pid, "SIGHUP");
    expect(await waitUntil(() => checkerSink!.mails.length >= reloaded + 2, 10_000)).toBe(true);
    expect(pairs(reloaded)).toEqual([`${rsSubject("DOWN")} => Removing <=`, `${vsSubject("DOWN")} => Lost quorum 1+0=1 <= 0 <=`].sort());

    // the new virtual server has omega: a SIGTERM mails its "Shutting down" before vigil exits
    await Bun.sleep(1000);
    const stopped = checkerSink.mails.length;
    process.kill(h.proc.pid, "SIGTERM");
    await h.proc.exited;
    expect(pairs(stopped)).toEqual([
      "[lb1] Realserver [127.0.0.1]:tcp:80 of virtual server [198.18.0.251]:tcp:80 - DOWN => Shutting down <=",
      "[lb1] Virtualserver [198.18.0.251]:tcp:80 - DOWN => Shutting down <=",
    ]);
  } finally {
    a.stop(true);
    b.stop(true);
    lab.kill(1, "SIGTERM");
    await lab.reap(1);
  }
}, 60_000);
