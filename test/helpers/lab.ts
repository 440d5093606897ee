// Test helper: the VRRP lab as a TypeScript object. board/lab/up.sh builds the
// namespaces (one source of truth for the layout, shared with `make lab`); this
// class drives them: start router processes (keepalived or vigil alike), inject
// faults, capture the bridge, and read who holds a VIP.
//
// Cleanup is owed even when a test throws or the process is interrupted: every
// Lab registers itself, `cleanup()` is idempotent, and an 'exit'/signal hook
// tears down whatever is still registered.
import { spawn, spawnSync, type Subprocess } from "bun";
import { afterAll, beforeAll } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exitHook } from "./exit-hook.ts";
import { readPcap, type Frame } from "./pcap.ts";

const LAB_DIR = `${import.meta.dir}/../../board/lab`;

export type Host = number | "client";

export interface LabOptions {
  routers: number;
  /** the ULA addresses are always configured; this only documents intent for callers */
  ipv6?: boolean;
}

export interface RouterInfo {
  index: number;
  ns: string;
  port: string;
  ipv4: string;
  ipv6: string;
  linkLocal: string;
  mac: string;
}

export interface LabProc {
  pid: number;
  /** "bridge": tcpdump in the bridge namespace, never hit by kill(router) */
  host: Host | "bridge";
  argv: string[];
  log: string;
  proc: Subprocess;
  exited: Promise<number>;
}

function run(argv: string[], allowFail = false): string {
  const r = spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && !allowFail) throw new Error(`${argv.join(" ")} -> exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

async function runAsync(argv: string[]): Promise<string> {
  const p = spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} -> exit ${code}: ${err.trim()}`);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** epoch milliseconds with sub-ms resolution: the clock `ip -ts` and pcap timestamps use */
export const nowMs = () => performance.timeOrigin + performance.now();

/** pid -> parent pid for every process, read once from /proc */
function parentTable(): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // comm may contain spaces and parens: ppid is the 2nd field after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      m.set(Number(d), Number(rest[1]));
    } catch { /* process exited while scanning */ }
  }
  return m;
}

/** pid and all its descendants, parents before children */
export function processTree(pid: number): number[] {
  const ppid = parentTable();
  const kids = new Map<number, number[]>();
  for (const [p, pp] of ppid) (kids.get(pp) ?? kids.set(pp, []).get(pp)!).push(p);
  const out: number[] = [];
  const queue = ppid.has(pid) ? [pid] : [];
  while (queue.length && out.length < 10000) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(kids.get(p) ?? []));
  }
  return out;
}

