// Test helper: the split-brain recorder. For one VIP it records, on a common
// wall clock (epoch ms), every change of which router namespaces hold the
// address and every ARP answer the client gets for it, so a fault can be judged
// afterwards: intervals with two or more holders, and the time until the
// client is answered by a healthy holder.
//
// Holder changes come from `ip -ts monitor address` (rtnetlink notifications)
// in each router namespace rather than from polling: every add and delete is
// seen with the kernel-side timestamp, which is strictly finer than sampling
// every 10 ms and costs no CPU that would disturb the routers being measured.
// The client side is arping sending one request every 10 ms.
import { spawn, type Subprocess } from "bun";
import { type Lab, nowMs, processTree, sleep } from "./lab.ts";

export interface HolderEvent { t: number; router: number; present: boolean }
export interface ArpReply { t: number; mac: string }
export interface Interval { start: number; end: number; holders: number[]; /** still open when the window closed */ censored: boolean }

const TS = /^\[(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet6?\s+([0-9a-f.:]+)\/\d+(.*)$/;

/** Parse one `ip -ts -o monitor address` line; null if it is not an address line for `vip`. */
export function parseMonitorLine(line: string, vip: string): { t: number; present: boolean } | null {
  const m = TS.exec(line.trim());
  if (!m || m[9] !== vip) return null;
  // ip prints local time without a zone; Date's local-time constructor matches it.
  const t = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]).getTime() + +m[7] / 1000;
  // A tentative or DAD-failed IPv6 address does not answer yet: not held.
  const present = !m[8] && !/\b(tentative|dadfailed)\b/.test(m[10]);
  return { t, present };
}

/** Parse one arping output line ("42 bytes from MAC (IP): ..."); null otherwise. */
export function parseArpingLine(line: string, vip: string): string | null {
  const m = /bytes from ([0-9a-f:]{17}) \(([0-9.]+)\)/.exec(line);
  return m && m[2] === vip ? m[1] : null;
}

async function pumpLines(p: Subprocess, onLine: (l: string) => void): Promise<void> {
  const rd = (p.stdout as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const r = await rd.read();
    if (r.done) break;
    buf += dec.decode(r.value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
    if (buf.length > 65536) buf = ""; // a line that long is not ours
  }
}

/**
 * Maximal intervals within [from, to] during which two or more routers held
 * the VIP, from a holder event log. An interval still open at `to` is
 * censored: its true length is at least end - start.
 */
export function multiHolderIntervals(events: HolderEvent[], from: number, to: number): Interval[] {
  const evs = [...events].sort((a, b) => a.t - b.t);
  const m = new Map<number, boolean>();
  const out: Interval[] = [];
  let open: Interval | null = null;
  for (const e of evs) {
    if (e.t > to) break;
    m.set(e.router, e.present);
    const hs = [...m].filter(([, v]) => v).map(([k]) => k).sort();
    if (hs.length >= 2) {
      if (!open) open = { start: Math.max(e.t, from), end: to, holders: hs, censored: true };
      else open.holders = [...new Set([...open.holders, ...hs])].sort();
    } else if (open) {
      open.end = Math.max(e.t, from);
      open.censored = false;
      out.push(open);
      open = null;
    }
  }
  if (open) out.push(open);
  return out.filter((i) => i.end > from);
}

export class Sampler {
  readonly events: HolderEvent[] = [];
  readonly replies: ArpReply[] = [];
  readonly started: number;
  private procs: Subprocess[] = [];
  private held = new Map<number, boolean>();

  private constructor(private lab: Lab, readonly vip: string) { this.started = nowMs(); }

  /**
   * Start recording `vip` in a lab (IPv4 VIPs also get the client's ARP view).
   * maxSeconds bounds the helper processes' lifetime.
   */
  static async start(lab: Lab, vip: string, opts: { maxSeconds?: number; arp?: boolean } = {}): Promise<Sampler> {
    const s = new Sampler(lab, vip);
    const maxS = Math.max(1, Math.min(opts.maxSeconds ?? 120, 3600));
    for (const r of lab.routers) {
      const p = spawn(["timeout", "-s", "KILL", String(maxS), "ip", "-n", r.ns, "-ts", "-o", "monitor", "address"], { stdout: "pipe", stderr: "ignore", stdin: "ignore" });
      s.track(p);
      pumpLines(p, (l) => { const e = parseMonitorLine(l, vip); if (e) s.record(r.index, e.t, e.present); });
    }
    // Subscribe first, then read the current state: a change in between shows up as an event.
    await sleep(50);
    const t0 = nowMs();
    for (const r of lab.routers) if (!s.held.has(r.index)) s.record(r.index, t0, lab.addrs(r.index).includes(vip), true);
    if (opts.arp !== false && !vip.includes(":")) {
      // stdbuf: arping writes to a pipe with full buffering otherwise.
      const p = spawn(["timeout", "-s", "KILL", String(maxS), "ip", "netns", "exec", lab.client.ns, "stdbuf", "-oL", "arping", "-i", "eth0", "-W", "0.01", "-c", String(maxS * 100), vip], { stdout: "pipe", stderr: "ignore", stdin: "ignore" });
      s.track(p);
      pumpLines(p, (l) => { const m = parseArpingLine(l, vip); if (m) s.replies.push({ t: nowMs(), mac: m }); });
    }
    return s;
  }

  private track(p: Subprocess) { this.procs.push(p); this.lab.procs.push({ pid: p.pid, host: "bridge", argv: ["sampler"], log: "", proc: p, exited: p.exited }); }

  private record(router: number, t: number, present: boolean, initial = false) {
    if (!initial && this.held.get(router) === present) return;
    this.held.set(router, present);
    this.events.push({ t, router, present });
  }

  /** Routers holding the VIP now, as far as notifications have arrived. */
  current(): number[] { return [...this.held].filter(([, v]) => v).map(([k]) => k).sort(); }

  /** Routers holding the VIP at time t. */
  holdersAt(t: number): number[] {
    const m = new Map<number, boolean>();
    for (const e of this.events) { if (e.t > t) break; m.set(e.router, e.present); }
    return [...m].filter(([, v]) => v).map(([k]) => k).sort();
  }

  /** Maximal intervals within [from, to] during which ≥ 2 routers held the VIP. */
  multiHolderIntervals(from: number, to: number): Interval[] { return multiHolderIntervals(this.events, from, to); }

  /** First ARP answer at or after t from one of `macs` (lower case), or undefined. */
  firstReplyFrom(t: number, macs: (replyTime: number) => Set<string>): ArpReply | undefined {
    return this.replies.find((r) => r.t >= t && macs(r.t).has(r.mac));
  }

  /** Wait (bounded) until pred(current holders) is true; returns whether it became true. */
  async waitFor(pred: (holders: number[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) { if (pred(this.current())) return true; await sleep(10); }
    return pred(this.current());
  }

  async stop(): Promise<void> {
    // `timeout` is the direct child; its ip/arping child must go too, children first.
    for (const p of this.procs) for (const pid of processTree(p.pid).reverse()) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    await Promise.race([Promise.all(this.procs.map((p) => p.exited)), sleep(1000)]);
  }
}
