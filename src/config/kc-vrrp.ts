// keepalived.conf reader for the VRRP side: global_defs, vrrp_script,
// vrrp_sync_group and vrrp_instance (keepalived.conf(5) keyword by keyword).
import type { Stmt } from "./syntax-tree.ts";
import { ipFamily } from "../net/ip-address.ts";
import {
  hCmd, hEnum, hFlag, hGarpExtraIf, hInt, hLifetime, hSec, hStr,
  type Ctx, type Handler, type Raw,
} from "./kc-context.ts";
import { lineList, readRoute, readRule } from "./kc-routes.ts";
import { finishGlobalExtras, globalExtraHandlers } from "./kc-global.ts";
import { globalSwitchHandlers } from "./kc-global-switches.ts";
import { globalLvsHandlers } from "./kc-global-lvs.ts";
import { instanceExtraHandlers } from "./kc-instance-extras.ts";
import { ipvlanHandlers } from "./kc-ipvlan.ts";

export function readGlobal(c: Ctx, s: Stmt, g: Raw) {
  const block = c.needBlock(s);
  if (!block) return;
  c.mark(g, "", s);
  c.dispatch(block, "global_defs", g, {
    router_id: hStr(c, "routerId"),
    notification_email: (st, o) => {
      const list = (o.notificationEmail as string[] | undefined) ?? [];
      for (const w of c.words(st)) list.push(w.text);
      c.putList(o, "notificationEmail", list, st);
    },
    notification_email_from: hStr(c, "notificationEmailFrom"),
    smtp_server: (st, o) => {
      if (!c.noBlock(st)) return;
      if (st.args.length < 1 || st.args.length > 2) return c.error(st, "'smtp_server' takes an address and an optional port");
      c.put(o, "smtpServer", st.args[0]!.text, st, st.args[0]);
      if (st.args[1]) c.put(o, "smtpPort", c.int(st, st.args[1]), st, st.args[1]);
    },
    smtp_connect_timeout: hSec(c, "smtpConnectTimeoutMs"),
    enable_script_security: hFlag(c, "enableScriptSecurity"),
    script_user: (st, o) => userGroup(c, st, o, "scriptUser", "scriptGroup"),
    vrrp_version: (st, o) => {
      const v = c.int(st, c.one(st));
      if (v !== undefined && v !== 2 && v !== 3) return c.error(st, `'vrrp_version' must be 2 or 3, got ${v}`);
      c.put(o, "vrrpVersion", v, st);
    },
    vrrp_strict: hFlag(c, "vrrpStrict"),
    vrrp_skip_check_adv_addr: hFlag(c, "vrrpSkipCheckAdvAddr"),
    vrrp_check_unicast_src: hFlag(c, "vrrpCheckUnicastSrc"),
    vrrp_mcast_group4: hStr(c, "vrrpMcastGroup4"),
    vrrp_mcast_group6: hStr(c, "vrrpMcastGroup6"),
    default_interface: hStr(c, "defaultInterface"),
    vrrp_lower_prio_no_advert: hFlag(c, "vrrpLowerPrioNoAdvert"),
    vrrp_higher_prio_send_advert: hFlag(c, "vrrpHigherPrioSendAdvert"),
    vrrp_garp_lower_prio_repeat: hInt(c, "vrrpGarpLowerPrioRepeat"),
    vrrp_garp_lower_prio_delay: hSec(c, "vrrpGarpLowerPrioDelayMs"),
    vrrp_startup_delay: hSec(c, "vrrpStartupDelayMs"),
    vrrp_min_garp: (st, o) => {
      // keepalived global_parser.c vrrp_min_garp_handler: one gratuitous ARP/NA and no
      // second burst, for the values still at their default when it is read (a later keyword still wins)
      if (c.flag(st) !== true) return;
      for (const [key, dflt, min] of [["vrrpGarpMasterRepeat", 5, 1], ["vrrpGarpMasterDelayMs", 5000, 0]] as const) {
        if (o[key] !== undefined && o[key] !== dflt) continue;
        o[key] = min;
        c.mark(o, key, st);
      }
    },
    vrrp_garp_master_delay: hSec(c, "vrrpGarpMasterDelayMs"),
    vrrp_garp_master_repeat: hInt(c, "vrrpGarpMasterRepeat"),
    vrrp_garp_master_refresh: hSec(c, "vrrpGarpMasterRefreshMs"),
    vrrp_garp_master_refresh_repeat: hInt(c, "vrrpGarpMasterRefreshRepeat"),
    vrrp_garp_interval: hSec(c, "vrrpGarpIntervalMs"),
    vrrp_gna_interval: hSec(c, "vrrpGnaIntervalMs"),
    vrrp_garp_extra_if: hGarpExtraIf(c, "vrrpGarpExtraIfMs", "vrrpGarpExtraIfAll"),
    vrrp_vmac_garp_intvl: hGarpExtraIf(c, "vrrpGarpExtraIfMs", "vrrpGarpExtraIfAll"),
    vrrp_rt_priority: hInt(c, "vrrpRtPriority"),
    vrrp_priority: hInt(c, "vrrpPriority"),
    vrrp_no_swap: hFlag(c, "vrrpNoSwap"),
    vip_lifetime: hLifetime(c, "vipLifetimeMs"),
    lvs_sync_daemon: (st, o) => {
      if (!c.noBlock(st)) return;
      if (st.args.length < 2) return c.error(st, "'lvs_sync_daemon' needs INTERFACE VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group IP]");
      const d: Raw = { interface: st.args[0]!.text, instance: st.args[1]!.text };
      c.mark(d, "", st);
      const opts: Record<string, string> = { id: "syncId", maxlen: "maxlen", port: "port", ttl: "ttl", group: "group" };
      for (let i = 2; i < st.args.length; i += 2) {
        const k = st.args[i]!;
        const v = st.args[i + 1];
        const key = Object.hasOwn(opts, k.text) ? opts[k.text] : undefined;
        if (!key || !v) {
          c.error(st, `'lvs_sync_daemon': unexpected '${k.text}'${v ? "" : " without a value"}`, k);
          continue;
        }
        d[key] = key === "group" ? v.text : c.int(st, v);
        c.mark(d, key, st, v);
      }
      c.put(o, "lvsSyncDaemon", d, st);
    },
    ...globalExtraHandlers(c),
    ...globalSwitchHandlers(c),
    ...globalLvsHandlers(c),
  });
  finishGlobalExtras(c, s, g);
}

