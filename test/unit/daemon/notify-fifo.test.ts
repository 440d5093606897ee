// Notify FIFOs on a real named pipe: keepalived 2.2.7's line format (vrrp_notify.c,
// ipwrapper.c, check_data.c format_vs/format_rs), which FIFO gets which line
// (notify_fifo / vrrp_ / lvs_, shared paths as keepalived resolves them), lines in
// order, a writer that never blocks when nobody reads (the pipe fills, a bounded
// queue keeps the newest), and the _script started with the FIFO as its last
// argument that reads every line to EOF before it is stopped.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constants } from "node:fs";
import { defaultGlobal, type RealServer, type VirtualServer } from "../../../src/config/model.ts";
import { FIFO_QUEUE_MAX, NotifyFifo } from "../../../src/daemon/notify-fifo.ts";
import { groupLine, instanceLine, keepalivedRsName, keepalivedVsName, rsLine, vsLine } from "../../../src/daemon/notify-fifo-lines.ts";
import { fifoSinks, NotifyFifos } from "../../../src/daemon/notify-fifos.ts";
import { makeFifo } from "../../../src/sys/fifo.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-fifo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `f${n++}`);
const logs: string[] = [];
const log = (level: string, msg: string) => void logs.push(`${level} ${msg}`);

const vs = (o: Partial<VirtualServer>): VirtualServer => ({
  protocol: "TCP", lbAlgo: "rr", lbKind: "NAT", delayLoopMs: 6000, sorryServerInhibit: false, quorum: 1, hysteresis: 0,
  alpha: false, omega: false, inhibitOnFailure: false, haSuspend: false, realServers: [], ...o,
});
const rs = (ip: string, port?: number): RealServer => ({ ip, ...(port !== undefined ? { port } : {}), weight: 1, checkers: [] } as RealServer);

