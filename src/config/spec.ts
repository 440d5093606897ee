// A runtime description of the model in model.ts: field types, ranges and
// defaults. It drives the JSON/CBOR reader (check.ts), the published JSON
// Schema (schema.ts) and the random models of the property tests, so ranges
// are written once. Defaults of the objects model.ts builds with a default*()
// function are that function's values (dflt fields, filled by fromModel), so
// they are written once too, in model.ts; the others are written here only.
// Semantic rules that relate several fields (version-dependent advert_int,
// references, duplicates) live in validate.ts.
import {
  defaultCheckerCommon, defaultFleet, defaultGlobal, defaultInstance, defaultRealServer, defaultScript, defaultSyncGroup, defaultTrackFile,
  defaultTrackProcess, defaultVirtualServer, DNS_DEFAULT_RETRY, LB_ALGOS, LB_KINDS, LVS_PROTOCOLS, SMTP_DEFAULT_HELO, UDP_DEFAULT_MAX_REPLY,
} from "./model.ts";

export type Spec =
  | { kind: "int"; min: number; max: number }
  | { kind: "ms"; min: number; max: number; multipleOf?: number }
  | { kind: "string"; minLength: number; maxLength: number; pattern?: string; format?: "name" | "ip" | "text" }
  | { kind: "bool" }
  | { kind: "enum"; values: readonly (string | number)[] }
  | { kind: "oneOf"; of: Spec[] }
  | { kind: "array"; items: Spec; maxItems: number }
  | ObjectSpec
  | { kind: "tagged"; tag: string; variants: Record<string, ObjectSpec> };

export interface ObjectSpec {
  kind: "object";
  name: string;
  fields: Record<string, Field>;
}

export interface Field {
  spec: Spec;
  optional?: true;
  default?: unknown;
  doc?: string;
}

const U32 = 0xffff_ffff;
const int = (min: number, max: number): Spec => ({ kind: "int", min, max });
const ms = (min: number, max: number, multipleOf?: number): Spec =>
  multipleOf ? { kind: "ms", min, max, multipleOf } : { kind: "ms", min, max };
const bool: Spec = { kind: "bool" };
/** keepalived identifiers (instance, script, group names): one token */
const name: Spec = { kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01]+$", format: "name" };
/** IPv4 or IPv6 literal; syntax checked in validate.ts */
const ip: Spec = { kind: "string", minLength: 2, maxLength: 45, pattern: "^[0-9A-Fa-f:.]+$", format: "ip" };
/** free text that keepalived.conf can still carry in double quotes */
const text: Spec = { kind: "string", minLength: 1, maxLength: 4096, pattern: "^[^\"\\r\\n\\u0000]+$", format: "text" };
const enm = (...values: (string | number)[]): Spec => ({ kind: "enum", values });
const arr = (items: Spec, maxItems = 4096): Spec => ({ kind: "array", items, maxItems });
const obj = (n: string, fields: Record<string, Field>): ObjectSpec => ({ kind: "object", name: n, fields });
const req = (spec: Spec, doc?: string): Field => (doc ? { spec, doc } : { spec });
const opt = (spec: Spec, doc?: string): Field => (doc ? { spec, optional: true, doc } : { spec, optional: true });
const def = (spec: Spec, d: unknown, doc?: string): Field => (doc ? { spec, default: d, doc } : { spec, default: d });

/** Stands for "the model's default": fromModel() puts the value of model.ts's default*() object there. */
const FROM_MODEL = Symbol("the model's default");
const dflt = (spec: Spec, doc?: string): Field => (doc ? { spec, default: FROM_MODEL, doc } : { spec, default: FROM_MODEL });

/**
 * Fills the dflt fields of `fields` from `defaults` (a model.ts default*() object).
 * The two must agree in shape: a dflt field the model has no value for, or a model
 * default that is neither a dflt field nor a required one, fails when the module loads.
 */
function fieldsFromModel(what: string, fields: Record<string, Field>, defaults: object): Record<string, Field> {
  const values = defaults as Record<string, unknown>;
  for (const [k, f] of Object.entries(fields)) {
    if (f.default !== FROM_MODEL) continue;
    if (!(k in values)) throw new Error(`spec ${what}.${k}: marked as a model default, but model.ts has none`);
    f.default = values[k];
  }
  for (const k of Object.keys(values)) {
    const f = fields[k];
    if (!f || (f.default === undefined && f.optional)) throw new Error(`spec ${what}: model.ts has a default for ${k}, the spec no such field with a default`);
  }
  return fields;
}

