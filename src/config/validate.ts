// Semantic rules over a type-checked Config (ranges and types are spec.ts's
// job): version-dependent advert intervals, address families, references,
// duplicates. Pure: config in, findings out, each with the path of the field.
import { ipFamily } from "../net/ip-address.ts";
import type { FieldPath, Severity } from "./diagnostics.ts";
import { instanceFamily, instanceStrict, instanceVersion, type Config, type VirtualIpAddress } from "./model.ts";
import { validateLvsExtras } from "./validate-lvs.ts";
import { validateVrrpExtras } from "./validate-vrrp.ts";
import { validateTrackGroups } from "./track-groups.ts";
import { validateSyncGroupTracking } from "./validate-sync-group.ts";
import { validateInstanceExtras } from "./validate-instance-extras.ts";
import { validateAddressOptions } from "./validate-address-options.ts";
import { validateGlobalExtras } from "./validate-global.ts";
import { validateGarpGroups } from "./validate-garp-groups.ts";
import { PRIORITY_OWNER } from "../vrrp/params.ts";

export interface Finding {
  severity: Severity;
  path: FieldPath;
  message: string;
}

/** Why `v` is not an address (of family `want`, when given); undefined when it is one, or absent. */
function ipProblem(v: string | undefined, want?: 4 | 6): string | undefined {
  if (v === undefined) return undefined;
  const fam = ipFamily(v);
  if (fam === 0) return `'${v}' is not an IPv4 or IPv6 address`;
  if (want && fam !== want) return `'${v}' is IPv${fam} but IPv${want} is required here`;
  return undefined;
}

// The rules walk every instance, virtual server, real server and checker of a
// config, and a cold `vigil config check` runs them in the interpreter: plain
// loops, and a finding's path is built only when there is a finding
// (test/bench/config-check-phases.ts).
const I = (i: number, ...p: FieldPath): FieldPath => ["instances", i, ...p];
const V = (i: number, ...p: FieldPath): FieldPath => ["virtualServers", i, ...p];
const RS = (i: number, k: number, ...p: FieldPath): FieldPath => ["virtualServers", i, "realServers", k, ...p];
const CH = (i: number, k: number, c: number, ...p: FieldPath): FieldPath => ["virtualServers", i, "realServers", k, "checkers", c, ...p];

