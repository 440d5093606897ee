// The syslog writer against a real AF_UNIX datagram socket bound by the test, the
// way syslogd binds /dev/log: facility/severity arithmetic (RFC 3164 §4.1.1),
// the timestamp and tag (§4.1.2, §4.1.3), and that a missing socket costs a
// dropped line, never an exception.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FACILITY, formatSyslogLine, parseFacility, rfc3164Timestamp, SyslogWriter } from "../../../src/sys/syslog.ts";
import { SyslogSink } from "../../helpers/syslog-sink.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-syslog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("facility names (keepalived -S)", () => {
  test("0-7 and local0-local7 are LOG_LOCAL0..7 (16..23); user and daemon are 1 and 3", () => {
    for (let n = 0; n <= 7; n++) {
      expect(parseFacility(String(n))).toBe(16 + n);
      expect(parseFacility(`local${n}`)).toBe(16 + n);
      expect(parseFacility(`LOCAL${n}`)).toBe(16 + n);
    }
    expect(parseFacility("user")).toBe(1);
    expect(parseFacility("daemon")).toBe(3);
  });
  test("anything else is refused", () => {
    for (const bad of ["8", "local8", "-1", "", "kern", "local", "1.0", "07x"]) expect(parseFacility(bad)).toBeNull();
  });
});

describe("datagram text", () => {
  test("RFC 3164 timestamp: month name, space-padded day, local hh:mm:ss", () => {
    expect(rfc3164Timestamp(new Date(2026, 0, 5, 7, 8, 9))).toBe("Jan  5 07:08:09");
    expect(rfc3164Timestamp(new Date(2026, 10, 26, 23, 59, 0))).toBe("Nov 26 23:59:00");
  });
  test("PRI is facility × 8 + severity", () => {
    const d = new Date(2026, 10, 26, 9, 0, 0);
    expect(formatSyslogLine(FACILITY.daemon, 3, d, 42, "boom")).toBe("<27>Nov 26 09:00:00 vigil[42]: boom");
    expect(formatSyslogLine(FACILITY.local0 + 7, 7, d, 1, "x")).toBe("<191>Nov 26 09:00:00 vigil[1]: x");
  });
});

describe("SyslogWriter on a bound socket", () => {
  test("each level arrives with its severity, one datagram per line", () => {
    const sink = new SyslogSink(join(dir, "log.sock"));
    const w = new SyslogWriter(FACILITY.local0 + 4, sink.path);
    try {
      w.write("error", "e1");
      w.write("warn", "w1");
      w.write("info", "i1\n  second line");
      w.write("debug", "d1");
      const got = sink.drain().map((d) => d.replace(/^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d vigil\[(\d+)\]: /, "$1 $2 "));
      const pid = process.pid;
      // local4 = 20: 20 × 8 = 160; error 3, warning 4, info 6, debug 7
      expect(got).toEqual([`163 ${pid} e1`, `164 ${pid} w1`, `166 ${pid} i1`, `166 ${pid}   second line`, `167 ${pid} d1`]);
      expect({ sent: w.sent, dropped: w.dropped }).toEqual({ sent: 5, dropped: 0 });
    } finally {
      w.close();
      sink.close();
    }
  });

  test("no socket at the path: lines are dropped and counted, nothing throws", () => {
    const w = new SyslogWriter(FACILITY.daemon, join(dir, "absent.sock"));
    try {
      expect(() => w.write("error", "nobody listens")).not.toThrow();
      expect({ sent: w.sent, dropped: w.dropped }).toEqual({ sent: 0, dropped: 1 });
    } finally {
      w.close();
    }
  });

  test("a syslogd that restarts (new socket at the same path) is found again", () => {
    const path = join(dir, "restart.sock");
    let sink = new SyslogSink(path);
    const w = new SyslogWriter(FACILITY.daemon, path);
    try {
      w.write("info", "before");
      expect(sink.drain()).toHaveLength(1);
      sink.close();
      w.write("info", "while down");
      sink = new SyslogSink(path);
      w.write("info", "after");
      expect(sink.drain().map((d) => d.split(": ")[1])).toEqual(["after"]);
      expect(w.dropped).toBe(1);
    } finally {
      w.close();
      sink.close();
    }
  });

  test("a full receive queue drops lines without blocking", () => {
    const sink = new SyslogSink(join(dir, "full.sock"));
    const w = new SyslogWriter(FACILITY.daemon, sink.path);
    try {
      // nobody reads: the queue (net.unix.max_dgram_qlen, 512 by default) fills and the rest is dropped
      for (let i = 0; i < 2000; i++) w.write("info", `line ${i}`);
      expect(w.dropped).toBeGreaterThan(0);
      expect(w.sent + w.dropped).toBe(2000);
      expect(sink.drain().length).toBe(w.sent);
    } finally {
      w.close();
      sink.close();
    }
  });
});
