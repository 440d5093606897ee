// Config -> keepalived.conf. Values equal to their default are left out, so the
// output reads like a hand-written file; reading it back gives the same Config.
import {
  DEFAULT_CONFIRM_TIMEOUT_MS, defaultCheckerCommon, defaultGlobal, defaultInstance, defaultScript, defaultVirtualServer, DNS_DEFAULT_RETRY,
  SMTP_DEFAULT_HELO, UDP_DEFAULT_MAX_REPLY,
  type Checker, type Config, type FleetConfig, type GlobalDefs, type NotifyScripts, type RealServer, type SmtpHost,
  type SyncGroup, type TrackFile, type VirtualIpAddress, type VirtualServer, type VirtualServerGroup, type VrrpInstance,
  type VrrpScript,
} from "./model.ts";
import { rangeText } from "./vsg-range.ts";
import { writeRoute, writeRule, writeTrackProcess, writeTrackRef } from "./kc-routes-writer.ts";
import { trackGroupSuffix, writeTrackGroups } from "./kc-track-group.ts";
import { writeGlobalExtras } from "./kc-global.ts";
import { writeGlobalSwitches, writeOwnSmtpAlert } from "./kc-global-switches.ts";
import { writeGlobalLvs } from "./kc-global-lvs.ts";
import { writeInstanceExtras } from "./kc-instance-extras.ts";
import { writeIpvlan } from "./kc-ipvlan.ts";
import { writeGarpGroups } from "./kc-garp-group.ts";

/** ms -> keepalived seconds ("1", "0.01", "2.5"). */
export function seconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  return frac ? `${whole}.${String(frac).padStart(3, "0").replace(/0+$/, "")}` : String(whole);
}

