// keepalived's SIGUSR1 / SIGUSR2 files, for the scripts and exporters that read
// them (keepalived-exporter parses both): keepalived.data (configuration and
// state), keepalived_check.data (the LVS side, as keepalived's checker process
// writes it) and keepalived.stats (per-instance counters). The structure and the
// key names are keepalived 2.2.7's (measured: its files for the same kind of
// config in a lab namespace; check_data.c for the LVS part), for the fields
// vigil has; lines keepalived writes about its own internals (fds, sockpools,
// netlink buffers, timers) are left out, and vigil's own facts (VIP lifetimes,
// checker results) are added as lines of the same shape. The VRRP password is
// not written (keepalived writes it in clear).
//
// Files go where keepalived puts them — $TMPDIR if it is an absolute path, else
// /tmp (keepalived's set_tmp_dir, measured) — under keepalived's names, so readers
// need no change; each is written to a temporary file (mode 0600, as keepalived's
// umask 0177 leaves them) and renamed over the old one: a reader never sees half
// a file and a symlink planted at the name is replaced, not followed.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  type Config, instanceFamily, instanceStrict, instanceVersion, realServerName, type VirtualIpAddress, type VirtualServer, virtualServerName, vrrpSmtpAlert, lvsSmtpAlert,
} from "../config/model.ts";
import type { DaemonStatus, InstanceStatus, TrackedStatus } from "./status-types.ts";

export const DATA_FILE = "keepalived.data";
export const CHECK_DATA_FILE = "keepalived_check.data";
export const STATS_FILE = "keepalived.stats";