const fromModel = (o: ObjectSpec, defaults: object): ObjectSpec => obj(o.name, fieldsFromModel(o.name, o.fields, defaults));

const port = int(0, 65535);
// Ranges follow what keepalived 2.2.7 accepts (checked with `keepalived -t`)
// unless the wire format is narrower.
const garpDelay = ms(0, 86_400_000);
const garpRepeat = int(1, 65535);
/** keepalived (vrrp_)garp_lower_prio_delay: whole seconds 0..4294 (read_unsigned_strvec, UINT_MAX / TIMER_HZ) */
const lowerPrioDelay = ms(0, 4_294_000, 1000);
const lifetime: Spec = { kind: "oneOf", of: [ms(1000, 86_400_000, 1000), enm("permanent")] };

const notifyFields: Record<string, Field> = {
  notifyMaster: opt(text),
  notifyBackup: opt(text),
  notifyFault: opt(text),
  notifyStop: opt(text),
  notify: opt(text, "called with: GROUP|INSTANCE name state priority"),
};

export const lvsSyncDaemonSpec = obj("LvsSyncDaemon", {
  interface: req(name),
  instance: req(name),
  syncId: opt(int(0, 255)),
  maxlen: opt(int(1, 65507)),
  port: opt(int(1, 65535)),
  ttl: opt(int(1, 255)),
  group: opt(ip),
});

export const notifyFifoSpec = obj("NotifyFifo", {
  path: req(text, "the FIFO; created (mode 0600) when absent, removed on exit if vigil created it"),
  user: opt(name, "owner of a FIFO vigil creates"),
  group: opt(name),
  script: opt(text, "started once with the FIFO's path as its last argument, to read it"),
  scriptUser: opt(name),
  scriptGroup: opt(name),
});

export const metricsListenSpec = obj("MetricsListen", {
  address: req(ip),
  port: req(int(1, 65535)),
});

/** keepalived LVS_MAX_TIMEOUT: 31 days */
const lvsTimeout = ms(1000, 2_678_400_000, 1000);
export const lvsTimeoutsSpec = obj("LvsTimeouts", { tcpMs: opt(lvsTimeout), tcpFinMs: opt(lvsTimeout), udpMs: opt(lvsTimeout) });

