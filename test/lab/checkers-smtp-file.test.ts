// SMTP_CHECK against real SMTP conversations on loopback, and the runner with a
// keepalived.conf using SMTP_CHECK host blocks, FILE_CHECK on real track files
// whose contents change, and a virtual_server_group whose members change on reload.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readKeepalived } from "../../src/config/keepalived-reader.ts";
import { memorySource } from "../../src/config/source.ts";
import { LvsCheckRunner } from "../../src/lvs/checkers/runner.ts";
import { checkSmtp } from "../../src/lvs/checkers/smtp.ts";
import { type IpvsService, serviceKeyString } from "../../src/lvs/ipvs-model.ts";
import type { LvsAction } from "../../src/lvs/rs-state.ts";
import { SmtpSink } from "../helpers/smtp-sink.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-smtp-file-"));
const stops: (() => void)[] = [];
afterAll(() => {
  for (const s of stops) s();
  rmSync(dir, { recursive: true, force: true });
});

function sink(opts: ConstructorParameters<typeof SmtpSink>[0] = {}): SmtpSink {
  const s = new SmtpSink(opts).start();
  stops.push(() => s.stop());
  return s;
}

/** A server that says `greeting`, then answers every line with `answer`. */
function scripted(greeting: string, answer: string, hostname = "127.0.0.1"): number {
  const l = Bun.listen({ hostname, port: 0, socket: { open(s) { s.write(greeting); }, data(s) { s.write(answer); } } });
  stops.push(() => l.stop(true));
  return l.port;
}

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe("SMTP_CHECK conversations", () => {
  test("greeting, HELO helo_name, QUIT: up, and the server saw exactly that", async () => {
    const s = sink();
    expect(await checkSmtp("lb.example", { host: "127.0.0.1", port: s.port }, 2000, performance.now() + 8000)).toEqual({ ok: true });
    expect(s.commands).toEqual(["HELO lb.example", "QUIT"]);
  });
  test("a multi-line greeting is read to its last line", async () => {
    const port = scripted("220-mx.example ESMTP\r\n220-second line\r\n220 ready\r\n", "250 ok\r\n");
    expect(await checkSmtp("h", { host: "127.0.0.1", port }, 2000, performance.now() + 8000)).toEqual({ ok: true });
  });
  test("a refusing greeting, a refused HELO, silence and a closed port are down with the reason", async () => {
    const refuse = scripted("554 no service\r\n", "");
    const badHelo = scripted("220 ok\r\n", "501 syntax\r\n");
    const silent = sink({ silent: true });
    const closed = sink();
    const closedPort = closed.port;
    closed.stop();
    const [a, b, c, d] = await Promise.all([
      checkSmtp("h", { host: "127.0.0.1", port: refuse }, 2000, performance.now() + 8000),
      checkSmtp("h", { host: "127.0.0.1", port: badHelo }, 2000, performance.now() + 8000),
      checkSmtp("h", { host: "127.0.0.1", port: silent.port }, 300, performance.now() + 8000),
      checkSmtp("h", { host: "127.0.0.1", port: closedPort }, 2000, performance.now() + 8000),
    ]);
    expect(a).toEqual({ ok: false, reason: "SMTP greeting 554, expected 220: '554 no service'" });
    expect(b).toEqual({ ok: false, reason: "HELO answered 501, expected 250: '501 syntax'" });
    expect(c).toEqual({ ok: false, reason: "read timed out after 300 ms" });
    expect(d.ok).toBe(false);
    expect(d.reason).toMatch(/^connect failed: connection refused/);
  });
});