function userGroup(c: Ctx, st: Stmt, o: Raw, uk: string, gk: string) {
  if (!c.noBlock(st)) return;
  if (st.args.length < 1 || st.args.length > 2) return c.error(st, `'${st.kw.text}' takes USER [GROUP]`);
  c.put(o, uk, st.args[0]!.text, st, st.args[0]);
  if (st.args[1]) c.put(o, gk, st.args[1].text, st, st.args[1]);
}

/** `vrrp_script NAME { ... }` */
export function readScript(c: Ctx, s: Stmt): Raw | undefined {
  const head = namedBlock(c, s);
  if (!head) return undefined;
  const { block, name, o } = head;
  c.dispatch(block, `vrrp_script ${name}`, o, {
    script: hCmd(c, "script"),
    interval: hSec(c, "intervalMs"),
    timeout: hSec(c, "timeoutMs"),
    weight: hWeightReverse(c),
    rise: hInt(c, "rise"),
    fall: hInt(c, "fall"),
    user: (st, x) => userGroup(c, st, x, "user", "group"),
    init_fail: hFlag(c, "initFail"),
  });
  c.missing(s, o, "script", `vrrp_script ${name}: missing 'script'`);
  return o;
}

/** `KEYWORD NAME { ... }`: its block and the object it fills (named, marked), or undefined once the error is reported. */
function namedBlock(c: Ctx, s: Stmt): { block: Stmt[]; name: string; o: Raw } | undefined {
  const block = c.needBlock(s);
  const name = headerName(c, s);
  if (!block || name === undefined) return undefined;
  const o: Raw = { name };
  c.mark(o, "", s);
  c.mark(o, "name", s, s.args[0]);
  return { block, name, o };
}

function headerName(c: Ctx, s: Stmt): string | undefined {
  if (s.args.length !== 1) {
    c.error(s, `'${s.kw.text}' needs exactly one name, got ${s.args.length}`);
    return undefined;
  }
  return s.args[0]!.text;
}

function notifyHandlers(c: Ctx): Record<string, Handler> {
  return {
    notify_master: hCmd(c, "notifyMaster"),
    notify_backup: hCmd(c, "notifyBackup"),
    notify_fault: hCmd(c, "notifyFault"),
    notify_stop: hCmd(c, "notifyStop"),
    notify: hCmd(c, "notify"),
  };
}