export const globalSpec = fromModel(obj("GlobalDefs", {
  routerId: opt(name),
  notificationEmail: dflt(arr(name, 64)),
  notificationEmailFrom: opt(name),
  smtpServer: opt(ip),
  smtpPort: opt(int(1, 65535)),
  smtpConnectTimeoutMs: dflt(ms(1000, 86_400_000, 1000)),
  enableScriptSecurity: dflt(bool),
  scriptUser: opt(name),
  scriptGroup: opt(name),
  vrrpVersion: dflt(enm(2, 3)),
  vrrpStrict: dflt(bool),
  vrrpSkipCheckAdvAddr: dflt(bool),
  vrrpCheckUnicastSrc: dflt(bool),
  vrrpMcastGroup4: opt(ip, "multicast group of IPv4 adverts; absent = 224.0.0.18 (RFC 5798 §5.1.1.2)"),
  vrrpMcastGroup6: opt(ip, "multicast group of IPv6 adverts; absent = ff02::12 (RFC 5798 §5.1.2.2)"),
  defaultInterface: opt(name, "interface of a static address without dev; absent = eth0 (keepalived)"),
  vrrpLowerPrioNoAdvert: opt(bool, "absent = off, on under vrrpStrict"),
  vrrpHigherPrioSendAdvert: opt(bool, "absent = off"),
  vrrpGarpLowerPrioRepeat: opt(int(0, 65535), "absent = vrrpGarpMasterRepeat"),
  vrrpStartupDelayMs: opt(ms(1, 4_294_967), "after the daemon starts (not on reload) no instance takes over before this; keepalived 0.001..4294.967 s"),
  vrrpGarpLowerPrioDelayMs: opt(lowerPrioDelay, "the lower-priority burst again this much later; absent = vrrpGarpMasterDelayMs"),
  vrrpGarpMasterDelayMs: dflt(garpDelay),
  vrrpGarpMasterRepeat: dflt(garpRepeat),
  vrrpGarpMasterRefreshMs: dflt(garpDelay, "0 = no periodic refresh"),
  vrrpGarpMasterRefreshRepeat: dflt(garpRepeat),
  vrrpGarpIntervalMs: dflt(ms(0, 1000)),
  vrrpGnaIntervalMs: dflt(ms(0, 1000)),
  vrrpGarpExtraIfMs: opt(ms(1000, 86_400_000, 1000), "keepalived vrrp_garp_extra_if: whole seconds; absent = off"),
  vrrpGarpExtraIfAll: opt(bool, "with vrrpGarpExtraIfMs: every VIP interface, not only vmacs"),
  vrrpRtPriority: dflt(int(0, 99), "SCHED_FIFO priority of the advert thread; 0 = not realtime"),
  vrrpPriority: opt(int(-20, 19)),
  vrrpNoSwap: dflt(bool),
  vipLifetimeMs: dflt(lifetime, "VIP valid/preferred lifetime, refreshed by a healthy master"),
  lvsSyncDaemon: opt(lvsSyncDaemonSpec),
  notifyFifo: opt(notifyFifoSpec, "every VRRP and LVS notification as a line (keepalived notify_fifo)"),
  vrrpNotifyFifo: opt(notifyFifoSpec, "INSTANCE/GROUP lines (keepalived vrrp_notify_fifo)"),
  lvsNotifyFifo: opt(notifyFifoSpec, "VS/RS lines (keepalived lvs_notify_fifo)"),
  fifoWriteVrrpStatesOnReload: dflt(bool),
  vrrpNotifyPriorityChanges: dflt(bool, "default of each instance's notifyPriorityChanges"),
  dynamicInterfaces: dflt(enm("off", "on", "allow_if_changes"), "vigil always follows interfaces that come and go; kept for keepalived"),
  metricsListen: opt(metricsListenSpec, "vigil: Prometheus text endpoint (GET /metrics); absent = off"),
  smtpHeloName: opt(name, "HELO/EHLO name of alert mails; absent = routerId when a host name, else the host name"),
  smtpAlert: opt(bool, "default of every smtpAlert not given; absent = off"),
  smtpAlertVrrp: opt(bool, "default of the instances' and sync groups' smtpAlert, before smtpAlert"),
  noEmailFaults: dflt(bool, "no alert mail for a transition to FAULT"),
  smtpAlertChecker: opt(bool, "default of the virtual and real servers' smtpAlert, before smtpAlert"),
  noCheckerEmails: dflt(bool, "mail a checker's up/down only when it changes its real server's state"),
  logUnknownVrids: dflt(bool, "log each advert whose VRID no instance on its interface runs"),
  checkerLogAllFailures: dflt(bool, "log each failed check of a checker that is up, its retries too"),
  rsInitNotifies: dflt(bool, "a real server that starts alive (at start, or added by a reload) runs its notify_up"),
  lvsTimeouts: opt(lvsTimeoutsSpec, "IPVS connection timeouts set when LVS starts and on reload; absent = unchanged"),
  lvsFlush: dflt(bool, "empty the whole IPVS table, foreign services too, when LVS starts"),
  lvsFlushOnStop: dflt(enm("off", "all", "vs"), "all: empty the whole IPVS table at stop; off/vs: remove vigil's services"),
}), defaultGlobal());

export const scriptSpec = fromModel(obj("VrrpScript", {
  name: req(name),
  script: req(text),
  intervalMs: dflt(ms(1000, 86_400_000, 1000)),
  timeoutMs: opt(ms(1000, 86_400_000, 1000)),
  weight: dflt(int(-253, 253)),
  weightReverse: dflt(bool),
  rise: dflt(int(1, 1000)),
  fall: dflt(int(1, 1000)),
  user: opt(name),
  group: opt(name),
  initFail: dflt(bool),
}), defaultScript("", ""));