describe("the runner with SMTP host blocks, FILE_CHECK and a virtual_server_group", () => {
  test("every SMTP host must answer; track file values set the weight and the state; group members follow the config", async () => {
    const a = sink();
    const b = new SmtpSink().start();
    stops.push(() => b.stop());
    const weightFile = join(dir, "weight");
    const maintFile = join(dir, "maintenance");
    writeFileSync(weightFile, "3\n");
    const conf = (members: string) => `
track_file rs_weight {
    file "${weightFile}"
    weight 2
}
track_file maintenance {
    file "${maintFile}"
    weight 0
    init_file 0
}
virtual_server_group web {
${members}
}
virtual_server group web {
    delay_loop 0.1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.18.9.1 8080 {
        weight 10
        SMTP_CHECK {
            helo_name lb.example
            connect_timeout 1
            retry 0
            host {
                connect_ip 127.0.0.1
                connect_port ${a.port}
            }
            host {
                connect_ip 127.0.0.1
                connect_port ${b.port}
            }
        }
        FILE_CHECK {
            track_file rs_weight
        }
        FILE_CHECK {
            track_file maintenance
        }
    }
}
`;
    const load = (members: string) => {
      const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": conf(members) }));
      if (!r.config) throw new Error(r.errors.map((e) => e.message).join("\n"));
      return r.config;
    };
    const first = load("    198.18.0.1-2 80\n    fwmark 7");
    // init_file is the daemon's (LvsManager) job; here the file simply does not exist yet: 0
    let table: IpvsService[] = [];
    const actions: LvsAction[] = [];
    let smtpChecks = 0;
    const runner = new LvsCheckRunner(first.virtualServers, {
      onTable: (t) => (table = t),
      onAction: (x) => actions.push(x),
      onCheck: (r) => { if (r.checker === "SMTP_CHECK") smtpChecks++; },
    }, { seed: 3, groups: first.virtualServerGroups, trackFiles: first.trackFiles });
    stops.push(() => runner.stop());
    runner.start();
    const view = () => table.map((s) => `${serviceKeyString(s)} ${s.dests.map((d) => `${d.address}:${d.port}/${d.weight}`).join(",") || "-"}`);
    // a group's services: its addresses in order, then its fwmarks, each with the same dests
    const all = (dest: string) => ["tcp:198.18.0.1:80", "tcp:198.18.0.2:80", "fwm:4:7"].map((k) => `${k} ${dest}`);

    // weight 10 + 3 * 2 from the track file, at once (a file is read, not waited for)
    expect(view()).toEqual(all("198.18.9.1:8080/16"));
    expect(runner.serviceOwners()).toEqual(["group:web/TCP", "group:web/TCP", "group:web/TCP"]);
    await waitFor("both SMTP hosts checked", () => smtpChecks >= 2 && a.commands.length >= 2 && b.commands.length >= 2);
    expect(a.commands.slice(0, 2)).toEqual(["HELO lb.example", "QUIT"]);

    // one SMTP host stops answering: the real server leaves every member's service
    b.stop();
    await waitFor("down on the second host", () => view().join() === all("-").join());
    expect(actions).toContainEqual(expect.objectContaining({ type: "rs", rs: "198.18.9.1:8080", alive: false }));

    // the config now names a host that answers (a reload keeps the checker of the unchanged host)
    const c = sink();
    const second = load("    198.18.0.1-2 80\n    fwmark 7");
    const swapped = second.virtualServers.map((vs) => ({
      ...vs,
      realServers: vs.realServers.map((rs) => ({ ...rs, checkers: rs.checkers.map((ch) => (ch.type === "SMTP_CHECK" ? { ...ch, host: ch.host.map((h, i) => (i === 1 ? { ...h, connectPort: c.port } : h)) } : ch)) })),
    }));
    runner.reload(swapped, { groups: second.virtualServerGroups, trackFiles: second.trackFiles });
    await waitFor("up again", () => view().join() === all("198.18.9.1:8080/16").join());

    // the track file changes: the weight follows, with no check in between
    writeFileSync(weightFile, "-4\n");
    await waitFor("weight 10 - 8", () => view().join() === all("198.18.9.1:8080/2").join());
    // weight 0 track file: a non-zero value is a failure (keepalived), 0 is fine again
    writeFileSync(maintFile, "1\n");
    await waitFor("maintenance: down", () => view().join() === all("-").join());
    expect(actions).toContainEqual(expect.objectContaining({ type: "rs", alive: false, reason: "track_file maintenance reads 1" }));
    writeFileSync(maintFile, "0\n");
    await waitFor("maintenance over", () => view().join() === all("198.18.9.1:8080/2").join());

    // reload with one group member more and the fwmark gone: the table follows, the real server stays up
    const third = load("    198.18.0.1-3 80");
    runner.reload(third.virtualServers.map((vs, i) => ({ ...vs, realServers: swapped[i]!.realServers })), { groups: third.virtualServerGroups, trackFiles: third.trackFiles });
    expect(view()).toEqual(["tcp:198.18.0.1:80", "tcp:198.18.0.2:80", "tcp:198.18.0.3:80"].map((k) => `${k} 198.18.9.1:8080/2`));
  }, 30_000);
});