/** One value as keepalived reads it: bare if it is one plain word, else quoted. */
export function word(v: string): string {
  if (/["\r\n]/.test(v)) throw new Error(`cannot write ${JSON.stringify(v)} to keepalived.conf: it contains a quote or line break`);
  return v === "" || /[\s{}!#\uff01]/.test(v) ? `"${v}"` : v;
}

/** A command line or path, always in quotes (keepalived has no escapes inside them). */
export function quoted(v: string): string {
  word(v);
  return `"${v}"`;
}

export class Out {
  lines: string[] = [];
  depth = 0;
  line(...parts: Array<string | number>) {
    this.lines.push("    ".repeat(this.depth) + parts.join(" "));
  }
  block(head: string, body: () => void) {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line("}");
  }
  opt(kw: string, v: string | number | undefined, render: (x: never) => string = String) {
    if (v !== undefined) this.line(kw, render(v as never));
  }
  flag(kw: string, v: boolean | undefined) {
    if (v) this.line(kw);
  }
  ifNot<T>(kw: string, v: T, dflt: T, render: (x: T) => string = String) {
    if (v !== dflt) this.line(kw, render(v));
  }
}

export function writeKeepalived(cfg: Config): string {
  const o = new Out();
  o.line("! written by vigil");
  writeGlobal(o, cfg.global);
  // keepalived looks a track_file up when it reads a reference to it: define them first
  for (const t of cfg.trackFiles) writeTrackFile(o, t);
  for (const s of cfg.scripts) writeScript(o, s);
  for (const p of cfg.trackProcesses) writeTrackProcess(o, p);
  if (cfg.interfaceUpDownDelays.length) {
    o.line("");
    o.block("interface_up_down_delays", () => cfg.interfaceUpDownDelays.forEach((d) => o.line(word(d.interface), seconds(d.downDelayMs), seconds(d.upDelayMs))));
  }
  writeTrackGroups(o, cfg.trackGroups);
  writeGarpGroups(o, cfg.garpGroups);
  if (cfg.staticIpaddress.length) o.line(""), o.block("static_ipaddress", () => cfg.staticIpaddress.forEach((v) => o.line(vip(v))));
  if (cfg.staticRoutes.length) o.line(""), o.block("static_routes", () => cfg.staticRoutes.forEach((r) => o.line(writeRoute(r))));
  if (cfg.staticRules.length) o.line(""), o.block("static_rules", () => cfg.staticRules.forEach((r) => o.line(writeRule(r))));
  for (const g of cfg.syncGroups) writeSyncGroup(o, g);
  for (const i of cfg.instances) writeInstance(o, i);
  for (const g of cfg.virtualServerGroups) writeVirtualServerGroup(o, g);
  for (const vs of cfg.virtualServers) writeVirtualServer(o, vs);
  if (cfg.fleet) writeFleet(o, cfg.fleet);
  return `${o.lines.join("\n")}\n`;
}

function lifetime(v: number | "permanent"): string {
  return v === "permanent" ? v : seconds(v);
}

function writeGlobal(o: Out, g: GlobalDefs) {
  const d = defaultGlobal();
  o.line("");
  o.block("global_defs", () => {
    o.opt("router_id", g.routerId, word);
    if (g.notificationEmail.length) o.block("notification_email", () => g.notificationEmail.forEach((e) => o.line(word(e))));
    o.opt("notification_email_from", g.notificationEmailFrom, word);
    if (g.smtpServer !== undefined) o.line("smtp_server", g.smtpServer, ...(g.smtpPort !== undefined ? [g.smtpPort] : []));
    else if (g.smtpPort !== undefined) throw new Error("smtp port without smtp_server cannot be written to keepalived.conf");
    o.ifNot("smtp_connect_timeout", g.smtpConnectTimeoutMs, d.smtpConnectTimeoutMs, seconds);
    o.flag("enable_script_security", g.enableScriptSecurity);
    if (g.scriptUser !== undefined) o.line("script_user", word(g.scriptUser), ...(g.scriptGroup !== undefined ? [word(g.scriptGroup)] : []));
    o.ifNot("vrrp_version", g.vrrpVersion, d.vrrpVersion);
    o.flag("vrrp_strict", g.vrrpStrict);
    o.flag("vrrp_skip_check_adv_addr", g.vrrpSkipCheckAdvAddr);
    o.opt("vrrp_mcast_group4", g.vrrpMcastGroup4);
    o.opt("vrrp_mcast_group6", g.vrrpMcastGroup6);
    o.flag("vrrp_check_unicast_src", g.vrrpCheckUnicastSrc);
    o.opt("default_interface", g.defaultInterface, word);
    if (g.vrrpLowerPrioNoAdvert !== undefined) o.line("vrrp_lower_prio_no_advert", String(g.vrrpLowerPrioNoAdvert));
    if (g.vrrpHigherPrioSendAdvert !== undefined) o.line("vrrp_higher_prio_send_advert", String(g.vrrpHigherPrioSendAdvert));
    o.opt("vrrp_garp_lower_prio_repeat", g.vrrpGarpLowerPrioRepeat);
    o.opt("vrrp_garp_lower_prio_delay", g.vrrpGarpLowerPrioDelayMs, seconds);
    o.opt("vrrp_startup_delay", g.vrrpStartupDelayMs, seconds);
    o.ifNot("vrrp_garp_master_delay", g.vrrpGarpMasterDelayMs, d.vrrpGarpMasterDelayMs, seconds);
    o.ifNot("vrrp_garp_master_repeat", g.vrrpGarpMasterRepeat, d.vrrpGarpMasterRepeat);
    o.ifNot("vrrp_garp_master_refresh", g.vrrpGarpMasterRefreshMs, d.vrrpGarpMasterRefreshMs, seconds);
    o.ifNot("vrrp_garp_master_refresh_repeat", g.vrrpGarpMasterRefreshRepeat, d.vrrpGarpMasterRefreshRepeat);
    o.ifNot("vrrp_garp_interval", g.vrrpGarpIntervalMs, d.vrrpGarpIntervalMs, seconds);
    o.ifNot("vrrp_gna_interval", g.vrrpGnaIntervalMs, d.vrrpGnaIntervalMs, seconds);
    if (g.vrrpGarpExtraIfMs !== undefined) o.line("vrrp_garp_extra_if", ...(g.vrrpGarpExtraIfAll ? ["all"] : []), String(g.vrrpGarpExtraIfMs / 1000));
    o.ifNot("vrrp_rt_priority", g.vrrpRtPriority, d.vrrpRtPriority);
    o.opt("vrrp_priority", g.vrrpPriority);
    o.flag("vrrp_no_swap", g.vrrpNoSwap);
    o.ifNot("vip_lifetime", g.vipLifetimeMs, d.vipLifetimeMs, lifetime);
    const l = g.lvsSyncDaemon;
    if (l) {
      const extra: Array<string | number> = [];
      if (l.syncId !== undefined) extra.push("id", l.syncId);
      if (l.maxlen !== undefined) extra.push("maxlen", l.maxlen);
      if (l.port !== undefined) extra.push("port", l.port);
      if (l.ttl !== undefined) extra.push("ttl", l.ttl);
      if (l.group !== undefined) extra.push("group", l.group);
      o.line("lvs_sync_daemon", word(l.interface), word(l.instance), ...extra);
    }
    writeGlobalExtras(o, g);
    writeGlobalSwitches(o, g);
    writeGlobalLvs(o, g);
  });
}

function writeTrackFile(o: Out, t: TrackFile) {
  o.line("");
  o.block(`track_file ${word(t.name)}`, () => {
    o.line("file", quoted(t.file));
    if (t.weight !== 1 || t.weightReverse) o.line("weight", t.weight, ...(t.weightReverse ? ["reverse"] : []));
    if (t.initFile) o.line("init_file", t.initFile.value, ...(t.initFile.overwrite ? ["overwrite"] : []));
  });
}

function writeScript(o: Out, s: VrrpScript) {
  const d = defaultScript(s.name, s.script);
  o.line("");
  o.block(`vrrp_script ${word(s.name)}`, () => {
    o.line("script", quoted(s.script));
    o.ifNot("interval", s.intervalMs, d.intervalMs, seconds);
    o.opt("timeout", s.timeoutMs, seconds);
    if (s.weight !== d.weight || s.weightReverse) o.line("weight", s.weight, ...(s.weightReverse ? ["reverse"] : []));
    o.ifNot("rise", s.rise, d.rise);
    o.ifNot("fall", s.fall, d.fall);
    if (s.user !== undefined) o.line("user", word(s.user), ...(s.group !== undefined ? [word(s.group)] : []));
    o.flag("init_fail", s.initFail);
  });
}

function notify(o: Out, n: NotifyScripts) {
  o.opt("notify_master", n.notifyMaster, quoted);
  o.opt("notify_backup", n.notifyBackup, quoted);
  o.opt("notify_fault", n.notifyFault, quoted);
  o.opt("notify_stop", n.notifyStop, quoted);
  o.opt("notify", n.notify, quoted);
}

/** track_interface/track_script/track_file/track_process, as a vrrp_instance and a vrrp_sync_group write them */
function tracking(o: Out, t: Pick<VrrpInstance, "trackInterface" | "trackScript" | "trackFile" | "trackProcess">) {
  if (t.trackInterface.length) {
    o.block("track_interface", () => t.trackInterface.forEach((x) => o.line(word(x.name), ...(x.weight !== undefined ? ["weight", x.weight] : []))));
  }
  if (t.trackScript.length) {
    o.block("track_script", () => t.trackScript.forEach((x) => o.line(word(x.script), ...(x.weight !== undefined ? ["weight", x.weight] : []))));
  }
  if (t.trackFile.length) o.block("track_file", () => t.trackFile.forEach((x) => o.line(writeTrackRef(x))));
  if (t.trackProcess.length) o.block("track_process", () => t.trackProcess.forEach((x) => o.line(writeTrackRef(x))));
}

function writeSyncGroup(o: Out, g: SyncGroup) {
  o.line("");
  o.block(`vrrp_sync_group ${word(g.name)}`, () => {
    if (g.group.length) o.block("group", () => g.group.forEach((m) => o.line(word(m))));
    tracking(o, g);
    o.flag("sync_group_tracking_weight", g.trackingWeight);
    if (g.notifyPriorityChanges !== undefined) o.line("notify_priority_changes", String(g.notifyPriorityChanges));
    notify(o, g);
    writeOwnSmtpAlert(o, g.smtpAlert);
  });
}

/** keepalived 2.2.7's address flag words (kc-vrrp.ts reads them back) */
function addressFlagWords(v: VirtualIpAddress): string[] {
  const w: string[] = [];
  if (v.home) w.push("home");
  if (v.dad) w.push("-nodad");
  if (v.mngtmpaddr) w.push("mngtmpaddr");
  if (v.noprefixroute) w.push("noprefixroute");
  if (v.autojoin) w.push("autojoin");
  if (v.preferredLft !== undefined) w.push("preferred_lft", String(v.preferredLft));
  if (v.noTrack) w.push("no_track");
  return w;
}

function vip(v: VirtualIpAddress): string {
  const dflt = v.address.includes(":") ? 128 : 32;
  const parts = [v.prefix === dflt ? v.address : `${v.address}/${v.prefix}`];
  if (v.brd !== undefined) parts.push("brd", v.brd);
  if (v.dev !== undefined) parts.push("dev", word(v.dev));
  if (v.scope !== undefined) parts.push("scope", v.scope);
  if (v.label !== undefined) parts.push("label", word(v.label));
  if (v.peer !== undefined) parts.push("peer", v.peer);
  if (v.useVmac) parts.push("use_vmac");
  parts.push(...addressFlagWords(v));
  parts.push(...trackGroupSuffix(v.trackGroup));
  return parts.join(" ");
}

function writeInstance(o: Out, i: VrrpInstance) {
  const d = defaultInstance(i.name);
  o.line("");
  o.block(`vrrp_instance ${word(i.name)}`, () => {
    o.line("state", i.state);
    o.line("interface", word(i.interface));
    o.line("virtual_router_id", i.virtualRouterId);
    o.line("priority", i.priority);
    o.line("advert_int", seconds(i.advertIntMs));
    o.opt("version", i.version);
    o.flag("native_ipv6", i.nativeIpv6);
    if (i.authentication) {
      const a = i.authentication;
      o.block("authentication", () => {
        o.line("auth_type", a.type);
        o.line("auth_pass", word(a.pass));
      });
    }
    if (i.virtualIpaddress.length) o.block("virtual_ipaddress", () => i.virtualIpaddress.forEach((v) => o.line(vip(v))));
    if (i.virtualIpaddressExcluded.length) o.block("virtual_ipaddress_excluded", () => i.virtualIpaddressExcluded.forEach((v) => o.line(vip(v))));
    tracking(o, i);
    if (i.virtualRoutes.length) o.block("virtual_routes", () => i.virtualRoutes.forEach((r) => o.line(writeRoute(r))));
    if (i.virtualRules.length) o.block("virtual_rules", () => i.virtualRules.forEach((r) => o.line(writeRule(r))));
    notify(o, i);
    o.flag("nopreempt", i.nopreempt);
    o.ifNot("preempt_delay", i.preemptDelayMs, d.preemptDelayMs, seconds);
    o.opt(i.unicastPeer.length ? "unicast_src_ip" : "mcast_src_ip", i.srcIp);
    if (i.unicastPeer.length) o.block("unicast_peer", () => i.unicastPeer.forEach((p) => o.line(p)));
    o.opt("garp_master_delay", i.garpMasterDelayMs, seconds);
    o.opt("garp_master_repeat", i.garpMasterRepeat);
    o.opt("garp_master_refresh", i.garpMasterRefreshMs, seconds);
    o.opt("garp_master_refresh_repeat", i.garpMasterRefreshRepeat);
    o.opt("garp_interval", i.garpIntervalMs, seconds);
    o.opt("gna_interval", i.gnaIntervalMs, seconds);
    if (i.useVmac !== undefined) o.line(...(i.useVmac ? ["use_vmac", word(i.useVmac)] : ["use_vmac"]));
    o.flag("vmac_xmit_base", i.vmacXmitBase);
    writeIpvlan(o, i);
    if (i.accept !== undefined) o.line(i.accept ? "accept" : "no_accept");
    writeOwnSmtpAlert(o, i.smtpAlert);
    if (i.notifyPriorityChanges !== undefined) o.line("notify_priority_changes", String(i.notifyPriorityChanges));
    o.opt("notify_master_rx_lower_pri", i.notifyMasterRxLowerPri, quoted);
    if (i.notifyDeleted) o.line("notify_deleted", ...(i.notifyDeletedScript !== undefined ? [quoted(i.notifyDeletedScript)] : []));
    // keepalived's check_unicast_src takes no value: it only turns the check on
    o.flag("check_unicast_src", i.checkUnicastSrc);
    if (i.skipCheckAdvAddr !== undefined) o.line("skip_check_adv_addr", String(i.skipCheckAdvAddr));
    o.opt("unicast_ttl", i.unicastTtl);
    if (i.lowerPrioNoAdvert !== undefined) o.line("lower_prio_no_advert", String(i.lowerPrioNoAdvert));
    if (i.higherPrioSendAdvert !== undefined) o.line("higher_prio_send_advert", String(i.higherPrioSendAdvert));
    o.opt("garp_lower_prio_repeat", i.garpLowerPrioRepeat);
    o.opt("garp_lower_prio_delay", i.garpLowerPrioDelayMs, seconds);
    if (i.garpExtraIfMs !== undefined) o.line("garp_extra_if", ...(i.garpExtraIfAll ? ["all"] : []), String(i.garpExtraIfMs / 1000));
    o.opt("down_timer_adverts", i.downTimerAdverts);
    if (i.strictMode !== undefined) o.line("strict_mode", String(i.strictMode));
    o.flag("dont_track_primary", i.dontTrackPrimary);
    o.opt("vip_lifetime", i.vipLifetimeMs, lifetime);
    writeInstanceExtras(o, i);
  });
}

function writeVirtualServerGroup(o: Out, g: VirtualServerGroup) {
  o.line("");
  o.block(`virtual_server_group ${word(g.name)}`, () => {
    for (const a of g.addresses) o.line(rangeText(a), ...(a.port !== undefined ? [a.port] : []));
    for (const f of g.fwmarks) o.line("fwmark", f.fwmark, ...(f.family !== undefined ? [f.family] : []));
  });
}

function writeVirtualServer(o: Out, vs: VirtualServer) {
  const d = defaultVirtualServer();
  const head =
    vs.fwmark !== undefined ? `virtual_server fwmark ${vs.fwmark}` : vs.group !== undefined ? `virtual_server group ${word(vs.group)}` : `virtual_server ${vs.ip} ${vs.port}`;
  o.line("");
  o.block(head, () => {
    o.line("delay_loop", seconds(vs.delayLoopMs));
    o.line("lb_algo", vs.lbAlgo);
    o.line("lb_kind", vs.lbKind);
    o.opt("persistence_timeout", vs.persistenceTimeoutMs, seconds);
    o.opt("persistence_granularity", vs.persistenceGranularity);
    // keepalived ignores (and warns about) a protocol on fwmark services
    if (vs.fwmark === undefined || vs.protocol !== d.protocol) o.line("protocol", vs.protocol);
    if (vs.sorryServer) o.line("sorry_server", vs.sorryServer.ip, ...(vs.sorryServer.port !== undefined ? [vs.sorryServer.port] : []));
    o.flag("sorry_server_inhibit", vs.sorryServerInhibit);
    o.ifNot("quorum", vs.quorum, d.quorum);
    o.opt("quorum_up", vs.quorumUp, quoted);
    o.opt("quorum_down", vs.quorumDown, quoted);
    o.ifNot("hysteresis", vs.hysteresis, d.hysteresis);
    o.flag("alpha", vs.alpha);
    o.flag("omega", vs.omega);
    o.flag("inhibit_on_failure", vs.inhibitOnFailure);
    o.flag("ha_suspend", vs.haSuspend);
    o.opt("virtualhost", vs.virtualhost, word);
    writeOwnSmtpAlert(o, vs.smtpAlert);
    for (const rs of vs.realServers) writeRealServer(o, rs);
  });
}

function writeRealServer(o: Out, rs: RealServer) {
  o.block(`real_server ${rs.ip}${rs.port !== undefined ? ` ${rs.port}` : ""}`, () => {
    o.line("weight", rs.weight);
    if (rs.inhibitOnFailure !== undefined) o.line("inhibit_on_failure", String(rs.inhibitOnFailure));
    o.opt("notify_up", rs.notifyUp, quoted);
    o.opt("notify_down", rs.notifyDown, quoted);
    o.opt("uthreshold", rs.uthreshold);
    o.opt("lthreshold", rs.lthreshold);
    o.opt("delay_loop", rs.delayLoopMs, seconds);
    o.opt("virtualhost", rs.virtualhost, word);
    writeOwnSmtpAlert(o, rs.smtpAlert);
    for (const ch of rs.checkers) writeChecker(o, ch);
  });
}

function writeChecker(o: Out, ch: Checker) {
  const d = defaultCheckerCommon();
  if (ch.type === "FILE_CHECK") {
    // keepalived gives FILE_CHECK no common checker options
    o.block(ch.type, () => {
      o.line("track_file", word(ch.trackFile));
      if (ch.weight !== undefined) o.line("weight", ch.weight, ...(ch.weightReverse ? ["reverse"] : []));
    });
    return;
  }
  o.block(ch.type, () => {
    if (ch.type === "HTTP_GET" || ch.type === "SSL_GET") {
      for (const u of ch.url) {
        o.block("url", () => {
          o.line("path", word(u.path));
          o.opt("digest", u.digest);
          if (u.statusCode) o.line("status_code", ...u.statusCode.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)));
          o.opt("virtualhost", u.virtualhost, word);
        });
      }
      o.opt("virtualhost", ch.virtualhost, word);
      if (ch.enableSni !== undefined) o.line("enable_sni", String(ch.enableSni));
    } else if (ch.type === "MISC_CHECK") {
      o.line("misc_path", quoted(ch.miscPath));
      o.opt("misc_timeout", ch.miscTimeoutMs, seconds);
      o.flag("misc_dynamic", ch.miscDynamic);
      if (ch.user !== undefined) o.line("user", word(ch.user), ...(ch.group !== undefined ? [word(ch.group)] : []));
    } else if (ch.type === "DNS_CHECK") {
      o.line("type", ch.dnsType);
      o.line("name", word(ch.name));
    } else if (ch.type === "UDP_CHECK") {
      o.opt("payload", ch.payload);
      if (ch.requireReply) o.line("require_reply", ...(ch.replyData !== undefined ? [ch.replyData] : []));
      else if (ch.replyData !== undefined) throw new Error("UDP_CHECK replyData without requireReply cannot be written to keepalived.conf");
      o.ifNot("min_reply_length", ch.minReplyLength, 0);
      o.ifNot("max_reply_length", ch.maxReplyLength, UDP_DEFAULT_MAX_REPLY);
    } else if (ch.type === "SMTP_CHECK") {
      o.ifNot("helo_name", ch.heloName, SMTP_DEFAULT_HELO, quoted);
    }
    if (ch.type !== "MISC_CHECK") {
      writeConnection(o, ch);
      o.ifNot("connect_timeout", ch.connectTimeoutMs, d.connectTimeoutMs, seconds);
    }
    if (ch.type === "DNS_CHECK") {
      o.ifNot("retry", ch.retry, DNS_DEFAULT_RETRY);
      o.opt("delay_before_retry", ch.delayBeforeRetryMs, seconds);
    } else {
      o.ifNot("retry", ch.retry, d.retry);
      o.ifNot("delay_before_retry", ch.delayBeforeRetryMs, d.delayBeforeRetryMs, seconds);
    }
    o.opt("warmup", ch.warmupMs, seconds);
    o.opt("delay_loop", ch.delayLoopMs, seconds);
    if (ch.logAllFailures !== undefined) o.line("log_all_failures", String(ch.logAllFailures));
    if (ch.type === "SMTP_CHECK") {
      for (const h of ch.host) {
        o.block("host", () => {
          writeConnection(o, h);
          o.opt("connect_timeout", h.connectTimeoutMs, seconds);
        });
      }
    }
  });
}

/** connect_ip/connect_port/bindto/bind_port, and a host block's own connect_timeout. */
function writeConnection(o: Out, c: SmtpHost) {
  o.opt("connect_ip", c.connectIp);
  o.opt("connect_port", c.connectPort);
  o.opt("bindto", c.bindto);
  o.opt("bind_port", c.bindPort);
}

function writeFleet(o: Out, f: FleetConfig) {
  o.line("");
  o.block("vigil_fleet", () => {
    o.line("broker", word(f.broker));
    o.line("fleet", word(f.fleet));
    o.opt("node", f.node, word);
    o.opt("ca_file", f.caFile, word);
    o.opt("cert_file", f.certFile, word);
    o.opt("key_file", f.keyFile, word);
    o.opt("username", f.username, word);
    o.opt("password_file", f.passwordFile, word);
    o.line("payload", f.payload);
    for (const k of f.trustKey) o.line("trust_key", word(k));
    o.line("state_dir", word(f.stateDir));
    o.line("protocol_version", f.protocolVersion);
    o.ifNot("confirm_timeout", f.confirmTimeoutMs, DEFAULT_CONFIRM_TIMEOUT_MS, seconds);
    o.opt("site", f.site, word);
  });
}