export const vipSpec = obj("VirtualIpAddress", {
  address: req(ip),
  prefix: req(int(0, 128)),
  dev: opt(name),
  label: opt(name),
  scope: opt(enm("global", "site", "link", "host", "nowhere")),
  brd: opt(ip),
  trackGroup: opt(name, "static_ipaddress only: the trackGroups entry whose instances track dev"),
  useVmac: opt(bool, "virtual addresses only: on a vmac of its own (keepalived's per-address use_vmac)"),
  home: opt(bool, "IFA_F_HOMEADDRESS (IPv6 only; keepalived home)"),
  dad: opt(bool, "IPv6 duplicate address detection runs (keepalived -nodad); absent: added nodad"),
  mngtmpaddr: opt(bool, "IFA_F_MANAGETEMPADDR (IPv6 only)"),
  noprefixroute: opt(bool, "IFA_F_NOPREFIXROUTE: no prefix route"),
  autojoin: opt(bool, "IFA_F_MCAUTOJOIN: join the group of a multicast address"),
  preferredLft: opt({ kind: "oneOf", of: [int(0, 4294967294), enm("forever")] }, "IPv6 only: seconds from when it is added; absent = 0 for a /128, else forever"),
  noTrack: opt(bool, "virtual addresses only: the instance does not track dev (keepalived no_track)"),
  peer: opt(ip, "point-to-point peer (keepalived peer): same family as address; prefix must then be 32 (IPv4) / 128 (IPv6)"),
});

// vrrp_track_process, track_file/track_process references, routes and rules
const trackRefSpec = (what: string) => obj(`Track${what}Ref`, {
  name: req(name),
  weight: opt(int(-254, 254), `absent = the ${what === "File" ? "track_file" : "vrrp_track_process"}'s weight`),
  reverse: opt(bool, "absent = its direction; false = keepalived noreverse"),
});
const ipPrefix: Spec = { kind: "string", minLength: 4, maxLength: 49, pattern: "^[0-9A-Fa-f:.]+/[0-9]{1,3}$", format: "ip" };
const scopeSpec = enm("global", "site", "link", "host", "nowhere");
/** routing table ids: 1..2^32-1 (0 is RT_TABLE_UNSPEC) */
const tableSpec = int(1, U32);

const trackInterfaceSpec = obj("TrackInterface", { name: req(name), weight: opt(int(-254, 254)) });
const trackScriptSpec = obj("TrackScript", { script: req(name), weight: opt(int(-253, 253)) });

export const trackProcessSpec = fromModel(obj("TrackProcess", {
  name: req(name),
  process: req(text),
  parameters: dflt(arr(text, 256), "argv[1..] to match; implies fullCommand"),
  paramMatch: dflt(enm("none", "exact", "partial", "initial")),
  weight: dflt(int(-254, 254), "keepalived 2.2.7 default 0"),
  weightReverse: dflt(bool),
  quorum: dflt(int(0, 65535)),
  quorumMax: dflt(int(0, 65535)),
  forkDelayMs: dflt(ms(0, 3_600_000)),
  terminateDelayMs: dflt(ms(0, 3_600_000)),
  fullCommand: dflt(bool),
}), defaultTrackProcess("", ""));

export const routeSpec = obj("IpRoute", {
  type: def(enm("unicast", "blackhole", "unreachable", "prohibit"), "unicast"),
  to: req(ipPrefix, "destination ADDRESS/PREFIX"),
  via: opt(ip),
  dev: opt(name),
  src: opt(ip),
  metric: opt(int(0, U32)),
  table: opt(tableSpec, "absent = main"),
  scope: opt(scopeSpec),
  onlink: def(bool, false),
  protocol: opt(int(0, 255), "absent = 18 (keepalived)"),
  trackGroup: opt(name, "static_routes only: the trackGroups entry whose instances track dev"),
  noTrack: opt(bool, "virtual routes only: the instance does not track dev (keepalived no_track)"),
});

export const ruleSpec = obj("IpRule", {
  family: def(enm(4, 6), 4),
  from: opt(ipPrefix),
  to: opt(ipPrefix),
  table: opt(tableSpec),
  priority: opt(int(0, U32)),
  iif: opt(name),
  oif: opt(name),
  fwmark: opt(int(0, U32)),
  fwmask: opt(int(0, U32)),
  action: opt(enm("blackhole", "unreachable", "prohibit")),
  invert: def(bool, false),
  trackGroup: opt(name, "static_rules only: the trackGroups entry whose instances track iif"),
});