/** keepalived's tmp_dir: $TMPDIR when it is absolute, else /tmp */
export function dumpDir(env: Record<string, string | undefined> = process.env): string {
  const t = env.TMPDIR;
  return t?.startsWith("/") ? t : "/tmp";
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** keepalived's timestamps: "1796413455.926984 (Fri Dec  4 19:44:15.926984 2026)", local time */
export function keepalivedTime(ms: number): string {
  const d = new Date(ms);
  const usec = String(Math.round((ms % 1000) * 1000)).padStart(6, "0");
  const clock = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${usec}`;
  return `${Math.floor(ms / 1000)}.${usec} (${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${clock} ${d.getFullYear()})`;
}

/** keepalived prints seconds as integers where they are whole, else as the float it holds */
function secs(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(6);
}

class Text {
  readonly lines: string[] = [];
  w(line: string): void {
    this.lines.push(line);
  }
  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

function vipLine(v: VirtualIpAddress, dev: string, inst: InstanceStatus | undefined): string {
  const host = v.prefix === (v.address.includes(":") ? 128 : 32);
  const k = inst?.vipsInKernel?.find((x) => x.address === v.address && x.prefix === v.prefix);
  const life = k ? ` valid_lft ${k.validLifetime === "forever" ? "forever" : `${k.validLifetime}sec`}` : "";
  return `     ${v.address}${host ? "" : `/${v.prefix}`}${v.brd ? ` brd ${v.brd}` : ""} dev ${v.dev ?? dev} scope ${v.scope ?? "global"}${v.label ? ` label ${v.label}` : ""}${k ? " set" : ""}${life}`;
}

function globalSection(t: Text, cfg: Config, st: DaemonStatus): void {
  const g = cfg.global;
  t.w("------< Global definitions >------");
  t.w(` Router ID = ${g.routerId ?? "(none)"}`);
  if (g.smtpServer) t.w(` Smtp server = ${g.smtpServer}${g.smtpPort !== undefined ? ` port ${g.smtpPort}` : ""}`);
  if (g.notificationEmailFrom) t.w(` Email notification from = ${g.notificationEmailFrom}`);
  for (const e of g.notificationEmail) t.w(` Email notification = ${e}`);
  const fifo = (what: string, f: typeof g.notifyFifo) => {
    if (!f) return;
    t.w(` ${what} notify fifo = ${f.path}${f.user !== undefined ? `, user ${f.user}${f.group !== undefined ? `:${f.group}` : ""}` : ""}`);
    if (f.script) t.w(` ${what} notify fifo script = '${f.script}' '${f.path}'`);
  };
  fifo("Global", g.notifyFifo);
  fifo("VRRP", g.vrrpNotifyFifo);
  fifo("LVS", g.lvsNotifyFifo);
  t.w(` FIFO write vrrp states on reload = ${g.fifoWriteVrrpStatesOnReload}`);
  t.w(` Gratuitous ARP delay = ${secs(g.vrrpGarpMasterDelayMs)}`);
  t.w(` Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`);
  t.w(` Gratuitous ARP refresh timer = ${secs(g.vrrpGarpMasterRefreshMs)}`);
  t.w(` Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`);
  // keepalived dumps these once vrrp_complete_init resolved them (the master's when unset)
  t.w(` Gratuitous ARP lower priority delay = ${secs(g.vrrpGarpLowerPrioDelayMs ?? g.vrrpGarpMasterDelayMs)}`);
  t.w(` Gratuitous ARP lower priority repeat = ${g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat}`);
  t.w(` Gratuitous ARP interval = ${(g.vrrpGarpIntervalMs / 1000).toFixed(6)}`);
  t.w(` Gratuitous NA interval = ${(g.vrrpGnaIntervalMs / 1000).toFixed(6)}`);
  t.w(` VRRP default protocol version = ${g.vrrpVersion}`);
  t.w(` VRRP skip check advert addresses = ${g.vrrpSkipCheckAdvAddr}`);
  t.w(` VRRP strict mode = ${g.vrrpStrict}`);
  t.w(` VRRP process priority = ${g.vrrpPriority ?? 0}`);
  t.w(` VRRP don't swap = ${g.vrrpNoSwap}`);
  t.w(` VRRP realtime priority = ${g.vrrpRtPriority}`);
  t.w(` Script security ${g.enableScriptSecurity ? "enabled" : "disabled"}`);
  if (g.scriptUser !== undefined) t.w(` Default script user = ${g.scriptUser}${g.scriptGroup !== undefined ? `:${g.scriptGroup}` : ""}`);
  // vigil's own
  t.w(` VIP lifetime = ${g.vipLifetimeMs === "permanent" ? "permanent" : `${secs(g.vipLifetimeMs)} sec`}`);
  t.w(` Daemon = vigil ${st.version}, pid ${st.pid}, config ${st.configFile}${st.configSerial !== undefined ? ` serial ${st.configSerial}` : ""}`);
  if (st.metricsListen) t.w(` Metrics = http://${st.metricsListen}/metrics`);
}

function trackedLines(t: Text, tracking: readonly TrackedStatus[] | undefined): void {
  const of = (k: TrackedStatus["kind"]) => (tracking ?? []).filter((x) => x.kind === k);
  const rev = (x: TrackedStatus) => (x.reverse ? " reverse" : "");
  const section = (head: string, items: TrackedStatus[], line: (x: TrackedStatus) => string) => {
    if (!items.length) return;
    t.w(`   ${head} :`);
    for (const x of items) t.w(`     ${line(x)}`);
  };
  section("Tracked interfaces", of("interface"), (x) => `${x.name} weight ${x.weight}${rev(x)}`);
  section("Tracked scripts", of("script"), (x) => `${x.name} weight ${x.weight}${rev(x)}`);
  section("Tracked files", of("file"), (x) => `${x.name}, weight ${x.weight}${rev(x)}`);
  section("Tracked processes", of("process"), (x) => `${x.name}, weight ${x.weight}${rev(x)}`);
}

function topologySection(t: Text, cfg: Config, st: DaemonStatus): void {
  t.w("------< VRRP Topology >------");
  for (const inst of cfg.instances) {
    const s = st.instances.find((i) => i.name === inst.name);
    const version = instanceVersion(cfg, inst);
    const fam = instanceFamily(inst);
    const group = cfg.syncGroups.find((g) => g.group.includes(inst.name));
    t.w(` VRRP Instance = ${inst.name}`);
    t.w(`   VRRP Version = ${version}`);
    if (fam === 6) t.w("   Using Native IPv6");
    if (group) t.w(`   Sync group = ${group.name}`);
    const state = s?.state ?? "INIT";
    t.w(`   State = ${state}`);
    if (inst.unicastPeer.length) {
      t.w("   Flags:");
      t.w("     Using unicast");
    } else t.w("   Flags: none");
    t.w(`   Wantstate = ${state}`);
    if (s?.fault) t.w(`   Fault reason = ${s.fault}`);
    if (s) t.w(`   Last transition = ${keepalivedTime(s.since)}`);
    t.w(`   Interface = ${inst.interface}`);
    if (inst.srcIp) t.w(`   Using src_ip = ${inst.srcIp} (from configuration)`);
    if (!inst.unicastPeer.length) t.w(`   Multicast address ${fam === 6 ? cfg.global.vrrpMcastGroup6 ?? "ff02::12" : cfg.global.vrrpMcastGroup4 ?? "224.0.0.18"}`);
    if (inst.useVmac !== undefined) t.w(`   Use VMAC, i/f ${inst.useVmac || `vrrp.${inst.virtualRouterId}`}${inst.vmacXmitBase ? ", xmit base i/f" : ""}`);
    // keepalived vrrp_data.c dump_vrrp: "Use IPVLAN, i/f %s, is_up = %s%s%s, type %s" (is_up left out, as for the vmac)
    else if (inst.useIpvlan) {
      const v = inst.useIpvlan;
      t.w(`   Use IPVLAN, i/f ${v.name ?? `vrrp.${inst.virtualRouterId}`}${v.address ? `, i/f address = ${v.address}` : ""}, type ${v.type ?? "bridge"}`);
    }
    const g = cfg.global;
    t.w(`   Gratuitous ARP delay = ${secs(inst.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs)}`);
    t.w(`   Gratuitous ARP repeat = ${inst.garpMasterRepeat ?? g.vrrpGarpMasterRepeat}`);
    t.w(`   Gratuitous ARP refresh = ${secs(inst.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs)}`);
    t.w(`   Gratuitous ARP refresh repeat = ${inst.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat}`);
    const strict = instanceStrict(cfg, inst);
    t.w(`   Gratuitous ARP lower priority delay = ${secs(strict ? 0 : inst.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs ?? g.vrrpGarpMasterDelayMs)}`);
    t.w(`   Gratuitous ARP lower priority repeat = ${strict ? 0 : inst.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat}`);
    t.w(`   Virtual Router ID = ${inst.virtualRouterId}`);
    t.w(`   Priority = ${inst.priority}`);
    t.w(`   Effective priority = ${s?.effectivePriority ?? inst.priority}`);
    if (s?.masterAddress) t.w(`   Master router = ${s.masterAddress}${s.masterPriority ? `, priority ${s.masterPriority}` : ""}`);
    t.w(`   Advert interval = ${version === 2 ? `${inst.advertIntMs / 1000} sec` : `${inst.advertIntMs} milli-sec`}`);
    t.w(`   Accept = ${inst.accept === false ? "disabled" : "enabled"}`);
    t.w(`   Preempt = ${inst.nopreempt ? "disabled" : "enabled"}`);
    if (inst.preemptDelayMs) t.w(`   Preempt delay = ${secs(inst.preemptDelayMs)} secs`);
    if (version === 2) t.w(`   Authentication type = ${!inst.authentication ? "none" : inst.authentication.type === "PASS" ? "SIMPLE_PASSWORD" : "IPSEC_AH"}`);
    const dev = inst.interface;
    t.w(`   Virtual IP (${inst.virtualIpaddress.length}):`);
    for (const v of inst.virtualIpaddress) t.w(vipLine(v, dev, s));
    if (inst.virtualIpaddressExcluded.length) {
      t.w("   Virtual IP Excluded :");
      for (const v of inst.virtualIpaddressExcluded) t.w(vipLine(v, dev, s));
    }
    if (inst.unicastPeer.length) {
      t.w("   Unicast Peer :");
      for (const p of inst.unicastPeer) t.w(`     ${p}`);
    }
    trackedLines(t, s?.tracking);
    t.w(`   Using smtp notification = ${vrrpSmtpAlert(g, inst.smtpAlert) ? "yes" : "no"}`);
    t.w(`   Notify deleted = ${inst.notifyDeleted ? "Deleted" : "Fault"}`);
    const lifetime = inst.vipLifetimeMs ?? g.vipLifetimeMs;
    t.w(`   VIP lifetime = ${lifetime === "permanent" ? "permanent" : `${secs(lifetime)} sec`}`);
  }
}

function groupsSection(t: Text, st: DaemonStatus): void {
  const groups = st.syncGroups ?? [];
  if (!groups.length) return;
  t.w("------< VRRP Sync groups >------");
  for (const g of groups) {
    t.w(` VRRP Sync Group = ${g.name}, ${g.state ?? "INIT"}`);
    t.w("   VRRP member instances :");
    for (const m of g.members) t.w(`     ${m}`);
  }
}

/** A tracked item's reading across the instances tracking it (they all get the same results). */
function trackers(st: DaemonStatus, kind: TrackedStatus["kind"], name: string): Array<{ instance: string; item: TrackedStatus }> {
  return st.instances.flatMap((i) => (i.tracking ?? []).filter((x) => x.kind === kind && x.name === name).map((item) => ({ instance: i.name, item })));
}

function scriptsSection(t: Text, cfg: Config, st: DaemonStatus): void {
  if (cfg.scripts.length) t.w("------< VRRP Scripts >------");
  for (const s of cfg.scripts) {
    const users = trackers(st, "script", s.name);
    const up = users.find((u) => u.item.up !== null && u.item.up !== undefined)?.item.up;
    t.w(` VRRP Script = ${s.name}`);
    t.w(`   Command = '${s.script}'`);
    t.w(`   Interval = ${secs(s.intervalMs)} sec`);
    t.w(`   Timeout = ${secs(s.timeoutMs ?? s.intervalMs)} sec`);
    t.w(`   Weight = ${s.weight}${s.weightReverse ? " reverse" : ""}`);
    t.w(`   Rise = ${s.rise}`);
    t.w(`   Fall = ${s.fall}`);
    t.w(`   Init state = ${s.initFail ? "failed" : "unknown"}`);
    t.w(`   Status = ${up === undefined ? "INIT" : up ? "GOOD" : "BAD"}`);
    if (s.user !== undefined) t.w(`   Script user = ${s.user}${s.group !== undefined ? `:${s.group}` : ""}`);
    t.w("   Tracking instances :");
    for (const u of users) t.w(`     ${u.instance}, weight ${u.item.weight}${u.item.reverse ? " reverse" : ""}`);
    t.w("   State = idle");
  }
  const files = cfg.trackFiles.filter((f) => trackers(st, "file", f.name).length);
  if (files.length) t.w("------< VRRP Track files >------");
  for (const f of files) {
    const users = trackers(st, "file", f.name);
    t.w(` Track file = ${f.name}`);
    t.w(`   File = ${f.file}`);
    t.w(`   Status = ${users.find((u) => u.item.value !== undefined)?.item.value ?? 0}`);
    t.w(`   Weight = ${f.weight}${f.weightReverse ? " reverse" : ""}`);
    t.w("   Tracking instances :");
    for (const u of users) t.w(`     ${u.instance}, weight ${u.item.weight}${u.item.reverse ? " reverse" : ""}`);
  }
  const procs = cfg.trackProcesses.filter((p) => trackers(st, "process", p.name).length);
  if (procs.length) t.w("------< VRRP Track processes >------");
  for (const p of procs) {
    const users = trackers(st, "process", p.name);
    const up = users.find((u) => u.item.up !== null && u.item.up !== undefined)?.item.up;
    t.w(` VRRP Track process = ${p.name}`);
    t.w(`   Process = ${[p.process, ...p.parameters].join(" ")}`);
    t.w(`   Min processes = ${p.quorum}`);
    t.w(`   Max processes = ${p.quorumMax}`);
    t.w(`   Have quorum = ${up === undefined ? "unknown" : up}`);
    t.w(`   Weight = ${p.weight}${p.weightReverse ? " reverse" : ""}`);
    t.w(`   Full command = ${p.fullCommand}`);
    t.w("   Tracking instances :");
    for (const u of users) t.w(`     ${u.instance}, weight ${u.item.weight}${u.item.reverse ? " reverse" : ""}`);
  }
}

/** keepalived.data: what keepalived's VRRP process writes on SIGUSR1. */
export function formatData(cfg: Config, st: DaemonStatus): string {
  const t = new Text();
  globalSection(t, cfg, st);
  topologySection(t, cfg, st);
  groupsSection(t, st);
  scriptsSection(t, cfg, st);
  return t.toString();
}

function vsHead(vs: VirtualServer): string {
  if (vs.group !== undefined) return ` VS GROUP = [${vs.group}]:${vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return ` VS FWMARK = ${vs.fwmark}`;
  return ` VS VIP = ${vs.ip}, VPORT = ${vs.port ?? 0}`;
}

/** keepalived_check.data: what keepalived's checker process writes on SIGUSR1 (check_data.c dump_vs/dump_rs). */
export function formatCheckData(cfg: Config, st: DaemonStatus): string {
  const t = new Text();
  globalSection(t, cfg, st);
  t.w("------< LVS Topology >------");
  if (st.ipvs) t.w(` IPVS operations applied = ${st.ipvs.operations}, refused = ${st.ipvs.applyErrors}${st.ipvs.fault ? `, fault: ${st.ipvs.fault}` : ""}`);
  for (const vs of cfg.virtualServers) {
    const name = virtualServerName(vs);
    const d = st.virtualServers?.find((v) => v.virtualServer === name);
    t.w(" ------< Virtual server >------");
    t.w(vsHead(vs));
    t.w(`   delay_loop = ${(vs.delayLoopMs / 1000).toFixed(6)}`);
    t.w(`   lvs_sched = ${vs.lbAlgo}`);
    if (vs.persistenceTimeoutMs !== undefined) t.w(`   persistence timeout = ${vs.persistenceTimeoutMs / 1000}`);
    t.w(`   protocol = ${vs.protocol}`);
    t.w(`   alpha is ${vs.alpha ? "ON" : "OFF"}`);
    t.w(`   omega is ${vs.omega ? "ON" : "OFF"}`);
    t.w(`   Inhibit on failure is ${vs.inhibitOnFailure ? "ON" : "OFF"}`);
    t.w(`   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
    if (vs.haSuspend) t.w(`   Using HA suspend${d?.suspended ? " (suspended: the address is not on this box)" : ""}`);
    t.w(`   default forwarding method = ${vs.lbKind}`);
    if (vs.sorryServer) t.w(`   sorry server = [${vs.sorryServer.ip}]:${vs.protocol.toLowerCase()}:${vs.sorryServer.port ?? 0}`);
    t.w(`   quorum_state_up = ${d ? (d.quorumUp ? 1 : 0) : 1}`);
    t.w(`   Using smtp notification = ${lvsSmtpAlert(cfg.global, vs.smtpAlert, "virtual") ? "yes" : "no"}`);
    for (const rs of vs.realServers) {
      const r = d?.realServers.find((x) => x.realServer === realServerName(rs));
      t.w("   ------< Real server >------");
      t.w(`   RIP = ${rs.ip}, RPORT = ${rs.port ?? 0}, WEIGHT = ${rs.weight} EFF WEIGHT = ${r?.weight ?? rs.weight}`);
      t.w(`   forwarding method = ${vs.lbKind}`);
      t.w(`   Using smtp notification = ${lvsSmtpAlert(cfg.global, rs.smtpAlert, "real") ? "yes" : "no"}`);
      t.w(`   alive = ${r?.alive ? 1 : 0}`);
      for (const c of r?.checkers ?? []) {
        const last = c.lastResult === undefined ? "none yet" : `${c.lastResult === "ok" ? "up" : `down (${c.reason ?? ""})`} after ${c.latencyMs} ms at ${keepalivedTime(c.at ?? 0)}`;
        t.w(`   Checker = ${c.type}, attempts ${c.attempts}, failures ${c.failures}, last ${last}`);
      }
    }
  }
  return t.toString();
}

/** keepalived.stats: what keepalived's VRRP process writes on SIGUSR2 (measured with 2.2.7). */
export function formatStats(st: DaemonStatus): string {
  const t = new Text();
  for (const i of st.instances) {
    const c = (k: string) => i.counters[k] ?? 0;
    t.w(`VRRP Instance: ${i.name}`);
    t.w("  Advertisements:");
    t.w(`    Received: ${c("advertsReceived")}`);
    t.w(`    Sent: ${c("advertsSent")}`);
    t.w(`  Became master: ${c("becameMaster")}`);
    t.w(`  Released master: ${c("releasedMaster")}`);
    t.w("  Packet Errors:");
    t.w(`    Length: ${c("drop_length_mismatch") + c("drop_too_short")}`);
    t.w(`    TTL: ${c("drop_bad_ttl")}`);
    t.w(`    Invalid Type: ${c("drop_bad_type")}`);
    t.w(`    Advertisement Interval: ${c("drop_interval_mismatch")}`);
    t.w(`    Address List: ${c("drop_address_mismatch")}`);
    t.w("  Authentication Errors:");
    t.w(`    Invalid Type: ${c("drop_auth_unsupported")}`);
    t.w(`    Type Mismatch: ${c("drop_auth_type_mismatch")}`);
    t.w(`    Failure: ${c("drop_auth_failure")}`);
    t.w("  Priority Zero:");
    t.w(`    Received: ${c("priorityZeroReceived")}`);
    t.w(`    Sent: ${c("priorityZeroSent")}`);
  }
  return t.toString();
}

/** Writes `text` to dir/name through a fresh temporary file and a rename. */
export function writeDumpFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}