/** `vrrp_sync_group NAME { group { ... } track_* notify_* smtp_alert sync_group_tracking_weight }` */
export function readSyncGroup(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  const name = headerName(c, s);
  if (!block || name === undefined) return undefined;
  const o: Raw = { name };
  c.mark(o, "", s);
  c.dispatch(block, `vrrp_sync_group ${name}`, o, {
    group: (st, x) => {
      const list = (x.group as string[] | undefined) ?? [];
      for (const w of c.words(st)) list.push(w.text);
      c.putList(x, "group", list, st);
    },
    ...notifyHandlers(c),
    smtp_alert: hFlag(c, "smtpAlert"),
    // keepalived 2.2.7 vrrp_parser.c: tracked by every member of the group
    track_interface: trackList(c, "trackInterface", "name"),
    track_script: trackList(c, "trackScript", "script"),
    track_file: trackRefs(c, "trackFile"),
    track_process: trackRefs(c, "trackProcess"),
    sync_group_tracking_weight: hFlag(c, "trackingWeight"),
    notify_priority_changes: hFlag(c, "notifyPriorityChanges"),
    global_tracking: (st, x) => {
      c.warn(st, "'global_tracking' is deprecated, read as 'sync_group_tracking_weight' (as keepalived does)");
      hFlag(c, "trackingWeight")(st, x);
    },
  });
  return o;
}

/** keepalived 2.2.7 vrrp_ipaddress.c's address flags, as model fields (src/daemon/address-options.ts sets them; no_track: plan.ts) */
const ADDRESS_FLAGS: Record<string, "home" | "dad" | "mngtmpaddr" | "noprefixroute" | "autojoin" | "noTrack"> = {
  home: "home", "-nodad": "dad", mngtmpaddr: "mngtmpaddr", noprefixroute: "noprefixroute", autojoin: "autojoin", no_track: "noTrack",
};
/** words `ip addr` knows that keepalived 2.2.7 does not (measured with keepalived -t: "Unknown configuration entry ... - ignoring") */
const NOT_KEEPALIVED: Record<string, string> = {
  nodad: "keepalived 2.2.7 does not know it either (IPv6 addresses are added nodad already; '-nodad' turns DAD on)",
  metric: "keepalived 2.2.7 does not know it either, and ignores the words after it one by one",
};
const INFINITY_LIFE_TIME = 0xffffffff;

/** One `virtual_ipaddress` line: ADDR[/PREFIX] [brd IP] [dev IF] [scope S] [label L] [use_vmac]; a static_ipaddress line [track_group NAME] instead of use_vmac */
function readVip(c: Ctx, st: Stmt, isStatic = false): Raw | undefined {
  if (st.block) {
    c.error(st, "unexpected block inside a virtual_ipaddress list");
    return undefined;
  }
  const words = [st.kw, ...st.args];
  const first = words[0]!;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(first.text);
  if (!m) {
    c.error(st, `'${first.text}' is not ADDRESS[/PREFIX]`, first);
    return undefined;
  }
  const address = m[1]!;
  const v: Raw = { address, prefix: m[2] !== undefined ? Number(m[2]) : address.includes(":") ? 128 : 32 };
  c.mark(v, "", st, first);
  c.mark(v, "address", st, first);
  c.mark(v, "prefix", st, first);
  const opts: Record<string, string> = { dev: "dev", label: "label", scope: "scope", brd: "brd", broadcast: "brd", ...(isStatic ? { track_group: "trackGroup" } : {}) };
  for (let i = 1; i < words.length; i++) {
    const k = words[i]!;
    const key = Object.hasOwn(opts, k.text) ? opts[k.text] : undefined;
    if (!key && k.text === "use_vmac" && !isStatic) {
      // keepalived 2.2.7 vrrp_ipaddress.c: a flag of a virtual address (not of a static one)
      v.useVmac = true;
      c.mark(v, "useVmac", st, k);
      continue;
    }
    if (!key && k.text === "track_group") {
      // keepalived 2.2.7: "Unknown configuration entry 'track_group' for ip address - ignoring" (and its value)
      c.warn(st, "'track_group' is only valid on static_ipaddress entries: keepalived ignores it on a virtual address, and so does vigil", k);
      i++;
      continue;
    }
    if (!key && Object.hasOwn(ADDRESS_FLAGS, k.text)) {
      const flag = ADDRESS_FLAGS[k.text]!;
      v[flag] = true;
      c.mark(v, flag, st, k);
      continue;
    }
    if (!key && k.text === "preferred_lft") {
      const val = words[++i];
      if (!val) {
        c.error(st, "'preferred_lft' needs a value: seconds or 'forever'", k);
        break;
      }
      // keepalived 2.2.7: "preferred_lft bogus is invalid"; 2^32-1 is the kernel's forever
      const n = /^\d{1,10}$/.test(val.text) ? Number(val.text) : NaN;
      if (val.text !== "forever" && !(n <= INFINITY_LIFE_TIME)) {
        c.warn(st, `preferred_lft '${val.text}' is not a number of seconds (0-4294967295) or 'forever', ignored (as keepalived 2.2.7 ignores it)`, val);
        continue;
      }
      v.preferredLft = val.text === "forever" || n === INFINITY_LIFE_TIME ? "forever" : n;
      c.mark(v, "preferredLft", st, val);
      continue;
    }
    if (!key && k.text === "peer") {
      const val = words[++i];
      if (!val) {
        c.error(st, "'peer' needs an address", k);
        break;
      }
      readPeer(c, st, v, k, val);
      continue;
    }
    if (!key) {
      // words keepalived does not know either
      c.unknown({ ...st, kw: k }, `virtual_ipaddress entry ${first.text}`, "unknown address option", NOT_KEEPALIVED[k.text]);
      continue;
    }
    const val = words[++i];
    if (!val) {
      c.error(st, `'${k.text}' needs a value`, k);
      break;
    }
    if (v[key] !== undefined) c.warn(st, `'${k.text}' given more than once`, k);
    v[key] = val.text;
    c.mark(v, key, st, val);
  }
  return v;
}