export const syncGroupSpec = fromModel(obj("SyncGroup", {
  name: req(name),
  group: dflt(arr(name, 256)),
  ...notifyFields,
  smtpAlert: opt(bool, "absent = global smtpAlertVrrp, else smtpAlert, else off"),
  trackInterface: dflt(arr(trackInterfaceSpec, 256)),
  trackScript: dflt(arr(trackScriptSpec, 256)),
  trackFile: dflt(arr(trackRefSpec("File"), 256)),
  trackProcess: dflt(arr(trackRefSpec("Process"), 256)),
  trackingWeight: dflt(bool, "keepalived sync_group_tracking_weight: the members' own tracking weights count"),
  notifyPriorityChanges: opt(bool, "for members that do not say; absent = global vrrpNotifyPriorityChanges"),
}), defaultSyncGroup(""));

export const instanceSpec = fromModel(obj("VrrpInstance", {
  name: req(name),
  state: dflt(enm("MASTER", "BACKUP")),
  interface: req(name),
  virtualRouterId: req(int(1, 255)),
  priority: dflt(int(1, 255)),
  advertIntMs: dflt(ms(10, 255_000, 10)),
  version: opt(enm(2, 3)),
  nativeIpv6: dflt(bool),
  authentication: opt(obj("VrrpAuth", { type: req(enm("PASS", "AH")), pass: req(name) })),
  virtualIpaddress: dflt(arr(vipSpec, 1024)),
  virtualIpaddressExcluded: dflt(arr(vipSpec, 1024)),
  trackInterface: dflt(arr(trackInterfaceSpec, 256)),
  trackScript: dflt(arr(trackScriptSpec, 256)),
  trackFile: dflt(arr(trackRefSpec("File"), 256)),
  trackProcess: dflt(arr(trackRefSpec("Process"), 256)),
  virtualRoutes: dflt(arr(routeSpec, 1024)),
  virtualRules: dflt(arr(ruleSpec, 1024)),
  ...notifyFields,
  nopreempt: dflt(bool),
  preemptDelayMs: dflt(ms(0, 1_000_000, 1000)),
  srcIp: opt(ip),
  unicastPeer: dflt(arr(ip, 256)),
  garpMasterDelayMs: opt(garpDelay),
  garpMasterRepeat: opt(garpRepeat),
  garpMasterRefreshMs: opt(garpDelay),
  garpMasterRefreshRepeat: opt(garpRepeat),
  garpIntervalMs: opt(ms(0, 1000)),
  gnaIntervalMs: opt(ms(0, 1000)),
  garpExtraIfMs: opt(ms(0, 86_400_000, 1000), "keepalived garp_extra_if: whole seconds, 0 = off; absent = global vrrpGarpExtraIfMs"),
  garpExtraIfAll: opt(bool, "with garpExtraIfMs: every VIP interface, not only vmacs"),
  useVmac: opt({ kind: "string", minLength: 0, maxLength: 15, pattern: "^[^\\s\"{}!#\\uff01/]*$" }, '"" = default name'),
  vmacXmitBase: dflt(bool),
  useIpvlan: opt(obj("UseIpvlan", {
    name: opt({ kind: "string", minLength: 1, maxLength: 15, pattern: "^[^\\s\"{}!#\\uff01/]*$" }, "absent = vrrp.<VRID>"),
    address: opt(ipPrefix, "ADDRESS/PREFIX on the ipvlan; the advert source unless mcastSrcIp is set"),
    type: opt(enm("bridge", "private", "vepa"), "absent = bridge"),
  }), "keepalived use_ipvlan: an L2 ipvlan on the interface carries the VIPs (instead of useVmac)"),
  accept: opt(bool),
  smtpAlert: opt(bool, "absent = global smtpAlertVrrp, else smtpAlert, else off"),
  notifyPriorityChanges: opt(bool, "MASTER_PRIORITY/BACKUP_PRIORITY lines on the notify FIFOs; absent = the sync group's, else global"),
  checkUnicastSrc: opt(bool, "absent = global vrrpCheckUnicastSrc"),
  skipCheckAdvAddr: opt(bool, "absent = global vrrpSkipCheckAdvAddr"),
  unicastTtl: opt(int(1, 255), "TTL of unicast adverts; absent = 255"),
  lowerPrioNoAdvert: opt(bool, "absent = global vrrpLowerPrioNoAdvert"),
  higherPrioSendAdvert: opt(bool, "absent = global vrrpHigherPrioSendAdvert"),
  garpLowerPrioRepeat: opt(int(0, 65535), "absent = global vrrpGarpLowerPrioRepeat"),
  garpLowerPrioDelayMs: opt(lowerPrioDelay, "0 = no second burst; absent = global vrrpGarpLowerPrioDelayMs"),
  strictMode: opt(bool, "vrrp_strict for this instance; absent = global vrrpStrict"),
  downTimerAdverts: opt(int(1, 100), "Master_Down_Interval in advert intervals (+ Skew_Time); absent = 3 (RFC 5798 §6.1); all routers of the VRID must agree"),
  notifyMasterRxLowerPri: opt(text, "run when the master hears an advert of lower priority"),
  promoteSecondaries: opt(bool, "net.ipv4.conf.<interface>.promote_secondaries = 1 while the instance runs (put back to 0 at stop if vigil set it)"),
  trackSrcIp: opt(bool, "FAULT while srcIp is not on the instance's interface"),
  useVmacAddr: opt(bool, "VIPs on other interfaces or of the other family get a vmac of their own (one per interface and family)"),
  notifyDeleted: opt(bool, "a reload that removes the instance notifies DELETED instead of FAULT"),
  notifyDeletedScript: opt(text, "run when a reload removes the instance; needs notifyDeleted"),
  oldUnicastChecksum: opt(enm("always", "never"), "VRRPv3 IPv4 unicast: always = keepalived <= 1.3.6's checksum (pseudo-header to the multicast group); never = RFC 5798's only; absent = RFC 5798's, switching when a peer's advert carries the old one"),
  dontTrackPrimary: dflt(bool),
  vipLifetimeMs: opt(lifetime),
}), defaultInstance(""));

