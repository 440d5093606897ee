// Test helper: a router process for the lab, keepalived or vigil alike. Both
// read the same keepalived.conf, written here from a small spec, so a scenario
// or the fault script runs unchanged against either implementation.
//
// keepalived is Debian's 2.2.7, started VRRP-only in the foreground with its
// own pid files in the lab directory: it never reads /etc/keepalived, never
// sees another instance's pid file, and lives in one router namespace. It runs
// as a parent plus a VRRP child; Lab.kill() signals both (see there).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Lab, type LabProc, sleep } from "./lab.ts";
import { startVigil } from "./vigil.ts";

export interface InstanceSpec {
  /** vrrp_instance name; default VI_<vrid> (VI6_<vrid> for IPv6) */
  name?: string;
  vrid: number;
  priority: number;
  /** seconds; VRRPv3 takes centisecond steps down to 0.01 */
  advertInt: number;
  version?: 2 | 3;
  /** VRRPv2 simple password (RFC 2338 auth type 1), ≤ 8 bytes */
  authPass?: string;
  /** addresses without prefix: IPv4 get /32, IPv6 /128; all of one family per instance */
  vips: string[];
  nopreempt?: boolean;
  preemptDelay?: number;
  unicastSrc?: string;
  unicastPeers?: string[];
  iface?: string;
  /** vrrp_garp_master_delay in seconds (keepalived default 5; 0 disables the second burst) */
  garpMasterDelay?: number;
  /** further keyword lines inside the vrrp_instance block (e.g. old_unicast_checksum) */
  extra?: string[];
}

export interface RouterSpec {
  routerId: string;
  instances: InstanceSpec[];
  /** vrrp_rt_priority: run the VRRP process SCHED_RR at this priority (keepalived's realtime knob) */
  rtPriority?: number;
  /** vrrp_mcast_group4 / vrrp_mcast_group6: the groups multicast adverts use instead of 224.0.0.18 / ff02::12 */
  mcastGroup4?: string;
  mcastGroup6?: string;
}

export type Impl = "keepalived" | "vigil";

const isV6 = (a: string) => a.includes(":");

export function validateSpec(s: RouterSpec): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(s.routerId)) throw new Error(`router spec: bad routerId '${s.routerId}'`);
  for (const g of [s.mcastGroup4, s.mcastGroup6]) if (g !== undefined && !/^[0-9a-f:.]{2,45}$/.test(g)) throw new Error(`router spec: bad multicast group '${g}'`);
  for (const i of s.instances) {
    const where = `router ${s.routerId} vrid ${i.vrid}`;
    if (!Number.isInteger(i.vrid) || i.vrid < 1 || i.vrid > 255) throw new Error(`${where}: vrid must be 1..255`);
    if (!Number.isInteger(i.priority) || i.priority < 1 || i.priority > 255) throw new Error(`${where}: priority must be 1..255`);
    if (!(i.advertInt >= 0.01 && i.advertInt <= 255)) throw new Error(`${where}: advertInt must be 0.01..255 s`);
    if (i.vips.length === 0) throw new Error(`${where}: no vips`);
    if (new Set(i.vips.map(isV6)).size > 1) throw new Error(`${where}: vips mix IPv4 and IPv6 (keepalived needs one instance per family)`);
    if (i.authPass !== undefined && (i.version ?? 3) !== 2) throw new Error(`${where}: authPass needs version 2 (RFC 5798 §9 removed authentication)`);
    if (i.authPass !== undefined && (i.authPass.length === 0 || i.authPass.length > 8 || /\s/.test(i.authPass))) throw new Error(`${where}: authPass must be 1..8 non-space characters`);
    if (!/^[a-z0-9.]{1,15}$/.test(i.iface ?? "eth0")) throw new Error(`${where}: bad iface`);
  }
}