/** Everything readable from a FIFO now, without blocking. */
function drain(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(1 << 16);
  let out = "";
  try {
    for (let i = 0; i < 100_000; i++) {
      let k = 0;
      try {
        k = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") break;
        throw e;
      }
      if (k <= 0) break;
      out += buf.subarray(0, k).toString();
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

describe("keepalived 2.2.7 line format", () => {
  test("INSTANCE and GROUP lines: quoted name, state, effective priority (0 for a group)", () => {
    expect(instanceLine("VI_1", "MASTER", 100)).toBe('INSTANCE "VI_1" MASTER 100\n');
    expect(groupLine("G1", "BACKUP")).toBe('GROUP "G1" BACKUP 0\n');
  });

  test("VS and RS names as format_vs/format_rs: [address]:proto:port, [GROUP]:port, FWM n; IPv6 bare inside the brackets", () => {
    const web = vs({ ip: "198.18.0.10", port: 80 });
    expect(keepalivedVsName(web)).toBe("[198.18.0.10]:tcp:80");
    expect(keepalivedVsName(vs({ fwmark: 7 }))).toBe("FWM 7");
    expect(keepalivedVsName(vs({ group: "G1" }))).toBe("[G1]:0");
    expect(keepalivedVsName(vs({ ip: "fd00::10", port: 53, protocol: "UDP" }))).toBe("[fd00::10]:udp:53");
    expect(keepalivedRsName(rs("198.18.0.1", 8080), web)).toBe("[198.18.0.1]:tcp:8080");
    expect(keepalivedRsName(rs("198.18.0.2"), vs({ fwmark: 7, protocol: "SCTP" }))).toBe("[198.18.0.2]:sctp:0");
    expect(vsLine(web, true)).toBe("VS [198.18.0.10]:tcp:80 UP\n");
    expect(rsLine(rs("198.18.0.1", 8080), web, false)).toBe("RS [198.18.0.1]:tcp:8080 [198.18.0.10]:tcp:80 DOWN\n");
  });
});

describe("which FIFO gets which line (keepalived global_parser.c)", () => {
  const g = (o: object) => ({ ...defaultGlobal(), ...o });
  test("notify_fifo gets both kinds; a vrrp or lvs FIFO on the same path is ignored", () => {
    const s = fifoSinks(g({ notifyFifo: { path: "/a" }, vrrpNotifyFifo: { path: "/a" }, lvsNotifyFifo: { path: "/b" } }));
    expect(s.map((x) => [x.config.path, [...x.kinds].sort()])).toEqual([["/a", ["lvs", "vrrp"]], ["/b", ["lvs"]]]);
  });
  test("vrrp and lvs FIFOs on one path are one FIFO; the vrrp script wins, the lvs one runs only if the vrrp FIFO has none", () => {
    const both = fifoSinks(g({ vrrpNotifyFifo: { path: "/v", script: "/v.sh" }, lvsNotifyFifo: { path: "/v", script: "/l.sh" } }));
    expect(both.map((x) => [x.config.path, [...x.kinds].sort(), x.config.script])).toEqual([["/v", ["lvs", "vrrp"], "/v.sh"]]);
    const lvsOnly = fifoSinks(g({ vrrpNotifyFifo: { path: "/v" }, lvsNotifyFifo: { path: "/v", script: "/l.sh" } }));
    expect(lvsOnly[0]!.config.script).toBe("/l.sh");
  });
});

describe("one FIFO", () => {
  test("created mode 0600 and removed on close; one that exists is used and left; something else at the path is refused", async () => {
    const p = fresh();
    const f = new NotifyFifo({ path: p }, log);
    expect(statSync(p).isFIFO()).toBe(true);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    await f.close();
    expect(existsSync(p)).toBe(false);
    const q = fresh();
    expect(makeFifo(q, 0o600)).toBe(true);
    await new NotifyFifo({ path: q }, log).close();
    expect(statSync(q).isFIFO()).toBe(true);
    const file = fresh();
    writeFileSync(file, "x");
    expect(() => new NotifyFifo({ path: file }, log)).toThrow(/exists and is not a FIFO/);
  });

  test("lines come out whole and in order", async () => {
    const p = fresh();
    const f = new NotifyFifo({ path: p }, log);
    const want = Array.from({ length: 500 }, (_, i) => instanceLine(`VI_${i}`, i % 2 ? "MASTER" : "BACKUP", i % 255));
    for (const l of want) f.write(l);
    expect(drain(p)).toBe(want.join(""));
    expect(f.stats()).toMatchObject({ written: 500, queued: 0, dropped: 0 });
    await f.close();
  });

  test("nobody reads: writes never block, the pipe fills, the queue keeps the newest FIFO_QUEUE_MAX lines and counts the rest; a reader then gets them in order", async () => {
    const p = fresh();
    const f = new NotifyFifo({ path: p }, log);
    const total = 30_000; // far more than a 64 KiB pipe plus the queue
    const lines = Array.from({ length: total }, (_, i) => `INSTANCE "VI_${String(i).padStart(5, "0")}" MASTER 100\n`);
    for (const l of lines) f.write(l);
    const s = f.stats();
    expect(s.queued).toBe(FIFO_QUEUE_MAX);
    expect(s.written + s.queued + s.dropped).toBe(total);
    expect(s.dropped).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes("nobody reads it"))).toBe(true);
    // the pipe holds the oldest written ones; the queue the newest: together, in order, with one gap
    let got = drain(p);
    for (let i = 0; i < 100 && f.stats().queued > 0; i++) {
      await Bun.sleep(120); // the retry timer moves the queue into the emptied pipe
      got += drain(p);
    }
    const seen = got.split("\n").filter(Boolean).map((l) => Number(/VI_(\d+)/.exec(l)![1]));
    expect(seen.length).toBe(total - s.dropped);
    expect(seen.slice(0, s.written)).toEqual(Array.from({ length: s.written }, (_, i) => i));
    expect(seen.slice(s.written)).toEqual(Array.from({ length: FIFO_QUEUE_MAX }, (_, i) => total - FIFO_QUEUE_MAX + i));
    await f.close();
  });

  test("the _script gets the FIFO's path as its last argument, reads to EOF after close, and exits by itself", async () => {
    const p = fresh();
    const out = fresh();
    const script = join(dir, "reader.sh");
    writeFileSync(script, `#!/bin/sh\necho "args: $*" > ${out}\nwhile read -r l; do echo "$l" >> ${out}; done < "$2"\necho EOF >> ${out}\n`);
    chmodSync(script, 0o755);
    const f = new NotifyFifo({ path: p, script: `${script} first-arg` }, log);
    expect(f.stats().scriptPid).toBeGreaterThan(0);
    f.write(instanceLine("VI_1", "MASTER", 100));
    f.write(groupLine("G1", "STOP"));
    await f.close();
    expect(readFileSync(out, "utf8")).toBe(`args: first-arg ${p}\nINSTANCE "VI_1" MASTER 100\nGROUP "G1" STOP 0\nEOF\n`);
  });
});

describe("the FIFO set", () => {
  test("RS lines only when liveness changes against the baseline, VS lines on quorum, omega's DOWN lines on stop", async () => {
    const p = fresh();
    const set = new NotifyFifos(log);
    await set.configure({ ...defaultGlobal(), lvsNotifyFifo: { path: p } }, {});
    const web = vs({ ip: "198.18.0.10", port: 80, omega: true, realServers: [rs("198.18.0.1", 80), rs("198.18.0.2", 80)] });
    set.lvsBaseline([web], [{ virtualServer: "198.18.0.10:80/TCP", quorumUp: true, realServers: [{ realServer: "198.18.0.1:80", alive: true, weight: 1 }, { realServer: "198.18.0.2:80", alive: true, weight: 1 }] }]);
    set.instance("VI_1", "MASTER", 100); // not an LVS line: this FIFO does not get it
    set.realServer("198.18.0.10:80/TCP", "198.18.0.1:80", true); // a weight change: no line
    set.realServer("198.18.0.10:80/TCP", "198.18.0.1:80", false);
    set.quorum("198.18.0.10:80/TCP", false);
    set.realServer("198.18.0.10:80/TCP", "198.18.0.1:80", true);
    set.quorum("198.18.0.10:80/TCP", true);
    set.lvsStopping([web]);
    expect(drain(p)).toBe([
      "RS [198.18.0.1]:tcp:80 [198.18.0.10]:tcp:80 DOWN",
      "VS [198.18.0.10]:tcp:80 DOWN",
      "RS [198.18.0.1]:tcp:80 [198.18.0.10]:tcp:80 UP",
      "VS [198.18.0.10]:tcp:80 UP",
      "RS [198.18.0.1]:tcp:80 [198.18.0.10]:tcp:80 DOWN",
      "RS [198.18.0.2]:tcp:80 [198.18.0.10]:tcp:80 DOWN",
      "VS [198.18.0.10]:tcp:80 DOWN",
    ].map((l) => `${l}\n`).join(""));
    await set.close();
  });

  test("a FIFO that cannot be made is logged and left out; the others open", async () => {
    const set = new NotifyFifos(log);
    const ok = fresh();
    await set.configure({ ...defaultGlobal(), notifyFifo: { path: join(dir, "no-such-dir", "x") }, vrrpNotifyFifo: { path: ok } }, {});
    expect(set.stats().map((s) => s.path)).toEqual([ok]);
    expect(logs.some((l) => l.startsWith("error cannot open vrrp+lvs notify fifo") && l.includes("ENOENT"))).toBe(true);
    await set.close();
  });
});