const checkerCommon: Record<string, Field> = fieldsFromModel("CheckerCommon", {
  connectIp: opt(ip),
  connectPort: opt(int(1, 65535)),
  bindto: opt(ip),
  bindPort: opt(int(1, 65535)),
  connectTimeoutMs: dflt(ms(1, 3_600_000)),
  retry: dflt(int(0, 1000)),
  delayBeforeRetryMs: dflt(ms(0, 3_600_000)),
  warmupMs: opt(ms(0, 3_600_000)),
  delayLoopMs: opt(ms(1, 86_400_000)),
  logAllFailures: opt(bool, "log each failed attempt while up; absent = global checkerLogAllFailures only"),
}, defaultCheckerCommon());

/** UDP payload bound: the largest IPv4 UDP datagram */
const UDP_MAX_PAYLOAD = 65_507;
/** Hex bytes as the model keeps them: lowercase, two digits per byte ('x' = any nibble in a reply pattern). */
const hexBytes = (maxBytes: number, nibbleWildcard: boolean): Spec => ({
  kind: "string",
  minLength: 2,
  maxLength: maxBytes * 2,
  pattern: nibbleWildcard ? "^([0-9a-fx]{2})+$" : "^([0-9a-f]{2})+$",
});
const smtpHostSpec = obj("SmtpHost", {
  connectIp: opt(ip),
  connectPort: opt(int(1, 65535)),
  bindto: opt(ip),
  bindPort: opt(int(1, 65535)),
  connectTimeoutMs: opt(ms(1, 3_600_000), "absent = the SMTP_CHECK's connect_timeout"),
});

const statusRange = obj("StatusCodeRange", { from: req(int(100, 599)), to: req(int(100, 599)) });
const urlSpec = obj("HttpUrl", {
  path: req(text),
  digest: opt({ kind: "string", minLength: 32, maxLength: 32, pattern: "^[0-9a-f]{32}$" }),
  statusCode: opt(arr(statusRange, 64)),
  virtualhost: opt(name),
});
const httpFields = (t: string) =>
  obj("HttpCheck", {
    type: req(enm(t)),
    ...checkerCommon,
    url: req(arr(urlSpec, 256)),
    virtualhost: opt(name),
    enableSni: opt(bool),
  });