/**
 * `peer ADDR` as keepalived 2.2.7 vrrp_ipaddress.c reads it (measured with keepalived -t
 * and ip -d addr): a prefix on the peer, a second peer or a peer of the other family is
 * reported and the peer ignored (the address is added without one); a prefix on the
 * address is reported and replaced by 32 / 128, which `ip addr` then shows on the peer.
 */
function readPeer(c: Ctx, st: Stmt, v: Raw, k: Stmt["kw"], val: Stmt["kw"]): void {
  if (v.peer !== undefined) {
    c.warn(st, `peer ${val.text}: another peer has already been specified, ignored (as keepalived 2.2.7 ignores it)`, val);
    return;
  }
  const fam = ipFamily(val.text);
  if (fam === 0) {
    c.warn(st, `'${val.text}' is not a peer address (an address without /PREFIX): ignored, as keepalived 2.2.7 ignores it ("Invalid peer address")`, val);
    return;
  }
  const addrFam = String(v.address).includes(":") ? 6 : 4;
  if (fam !== addrFam) {
    c.warn(st, `peer ${val.text} is not of ${v.address}'s address family: ignored, as keepalived 2.2.7 ignores it`, val);
    return;
  }
  const host = addrFam === 4 ? 32 : 128;
  if (v.prefix !== host) {
    c.warn(st, `a peer address takes no prefix on the address: ${v.address}/${v.prefix} is added as ${v.address} peer ${val.text}/${host}, as keepalived 2.2.7 adds it`, k);
    v.prefix = host;
  }
  v.peer = val.text;
  c.mark(v, "peer", st, val);
}

/** `weight N [reverse]`, as vrrp_script and vrrp_track_process take it */
function hWeightReverse(c: Ctx): Handler {
  return (st, x) => {
    if (!c.noBlock(st)) return;
    const [w, rev, ...extra] = st.args;
    if (!w || extra.length || (rev && rev.text !== "reverse")) return c.error(st, "'weight' takes N [reverse]");
    c.put(x, "weight", c.int(st, w), st, w);
    if (rev) c.put(x, "weightReverse", true, st, rev);
  };
}

function vipList(c: Ctx, key: string): Handler {
  return lineList(c, key, readVip);
}

/**
 * A `track_* { NAME options }` block as a list under `key`: each line's name
 * under `nameKey`, its options read by `options` (false: wrong, already reported, line dropped).
 */