function signalPid(pid: number, sig: NodeJS.Signals | number) {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

let labCounter = 0;
const liveLabs = new Set<Lab>();
const hookExit = exitHook(() => { for (const l of [...liveLabs]) l.cleanupSync(); });

export class Lab {
  readonly prefix: string;
  readonly dir: string;
  readonly bridgeNs: string;
  readonly routers: RouterInfo[];
  readonly client: { ns: string; ipv4: string; ipv6: string; mac: string; port: string };
  readonly procs: LabProc[] = [];
  private cleaned = false;

  private constructor(prefix: string, n: number) {
    this.prefix = prefix;
    this.bridgeNs = `${prefix}-br`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    this.routers = Array.from({ length: n }, (_, k) => {
      const i = k + 1;
      return { index: i, ns: `${prefix}-r${i}`, port: `r${i}`, ipv4: `198.18.0.${i}`, ipv6: `fd00:198:18::${i}`, linkLocal: `fe80::ff:fe00:${i}`, mac: `02:00:00:00:00:0${i}` };
    });
    this.client = { ns: `${prefix}-c`, ipv4: "198.18.0.250", ipv6: "fd00:198:18::fa", mac: "02:00:00:00:00:fa", port: "c0" };
  }

  static async create(opts: LabOptions): Promise<Lab> {
    if (!Number.isInteger(opts.routers) || opts.routers < 1 || opts.routers > 9) throw new Error(`Lab.create: routers must be 1..9, got ${opts.routers}`);
    hookExit();
    const lab = new Lab(`vt-l${process.pid}x${++labCounter}`, opts.routers);
    liveLabs.add(lab);
    try {
      await runAsync(["bash", `${LAB_DIR}/up.sh`, lab.prefix, String(opts.routers)]);
    } catch (e) {
      lab.cleanupSync();
      throw e;
    }
    return lab;
  }

  router(i: number): RouterInfo {
    const r = this.routers[i - 1];
    if (!r) throw new Error(`lab ${this.prefix} has no router ${i}`);
    return r;
  }
  ns(h: Host): string { return h === "client" ? this.client.ns : this.router(h).ns; }
  mac(h: Host): string { return h === "client" ? this.client.mac : this.router(h).mac; }
  /** router index owning a MAC, or undefined */
  routerByMac(m: string): number | undefined { return this.routers.find((r) => r.mac === m.toLowerCase())?.index; }

  exec(h: Host, argv: string[], allowFail = false): string { return run(["ip", "netns", "exec", this.ns(h), ...argv], allowFail); }
  execAsync(h: Host, argv: string[]): Promise<string> { return runAsync(["ip", "netns", "exec", this.ns(h), ...argv]); }

  /** Start a process inside a host's namespace; stdout+stderr go to a log file in lab.dir. */
  spawn(h: Host, argv: string[], tag = argv[0].split("/").pop()!): LabProc {
    const log = join(this.dir, `${h === "client" ? "c" : `r${h}`}-${tag}-${this.procs.length}.log`);
    // One O_APPEND descriptor for both streams: two separate opens would overwrite each other.
    const fd = openSync(log, "a");
    let proc: Subprocess;
    try {
      proc = spawn(["ip", "netns", "exec", this.ns(h), ...argv], { stdout: fd, stderr: fd, stdin: "ignore" });
    } finally {
      closeSync(fd);
    }
    // `ip netns exec` execs the command in place, so proc.pid is the command's own PID.
    const lp: LabProc = { pid: proc.pid, host: h, argv, log, proc, exited: proc.exited };
    this.procs.push(lp);
    return lp;
  }

  /** Every live PID (with descendants, parents first) the lab started on a host. */
  pids(h: Host): number[] {
    return this.procs.filter((p) => p.host === h && p.proc.exitCode === null && p.proc.signalCode === null).flatMap((p) => processTree(p.pid));
  }

  /**
   * Signal every process the lab started on a host, descendants included.
   * SIGKILL freezes the whole tree first and then kills children before
   * parents: a keepalived parent would otherwise respawn its VRRP child, and a
   * child that sees its parent die first exits cleanly (priority 0), which is
   * not the crash being simulated.
   */
  kill(h: Host, sig: NodeJS.Signals = "SIGKILL"): number[] {
    const pids = this.pids(h);
    if (sig === "SIGKILL") {
      for (const p of pids) signalPid(p, "SIGSTOP");
      for (const p of [...pids].reverse()) signalPid(p, "SIGKILL");
    } else if (sig === "SIGCONT") {
      for (const p of [...pids].reverse()) signalPid(p, sig);
    } else {
      for (const p of pids) signalPid(p, sig);
    }
    return pids;
  }

  /** Wait (bounded) for every process on a host to exit; SIGKILL what is left. */
  async reap(h: Host, timeoutMs = 3000): Promise<void> {
    const mine = this.procs.filter((p) => p.host === h);
    const all = Promise.all(mine.map((p) => p.exited));
    const t = await Promise.race([all.then(() => "done"), sleep(timeoutMs).then(() => "timeout")]);
    if (t === "timeout") { this.kill(h, "SIGKILL"); await Promise.race([all, sleep(1000)]); }
  }

  linkDown(r: number) { run(["ip", "-n", this.router(r).ns, "link", "set", "eth0", "down"]); }
  linkUp(r: number) { run(["ip", "-n", this.router(r).ns, "link", "set", "eth0", "up"]); }

  /** Carrier on a router's eth0: its bridge port (the veth peer) up or down; eth0 itself stays as it is. */
  carrier(r: number, on: boolean) { run(["ip", "-n", this.bridgeNs, "link", "set", this.router(r).port, on ? "up" : "down"]); }

  /** Delete a router's eth0 (its veth peer on the bridge goes with it): the interface does not exist, as on a board still booting. */
  unplug(r: number) { run(["ip", "-n", this.router(r).ns, "link", "del", "eth0"]); }

  /**
   * Create a router's eth0 again as board/lab/up.sh makes it (same MAC and
   * addresses; the kernel gives it a new ifindex). `carrier: false` leaves the
   * bridge port down (eth0 up but NO-CARRIER); `up: false` leaves eth0 down; `dad`
   * turns IPv6 duplicate address detection on for eth0 before it comes up (the
   * lab's namespaces have it off), `transmits` probes `retransMs` apart, so its
   * link-local address stays tentative about that long once it has carrier.
   */
  plug(r: number, opts: { carrier?: boolean; up?: boolean; dad?: { transmits: number; retransMs: number } } = {}) {
    const { ns, port, mac, ipv4, ipv6 } = this.router(r);
    run(["ip", "-n", ns, "link", "add", "eth0", "address", mac, "type", "veth", "peer", "name", port, "netns", this.bridgeNs]);
    run(["ip", "-n", this.bridgeNs, "link", "set", port, "master", "br0"]);
    if (opts.carrier !== false) run(["ip", "-n", this.bridgeNs, "link", "set", port, "up"]);
    run(["ip", "-n", ns, "addr", "add", `${ipv4}/24`, "dev", "eth0"]);
    run(["ip", "-n", ns, "addr", "add", `${ipv6}/64`, "dev", "eth0", "nodad"]);
    if (opts.dad) {
      run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=1", `net.ipv6.conf.eth0.dad_transmits=${opts.dad.transmits}`,
        `net.ipv6.neigh.eth0.retrans_time_ms=${opts.dad.retransMs}`]);
    }
    if (opts.up !== false) run(["ip", "-n", ns, "link", "set", "eth0", "up"]);
  }

  /** IPv6 addresses on a router's eth0 that are still tentative (duplicate address detection running). */
  tentative(r: number): string[] {
    const j = JSON.parse(run(["ip", "-n", this.router(r).ns, "-j", "-6", "addr", "show", "dev", "eth0"]) || "[]") as Array<{ addr_info?: Array<{ local: string; tentative?: boolean }> }>;
    return j.flatMap((l) => l.addr_info ?? []).filter((a) => a.tentative).map((a) => a.local);
  }

  /**
   * Split the segment: each listed group gets its own bridge; hosts not listed
   * stay on br0. Carrier stays up on every host (unlike linkDown).
   */
  partition(...groups: Host[][]) {
    groups.forEach((g, k) => {
      const ports = g.map((h) => (h === "client" ? this.client.port : this.router(h).port));
      run(["bash", `${LAB_DIR}/partition.sh`, this.prefix, String(k + 1), ...ports]);
    });
  }
  /** Cut one router off from everyone else (it keeps carrier). */
  isolate(r: number) { this.partition([r]); }
  heal() { run(["bash", `${LAB_DIR}/partition.sh`, this.prefix, "heal"]); }

  /** Addresses on a host's eth0 (IPv4 and IPv6, no prefix length), tentative ones excluded. */
  addrs(h: Host): string[] {
    const j = JSON.parse(run(["ip", "-n", this.ns(h), "-j", "addr", "show", "dev", "eth0"]) || "[]") as Array<{ addr_info?: Array<{ local: string; tentative?: boolean }> }>;
    return j.flatMap((l) => l.addr_info ?? []).filter((a) => !a.tentative).map((a) => a.local);
  }
  /** Router indices whose eth0 currently carries `vip`. */
  holders(vip: string): number[] {
    return this.routers.filter((r) => this.addrs(r.index).includes(vip)).map((r) => r.index);
  }

  /** The client's neighbour entry for an address: MAC and NUD state, or null. */
  clientNeigh(addr: string): { mac: string; state: string[] } | null {
    const j = JSON.parse(run(["ip", "-n", this.client.ns, "-j", "neigh", "show", addr]) || "[]") as Array<{ lladdr?: string; state?: string[] }>;
    const e = j.find((x) => x.lladdr);
    return e ? { mac: e.lladdr!, state: e.state ?? [] } : null;
  }

  /** ARP for an IPv4 address from the client; every MAC that answered (one request per `count`). */
  clientArping(ip: string, count = 1, timeoutS = 1): string[] {
    const out = this.exec("client", ["arping", "-i", "eth0", "-c", String(count), "-w", String(timeoutS), ip], true);
    return [...new Set([...out.matchAll(/from ([0-9a-f:]{17})/g)].map((m) => m[1]))];
  }

  /**
   * Ping from the client (IPv4 or IPv6): up to `tries` single pings, true as
   * soon as one is answered. A neighbour entry left FAILED (e.g. by a
   * partition) makes the kernel refuse sends with "Destination Host
   * Unreachable" for about a second; ping exits on that at once, so a retry
   * after a pause is what rides it out.
   */
  clientPing(ip: string, timeoutS = 1, tries = 1): boolean {
    for (let i = 0; i < Math.min(tries, 20); i++) {
      if (i > 0) Bun.sleepSync(400);
      const r = spawnSync(["ip", "netns", "exec", this.client.ns, "ping", "-n", "-c", "1", "-W", String(timeoutS), ip], { stdout: "ignore", stderr: "ignore" });
      if (r.exitCode === 0) return true;
    }
    return false;
  }

  /**
   * tcpdump on a bridge-namespace interface (br0 by default: tcpdump puts it in
   * promiscuous mode, so the bridge passes every frame up, unicast included).
   * Resolves once tcpdump is listening; stop() returns the parsed frames.
   * --immediate-mode: libpcap otherwise hands packets over per 1 s ring block,
   * and a capture stopped sooner loses them.
   */
  /**
   * tcpdump on the bridge (default br0), or with `host` inside that host's namespace
   * (default its eth0): there the packet tap sees a sent frame at transmit, in the
   * sender's own context, before any softirq work on the bridge side.
   */
  async capture(opts: { iface?: string; filter?: string[]; host?: Host } = {}): Promise<Capture> {
    const iface = opts.iface ?? (opts.host === undefined ? "br0" : "eth0");
    const ns = opts.host === undefined ? this.bridgeNs : this.ns(opts.host);
    const file = join(this.dir, `cap-${opts.host === undefined ? "" : `${opts.host}-`}${iface}-${this.procs.length}.pcap`);
    // -Z root: Debian's tcpdump otherwise drops to user tcpdump and cannot write into our 0700 dir.
    const argv = ["ip", "netns", "exec", ns, "tcpdump", "-i", iface, "--immediate-mode", "-U", "-n", "-s", "512", "-Z", "root", "--time-stamp-precision=nano", "-w", file, ...(opts.filter ?? [])];
    const proc = spawn(argv, { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    this.procs.push({ pid: proc.pid, host: "bridge", argv, log: file, proc, exited: proc.exited });
    const reader = proc.stderr.getReader();
    let seen = "";
    const deadline = Date.now() + 5000;
    // One read in flight at a time: a read abandoned by the race would swallow its chunk.
    let pending = reader.read();
    while (!seen.includes("listening on") && Date.now() < deadline) {
      const r = await Promise.race([pending, sleep(200).then(() => null)]);
      if (r === null) continue;
      if (r.done) break;
      seen += new TextDecoder().decode(r.value);
      pending = reader.read();
    }
    if (!seen.includes("listening on")) { signalPid(proc.pid, "SIGKILL"); throw new Error(`tcpdump on ${iface} did not start: ${seen.trim()}`); }
    // Keep draining stderr so tcpdump never blocks on a full pipe.
    (async () => { try { for (let r = await pending; !r.done; r = await reader.read()); } catch { /* closed */ } })();
    return new Capture(proc, file);
  }

  /** Synchronous teardown for exit hooks; kills tracked processes by PID, then removes the namespaces. */
  cleanupSync() {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const p of this.procs) for (const pid of processTree(p.pid).reverse()) signalPid(pid, "SIGKILL");
    run(["bash", `${LAB_DIR}/down.sh`, this.prefix], true);
    rmSync(this.dir, { recursive: true, force: true });
    liveLabs.delete(this);
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    for (const p of this.procs) for (const pid of processTree(p.pid).reverse()) signalPid(pid, "SIGKILL");
    await Promise.race([Promise.all(this.procs.map((p) => p.exited)), sleep(2000)]);
    this.cleanupSync();
  }

  /** Is any namespace of this lab still present? (for tests of the cleanup itself) */
  namespacesLeft(): string[] {
    return run(["ip", "netns", "list"]).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(`${this.prefix}-`));
  }
  get isCleaned() { return this.cleaned; }
  logOf(p: LabProc): string { return existsSync(p.log) ? readFileSync(p.log, "utf8") : ""; }
}

/**
 * One Lab for a whole test file: made before its first test (beforeAll, within
 * `createTimeoutMs`), cleaned up after its last (afterAll). Returns its accessor:
 * `lab()` inside tests and hooks registered after this call.
 */
export function useLab(opts: LabOptions, createTimeoutMs = 30_000): () => Lab {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await Lab.create(opts);
  }, createTimeoutMs);
  afterAll(async () => {
    await lab?.cleanup();
  });
  return () => {
    if (!lab) throw new Error("useLab: no lab yet (it is made in beforeAll; use lab() inside tests and hooks)");
    return lab;
  };
}

export class Capture {
  constructor(private proc: Subprocess, readonly file: string) {}
  /** Stop tcpdump (SIGTERM flushes the file) and parse what it wrote. */
  async stop(): Promise<Frame[]> {
    signalPid(this.proc.pid, "SIGTERM");
    const r = await Promise.race([this.proc.exited.then(() => "ok"), sleep(3000).then(() => "timeout")]);
    if (r === "timeout") { signalPid(this.proc.pid, "SIGKILL"); await this.proc.exited; }
    return readPcap(new Uint8Array(readFileSync(this.file)));
  }
}