export const checkerSpec: Spec = {
  kind: "tagged",
  tag: "type",
  variants: {
    TCP_CHECK: obj("TcpCheck", { type: req(enm("TCP_CHECK")), ...checkerCommon }),
    HTTP_GET: httpFields("HTTP_GET"),
    SSL_GET: httpFields("SSL_GET"),
    MISC_CHECK: obj("MiscCheck", {
      type: req(enm("MISC_CHECK")),
      retry: checkerCommon.retry!,
      delayBeforeRetryMs: checkerCommon.delayBeforeRetryMs!,
      warmupMs: checkerCommon.warmupMs!,
      delayLoopMs: checkerCommon.delayLoopMs!,
      logAllFailures: checkerCommon.logAllFailures!,
      miscPath: req(text),
      miscTimeoutMs: opt(ms(1000, 86_400_000, 1000)),
      miscDynamic: def(bool, false),
      user: opt(name),
      group: opt(name),
    }),
    DNS_CHECK: obj("DnsCheck", {
      type: req(enm("DNS_CHECK")),
      ...checkerCommon,
      // keepalived check_dns.c: DNS_DEFAULT_RETRY, and delay_before_retry defaults to the delay loop
      retry: def(int(0, 1000), DNS_DEFAULT_RETRY),
      delayBeforeRetryMs: opt(ms(0, 3_600_000), "absent = the delay loop"),
      dnsType: def(enm("A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"), "SOA"),
      // a DNS name: labels of letters, digits, '-' and '_', or "." for the root
      name: def({ kind: "string", minLength: 1, maxLength: 253, pattern: "^(\\.|([A-Za-z0-9_-]{1,63}\\.)*[A-Za-z0-9_-]{1,63}\\.?)$" }, "."),
    }),
    PING_CHECK: obj("PingCheck", { type: req(enm("PING_CHECK")), ...checkerCommon }),
    UDP_CHECK: obj("UdpCheck", {
      type: req(enm("UDP_CHECK")),
      ...checkerCommon,
      payload: opt(hexBytes(UDP_MAX_PAYLOAD, false), "lowercase hex, two digits a byte; absent = keepalived's 32-byte filler"),
      requireReply: def(bool, false),
      replyData: opt(hexBytes(UDP_MAX_PAYLOAD, true), "expected reply prefix, lowercase hex, x = any nibble; needs requireReply"),
      minReplyLength: def(int(0, 65535), 0),
      maxReplyLength: def(int(0, 65535), UDP_DEFAULT_MAX_REPLY),
    }),
    SMTP_CHECK: obj("SmtpCheck", {
      type: req(enm("SMTP_CHECK")),
      ...checkerCommon,
      heloName: def(text, SMTP_DEFAULT_HELO),
      host: def(arr(smtpHostSpec, 64), [], "deprecated keepalived host { } blocks: every host is checked and must pass"),
    }),
    FILE_CHECK: obj("FileCheck", {
      type: req(enm("FILE_CHECK")),
      trackFile: req(name, "name of a trackFiles entry"),
      weight: opt(int(-2_147_483_647, 2_147_483_647), "absent = the track file's weight and direction"),
      weightReverse: def(bool, false, "only with weight"),
    }),
  },
};

export const realServerSpec = fromModel(obj("RealServer", {
  ip: req(ip),
  port: opt(port),
  weight: dflt(int(0, 2_147_483_647)),
  inhibitOnFailure: opt(bool),
  notifyUp: opt(text),
  notifyDown: opt(text),
  uthreshold: opt(int(0, 65535)),
  lthreshold: opt(int(0, 65535)),
  delayLoopMs: opt(ms(1, 86_400_000)),
  virtualhost: opt(name),
  smtpAlert: opt(bool, "mail its checkers' up/down; absent = global smtpAlertChecker, else smtpAlert, else on"),
  checkers: dflt(arr(checkerSpec, 16)),
}), defaultRealServer(""));

export const virtualServerSpec = fromModel(obj("VirtualServer", {
  ip: opt(ip),
  port: opt(port),
  fwmark: opt(int(1, U32)),
  group: opt(name, "name of a virtualServerGroups entry"),
  protocol: dflt(enm(...LVS_PROTOCOLS)),
  lbAlgo: dflt(enm(...LB_ALGOS)),
  lbKind: dflt(enm(...LB_KINDS)),
  delayLoopMs: dflt(ms(1, 86_400_000)),
  persistenceTimeoutMs: opt(ms(1000, U32 * 1000, 1000)),
  persistenceGranularity: opt({ kind: "string", minLength: 1, maxLength: 39, pattern: "^[0-9A-Fa-f:.]+$" }),
  sorryServer: opt(obj("SorryServer", { ip: req(ip), port: opt(port) })),
  sorryServerInhibit: dflt(bool),
  quorum: dflt(int(1, 1_000_000)),
  quorumUp: opt(text),
  quorumDown: opt(text),
  hysteresis: dflt(int(0, 1_000_000)),
  alpha: dflt(bool),
  omega: dflt(bool),
  inhibitOnFailure: dflt(bool),
  haSuspend: dflt(bool),
  virtualhost: opt(name),
  smtpAlert: opt(bool, "mail quorum changes; absent = global smtpAlertChecker, else smtpAlert, else off"),
  realServers: dflt(arr(realServerSpec, 65536)),
}), defaultVirtualServer());

