// systemd watchdog end to end: the test plays systemd, binding the
// NOTIFY_SOCKET datagram socket itself (bun:ffi, as src/sys/sd-notify.ts sends
// to it). vigil must send READY=1, then WATCHDOG=1 while its VRRP worker makes
// progress; when the worker stalls (debug hook) the pings must stop — a frozen
// advert thread has to look dead to the supervisor — and the VIP, no longer
// refreshed, must expire by its kernel lifetime while the backup takes over.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK } from "../../src/sys/abi.ts";
import { libc } from "../../src/sys/libc.ts";
import { sockaddrUn } from "../../src/sys/sd-notify.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { instanceStatus, startVigil, vigilCommand, vigilConf, vigilRequest, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const AF_UNIX = 1;
const VIP = "198.18.0.120";
const LIFETIME_S = 2;
const WATCHDOG_MS = 400; // vigil pings every 200 ms
const STALL_MS = 6000;

/** The supervisor's end of sd_notify: a bound unix datagram socket, drained without blocking. */
class NotifySink {
  readonly fd: number;
  readonly messages: Array<{ t: number; text: string }> = [];
  private readonly buf = new Uint8Array(4096);
  constructor(readonly path: string) {
    this.fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new Error("socket(AF_UNIX, SOCK_DGRAM) failed");
    const sa = sockaddrUn(path);
    if (libc.symbols.bind(this.fd, sa, sa.length) !== 0) {
      libc.symbols.close(this.fd);
      throw new Error(`bind ${path} failed`);
    }
  }
  drain(): void {
    for (let i = 0; i < 10_000; i++) {
      const n = Number(libc.symbols.recvfrom(this.fd, this.buf, this.buf.length, 0, null, null));
      if (n < 0) return;
      this.messages.push({ t: nowMs(), text: new TextDecoder().decode(this.buf.subarray(0, n)) });
    }
  }
  pings(from = 0, to = Infinity): number[] {
    this.drain();
    return this.messages.filter((m) => m.text === "WATCHDOG=1" && m.t >= from && m.t <= to).map((m) => m.t);
  }
  close(): void {
    libc.symbols.close(this.fd);
    rmSync(this.path, { force: true });
  }
}

/** utime + stime of a process, in clock ticks (100 per CPU second) */
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]);
}

let lab: Lab;
let sink: NotifySink;
let h1: VigilHandle;
let h2: VigilHandle;
const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: [`vip_lifetime ${LIFETIME_S}`],
  instances: [{ name: "VI_W", vrid: 121, priority: r === 1 ? 150 : 100, advertInt: 0.2, vips: [VIP], extra: ["garp_master_delay 0"] }],
});

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  sink = new NotifySink(join(lab.dir, "notify.sock"));
  h1 = await startVigil(lab, 1, conf(1), { env: { NOTIFY_SOCKET: sink.path, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) }, args: ["--debug-allow-stall"] });
  h2 = await startVigil(lab, 2, conf(2));
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
  sink?.close();
});

describe("sd_notify watchdog fed by VRRP worker progress", () => {
  test("READY=1 with MAINPID, then WATCHDOG=1 at about half the WATCHDOG_USEC period", async () => {
    expect(await waitUntil(() => (sink.drain(), sink.messages.length > 0), 5000)).toBe(true);
    expect(sink.messages[0].text).toBe(`READY=1\nMAINPID=${h1.proc.pid}`);
    const t0 = nowMs();
    await sleep(1200);
    const p = sink.pings(t0);
    // 1.2 s at one ping per 200 ms: at least 3 even on a loaded machine, and not a flood
    expect(p.length).toBeGreaterThanOrEqual(3);
    expect(p.length).toBeLessThanOrEqual(8);
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_W"))?.state === "MASTER" && lab.holders(VIP).join() === "1", 5000)).toBe(true);
  }, 30_000);

  test("a stalled VRRP worker: WATCHDOG=1 stops, the unrefreshed VIP expires by its lifetime and the backup becomes the only holder, `vigil status` fails clearly meanwhile; pings resume after the stall", async () => {
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_W"))?.state === "BACKUP", 3000)).toBe(true);
    // without --debug-allow-stall the hook does not exist
    expect(await vigilRequest(h2, "stall 1000")).toEqual({ error: "unknown request 'stall 1000'" });
    const tStall = nowMs();
    expect(await vigilRequest(h1, `stall ${STALL_MS}`)).toEqual({ ok: true, stalled: STALL_MS });
    const stallEnd = tStall + STALL_MS;
    const cpu0 = cpuTicks(h1.proc.pid);
    // the backup takes over once adverts stop; r1's kernel drops the VIP when its lease runs out
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_W"))?.state === "MASTER", 3000)).toBe(true);
    // frozen means blocked: over 1.5 s of stall (r2's adverts arriving all along) the
    // daemon may not burn anything like the 150 ticks of a spinning thread
    await sleep(Math.max(0, tStall + 1500 - nowMs()));
    expect(cpuTicks(h1.proc.pid) - cpu0).toBeLessThan(50);
    // the operator's view meanwhile: `vigil status` fails clearly instead of printing garbage
    const cli = spawn([...vigilCommand(), "status", "--socket", h1.socket], { stdout: "pipe", stderr: "pipe" });
    expect(await waitUntil(() => lab.holders(VIP).join() === "2", LIFETIME_S * 1000 + 1500)).toBe(true);
    const tSingle = nowMs();
    expect(tSingle).toBeLessThan(stallEnd); // expired while r1 was still frozen: the lease did it
    const [code, errText] = await Promise.all([cli.exited, new Response(cli.stderr).text()]);
    expect(code).toBe(1);
    expect(errText).toContain("could not report: VRRP worker did not answer within");
    await sleep(Math.max(0, stallEnd - nowMs()) + 1500);
    // At most one ping already on its way when the stall began (the timer reads a counter
    // that moved just before); none in the rest of the stall.
    expect(sink.pings(tStall + WATCHDOG_MS, stallEnd - 50)).toEqual([]);
    expect(sink.pings(stallEnd).length).toBeGreaterThanOrEqual(2);
    expect(lab.logOf(h1.proc)).toContain("withholding WATCHDOG=1");
    // r1 (150) comes back, preempts, and the segment ends with one holder
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_W"))?.state === "MASTER" && (await instanceStatus(h2, "VI_W"))?.state === "BACKUP" && lab.holders(VIP).join() === "1", 5000)).toBe(true);
  }, 30_000);
});
