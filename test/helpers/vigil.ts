// Test helper: vigil as a lab router. Each daemon gets its own status socket
// and lock directory inside the lab directory (otherwise every router would
// fight over /run/vigil/vigil.sock), its config is keepalived.conf text written
// by the test, and its state is read back over the status socket.
//
// The compiled binary starts several times faster than the source, so it is
// used when it is at least as new as every source file (a stale binary would
// test yesterday's daemon); VIGIL_BIN overrides the choice.
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { queryStatus } from "../../src/daemon/status-server.ts";
import type { DaemonStatus, InstanceStatus } from "../../src/daemon/status-types.ts";
import { type Lab, type LabProc, processTree, sleep } from "./lab.ts";

const ROOT = join(import.meta.dir, "..", "..");
const DIST_BIN = join(ROOT, "dist", "vigil-linux-x64");

function newestSourceMtime(dir: string, depth = 0): number {
  let newest = 0;
  if (depth > 8) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSourceMtime(p, depth + 1));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let cachedCommand: string[] | null = null;

/** argv prefix that runs vigil: $VIGIL_BIN, a fresh dist binary, or the source through the pinned Bun. */
export function vigilCommand(): string[] {
  if (cachedCommand) return cachedCommand;
  const bin = process.env.VIGIL_BIN;
  if (bin) cachedCommand = [bin];
  else if (process.arch === "x64" && existsSync(DIST_BIN) && statSync(DIST_BIN).mtimeMs >= newestSourceMtime(join(ROOT, "src"))) cachedCommand = [DIST_BIN];
  else cachedCommand = [join(ROOT, "node_modules", ".bin", "bun"), join(ROOT, "src", "main.ts")];
  return cachedCommand;
}

export interface VigilHandle {
  router: number;
  conf: string;
  socket: string;
  proc: LabProc;
}

export interface StartOptions {
  /** extra environment for the daemon (NOTIFY_SOCKET, WATCHDOG_USEC) */
  env?: Record<string, string>;
  /** extra `vigil run` arguments */
  args?: string[];
  /** argv prefix that runs vigil instead of vigilCommand(): boardVigil(arch) runs the shipped binary with the checkout hidden */
  command?: string[];
  /** how long the status socket may take to answer (default 15 s; qemu-user starts the arm64 binary far slower) */
  readyTimeoutMs?: number;
}

/** Writes `confText` and starts `vigil run` on router r; resolves once its status socket answers. */
export async function startVigil(lab: Lab, r: number, confText: string, opts: StartOptions = {}): Promise<VigilHandle> {
  const base = join(lab.dir, `r${r}-vigil-${lab.procs.length}`);
  const conf = `${base}.conf`;
  const socket = `${base}.sock`;
  writeFileSync(conf, confText);
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  // boardVigil's prefix starts the binary with a clean environment: env set in front of it would be lost.
  if (env.length && opts.command) throw new Error("startVigil: env is not passed through a command prefix; put it inside the command");
  // `env` execs vigil in place, so the lab's PID is still the daemon's own.
  const argv = [...(env.length ? ["env", ...env] : []), ...(opts.command ?? vigilCommand()), "run", "-f", conf, "--status-socket", socket, "--lock-dir", join(lab.dir, "lock"), ...(opts.args ?? [])];
  const proc = lab.spawn(r, argv, "vigil");
  const h: VigilHandle = { router: r, conf, socket, proc };
  let exited = false;
  void proc.exited.then(() => { exited = true; });
  const readyMs = opts.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + readyMs;
  while (!exited && Date.now() < deadline) {
    if (existsSync(socket) && (await vigilStatus(h))) return h;
    await sleep(50);
  }
  const tail = lab.logOf(proc).split("\n").slice(-15).join("\n");
  // only this daemon: another one on the same router (a lock test) must survive
  for (const pid of processTree(proc.pid).reverse()) {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
  throw new Error(`vigil on router ${r} ${exited ? `exited (${proc.proc.exitCode ?? proc.proc.signalCode})` : `did not answer on its status socket within ${readyMs / 1000} s`}:\n${tail}`);
}

/** The daemon's status document, or null if it does not answer (dead, stopped, starting). */
export async function vigilStatus(h: VigilHandle, timeoutMs = 2000): Promise<DaemonStatus | null> {
  try {
    const s = (await queryStatus(h.socket, "status", timeoutMs)) as DaemonStatus;
    return Array.isArray(s?.instances) ? s : null;
  } catch {
    return null;
  }
}

/** Sends one raw request line to the status socket (e.g. `stall 2000` with --debug-allow-stall). */
export function vigilRequest(h: VigilHandle, line: string): Promise<unknown> {
  return queryStatus(h.socket, line);
}

export async function instanceStatus(h: VigilHandle, name: string): Promise<InstanceStatus | undefined> {
  return (await vigilStatus(h))?.instances.find((i) => i.name === name);
}

/** Polls `pred` (bounded by count and time) until it holds; returns whether it did. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    if (await pred()) return true;
    await sleep(stepMs);
  }
  return !!(await pred());
}

/** Waits until the instance on every given daemon reports the wanted state; returns the last states seen. */
export async function waitStates(want: Array<[VigilHandle, string, InstanceStatus["state"]]>, timeoutMs: number): Promise<string[]> {
  let seen: string[] = [];
  await waitUntil(async () => {
    seen = await Promise.all(want.map(async ([h, n]) => (await instanceStatus(h, n))?.state ?? "down"));
    return seen.every((s, i) => s === want[i][2]);
  }, timeoutMs, 50);
  return seen;
}

/** Graceful stop, bounded; SIGKILL after the grace period. */
export async function stopVigil(lab: Lab, h: VigilHandle, timeoutMs = 4000): Promise<void> {
  lab.kill(h.router, "SIGTERM");
  await lab.reap(h.router, timeoutMs);
}

export interface InstanceConf {
  name: string;
  vrid: number;
  priority: number;
  /** seconds */
  advertInt: number;
  vips: string[];
  iface?: string;
  version?: 2 | 3;
  /** further keepalived.conf lines inside the vrrp_instance block */
  extra?: string[];
}

/**
 * keepalived.conf text: global_defs (router_id plus `global` lines), raw
 * top-level blocks (vrrp_script, vrrp_sync_group), then the instances.
 */
export function vigilConf(o: { routerId: string; global?: string[]; blocks?: string[]; instances: InstanceConf[] }): string {
  const L = ["global_defs {", `  router_id ${o.routerId}`, ...(o.global ?? []).map((g) => `  ${g}`), "}", ...(o.blocks ?? [])];
  for (const i of o.instances) {
    const iface = i.iface ?? "eth0";
    L.push(`vrrp_instance ${i.name} {`, "  state BACKUP", `  interface ${iface}`, `  virtual_router_id ${i.vrid}`, `  priority ${i.priority}`,
      `  advert_int ${i.advertInt}`, `  version ${i.version ?? 3}`, ...(i.extra ?? []).map((x) => `  ${x}`),
      "  virtual_ipaddress {", ...i.vips.map((a) => `    ${a}/${a.includes(":") ? 128 : 32} dev ${iface}`), "  }", "}");
  }
  return `${L.join("\n")}\n`;
}

/** RFC 5798 §6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, Skew_Time = ((256 − Priority) × Advertisement_Interval) / 256 (ms). */
export function masterDownMs(advertIntS: number, priority: number): number {
  const a = advertIntS * 1000;
  return 3 * a + ((256 - priority) * a) / 256;
}