export const trackFileSpec = fromModel(obj("TrackFile", {
  name: req(name),
  file: req(text),
  // keepalived 2.2.7 track_file_weight_handler reads -254..254
  weight: dflt(int(-254, 254)),
  weightReverse: dflt(bool),
  initFile: opt(obj("TrackFileInit", { value: def(int(-2_147_483_648, 2_147_483_647), 0), overwrite: def(bool, false) })),
}), defaultTrackFile("", ""));

export const virtualServerGroupSpec = obj("VirtualServerGroup", {
  name: req(name),
  addresses: def(arr(obj("VsgAddress", { ip: req(ip), to: opt(ip, "last address of a range"), port: opt(int(1, 65535), "absent = all ports") }), 4096), []),
  fwmarks: def(arr(obj("VsgFwmark", { fwmark: req(int(1, U32)), family: opt(enm("inet", "inet6")) }), 4096), []),
});

export const fleetSpec = fromModel(obj("FleetConfig", {
  broker: req({ kind: "string", minLength: 1, maxLength: 2048, pattern: "^(mqtts?|wss?)://[^\\s\"]+$" }),
  fleet: req({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }),
  node: opt({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }),
  caFile: opt(text),
  certFile: opt(text),
  keyFile: opt(text),
  username: opt(name),
  passwordFile: opt(text),
  payload: dflt(enm("cbor", "json")),
  trustKey: dflt(arr(text, 64)),
  stateDir: dflt(text),
  protocolVersion: dflt(enm(5, 4)),
  confirmTimeoutMs: dflt(ms(0, 3_600_000), "commit-confirm window after a pushed config is applied; 0 = accept at once"),
  site: opt({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }, "where the node stands: routers back each other up only within one site"),
}), defaultFleet());

export const configSpec = obj("Config", {
  global: def(globalSpec, {}),
  scripts: def(arr(scriptSpec, 1024), []),
  syncGroups: def(arr(syncGroupSpec, 256), []),
  instances: def(arr(instanceSpec, 1024), []),
  trackFiles: def(arr(trackFileSpec, 1024), []),
  virtualServerGroups: def(arr(virtualServerGroupSpec, 1024), []),
  virtualServers: def(arr(virtualServerSpec, 16384), []),
  fleet: opt(fleetSpec),
  trackProcesses: def(arr(trackProcessSpec, 1024), []),
  staticIpaddress: def(arr(vipSpec, 1024), []),
  staticRoutes: def(arr(routeSpec, 4096), []),
  staticRules: def(arr(ruleSpec, 4096), []),
  interfaceUpDownDelays: def(arr(obj("InterfaceUpDownDelay", {
    interface: req(name),
    // keepalived: at most 255 s
    downDelayMs: req(ms(0, 255_000)),
    upDelayMs: req(ms(0, 255_000)),
  }), 1024), []),
  trackGroups: def(arr(obj("TrackGroup", {
    name: req(name),
    group: req(arr(name, 1024), "vrrp_instance names"),
  }), 1024), [], "keepalived track_group: instances that track the interfaces of the static entries naming the group"),
  garpGroups: def(arr(obj("GarpGroup", {
    // keepalived read_decimal_unsigned_strvec 0..INT_MAX µs; vigil keeps ms
    garpIntervalMs: opt(ms(0, 2_147_483), "least time between gratuitous ARPs on these interfaces together; absent = not spaced"),
    gnaIntervalMs: opt(ms(0, 2_147_483), "least time between unsolicited NAs on these interfaces together; absent = not spaced"),
    interfaces: req(arr(name, 1024), "one interface, or an aggregate sharing the spacing"),
  }), 1024), []),
});
