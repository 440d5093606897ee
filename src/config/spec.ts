// A runtime description of the model in model.ts: field types, ranges and
// defaults. It drives the JSON/CBOR reader (check.ts), the published JSON
// Schema (schema.ts) and the random models of the property tests, so ranges
// and defaults are written once. Semantic rules that relate several fields
// (version-dependent advert_int, references, duplicates) live in validate.ts.
import {
  DEFAULT_CONFIRM_TIMEOUT_MS, DEFAULT_VIP_LIFETIME_MS, DNS_DEFAULT_RETRY, LB_ALGOS, LB_KINDS, LVS_PROTOCOLS, SMTP_DEFAULT_HELO, UDP_DEFAULT_MAX_REPLY,
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

const port = int(0, 65535);
// Ranges follow what keepalived 2.2.7 accepts (checked with `keepalived -t`)
// unless the wire format is narrower.
const garpDelay = ms(0, 86_400_000);
const garpRepeat = int(1, 65535);
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

export const globalSpec = obj("GlobalDefs", {
  routerId: opt(name),
  notificationEmail: def(arr(name, 64), []),
  notificationEmailFrom: opt(name),
  smtpServer: opt(ip),
  smtpPort: opt(int(1, 65535)),
  smtpConnectTimeoutMs: def(ms(1000, 86_400_000, 1000), 30_000),
  enableScriptSecurity: def(bool, false),
  scriptUser: opt(name),
  scriptGroup: opt(name),
  vrrpVersion: def(enm(2, 3), 2),
  vrrpStrict: def(bool, false),
  vrrpSkipCheckAdvAddr: def(bool, false),
  vrrpGarpMasterDelayMs: def(garpDelay, 5000),
  vrrpGarpMasterRepeat: def(garpRepeat, 5),
  vrrpGarpMasterRefreshMs: def(garpDelay, 0, "0 = no periodic refresh"),
  vrrpGarpMasterRefreshRepeat: def(garpRepeat, 1),
  vrrpGarpIntervalMs: def(ms(0, 1000), 0),
  vrrpGnaIntervalMs: def(ms(0, 1000), 0),
  vrrpRtPriority: def(int(0, 99), 10, "SCHED_FIFO priority of the advert thread; 0 = not realtime"),
  vrrpPriority: opt(int(-20, 19)),
  vrrpNoSwap: def(bool, false),
  vipLifetimeMs: def(lifetime, DEFAULT_VIP_LIFETIME_MS, "VIP valid/preferred lifetime, refreshed by a healthy master"),
  lvsSyncDaemon: opt(lvsSyncDaemonSpec),
  notifyFifo: opt(notifyFifoSpec, "every VRRP and LVS notification as a line (keepalived notify_fifo)"),
  vrrpNotifyFifo: opt(notifyFifoSpec, "INSTANCE/GROUP lines (keepalived vrrp_notify_fifo)"),
  lvsNotifyFifo: opt(notifyFifoSpec, "VS/RS lines (keepalived lvs_notify_fifo)"),
  fifoWriteVrrpStatesOnReload: def(bool, false),
  vrrpNotifyPriorityChanges: def(bool, false, "default of each instance's notifyPriorityChanges"),
  dynamicInterfaces: def(enm("off", "on", "allow_if_changes"), "off", "vigil always follows interfaces that come and go; kept for keepalived"),
  metricsListen: opt(metricsListenSpec, "vigil: Prometheus text endpoint (GET /metrics); absent = off"),
});

export const scriptSpec = obj("VrrpScript", {
  name: req(name),
  script: req(text),
  intervalMs: def(ms(1000, 86_400_000, 1000), 1000),
  timeoutMs: opt(ms(1000, 86_400_000, 1000)),
  weight: def(int(-253, 253), 0),
  weightReverse: def(bool, false),
  rise: def(int(1, 1000), 1),
  fall: def(int(1, 1000), 1),
  user: opt(name),
  group: opt(name),
  initFail: def(bool, false),
});


export const vipSpec = obj("VirtualIpAddress", {
  address: req(ip),
  prefix: req(int(0, 128)),
  dev: opt(name),
  label: opt(name),
  scope: opt(enm("global", "site", "link", "host", "nowhere")),
  brd: opt(ip),
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

export const trackProcessSpec = obj("TrackProcess", {
  name: req(name),
  process: req(text),
  parameters: def(arr(text, 256), [], "argv[1..] to match; implies fullCommand"),
  paramMatch: def(enm("none", "exact", "partial", "initial"), "none"),
  weight: def(int(-254, 254), 0, "keepalived 2.2.7 default 0"),
  weightReverse: def(bool, false),
  quorum: def(int(0, 65535), 1),
  quorumMax: def(int(0, 65535), 65535),
  forkDelayMs: def(ms(0, 3_600_000), 0),
  terminateDelayMs: def(ms(0, 3_600_000), 0),
  fullCommand: def(bool, false),
});

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
});

export const syncGroupSpec = obj("SyncGroup", {
  name: req(name),
  group: def(arr(name, 256), []),
  ...notifyFields,
  smtpAlert: def(bool, false),
  trackInterface: def(arr(trackInterfaceSpec, 256), []),
  trackScript: def(arr(trackScriptSpec, 256), []),
  trackFile: def(arr(trackRefSpec("File"), 256), []),
  trackProcess: def(arr(trackRefSpec("Process"), 256), []),
  trackingWeight: def(bool, false, "keepalived sync_group_tracking_weight: the members' own tracking weights count"),
  notifyPriorityChanges: opt(bool, "for members that do not say; absent = global vrrpNotifyPriorityChanges"),
});

export const instanceSpec = obj("VrrpInstance", {
  name: req(name),
  state: def(enm("MASTER", "BACKUP"), "BACKUP"),
  interface: req(name),
  virtualRouterId: req(int(1, 255)),
  priority: def(int(1, 255), 100),
  advertIntMs: def(ms(10, 255_000, 10), 1000),
  version: opt(enm(2, 3)),
  nativeIpv6: def(bool, false),
  authentication: opt(obj("VrrpAuth", { type: req(enm("PASS", "AH")), pass: req(name) })),
  virtualIpaddress: def(arr(vipSpec, 1024), []),
  virtualIpaddressExcluded: def(arr(vipSpec, 1024), []),
  trackInterface: def(arr(trackInterfaceSpec, 256), []),
  trackScript: def(arr(trackScriptSpec, 256), []),
  trackFile: def(arr(trackRefSpec("File"), 256), []),
  trackProcess: def(arr(trackRefSpec("Process"), 256), []),
  virtualRoutes: def(arr(routeSpec, 1024), []),
  virtualRules: def(arr(ruleSpec, 1024), []),
  ...notifyFields,
  nopreempt: def(bool, false),
  preemptDelayMs: def(ms(0, 1_000_000, 1000), 0),
  srcIp: opt(ip),
  unicastPeer: def(arr(ip, 256), []),
  garpMasterDelayMs: opt(garpDelay),
  garpMasterRepeat: opt(garpRepeat),
  garpMasterRefreshMs: opt(garpDelay),
  garpMasterRefreshRepeat: opt(garpRepeat),
  garpIntervalMs: opt(ms(0, 1000)),
  gnaIntervalMs: opt(ms(0, 1000)),
  useVmac: opt({ kind: "string", minLength: 0, maxLength: 15, pattern: "^[^\\s\"{}!#\\uff01/]*$" }, '"" = default name'),
  vmacXmitBase: def(bool, false),
  accept: opt(bool),
  smtpAlert: def(bool, false),
  notifyPriorityChanges: opt(bool, "MASTER_PRIORITY/BACKUP_PRIORITY lines on the notify FIFOs; absent = the sync group's, else global"),
  notifyMasterRxLowerPri: opt(text, "run when the master hears an advert of lower priority"),
  dontTrackPrimary: def(bool, false),
  vipLifetimeMs: opt(lifetime),
});

const checkerCommon: Record<string, Field> = {
  connectIp: opt(ip),
  connectPort: opt(int(1, 65535)),
  bindto: opt(ip),
  bindPort: opt(int(1, 65535)),
  connectTimeoutMs: def(ms(1, 3_600_000), 5000),
  retry: def(int(0, 1000), 1),
  delayBeforeRetryMs: def(ms(0, 3_600_000), 1000),
  warmupMs: opt(ms(0, 3_600_000)),
  delayLoopMs: opt(ms(1, 86_400_000)),
};

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

export const realServerSpec = obj("RealServer", {
  ip: req(ip),
  port: opt(port),
  weight: def(int(0, 2_147_483_647), 1),
  inhibitOnFailure: opt(bool),
  notifyUp: opt(text),
  notifyDown: opt(text),
  uthreshold: opt(int(0, 65535)),
  lthreshold: opt(int(0, 65535)),
  delayLoopMs: opt(ms(1, 86_400_000)),
  virtualhost: opt(name),
  checkers: def(arr(checkerSpec, 16), []),
});

export const virtualServerSpec = obj("VirtualServer", {
  ip: opt(ip),
  port: opt(port),
  fwmark: opt(int(1, U32)),
  group: opt(name, "name of a virtualServerGroups entry"),
  protocol: def(enm(...LVS_PROTOCOLS), "TCP"),
  lbAlgo: def(enm(...LB_ALGOS), "wlc"),
  lbKind: def(enm(...LB_KINDS), "NAT"),
  delayLoopMs: def(ms(1, 86_400_000), 60_000),
  persistenceTimeoutMs: opt(ms(1000, U32 * 1000, 1000)),
  persistenceGranularity: opt({ kind: "string", minLength: 1, maxLength: 39, pattern: "^[0-9A-Fa-f:.]+$" }),
  sorryServer: opt(obj("SorryServer", { ip: req(ip), port: opt(port) })),
  sorryServerInhibit: def(bool, false),
  quorum: def(int(1, 1_000_000), 1),
  quorumUp: opt(text),
  quorumDown: opt(text),
  hysteresis: def(int(0, 1_000_000), 0),
  alpha: def(bool, false),
  omega: def(bool, false),
  inhibitOnFailure: def(bool, false),
  haSuspend: def(bool, false),
  virtualhost: opt(name),
  realServers: def(arr(realServerSpec, 65536), []),
});

export const trackFileSpec = obj("TrackFile", {
  name: req(name),
  file: req(text),
  // keepalived 2.2.7 track_file_weight_handler reads -254..254
  weight: def(int(-254, 254), 1),
  weightReverse: def(bool, false),
  initFile: opt(obj("TrackFileInit", { value: def(int(-2_147_483_648, 2_147_483_647), 0), overwrite: def(bool, false) })),
});

export const virtualServerGroupSpec = obj("VirtualServerGroup", {
  name: req(name),
  addresses: def(arr(obj("VsgAddress", { ip: req(ip), to: opt(ip, "last address of a range"), port: opt(int(1, 65535), "absent = all ports") }), 4096), []),
  fwmarks: def(arr(obj("VsgFwmark", { fwmark: req(int(1, U32)), family: opt(enm("inet", "inet6")) }), 4096), []),
});

export const fleetSpec = obj("FleetConfig", {
  broker: req({ kind: "string", minLength: 1, maxLength: 2048, pattern: "^(mqtts?|wss?)://[^\\s\"]+$" }),
  fleet: req({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }),
  node: opt({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }),
  caFile: opt(text),
  certFile: opt(text),
  keyFile: opt(text),
  username: opt(name),
  passwordFile: opt(text),
  payload: def(enm("cbor", "json"), "cbor"),
  trustKey: def(arr(text, 64), []),
  stateDir: def(text, "/var/lib/vigil"),
  protocolVersion: def(enm(5, 4), 5),
  confirmTimeoutMs: def(ms(0, 3_600_000), DEFAULT_CONFIRM_TIMEOUT_MS, "commit-confirm window after a pushed config is applied; 0 = accept at once"),
  site: opt({ kind: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s\"{}!#\\uff01/+]+$" }, "where the node stands: routers back each other up only within one site"),
});

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
});