function trackBlock(c: Ctx, key: string, nameKey: string, options: (st: Stmt, line: Stmt, e: Raw) => boolean): Handler {
  return (st, o) => {
    const block = c.needBlock(st);
    if (!block) return;
    const list = (o[key] as Raw[] | undefined) ?? [];
    for (const line of block) {
      if (line.block) {
        c.error(line, `unexpected block inside '${st.kw.text}'`);
        continue;
      }
      const e: Raw = { [nameKey]: line.kw.text };
      c.mark(e, "", line);
      if (options(st, line, e)) list.push(e);
    }
    c.putList(o, key, list, st);
  };
}

/** `track_interface { IF [weight N] }` and `track_script { NAME [weight N] }` */
function trackList(c: Ctx, key: string, nameKey: string): Handler {
  return trackBlock(c, key, nameKey, (st, line, e) => {
    if (line.args.length === 2 && line.args[0]!.text === "weight") {
      e.weight = c.int(line, line.args[1]);
      c.mark(e, "weight", line, line.args[1]);
    } else if (line.args.length) {
      c.error(line, `'${st.kw.text}' entries are NAME [weight N]`, line.args[0]);
      return false;
    }
    return true;
  });
}

/** `track_file { NAME [weight W [reverse|noreverse]] }` and `track_process { ... }` in a vrrp_instance. */
function trackRefs(c: Ctx, key: string): Handler {
  return trackBlock(c, key, "name", (st, line, e) => {
    const [kw, w, dir, ...extra] = line.args;
    if (kw && (kw.text !== "weight" || !w || extra.length || (dir && dir.text !== "reverse" && dir.text !== "noreverse"))) {
      c.error(line, `'${st.kw.text}' entries are NAME [weight W [reverse|noreverse]]`, kw);
      return false;
    }
    if (w) {
      e.weight = c.int(line, w);
      c.mark(e, "weight", line, w);
    }
    if (dir) {
      e.reverse = dir.text === "reverse";
      c.mark(e, "reverse", line, dir);
    }
    return true;
  });
}

/** `vrrp_track_process NAME { ... }` (keepalived 2.2.7 vrrp_parser.c, measured with keepalived -t) */
export function readTrackProcess(c: Ctx, s: Stmt): Raw | undefined {
  const head = namedBlock(c, s);
  if (!head) return undefined;
  const { block, name, o } = head;
  const delay = (keys: string[]): Handler => (st, x) => {
    const v = c.seconds(st, c.one(st));
    for (const k of keys) c.put(x, k, v, st, st.args[0]);
  };
  c.dispatch(block, `vrrp_track_process ${name}`, o, {
    process: (st, x) => {
      if (!c.noBlock(st)) return;
      const [p, ...params] = st.args;
      if (!p) return c.error(st, "'process' needs a process name");
      c.put(x, "process", p.text, st, p);
      if (params.length) {
        // keepalived: parameters mean an exact match of the full command line
        c.putList(x, "parameters", params.map((t) => t.text), st);
        x.paramMatch ??= "exact";
        x.fullCommand = true;
      }
    },
    param_match: (st, x) => {
      if (!c.noBlock(st)) return;
      const v = st.args[0]?.text ?? "exact";
      if (st.args.length > 1 || !["exact", "initial", "partial"].includes(v)) return c.error(st, `'param_match' takes nothing, initial or partial, got '${st.args.map((a) => a.text).join(" ")}'`);
      if (v === "exact" && st.args.length) return c.error(st, "'param_match' takes nothing, initial or partial, got 'exact'", st.args[0]);
      x.paramMatch = v;
      c.mark(x, "paramMatch", st);
      x.fullCommand = true;
    },
    weight: hWeightReverse(c),
    quorum: hInt(c, "quorum"),
    quorum_max: hInt(c, "quorumMax"),
    delay: delay(["forkDelayMs", "terminateDelayMs"]),
    fork_delay: delay(["forkDelayMs"]),
    terminate_delay: delay(["terminateDelayMs"]),
    full_command: hFlag(c, "fullCommand"),
  });
  // keepalived: quorum_max 0 (with no quorum given) means up while no such process runs
  if (o.quorumMax === 0 && (o.quorum === undefined || o.quorum === 1)) o.quorum = 0;
  c.missing(s, o, "process", `vrrp_track_process ${name}: missing 'process'`);
  return o;
}

/** `static_ipaddress { ... }` (top level): VIP syntax */
export function readStaticAddresses(c: Ctx, s: Stmt, root: Raw): void {
  lineList(c, "staticIpaddress", (cx, st) => readVip(cx, st, true))(s, root);
}

