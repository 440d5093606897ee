// Board tier: what `vigil run` does on a board with no arguments, run from the shipped
// binary with the checkout hidden and its own /etc/vigil and /etc/keepalived laid over
// the host's (test/helpers/etc-overlay.ts): which config it reads and says it read,
// the one-line refusals, syslog (-l/-S) into a socket bound here as syslogd binds
// /dev/log, and the OpenWrt procd script's start gate.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryArgv, ROOT, runHidden, shippedBinary, WRAPPER_BUN_VISIBLE, WRAPPER_MOUNT_FAILED } from "../helpers/board.ts";
import { EtcOverlay, OVERLAY_FAILED } from "../helpers/etc-overlay.ts";
import { SyslogSink } from "../helpers/syslog-sink.ts";

const scratch = mkdtempSync(join(tmpdir(), "vigil-board-defaults-"));
const overlays: EtcOverlay[] = [];
afterAll(() => {
  for (const o of overlays) o.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const COMMENTS_ONLY = "# /etc/vigil/vigil.conf\n#\n# vrrp_instance LAN {\n#     interface eth0\n# }\n";
const ONE_INSTANCE = "vrrp_instance VI_K {\n  interface eth0\n  virtual_router_id 42\n  priority 100\n  virtual_ipaddress {\n    192.0.2.42/32\n  }\n}\n";

function etc(): EtcOverlay {
  const o = new EtcOverlay();
  overlays.push(o);
  return o;
}

/** the shipped x64 binary's `vigil run ARGS`, checkout hidden, with `o` over /etc */
function runWith(o: EtcOverlay, args: string[]) {
  const r = runHidden(o.wrap([...binaryArgv("x64"), "run", ...args]), { timeoutMs: 30_000 });
  if ([WRAPPER_MOUNT_FAILED, WRAPPER_BUN_VISIBLE, OVERLAY_FAILED].includes(r.code ?? -1)) throw new Error(`board set-up failed (${r.code}): ${r.err}`);
  return { ...r, lines: r.err.split("\n").filter(Boolean).map((l) => l.replace(/^\S+ vigil\[\d+\] /, "")) };
}

describe("vigil run without -f (shipped x64 binary, checkout hidden)", () => {
  test("neither /etc/vigil/vigil.conf nor /etc/keepalived/keepalived.conf: one line, exit 1", () => {
    const r = runWith(etc().hide("vigil").hide("keepalived"), []);
    expect({ code: r.code, lines: r.lines, out: r.out }).toEqual({
      code: 1,
      lines: ["ERROR no config: none of /etc/vigil/vigil.conf, /etc/keepalived/keepalived.conf exists (write one, or name one with -f)"],
      out: "",
    });
  });

  test("only keepalived.conf: it is read, and the log says why", () => {
    // nothing configured in it, so vigil stops right after saying which file it read
    const r = runWith(etc().hide("vigil").file("keepalived/keepalived.conf", COMMENTS_ONLY), []);
    expect({ code: r.code, lines: r.lines }).toEqual({
      code: 1,
      lines: [
        "INFO config /etc/keepalived/keepalived.conf (no -f; /etc/vigil/vigil.conf does not exist)",
        "ERROR no vrrp_instance or virtual_server configured in /etc/keepalived/keepalived.conf",
      ],
    });
  });

  test("both: vigil.conf wins, even when only comments (the packaged example) and keepalived.conf has an instance", () => {
    const r = runWith(etc().file("vigil/vigil.conf", COMMENTS_ONLY).file("keepalived/keepalived.conf", ONE_INSTANCE), []);
    expect({ code: r.code, lines: r.lines }).toEqual({
      code: 1,
      lines: ["INFO config /etc/vigil/vigil.conf (no -f)", "ERROR no vrrp_instance or virtual_server configured in /etc/vigil/vigil.conf"],
    });
  });

  test("--check-configured (the unit's ExecCondition): 1 with the reason while nothing is configured, 0 once it is", () => {
    const idle = runWith(etc().file("vigil/vigil.conf", COMMENTS_ONLY), ["--check-configured"]);
    expect({ code: idle.code, lines: idle.lines }).toEqual({ code: 1, lines: ["INFO not starting: no vrrp_instance or virtual_server configured in /etc/vigil/vigil.conf"] });
    const none = runWith(etc().hide("vigil").hide("keepalived"), ["--check-configured"]);
    expect(none.code).toBe(1);
    const ready = runWith(etc().hide("vigil").file("keepalived/keepalived.conf", ONE_INSTANCE), ["--check-configured"]);
    expect({ code: ready.code, lines: ready.lines }).toEqual({ code: 0, lines: [] });
    // a config with errors passes the condition: running it is what reports them
    const broken = runWith(etc().file("vigil/vigil.conf", "vrrp_instance X {\n  virtual_router_id 300\n}\n"), ["--check-configured"]);
    expect(broken.code).toBe(0);
  });
});

describe("syslog (-l, -S) from the shipped binary", () => {
  test("-S 3 --syslog-socket: each line reaches the bound socket as LOCAL3 with its severity, tag and PID", async () => {
    const sink = new SyslogSink(join(scratch, "log.sock"));
    try {
      const r = runWith(etc().file("vigil/vigil.conf", COMMENTS_ONLY), ["-S", "3", "--syslog-socket", sink.path]);
      expect(r.code).toBe(1);
      const got = sink.drain();
      const pid = /vigil\[(\d+)\]/.exec(r.err)?.[1];
      // LOCAL3 = 19: info 19×8+6 = 158, error 19×8+3 = 155 (RFC 3164 §4.1.1)
      const stamp = "[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d";
      expect(got).toHaveLength(2);
      expect(got[0]).toMatch(new RegExp(`^<158>${stamp} vigil\\[${pid}\\]: config /etc/vigil/vigil\\.conf \\(no -f\\)$`));
      expect(got[1]).toMatch(new RegExp(`^<155>${stamp} vigil\\[${pid}\\]: no vrrp_instance or virtual_server configured in /etc/vigil/vigil\\.conf$`));
      // stderr keeps every line as well
      expect(r.lines).toHaveLength(2);
    } finally {
      sink.close();
    }
  });

  test("-l: facility daemon (3); a syslog socket nobody listens on changes nothing else", () => {
    const sink = new SyslogSink(join(scratch, "log2.sock"));
    try {
      const r = runWith(etc().file("vigil/vigil.conf", COMMENTS_ONLY), ["-l", "--syslog-socket", sink.path]);
      expect(sink.drain().map((d) => d.slice(0, 4))).toEqual(["<30>", "<27>"]);
      const gone = runWith(etc().file("vigil/vigil.conf", COMMENTS_ONLY), ["-l", "--syslog-socket", join(scratch, "nobody.sock")]);
      expect({ code: gone.code, lines: gone.lines }).toEqual({ code: r.code, lines: r.lines });
    } finally {
      sink.close();
    }
  });
});

describe("OpenWrt procd script (board/init/vigil.procd) with the shipped binary", () => {
  // procd is OpenWrt's init and does not run on Debian: the script is sourced by sh with
  // the procd_* calls it makes printed, and PROG pointed at the shipped binary.
  const procd = (o: EtcOverlay) => {
    const script = [
      `. ${join(scratch, "vigil.procd")}`,
      `PROG=${shippedBinary("x64")}`,
      'procd_open_instance() { echo "open"; }',
      'procd_set_param() { echo "param $*"; }',
      'procd_close_instance() { echo "close"; }',
      "start_service",
    ].join("\n");
    return runHidden(o.wrap(["sh", "-c", script]), { timeoutMs: 30_000 });
  };

  test("nothing configured: no instance is opened, and the reason is printed", () => {
    Bun.spawnSync(["cp", join(ROOT, "board", "init", "vigil.procd"), join(scratch, "vigil.procd")]);
    const r = procd(etc().file("vigil/vigil.conf", COMMENTS_ONLY));
    expect(r.out).toBe("");
    expect(r.err).toContain("not starting: no vrrp_instance or virtual_server configured in /etc/vigil/vigil.conf");
  });

  test("configured: one instance running `vigil run`, respawned, logging to logd, watching both config files", () => {
    const r = procd(etc().file("vigil/vigil.conf", ONE_INSTANCE));
    expect(r.out.split("\n").filter(Boolean)).toEqual([
      "open",
      `param command ${shippedBinary("x64")} run`,
      "param respawn 3600 1 0",
      "param stdout 1",
      "param stderr 1",
      "param file /etc/vigil/vigil.conf /etc/keepalived/keepalived.conf",
      "param term_timeout 5",
      "close",
    ]);
  });
});