export function validateConfig(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  const ipOf = (path: FieldPath, v: string | undefined, want?: 4 | 6): void => {
    const why = ipProblem(v, want);
    if (why) err(path, why);
  };

  function vipsOf(i: number, list: VirtualIpAddress[], field: string, family: 4 | 6, sameFamily: boolean) {
    for (let k = 0; k < list.length; k++) {
      const v = list[k]!;
      const f = ipFamily(v.address);
      if (f === 0) {
        err(I(i, field, k, "address"), `'${v.address}' is not an IPv4 or IPv6 address`);
        continue;
      }
      if (sameFamily && f !== family) err(I(i, field, k, "address"), `'${v.address}' is IPv${f} but this instance is IPv${family}; one instance carries one family`);
      if (f === 4 && v.prefix > 32) err(I(i, field, k, "prefix"), `/${v.prefix} is not an IPv4 prefix length`);
      if (v.brd !== undefined) ipOf(I(i, field, k, "brd"), v.brd, 4);
      if (v.brd !== undefined && f === 6) err(I(i, field, k, "brd"), "IPv6 addresses have no broadcast");
      // keepalived: "Cannot specify scope/label for IPv6 addresses - ignoring"
      if (f === 6 && v.scope !== undefined) warn(I(i, field, k, "scope"), "IPv6 addresses take their scope from the address; scope is ignored (as keepalived does)");
      if (f === 6 && v.label !== undefined) warn(I(i, field, k, "label"), "IPv6 addresses have no label; label is ignored (as keepalived does)");
    }
    // keepalived accepts this (its own sample does it); the kernel holds the address once
    if (list.length > 1) unique(list.map((v) => v.address), (k, a) => warn(I(i, field, k, "address"), `virtual address ${a} listed twice; the kernel holds it once`));
  }

  const g = cfg.global;
  // keepalived writes these as "KEYWORD A [B]": B alone has no spelling
  const pair = (path: FieldPath, first: unknown, second: unknown, a: string, b: string) => {
    if (second !== undefined && first === undefined) err(path, `${b} needs ${a} (keepalived: ${a} [${b}])`);
  };
  pair(["global", "smtpPort"], g.smtpServer, g.smtpPort, "smtp_server", "port");
  pair(["global", "scriptGroup"], g.scriptUser, g.scriptGroup, "script_user", "group");
  cfg.scripts.forEach((s, i) => pair(["scripts", i, "group"], s.user, s.group, "user", "group"));
  for (let i = 0; i < cfg.virtualServers.length; i++) {
    const rss = cfg.virtualServers[i]!.realServers;
    for (let k = 0; k < rss.length; k++) {
      const chs = rss[k]!.checkers;
      for (let c = 0; c < chs.length; c++) {
        const ch = chs[c]!;
        if (ch.type === "MISC_CHECK") pair(["virtualServers", i, "realServers", k, "checkers", c, "group"], ch.user, ch.group, "user", "group");
      }
    }
  }
  ipOf(["global", "smtpServer"], g.smtpServer);
  ipOf(["global", "lvsSyncDaemon", "group"], g.lvsSyncDaemon?.group);
  if (g.lvsSyncDaemon && !cfg.instances.some((i) => i.name === g.lvsSyncDaemon!.instance)) {
    err(["global", "lvsSyncDaemon", "instance"], `lvs_sync_daemon refers to vrrp_instance '${g.lvsSyncDaemon.instance}', which does not exist`);
  }

  unique(cfg.scripts.map((s) => s.name), (i, n) => err(["scripts", i, "name"], `vrrp_script '${n}' is defined twice`));
  unique(cfg.syncGroups.map((s) => s.name), (i, n) => err(["syncGroups", i, "name"], `vrrp_sync_group '${n}' is defined twice`));
  unique(cfg.instances.map((s) => s.name), (i, n) => err(["instances", i, "name"], `vrrp_instance '${n}' is defined twice`));

  const scriptNames = new Set(cfg.scripts.map((s) => s.name));
  const instanceNames = new Set(cfg.instances.map((s) => s.name));
  const memberOf = new Map<string, string>();
  cfg.syncGroups.forEach((sg, gi) => {
    if (sg.group.length === 0) warn(["syncGroups", gi, "group"], `vrrp_sync_group '${sg.name}' has no members (no 'group { ... }'), it does nothing`);
    sg.group.forEach((m, mi) => {
      const p = ["syncGroups", gi, "group", mi];
      if (!instanceNames.has(m)) err(p, `vrrp_sync_group '${sg.name}' refers to vrrp_instance '${m}', which does not exist`);
      else if (memberOf.has(m)) err(p, `vrrp_instance '${m}' is already in vrrp_sync_group '${memberOf.get(m)}'`);
      else memberOf.set(m, sg.name);
    });
  });

  cfg.scripts.forEach((s, i) => {
    if (s.timeoutMs !== undefined && s.timeoutMs > s.intervalMs) {
      warn(["scripts", i, "timeoutMs"], `timeout ${s.timeoutMs / 1000} s is longer than interval ${s.intervalMs / 1000} s`);
    }
  });

  const vrids = new Map<string, number>();
  for (let i = 0; i < cfg.instances.length; i++) {
    const inst = cfg.instances[i]!;
    const version = instanceVersion(cfg, inst);
    const fam = instanceFamily(inst);
    // keepalived strict_mode, or global vrrp_strict: the strict rules of this instance
    const strict = instanceStrict(cfg, inst);
    // RFC 3768 §1: VRRPv2 is IPv4 only; instanceVersion() runs IPv6 instances as v3.
    if (fam === 6 && inst.version === 2) warn(I(i, "version"), "VRRPv2 is IPv4 only (RFC 3768); this IPv6 instance runs VRRPv3, as keepalived does");
    if (version === 2) {
      // RFC 3768 §5.3.7: Adver Int is an 8-bit count of seconds.
      if (inst.advertIntMs % 1000 !== 0) err(I(i, "advertIntMs"), `VRRPv2 advert_int must be whole seconds (RFC 3768 §5.3.7), got ${inst.advertIntMs / 1000} s; use version 3 for sub-second intervals`);
    } else if (inst.advertIntMs > 40_950) {
      // RFC 5798 §5.2.7: 12-bit Max Adver Int in centiseconds.
      err(I(i, "advertIntMs"), `VRRPv3 advert_int is at most 40.95 s (RFC 5798 §5.2.7), got ${inst.advertIntMs / 1000} s`);
    }
    if (inst.authentication) {
      // The field (PASS) and the AH key are 8 octets; keepalived silently truncates longer ones.
      const octets = new TextEncoder().encode(inst.authentication.pass).length;
      if (octets > 8) err(I(i, "authentication", "pass"), `auth_pass is at most 8 octets (RFC 3768 §5.3.10), got ${octets}`);
      if (inst.authentication.type === "AH" && version === 2 && inst.state === "MASTER") {
        warn(I(i, "state"), "auth_type AH: the instance starts as BACKUP (keepalived: \"Initial state master is incompatible with AH authentication - clearing\")");
      }
      if (version === 3) warn(I(i, "authentication"), "VRRPv3 has no authentication (RFC 5798 §9); it is ignored");
      // keepalived logs "Strict mode does not support authentication. Ignoring." and goes on.
      if (strict) warn(I(i, "authentication"), "vrrp_strict: authentication is ignored (as keepalived does)");
    }
    if (strict && (inst.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert)) {
      warn(I(i, "higherPrioSendAdvert"), "vrrp_strict: higher_prio_send_advert is turned off (keepalived: \"strict mode requires higher_prio_send_advert to be clear - resetting\")");
    }
    // keepalived vrrp_complete_instance: "Strict mode requires no repeat garps" / "... no repeat garp delay" - resetting
    if (strict && inst.garpLowerPrioRepeat) warn(I(i, "garpLowerPrioRepeat"), "vrrp_strict: garp_lower_prio_repeat is turned off (keepalived: \"Strict mode requires no repeat garps. resetting\")");
    if (strict && inst.garpLowerPrioDelayMs) warn(I(i, "garpLowerPrioDelayMs"), "vrrp_strict: garp_lower_prio_delay is turned off (keepalived: \"Strict mode requires no repeat garp delay. resetting\")");
    if (inst.unicastTtl !== undefined && inst.unicastPeer.length === 0) {
      warn(I(i, "unicastTtl"), "unicast_ttl without unicast_peer is ignored (keepalived: \"Cannot use unicast_ttl without unicast peers\")");
    }
    if (inst.priority === PRIORITY_OWNER && inst.state === "BACKUP") warn(I(i, "priority"), "priority 255 makes this the address owner, which always starts as MASTER (RFC 5798 §6.4.1)");
    // keepalived: "State MASTER must match being address owner" in strict mode.
    if (strict && inst.state === "MASTER" && inst.priority !== PRIORITY_OWNER) warn(I(i, "state"), "vrrp_strict: state MASTER is only for the address owner (priority 255); starts as BACKUP (as keepalived does)");
    // keepalived vrrp_complete_instance's resets, which the core's parameters follow (vrrp/from-config.ts)
    const startsMaster = inst.state === "MASTER" && (!strict || inst.priority === PRIORITY_OWNER) && inst.authentication?.type !== "AH";
    if (inst.nopreempt && inst.priority === PRIORITY_OWNER) warn(I(i, "nopreempt"), "nopreempt is turned off for the address owner (keepalived: \"nopreempt is incompatible with priority 255. resetting nopreempt\")");
    else if (inst.nopreempt && startsMaster) warn(I(i, "nopreempt"), "nopreempt is turned off by state MASTER (keepalived: \"nopreempt will not work with initial state MASTER - clearing\")");
    if (inst.preemptDelayMs > 0) {
      if (startsMaster) warn(I(i, "preemptDelayMs"), "preempt_delay is turned off by state MASTER (keepalived: \"preempt delay will not work with initial state MASTER - clearing\")");
      else if (strict) warn(I(i, "preemptDelayMs"), "vrrp_strict: preempt_delay is turned off (keepalived: \"preempt_delay is incompatible with strict mode - resetting\")");
      else if (inst.nopreempt) warn(I(i, "preemptDelayMs"), "preempt_delay has no effect with nopreempt (keepalived: \"preempt_delay is incompatible with nopreempt mode - resetting\")");
    }

    vipsOf(i, inst.virtualIpaddress, "virtualIpaddress", fam, true);
    vipsOf(i, inst.virtualIpaddressExcluded, "virtualIpaddressExcluded", fam, false);
    if (inst.virtualIpaddress.length === 0 && strict) err(I(i, "virtualIpaddress"), "vrrp_strict requires at least one virtual_ipaddress");
    if (version === 2 && inst.virtualIpaddress.length > 255) err(I(i, "virtualIpaddress"), "a VRRP advert carries at most 255 addresses");
    if (inst.srcIp !== undefined) ipOf(I(i, "srcIp"), inst.srcIp, fam);
    for (let k = 0; k < inst.unicastPeer.length; k++) ipOf(I(i, "unicastPeer", k), inst.unicastPeer[k], fam);
    if (inst.unicastPeer.length > 1) unique(inst.unicastPeer, (k, p) => warn(I(i, "unicastPeer", k), `unicast_peer ${p} listed twice`));
    if (inst.unicastPeer.length && strict) err(I(i, "unicastPeer"), "vrrp_strict forbids unicast peers");

    for (let k = 0; k < inst.trackScript.length; k++) {
      const t = inst.trackScript[k]!;
      if (!scriptNames.has(t.script)) err(I(i, "trackScript", k, "script"), `track_script refers to vrrp_script '${t.script}', which does not exist`);
    }
    if (inst.trackInterface.length > 1) unique(inst.trackInterface.map((t) => t.name), (k, n) => warn(I(i, "trackInterface", k), `track_interface ${n} listed twice`));
    if (inst.trackScript.length > 1) unique(inst.trackScript.map((t) => t.script), (k, n) => warn(I(i, "trackScript", k), `track_script ${n} listed twice; the second is ignored (as keepalived does)`));

    const key = `${inst.interface}/${fam}/${inst.virtualRouterId}`;
    const prev = vrids.get(key);
    if (prev !== undefined) {
      err(I(i, "virtualRouterId"), `virtual_router_id ${inst.virtualRouterId} on ${inst.interface} (IPv${fam}) is already used by vrrp_instance '${cfg.instances[prev]!.name}'`);
    } else vrids.set(key, i);

  }


  const services = new Map<string, number>();
  for (let i = 0; i < cfg.virtualServers.length; i++) {
    const vs = cfg.virtualServers[i]!;
    const byAddr = vs.ip !== undefined || vs.port !== undefined;
    if ([byAddr, vs.fwmark !== undefined, vs.group !== undefined].filter(Boolean).length !== 1) {
      err(V(i), "a virtual_server is identified by IP and PORT, by fwmark or by group, exactly one of them");
      continue;
    }
    if (byAddr && (vs.ip === undefined || vs.port === undefined)) err(V(i, vs.ip === undefined ? "ip" : "port"), "virtual_server needs both IP and PORT");
    const ipWhy = ipProblem(vs.ip);
    if (ipWhy) err(V(i, "ip"), ipWhy);
    const fam = vs.ip ? ipFamily(vs.ip) : 0;
    const key = vs.fwmark !== undefined ? `fwmark ${vs.fwmark}` : vs.group !== undefined ? `group ${vs.group} ${vs.protocol}` : `${vs.protocol} ${vs.ip} ${vs.port}`;
    if (services.has(key)) err(V(i), `virtual_server ${key} is defined twice`);
    else services.set(key, i);
    if (vs.sorryServer) ipOf(V(i, "sorryServer", "ip"), vs.sorryServer.ip, fam ? (fam as 4 | 6) : undefined);
    if (vs.persistenceGranularity !== undefined) {
      const gOk = fam === 6 ? /^\d{1,3}$/.test(vs.persistenceGranularity) && Number(vs.persistenceGranularity) <= 128 : ipFamily(vs.persistenceGranularity) === 4;
      if (!gOk) err(V(i, "persistenceGranularity"), `persistence_granularity '${vs.persistenceGranularity}' must be ${fam === 6 ? "a prefix length" : "an IPv4 netmask"}`);
    }
    if (vs.haSuspend && vs.fwmark !== undefined) warn(V(i, "haSuspend"), "ha_suspend needs the service address, a fwmark service has none; ignored (as keepalived does)");
    if (vs.haSuspend && vs.group !== undefined) warn(V(i, "haSuspend"), "ha_suspend needs one service address, a group has several; ignored");
    if (vs.realServers.length === 0) warn(V(i, "realServers"), "virtual_server has no real servers: nothing to balance (keepalived ignores it)");
    if (vs.sorryServerInhibit && !vs.sorryServer) warn(V(i, "sorryServerInhibit"), "sorry_server_inhibit without sorry_server has no effect");
    if (vs.sorryServer?.port !== undefined && vs.port !== undefined && vs.lbKind !== "NAT" && vs.sorryServer.port !== vs.port) {
      warn(V(i, "sorryServer", "port"), `lb_kind ${vs.lbKind} cannot map ports: sorry_server port ${vs.sorryServer.port} differs from service port ${vs.port}`);
    }
    if (vs.protocol === "SCTP" && vs.lbKind === "TUN") warn(V(i, "lbKind"), "IPVS TUN forwarding of SCTP is untested");
    if (vs.realServers.length > 1) unique(vs.realServers.map((r) => `${r.ip} ${r.port ?? ""}`), (k, r) => err(V(i, "realServers", k), `real_server ${r} listed twice`));
    let weights = 0;
    for (const r of vs.realServers) weights += r.weight;
    if (vs.quorum > weights) {
      warn(V(i, "quorum"), `quorum ${vs.quorum} exceeds the total weight of the real servers, so the service is never up`);
    }
    if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) warn(V(i, "hysteresis"), "hysteresis should be smaller than quorum");
    const fw = fam ? (fam as 4 | 6) : undefined;
    for (let k = 0; k < vs.realServers.length; k++) {
      const rs = vs.realServers[k]!;
      const rsIpWhy = ipProblem(rs.ip, fw);
      if (rsIpWhy) err(RS(i, k, "ip"), rsIpWhy);
      // keepalived: "fwmark virtual server ..., real server ... has port specified - clearing"
      if (vs.fwmark !== undefined && rs.port !== undefined && vs.lbKind !== "NAT") warn(RS(i, k, "port"), `lb_kind ${vs.lbKind} fwmark service: the real server port ${rs.port} is not used`);
      if (vs.lbKind !== "NAT" && rs.port !== undefined && vs.port !== undefined && rs.port !== vs.port) {
        warn(RS(i, k, "port"), `lb_kind ${vs.lbKind} cannot map ports: real server port ${rs.port} differs from service port ${vs.port}`);
      }
      if (rs.uthreshold !== undefined && rs.lthreshold !== undefined && rs.lthreshold > rs.uthreshold) {
        err(RS(i, k, "lthreshold"), `lthreshold ${rs.lthreshold} is above uthreshold ${rs.uthreshold}`);
      }
      for (let c = 0; c < rs.checkers.length; c++) {
        const ch = rs.checkers[c]!;
        if (ch.type !== "MISC_CHECK" && ch.type !== "FILE_CHECK") {
          if (ch.connectIp !== undefined) ipOf(CH(i, k, c, "connectIp"), ch.connectIp);
          if (ch.bindto !== undefined) ipOf(CH(i, k, c, "bindto"), ch.bindto);
        }
        if (ch.type === "HTTP_GET" || ch.type === "SSL_GET") {
          if (ch.url.length === 0) err(CH(i, k, c, "url"), `${ch.type} needs at least one url`);
          for (let ui = 0; ui < ch.url.length; ui++) {
            const codes = ch.url[ui]!.statusCode;
            if (!codes) continue;
            for (let ri = 0; ri < codes.length; ri++) {
              const r = codes[ri]!;
              if (r.from > r.to) err(CH(i, k, c, "url", ui, "statusCode", ri), `status code range ${r.from}-${r.to} is backwards`);
            }
          }
        }
      }
    }
  }

  for (const f of validateLvsExtras(cfg)) out.push(f);
  for (const f of validateVrrpExtras(cfg)) out.push(f);
  for (const f of validateTrackGroups(cfg)) out.push(f);
  for (const f of validateSyncGroupTracking(cfg)) out.push(f);
  for (const f of validateInstanceExtras(cfg)) out.push(f);
  for (const f of validateAddressOptions(cfg)) out.push(f);
  for (const f of validateGlobalExtras(cfg)) out.push(f);
  for (const f of validateGarpGroups(cfg)) out.push(f);

  if (cfg.fleet) {
    if (cfg.fleet.node === undefined && g.routerId === undefined) err(["fleet", "node"], "vigil_fleet needs 'node' (or global_defs router_id) to name this device");
    if (cfg.fleet.keyFile !== undefined && cfg.fleet.certFile === undefined) err(["fleet", "certFile"], "key_file without cert_file");
    if (cfg.fleet.certFile !== undefined && cfg.fleet.keyFile === undefined) err(["fleet", "keyFile"], "cert_file without key_file");
    if (cfg.fleet.trustKey.length === 0) warn(["fleet", "trustKey"], "no trust_key: configs pushed over MQTT will all be rejected");
  }
  return out;
}

function unique(items: string[], dup: (index: number, item: string) => void) {
  const seen = new Set<string>();
  items.forEach((x, i) => {
    if (seen.has(x)) dup(i, x);
    else seen.add(x);
  });
}