/** `static_routes { ... }` / `static_rules { ... }` (top level) */
export function readStaticRoutes(c: Ctx, s: Stmt, root: Raw): void {
  lineList(c, "staticRoutes", readRoute)(s, root);
}
export function readStaticRules(c: Ctx, s: Stmt, root: Raw): void {
  lineList(c, "staticRules", readRule)(s, root);
}

/** `interface_up_down_delays { IFNAME DOWN_DELAY [UP_DELAY] ... }` (top level; UP_DELAY defaults to DOWN_DELAY) */
export function readInterfaceUpDownDelays(c: Ctx, s: Stmt, root: Raw): void {
  lineList(c, "interfaceUpDownDelays", (c, st) => {
    if (!c.noBlock(st)) return undefined;
    if (st.args.length < 1 || st.args.length > 2) {
      c.error(st, `'${st.kw.text}': an interface_up_down_delays line is IFNAME DOWN_DELAY [UP_DELAY]`, st.args[2]);
      return undefined;
    }
    const down = c.seconds(st, st.args[0]);
    const up = st.args[1] ? c.seconds(st, st.args[1]) : down;
    if (down === undefined || up === undefined) return undefined;
    const r: Raw = { interface: st.kw.text, downDelayMs: down, upDelayMs: up };
    c.mark(r, "", st);
    c.mark(r, "downDelayMs", st, st.args[0]);
    c.mark(r, "upDelayMs", st, st.args[1] ?? st.args[0]);
    return r;
  })(s, root);
}

// lvs_sync_daemon_interface inside an instance sets global_defs: the instance
// table is built once per read (Ctx.table), so its handler leaves the settings on
// the instance under this key and readInstance moves them to the global block.
const SYNC_DAEMON_IFACE = Symbol("lvs_sync_daemon_interface");
type WithSyncIface = Raw & { [SYNC_DAEMON_IFACE]?: Array<{ d: Raw; st: Stmt }> };

/** `vrrp_instance NAME { ... }` */
export function readInstance(c: Ctx, s: Stmt, global: Raw): Raw | undefined {
  const head = namedBlock(c, s);
  if (!head) return undefined;
  const { block, name, o } = head;
  c.dispatch(block, `vrrp_instance ${name}`, o, c.table("vrrp_instance", instanceHandlers));
  const sync = (o as WithSyncIface)[SYNC_DAEMON_IFACE];
  if (sync) {
    delete (o as WithSyncIface)[SYNC_DAEMON_IFACE];
    for (const { d, st } of sync) c.put(global, "lvsSyncDaemon", d, st);
  }
  c.missing(s, o, "interface", `vrrp_instance ${name}: missing 'interface'`);
  c.missing(s, o, "virtualRouterId", `vrrp_instance ${name}: missing 'virtual_router_id'`);
  return o;
}