/** keepalived.conf text for a router spec (also vigil's input). */
export function keepalivedConf(s: RouterSpec): string {
  validateSpec(s);
  const L: string[] = [];
  L.push("global_defs {", `  router_id ${s.routerId}`);
  if (s.rtPriority !== undefined) L.push(`  vrrp_rt_priority ${s.rtPriority}`);
  if (s.mcastGroup4 !== undefined) L.push(`  vrrp_mcast_group4 ${s.mcastGroup4}`);
  if (s.mcastGroup6 !== undefined) L.push(`  vrrp_mcast_group6 ${s.mcastGroup6}`);
  L.push("}", "");
  for (const i of s.instances) {
    const v6 = isV6(i.vips[0]);
    const iface = i.iface ?? "eth0";
    L.push(`vrrp_instance ${i.name ?? `${v6 ? "VI6" : "VI"}_${i.vrid}`} {`);
    L.push("  state BACKUP", `  interface ${iface}`, `  virtual_router_id ${i.vrid}`, `  priority ${i.priority}`);
    L.push(`  advert_int ${i.advertInt}`, `  version ${i.version ?? 3}`);
    if (i.garpMasterDelay !== undefined) L.push(`  garp_master_delay ${i.garpMasterDelay}`);
    if (i.nopreempt) L.push("  nopreempt");
    if (i.preemptDelay !== undefined) L.push(`  preempt_delay ${i.preemptDelay}`);
    if (i.authPass !== undefined) L.push("  authentication {", "    auth_type PASS", `    auth_pass ${i.authPass}`, "  }");
    if (i.unicastSrc) L.push(`  unicast_src_ip ${i.unicastSrc}`);
    if (i.unicastPeers?.length) L.push("  unicast_peer {", ...i.unicastPeers.map((p) => `    ${p}`), "  }");
    for (const x of i.extra ?? []) {
      if (!/^[a-z_]+( [A-Za-z0-9_.]+)*$/.test(x)) throw new Error(`router ${s.routerId} vrid ${i.vrid}: bad extra line '${x}'`);
      L.push(`  ${x}`);
    }
    L.push("  virtual_ipaddress {", ...i.vips.map((a) => `    ${a}/${isV6(a) ? 128 : 32} dev ${iface}`), "  }");
    L.push("}", "");
  }
  return L.join("\n");
}

export interface RouterHandle {
  impl: Impl;
  router: number;
  conf: string;
  proc: LabProc;
  spec: RouterSpec;
}

export function keepalivedArgv(conf: string, base: string): string[] {
  // -n foreground, -l log to stdout, -D detailed, --vrrp only the VRRP child;
  // pid files of our own so no instance sees another (or the system's).
  return ["keepalived", "-n", "-l", "-D", "--vrrp", "-f", conf, "-p", `${base}.pid`, "-r", `${base}.vrrp.pid`, "-c", `${base}.chk.pid`];
}

/**
 * keepalived (its VRRP child only) on router r with the config `text`, written to
 * lab.dir/NAME.conf, its pid files beside it; not waited for (the caller knows what
 * "ready" means for its scenario).
 */
export function spawnKeepalived(lab: Lab, r: number, name: string, text: string, tag = "keepalived"): LabProc {
  const base = join(lab.dir, name);
  writeFileSync(`${base}.conf`, text);
  return lab.spawn(r, keepalivedArgv(`${base}.conf`, base), tag);
}

/**
 * Start `impl` on router r with `spec`. Resolves once the process is up
 * (keepalived: its VRRP child has entered its first state; vigil: its status
 * socket answers); throws with the log's tail if it exits first or is not
 * ready in time.
 */
export async function startRouter(lab: Lab, r: number, impl: Impl, spec: RouterSpec): Promise<RouterHandle> {
  if (impl === "vigil") {
    // vigil.ts owns how the daemon is run (binary choice, status socket, lock dir, readiness).
    const v = await startVigil(lab, r, keepalivedConf(spec));
    return { impl, router: r, conf: v.conf, proc: v.proc, spec };
  }
  const name = `r${r}-${impl}-${lab.procs.length}`;
  const base = join(lab.dir, name);
  const conf = `${base}.conf`;
  const proc = spawnKeepalived(lab, r, name, keepalivedConf(spec), impl);
  const ready = () => existsSync(`${base}.vrrp.pid`) && /Entering (BACKUP|MASTER|FAULT) STATE/.test(lab.logOf(proc));
  const deadline = Date.now() + 10_000;
  let exited = false;
  proc.exited.then(() => { exited = true; });
  await sleep(20);
  while (!exited && !ready() && Date.now() < deadline) await sleep(20);
  if (exited || !ready()) {
    const tail = lab.logOf(proc).split("\n").slice(-15).join("\n");
    lab.kill(r, "SIGKILL");
    throw new Error(`${impl} on router ${r} ${exited ? `exited (${proc.proc.exitCode ?? proc.proc.signalCode})` : "not ready after 10 s"}:\n${tail}`);
  }
  return { impl, router: r, conf, proc, spec };
}

/** Graceful stop (SIGTERM: RFC 5798 §6.4.3 priority-0 advert and VIP removal), bounded, then SIGKILL. */
export async function stopRouter(lab: Lab, h: RouterHandle, timeoutMs = 3000): Promise<void> {
  lab.kill(h.router, "SIGTERM");
  await lab.reap(h.router, timeoutMs);
}

/** keepalived's log lines for a router handle (for diagnostics in failing tests). */
export function routerLog(lab: Lab, h: RouterHandle): string {
  return existsSync(h.proc.log) ? readFileSync(h.proc.log, "utf8") : "";
}