/** The vrrp_instance keywords; per-instance state stays on the instance being read. */
function instanceHandlers(c: Ctx): Record<string, Handler> {
  const src = hStr(c, "srcIp");
  return {
    state: hEnum(c, "state", ["MASTER", "BACKUP"], (x) => x.toUpperCase()),
    interface: hStr(c, "interface"),
    virtual_router_id: hInt(c, "virtualRouterId"),
    priority: hInt(c, "priority"),
    advert_int: hSec(c, "advertIntMs"),
    version: (st, x) => {
      const v = c.int(st, c.one(st));
      if (v !== undefined && v !== 2 && v !== 3) return c.error(st, `'version' must be 2 or 3, got ${v}`);
      c.put(x, "version", v, st);
    },
    native_ipv6: hFlag(c, "nativeIpv6"),
    authentication: (st, x) => {
      const b = c.needBlock(st);
      if (!b) return;
      const a: Raw = {};
      c.mark(a, "", st);
      c.dispatch(b, "authentication", a, {
        auth_type: hEnum(c, "type", ["PASS", "AH"], (v) => v.toUpperCase()),
        auth_pass: hStr(c, "pass"),
      });
      c.missing(st, a, "type", "authentication: missing 'auth_type'");
      c.missing(st, a, "pass", "authentication: missing 'auth_pass'");
      c.put(x, "authentication", a, st);
    },
    virtual_ipaddress: vipList(c, "virtualIpaddress"),
    virtual_ipaddress_excluded: vipList(c, "virtualIpaddressExcluded"),
    track_interface: trackList(c, "trackInterface", "name"),
    track_script: trackList(c, "trackScript", "script"),
    track_file: trackRefs(c, "trackFile"),
    track_process: trackRefs(c, "trackProcess"),
    virtual_routes: lineList(c, "virtualRoutes", readRoute),
    virtual_rules: lineList(c, "virtualRules", readRule),
    ...notifyHandlers(c),
    nopreempt: hFlag(c, "nopreempt"),
    preempt: (st, x) => {
      const f = c.flag(st);
      if (f !== undefined) c.put(x, "nopreempt", !f, st);
    },
    preempt_delay: hSec(c, "preemptDelayMs"),
    unicast_src_ip: src,
    mcast_src_ip: src,
    unicast_peer: (st, x) => {
      const b = c.needBlock(st);
      if (!b) return;
      const list = (x.unicastPeer as string[] | undefined) ?? [];
      for (const line of b) {
        if (line.args.length || line.block) c.unknown({ ...line, kw: line.args[0] ?? line.kw }, `unicast_peer ${line.kw.text}`, "unsupported option");
        c.mark(list, list.length, line);
        list.push(line.kw.text);
      }
      c.putList(x, "unicastPeer", list, st);
    },
    garp_master_delay: hSec(c, "garpMasterDelayMs"),
    garp_master_repeat: hInt(c, "garpMasterRepeat"),
    garp_master_refresh: hSec(c, "garpMasterRefreshMs"),
    garp_master_refresh_repeat: hInt(c, "garpMasterRefreshRepeat"),
    garp_interval: hSec(c, "garpIntervalMs"),
    gna_interval: hSec(c, "gnaIntervalMs"),
    garp_extra_if: hGarpExtraIf(c, "garpExtraIfMs", "garpExtraIfAll"),
    vmac_garp_intvl: hGarpExtraIf(c, "garpExtraIfMs", "garpExtraIfAll"),
    use_vmac: (st, x) => {
      if (!c.noBlock(st)) return;
      if (st.args.length > 1) return c.error(st, "'use_vmac' takes an optional interface name");
      c.put(x, "useVmac", st.args[0]?.text ?? "", st);
    },
    vmac_xmit_base: hFlag(c, "vmacXmitBase"),
    accept: hFlag(c, "accept"),
    no_accept: (st, x) => {
      const f = c.flag(st);
      if (f !== undefined) c.put(x, "accept", !f, st);
    },
    smtp_alert: hFlag(c, "smtpAlert"),
    notify_priority_changes: hFlag(c, "notifyPriorityChanges"),
    notify_master_rx_lower_pri: hCmd(c, "notifyMasterRxLowerPri"),
    // keepalived 2.2.7 vrrp_notify_deleted_handler: the keyword alone, or with the script to run
    notify_deleted: (st, x) => {
      if (!c.noBlock(st)) return;
      c.put(x, "notifyDeleted", true, st);
      if (st.args.length) c.put(x, "notifyDeletedScript", c.command(st), st, st.args[0]);
    },
    check_unicast_src: hFlag(c, "checkUnicastSrc"),
    skip_check_adv_addr: hFlag(c, "skipCheckAdvAddr"),
    unicast_ttl: hInt(c, "unicastTtl"),
    lower_prio_no_advert: hFlag(c, "lowerPrioNoAdvert"),
    higher_prio_send_advert: hFlag(c, "higherPrioSendAdvert"),
    garp_lower_prio_repeat: hInt(c, "garpLowerPrioRepeat"),
    garp_lower_prio_delay: hSec(c, "garpLowerPrioDelayMs"),
    down_timer_adverts: hInt(c, "downTimerAdverts"),
    strict_mode: hFlag(c, "strictMode"),
    dont_track_primary: hFlag(c, "dontTrackPrimary"),
    vip_lifetime: hLifetime(c, "vipLifetimeMs"),
    // keepalived 1.x form, still accepted by 2.x with a deprecation warning
    lvs_sync_daemon_interface: (st, x) => {
      const t = c.one(st);
      if (!t) return;
      c.warn(st, "lvs_sync_daemon_interface in a vrrp_instance is deprecated (as in keepalived); read as global_defs lvs_sync_daemon");
      const d: Raw = { interface: t.text, instance: x.name };
      c.mark(d, "", st);
      ((x as WithSyncIface)[SYNC_DAEMON_IFACE] ??= []).push({ d, st });
    },
    ...instanceExtraHandlers(c),
    ...ipvlanHandlers(c),
  };
}
