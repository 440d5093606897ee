// The one typed config tree that keepalived.conf, JSON and CBOR all map onto.
//
// Conventions (they keep one config = one CBOR encoding = one hash):
// - every duration is an integer number of milliseconds, named `...Ms`
//   (cbor-x writes all non-integers as float64, so floats would make the
//   encoding depend on how a value was computed);
// - addresses are strings exactly as written ("198.18.0.1", "fd00::1");
// - fields with a default are always present after loading (defaults filled in);
//   fields that are `?` are truly optional and are omitted, never null, when unset.
//
// Keywords are keepalived's (see keepalived.conf(5)); vigil additions are
// marked "vigil:".

/** Integer milliseconds. */
export type Ms = number;

export type VrrpVersion = 2 | 3;

export interface Config {
  global: GlobalDefs;
  scripts: VrrpScript[];
  syncGroups: SyncGroup[];
  instances: VrrpInstance[];
  /** keepalived track_file: files whose number sets a weight (FILE_CHECK, and VRRP's track_file) */
  trackFiles: TrackFile[];
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
  fleet?: FleetConfig;
  /** keepalived vrrp_track_process: processes whose count decides up/down */
  trackProcesses: TrackProcess[];
  /** keepalived static_ipaddress: installed at start, kept, removed on exit */
  staticIpaddress: VirtualIpAddress[];
  /** keepalived static_routes */
  staticRoutes: IpRoute[];
  /** keepalived static_rules */
  staticRules: IpRule[];
  /** keepalived interface_up_down_delays: a link change acts only once it lasted this long */
  interfaceUpDownDelays: InterfaceUpDownDelay[];
  /** keepalived track_group: instances that follow the interfaces of the static entries naming the group */
  trackGroups: TrackGroup[];
  /** keepalived garp_group: GARP/NA spacing per interface or aggregate of interfaces, across instances */
  garpGroups: GarpGroup[];
}

/**
 * keepalived `track_group NAME { group { VI_1 ... } }` (vrrp_static_track.c): each
 * static address, route or rule that says `track_group NAME` makes these instances
 * track its interface (address dev, route dev, rule iif) as a track_interface of
 * weight 0: FAULT while it is down.
 */
export interface TrackGroup {
  name: string;
  group: string[];
}

/**
 * keepalived garp_group: gratuitous ARPs (unsolicited NAs) leave its interfaces,
 * together, at least garpIntervalMs (gnaIntervalMs) apart, whichever instance sends
 * them; absent = that family is not spaced there. Interfaces in no group take the
 * global vrrp_garp_interval / vrrp_gna_interval, each on its own.
 */
export interface GarpGroup {
  garpIntervalMs?: Ms;
  gnaIntervalMs?: Ms;
  /** `interface NAME` (one) or `interfaces { ... }` (an aggregate) */
  interfaces: string[];
}

/** keepalived interface_up_down_delays: `IFNAME DOWN_DELAY [UP_DELAY]` (up defaults to down) */
export interface InterfaceUpDownDelay {
  interface: string;
  downDelayMs: Ms;
  upDelayMs: Ms;
}

// ---------------------------------------------------------------- global_defs

export interface GlobalDefs {
  routerId?: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: string;
  /** smtp_server ADDRESS [PORT]; absent = 25 */
  smtpPort?: number;
  smtpConnectTimeoutMs: Ms;
  enableScriptSecurity: boolean;
  scriptUser?: string;
  scriptGroup?: string;
  vrrpVersion: VrrpVersion;
  vrrpStrict: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  /** keepalived vrrp_mcast_group4 / vrrp_mcast_group6: the group multicast adverts go to and are received on; absent = 224.0.0.18 / ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2) */
  vrrpMcastGroup4?: string;
  vrrpMcastGroup6?: string;
  /** keepalived default_interface: the interface of a static_ipaddress without `dev` (absent = eth0, keepalived's default) */
  defaultInterface?: string;
  /** keepalived vrrp_check_unicast_src: the default of each instance's check_unicast_src */
  vrrpCheckUnicastSrc: boolean;
  /** keepalived vrrp_lower_prio_no_advert / vrrp_higher_prio_send_advert: defaults of the instances' (vrrp_strict: on / off) */
  vrrpLowerPrioNoAdvert?: boolean;
  vrrpHigherPrioSendAdvert?: boolean;
  /** keepalived vrrp_garp_lower_prio_repeat; absent = vrrp_garp_master_repeat */
  vrrpGarpLowerPrioRepeat?: number;
  /** keepalived vrrp_startup_delay: after the daemon starts (not on reload), no instance counts its Master_Down_Timer before this long; absent = none */
  vrrpStartupDelayMs?: Ms;
  /** keepalived vrrp_garp_lower_prio_delay (whole seconds): the lower-priority burst again this much later; absent = vrrp_garp_master_delay */
  vrrpGarpLowerPrioDelayMs?: Ms;
  vrrpGarpMasterDelayMs: Ms;
  vrrpGarpMasterRepeat: number;
  /** 0 = no periodic refresh */
  vrrpGarpMasterRefreshMs: Ms;
  vrrpGarpMasterRefreshRepeat: number;
  /** delay between gratuitous ARPs sent on one interface; 0 = none */
  vrrpGarpIntervalMs: Ms;
  /** delay between unsolicited neighbour advertisements on one interface; 0 = none */
  vrrpGnaIntervalMs: Ms;
  /** keepalived vrrp_garp_extra_if: while master, a gratuitous ARP/NA this often on VIP interfaces that carry no adverts; absent = off */
  vrrpGarpExtraIfMs?: Ms;
  /** `all`: on every such interface, not only vmacs */
  vrrpGarpExtraIfAll?: boolean;
  /**
   * SCHED_FIFO priority of the VRRP advert thread (keepalived vrrp_rt_priority, 1..99).
   * vigil: runs realtime by default; 0 disables realtime scheduling.
   */
  vrrpRtPriority: number;
  /** nice value of the VRRP process (keepalived vrrp_priority, -20..19) */
  vrrpPriority?: number;
  /** keepalived vrrp_no_swap: lock memory so the advert path never pages */
  vrrpNoSwap: boolean;
  /**
   * vigil: lifetime of VIPs in the kernel (valid_lft/preferred_lft), refreshed by a
   * healthy master; the kernel drops the VIP if vigil dies. "permanent" = keepalived's
   * behaviour. Kernel checks lifetimes with 1 s granularity, so whole seconds.
   */
  vipLifetimeMs: Ms | "permanent";
  lvsSyncDaemon?: LvsSyncDaemon;
  /** keepalived notify_fifo: every VRRP and LVS notification as a line */
  notifyFifo?: NotifyFifo;
  /** keepalived vrrp_notify_fifo: INSTANCE and GROUP lines */
  vrrpNotifyFifo?: NotifyFifo;
  /** keepalived lvs_notify_fifo: VS and RS lines */
  lvsNotifyFifo?: NotifyFifo;
  /** keepalived fifo_write_vrrp_states_on_reload: a reload writes every instance and group state */
  fifoWriteVrrpStatesOnReload: boolean;
  /** keepalived vrrp_notify_priority_changes: the default of every instance's notify_priority_changes */
  vrrpNotifyPriorityChanges: boolean;
  /**
   * keepalived dynamic_interfaces [allow_if_changes]: vigil always runs this way (an
   * instance whose interface is missing waits for it, a re-created one is followed);
   * kept so the config says what keepalived should do with it
   */
  dynamicInterfaces: "off" | "on" | "allow_if_changes";
  /** vigil: Prometheus text endpoint (GET /metrics); absent = off */
  metricsListen?: MetricsListen;
  // keepalived's alert-mail switches (global_parser.c)
  /** keepalived smtp_helo_name: the name alert mails greet the relay with (absent = router_id when it is a host name, else the host name) */
  smtpHeloName?: string;
  /** keepalived smtp_alert: default of every smtp_alert not given (absent = off) */
  smtpAlert?: boolean;
  /** keepalived smtp_alert_vrrp: default of the instances' and sync groups' smtp_alert, before smtpAlert */
  smtpAlertVrrp?: boolean;
  /** keepalived no_email_faults: no alert mail for a transition to FAULT */
  noEmailFaults: boolean;
  /** keepalived smtp_alert_checker: default of the virtual and real servers' smtp_alert, before smtpAlert */
  smtpAlertChecker?: boolean;
  /** keepalived no_checker_emails: a checker's up/down is mailed only when it changes its real server's state */
  noCheckerEmails: boolean;
  /** keepalived log_unknown_vrids: log each advert whose VRID no instance on its interface runs */
  logUnknownVrids: boolean;
  /** keepalived checker_log_all_failures: log each failed check of a checker that is up (its retries too), not only its going down */
  checkerLogAllFailures: boolean;
  /** keepalived rs_init_notifies: a real server that starts alive (at start, or added by a reload) runs its notify_up */
  rsInitNotifies: boolean;
  /** keepalived lvs_timeouts: IPVS connection timeouts set at start and reload; absent = left as they are */
  lvsTimeouts?: LvsTimeouts;
  /** keepalived lvs_flush: empty the whole IPVS table (foreign services too) when LVS starts */
  lvsFlush: boolean;
  /**
   * keepalived lvs_flush_on_stop [VS] (lvs_flush_onstop): "all" empties the whole IPVS
   * table at stop; "vs" and "off" remove vigil's own services (the kernel drops
   * their real servers with them, which is what keepalived's VS variant relies on)
   */
  lvsFlushOnStop: "off" | "all" | "vs";
}

/** keepalived `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`, as ms (whole seconds); absent = unchanged */
export interface LvsTimeouts {
  tcpMs?: Ms;
  tcpFinMs?: Ms;
  udpMs?: Ms;
}

/**
 * keepalived `notify_fifo PATH [user [group]]` with its `notify_fifo_script CMD
 * [user [group]]` (likewise vrrp_ and lvs_). The user/group of the FIFO own it
 * when vigil creates it; the script is started with the FIFO's path as its last
 * argument and runs as its own user/group (else script_user).
 */
export interface NotifyFifo {
  path: string;
  user?: string;
  group?: string;
  script?: string;
  scriptUser?: string;
  scriptGroup?: string;
}

/** vigil `metrics_listen ADDRESS:PORT` (IPv6 in brackets) */
export interface MetricsListen {
  address: string;
  port: number;
}

export interface LvsSyncDaemon {
  interface: string;
  /** the vrrp_instance whose state decides master/backup sync role */
  instance: string;
  syncId?: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

// ---------------------------------------------------------------- vrrp_script

export interface VrrpScript {
  name: string;
  script: string;
  intervalMs: Ms;
  /** absent = intervalMs (keepalived) */
  timeoutMs?: Ms;
  /** added to priority while the script succeeds (>0) or fails (<0) */
  weight: number;
  /** keepalived `weight N reverse` */
  weightReverse: boolean;
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  /** start in failed state until the first success */
  initFail: boolean;
}

// ---------------------------------------------------------------- track_file

/**
 * keepalived `track_file NAME { file PATH; weight W [reverse]; init_file [V] [overwrite] }`.
 * The number in the file, times the weight of whoever tracks it, is a weight offset;
 * with weight 0 a non-zero number means failure (keepalived.conf(5) "Track files").
 */
export interface TrackFile {
  name: string;
  file: string;
  /** default multiplier for those tracking the file (keepalived 2.2.7: -254..254, default 1) */
  weight: number;
  weightReverse: boolean;
  /** write `value` to the file at start if it does not exist (or always, with overwrite) */
  initFile?: TrackFileInit;
}

export interface TrackFileInit {
  value: number;
  overwrite: boolean;
}

// ---------------------------------------------------------------- vrrp_track_process

/**
 * keepalived `vrrp_track_process NAME { ... }`: up while the number of matching
 * processes is within quorum..quorumMax (keepalived 2.2.7 track_process.c).
 */
export interface TrackProcess {
  name: string;
  /** matched exactly against /proc/PID/comm, or argv[0] with fullCommand */
  process: string;
  /** argv[1..] to match (keepalived `process NAME P1 P2...`); implies fullCommand */
  parameters: string[];
  /**
   * how parameters match: "none" (not checked), "exact", "partial" (the first
   * parameters match), "initial" (and the last may be longer). keepalived's
   * `param_match` without a value is "exact".
   */
  paramMatch: "none" | "exact" | "partial" | "initial";
  /** keepalived 2.2.7 default 0 (measured: its man page says 1) */
  weight: number;
  weightReverse: boolean;
  /** least number of processes for up (0 only with quorumMax 0: up while none runs) */
  quorum: number;
  quorumMax: number;
  /** up only after the quorum held this long after a fork (keepalived fork_delay) */
  forkDelayMs: Ms;
  /** down only after the quorum was lost this long (keepalived terminate_delay) */
  terminateDelayMs: Ms;
  /** match /proc/PID/cmdline instead of comm */
  fullCommand: boolean;
}

/** A track_file or track_process entry of a vrrp_instance or vrrp_sync_group. */
export interface TrackRef {
  name: string;
  /** absent = the tracked object's weight */
  weight?: number;
  /** absent = the tracked object's direction; false = keepalived `noreverse` */
  reverse?: boolean;
}

// ---------------------------------------------------------------- routes and rules

export type RouteType = "unicast" | "blackhole" | "unreachable" | "prohibit";

/**
 * One static_routes / virtual_routes line, the common subset of keepalived's
 * `ip route` grammar (vrrp_iproute.c): [TYPE] DEST [src A] [via|gw A] [dev IF]
 * [metric N] [table N] [scope S] [onlink] [proto N]. Anything else is refused by name.
 */
export interface IpRoute {
  type: RouteType;
  /** destination as ADDRESS/PREFIX */
  to: string;
  via?: string;
  dev?: string;
  /** preferred source (keepalived `src`); often a VIP */
  src?: string;
  metric?: number;
  /** routing table id; absent = main (254) */
  table?: number;
  scope?: "global" | "site" | "link" | "host" | "nowhere";
  onlink: boolean;
  /** rtm_protocol as written; keepalived 2.2.7 installs 18 whatever it says (measured), and so does vigil (with a warning) */
  protocol?: number;
  /** static_routes only: keepalived track_group, the trackGroups entry whose instances track dev */
  trackGroup?: string;
  /** virtual_routes only: keepalived `no_track`, the instance does not track dev (it goes FAULT while a tracked dev is down) */
  noTrack?: boolean;
}

/** One static_rules / virtual_rules line (keepalived vrrp_iprule.c), common subset. */
export interface IpRule {
  family: 4 | 6;
  /** source prefix ADDRESS/PREFIX */
  from?: string;
  to?: string;
  /** absent = no table (then action must say what to do) */
  table?: number;
  /** preference (keepalived priority/preference/pref/order) */
  priority?: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  /** instead of a table lookup */
  action?: "blackhole" | "unreachable" | "prohibit";
  /** `not`: the rule matches when the selector does not */
  invert: boolean;
  /** static_rules only: keepalived track_group, the trackGroups entry whose instances track iif */
  trackGroup?: string;
}

// ---------------------------------------------------------------- vrrp_sync_group

export interface NotifyScripts {
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notifyStop?: string;
  /** called as: <notify> GROUP|INSTANCE <name> <state> <priority> */
  notify?: string;
}

export interface SyncGroup extends NotifyScripts {
  name: string;
  /** instance names */
  group: string[];
  /** absent = global smtpAlertVrrp, else smtpAlert, else off (vrrpSmtpAlert) */
  smtpAlert?: boolean;
  /**
   * Tracked by every member, with the group's weights (keepalived 2.2.7
   * sync_group_tracking_init): an unweighted one that fails puts the group in FAULT.
   */
  trackInterface: TrackInterface[];
  trackScript: TrackScript[];
  trackFile: TrackRef[];
  trackProcess: TrackRef[];
  /**
   * keepalived sync_group_tracking_weight (global_tracking is its deprecated name):
   * the members' own tracking weights count. Without it keepalived makes a member's
   * weighted track_interface unweighted and ignores its weighted track_script and
   * track_file (see sync-group-tracking.ts).
   */
  trackingWeight: boolean;
  /** keepalived notify_priority_changes: for members that do not say (absent = global_defs') */
  notifyPriorityChanges?: boolean;
}

// ---------------------------------------------------------------- vrrp_instance

export type VrrpInitialState = "MASTER" | "BACKUP";

export interface VirtualIpAddress {
  address: string;
  /** default: 32 (IPv4) / 128 (IPv6) */
  prefix: number;
  dev?: string;
  label?: string;
  scope?: "global" | "site" | "link" | "host" | "nowhere";
  brd?: string;
  /** static_ipaddress only: keepalived track_group, the trackGroups entry whose instances track dev */
  trackGroup?: string;
  /** virtual_ipaddress(_excluded) only: keepalived's per-address use_vmac, a vmac of its own as use_vmac_addr gives (src/daemon/plan-addr-vmacs.ts) */
  useVmac?: boolean;
  // keepalived 2.2.7's address flags (src/daemon/address-options.ts puts them in RTM_NEWADDR)
  /** `home`: IFA_F_HOMEADDRESS (IPv6 only; keepalived 2.2.7 drops it on IPv4) */
  home?: boolean;
  /** `-nodad`: IPv6 duplicate address detection runs (IPv6 addresses are added nodad otherwise, as keepalived adds them) */
  dad?: boolean;
  /** `mngtmpaddr`: IFA_F_MANAGETEMPADDR (IPv6 only) */
  mngtmpaddr?: boolean;
  /** `noprefixroute`: IFA_F_NOPREFIXROUTE, the kernel adds no prefix route for the address */
  noprefixroute?: boolean;
  /** `autojoin`: IFA_F_MCAUTOJOIN, the kernel joins the group of a multicast address (it refuses a unicast one) */
  autojoin?: boolean;
  /** `preferred_lft` (IPv6 only): seconds from when the address is added, or "forever"; absent = 0 (deprecated) for a /128, else forever */
  preferredLft?: number | "forever";
  /** virtual addresses only: keepalived `no_track`, the instance does not track `dev` (it goes FAULT while a tracked dev is down) */
  noTrack?: boolean;
  /** keepalived `peer ADDR`: the point-to-point peer (IFA_ADDRESS; the address is IFA_LOCAL), same family, no prefix of its own; prefix is then 32 / 128 (keepalived 2.2.7 overrides any other) */
  peer?: string;
}

export interface TrackInterface {
  name: string;
  /** absent: interface down = FAULT; present: adds/subtracts this weight */
  weight?: number;
}

export interface TrackScript {
  script: string;
  /** overrides the vrrp_script's weight */
  weight?: number;
}

export interface VrrpAuth {
  /** PASS: the password in the advert (RFC 2338 §5.3.6.2); AH: an IPsec AH keyed with it (src/vrrp/packet-ah.ts) */
  type: "PASS" | "AH";
  pass: string;
}

export interface VrrpInstance extends NotifyScripts {
  name: string;
  /** initial state wish; priority 255 or election decides the rest */
  state: VrrpInitialState;
  interface: string;
  virtualRouterId: number;
  priority: number;
  advertIntMs: Ms;
  /** per-instance VRRP version; absent = global vrrpVersion */
  version?: VrrpVersion;
  /** force IPv6 even when the VIP list is empty or mixed (keepalived native_ipv6) */
  nativeIpv6: boolean;
  authentication?: VrrpAuth;
  virtualIpaddress: VirtualIpAddress[];
  virtualIpaddressExcluded: VirtualIpAddress[];
  trackInterface: TrackInterface[];
  trackScript: TrackScript[];
  /** keepalived track_file: names of trackFiles entries */
  trackFile: TrackRef[];
  /** keepalived track_process: names of trackProcesses entries */
  trackProcess: TrackRef[];
  /** keepalived virtual_routes: follow MASTER like the VIPs */
  virtualRoutes: IpRoute[];
  /** keepalived virtual_rules: follow MASTER like the VIPs */
  virtualRules: IpRule[];
  nopreempt: boolean;
  preemptDelayMs: Ms;
  /** source address of adverts (mcast_src_ip / unicast_src_ip) */
  srcIp?: string;
  /** non-empty = unicast mode */
  unicastPeer: string[];
  /** absent = global vrrp_garp_* */
  garpMasterDelayMs?: Ms;
  garpMasterRepeat?: number;
  garpMasterRefreshMs?: Ms;
  garpMasterRefreshRepeat?: number;
  garpIntervalMs?: Ms;
  gnaIntervalMs?: Ms;
  /** keepalived garp_extra_if: as vrrpGarpExtraIfMs; 0 = off; absent = global */
  garpExtraIfMs?: Ms;
  garpExtraIfAll?: boolean;
  /** use_vmac [NAME]: macvlan with the virtual router MAC; "" = default name vrrp.<vrid> */
  useVmac?: string;
  vmacXmitBase: boolean;
  /**
   * keepalived use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]: an L2 ipvlan
   * on the instance's interface (its MAC) carries the VIPs instead of use_vmac's macvlan
   */
  useIpvlan?: UseIpvlan;
  /** RFC 5798 Accept_Mode; absent = keepalived's default (off with vrrp_strict, else on) */
  accept?: boolean;
  /** absent = global smtpAlertVrrp, else smtpAlert, else off (vrrpSmtpAlert) */
  smtpAlert?: boolean;
  /**
   * keepalived notify_priority_changes: a change of effective priority writes
   * `INSTANCE "NAME" MASTER_PRIORITY|BACKUP_PRIORITY N` to the notify FIFOs
   * (absent = its sync group's, else global_defs vrrp_notify_priority_changes)
   */
  notifyPriorityChanges?: boolean;
  /** keepalived notify_master_rx_lower_pri: run when the master hears an advert of lower priority */
  notifyMasterRxLowerPri?: string;
  /** keepalived notify_deleted: when a reload removes the instance, notify DELETED (not FAULT) and run notifyDeletedScript */
  notifyDeleted?: boolean;
  /** keepalived notify_deleted SCRIPT: run, as configured, when a reload removes the instance; needs notifyDeleted */
  notifyDeletedScript?: string;
  /** keepalived check_unicast_src: drop unicast adverts from sources not in unicast_peer (absent or false = global vrrp_check_unicast_src; keepalived can only turn it on) */
  checkUnicastSrc?: boolean;
  /** keepalived skip_check_adv_addr (absent = global vrrp_skip_check_adv_addr) */
  skipCheckAdvAddr?: boolean;
  /** keepalived unicast_ttl: TTL / hop limit of unicast adverts (default 255); a unicast instance does not check the TTL it receives, as keepalived */
  unicastTtl?: number;
  /** keepalived lower_prio_no_advert: as master, hearing a lower priority, send no advert back (absent = global, vrrp_strict: on) */
  lowerPrioNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: as master, hearing a higher priority, send one advert before stepping down (absent = global; never under vrrp_strict) */
  higherPrioSendAdvert?: boolean;
  /** keepalived garp_lower_prio_repeat: gratuitous ARPs/NAs when the master hears a lower priority (absent = global) */
  garpLowerPrioRepeat?: number;
  /** keepalived garp_lower_prio_delay (whole seconds, 0 = none): that burst again this much later (absent = global; vrrp_strict: none) */
  garpLowerPrioDelayMs?: Ms;
  /** keepalived strict_mode [true|false]: vrrp_strict's rules for this instance alone (absent = global vrrp_strict) */
  strictMode?: boolean;
  /** keepalived down_timer_adverts (1..100): Master_Down_Interval is this many advert intervals plus Skew_Time; absent = 3 (RFC 5798 §6.1) */
  downTimerAdverts?: number;
  /**
   * keepalived old_unicast_checksum [never]: "always" sends and expects keepalived ≤ 1.3.6's
   * VRRPv3 IPv4 unicast checksum (pseudo-header destination = the multicast group);
   * "never" keeps RFC 5798's; absent = RFC 5798's, switching to the old one when a peer's advert carries it
   */
  oldUnicastChecksum?: "always" | "never";
  /** keepalived promote_secondaries: net.ipv4.conf.<interface>.promote_secondaries = 1 while the instance runs, so removing a VIP that is its subnet's primary address keeps the subnet's other addresses */
  promoteSecondaries?: boolean;
  /** keepalived use_vmac_addr: a VIP/eVIP on another interface (dev), or of the other family, goes on a vmac of its own (vrrp.VRID, vrrp1.VRID, ...) with the virtual router MAC of its family */
  useVmacAddr?: boolean;
  /** keepalived track_src_ip: the instance is FAULT while its unicast_src_ip/mcast_src_ip is not on its interface */
  trackSrcIp?: boolean;
  dontTrackPrimary: boolean;
  /** vigil: overrides global vipLifetimeMs */
  vipLifetimeMs?: Ms | "permanent";
}

// ---------------------------------------------------------------- virtual_server

export type LbAlgo =
  | "rr" | "wrr" | "lc" | "wlc" | "lblc" | "lblcr" | "dh" | "sh" | "sed" | "nq" | "mh" | "fo" | "ovf";
export const LB_ALGOS: readonly LbAlgo[] =
  ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"];

export type LbKind = "NAT" | "DR" | "TUN";
export const LB_KINDS: readonly LbKind[] = ["NAT", "DR", "TUN"];

export type LvsProtocol = "TCP" | "UDP" | "SCTP";
export const LVS_PROTOCOLS: readonly LvsProtocol[] = ["TCP", "UDP", "SCTP"];

/**
 * keepalived `virtual_server_group NAME { ... }`: the services a `virtual_server
 * group NAME` is programmed on, one IPVS service per address (ranges expanded)
 * and per fwmark, all with the same real servers.
 */
export interface VirtualServerGroup {
  name: string;
  /** `IP[-LAST] [PORT]` entries; a range is first..last inclusive */
  addresses: VsgAddress[];
  /** `fwmark N [inet|inet6]` entries */
  fwmarks: VsgFwmark[];
}

export interface VsgAddress {
  ip: string;
  /** last address of a range (keepalived's A.B.C.D-E, A-B and /nn forms are all read into this) */
  to?: string;
  /** absent (or 0 in keepalived.conf) = all ports, which IPVS allows for persistent services */
  port?: number;
}

export interface VsgFwmark {
  fwmark: number;
  /** address family of the fwmark service; absent = the real servers' */
  family?: "inet" | "inet6";
}

export interface SorryServer {
  ip: string;
  port?: number;
}

/** Exactly one of (ip + port), fwmark or group identifies a service. */
export interface VirtualServer {
  ip?: string;
  port?: number;
  fwmark?: number;
  /** `virtual_server group NAME`: the services of that virtual_server_group */
  group?: string;
  protocol: LvsProtocol;
  lbAlgo: LbAlgo;
  lbKind: LbKind;
  delayLoopMs: Ms;
  /** absent = not persistent */
  persistenceTimeoutMs?: Ms;
  persistenceGranularity?: string;
  sorryServer?: SorryServer;
  sorryServerInhibit: boolean;
  quorum: number;
  quorumUp?: string;
  quorumDown?: string;
  hysteresis: number;
  alpha: boolean;
  omega: boolean;
  inhibitOnFailure: boolean;
  haSuspend: boolean;
  virtualhost?: string;
  /** absent = global smtpAlertChecker, else smtpAlert, else off (lvsSmtpAlert): mails quorum changes */
  smtpAlert?: boolean;
  realServers: RealServer[];
}

export interface RealServer {
  ip: string;
  /** absent for fwmark services that keep the client's port */
  port?: number;
  weight: number;
  /** absent = the virtual server's inhibitOnFailure */
  inhibitOnFailure?: boolean;
  notifyUp?: string;
  notifyDown?: string;
  uthreshold?: number;
  lthreshold?: number;
  /** absent = the virtual server's delayLoopMs */
  delayLoopMs?: Ms;
  virtualhost?: string;
  /** absent = global smtpAlertChecker, else smtpAlert, else ON (keepalived's default for real servers; lvsSmtpAlert): mails its checkers' up/down */
  smtpAlert?: boolean;
  checkers: Checker[];
}

// ---------------------------------------------------------------- checkers

/** Fields every checker type accepts (keepalived's "connection options"). */
export interface CheckerCommon {
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  connectTimeoutMs: Ms;
  /** retry / nb_get_retry */
  retry: number;
  delayBeforeRetryMs: Ms;
  /** random delay up to this before the first check */
  warmupMs?: Ms;
  /** absent = the real server's / virtual server's delay loop */
  delayLoopMs?: Ms;
  /** keepalived log_all_failures: log each failed attempt while up (as global checkerLogAllFailures, for this checker) */
  logAllFailures?: boolean;
}

export interface TcpCheck extends CheckerCommon {
  type: "TCP_CHECK";
}

export interface StatusCodeRange {
  from: number;
  to: number;
}

export interface HttpUrl {
  path: string;
  /** MD5 of the body, 32 lowercase hex digits */
  digest?: string;
  /** absent and no digest = 200-299 */
  statusCode?: StatusCodeRange[];
  virtualhost?: string;
}

export interface HttpCheck extends CheckerCommon {
  type: "HTTP_GET" | "SSL_GET";
  url: HttpUrl[];
  virtualhost?: string;
  /** SSL_GET: send SNI (virtualhost or connect address) */
  enableSni?: boolean;
}

/** keepalived gives MISC_CHECK no connection options (it runs a script, it does not connect). */
export type MiscCheckCommon = Omit<CheckerCommon, "connectIp" | "connectPort" | "bindto" | "bindPort" | "connectTimeoutMs">;

export interface MiscCheck extends MiscCheckCommon {
  type: "MISC_CHECK";
  miscPath: string;
  /** absent = delay loop */
  miscTimeoutMs?: Ms;
  /** exit code 2..255 sets weight to code-2 */
  miscDynamic: boolean;
  user?: string;
  group?: string;
}

export type DnsType = "A" | "NS" | "CNAME" | "SOA" | "MX" | "TXT" | "AAAA";

/** keepalived's DNS_CHECK retries 3 times by default, delay_before_retry defaulting to the delay loop. */
export interface DnsCheck extends Omit<CheckerCommon, "delayBeforeRetryMs"> {
  type: "DNS_CHECK";
  dnsType: DnsType;
  name: string;
  /** absent = the delay loop (keepalived check_dns.c) */
  delayBeforeRetryMs?: Ms;
}

/** ICMP/ICMPv6 echo to the real server (connect_ip); up when the reply comes within connect_timeout. */
export interface PingCheck extends CheckerCommon {
  type: "PING_CHECK";
}

/**
 * A datagram to the real server (keepalived check_udp.c). Up unless an ICMP
 * destination unreachable comes back within connect_timeout; with requireReply,
 * only when a reply comes (matching replyData, if given).
 */
export interface UdpCheck extends CheckerCommon {
  type: "UDP_CHECK";
  /** bytes sent, lowercase hex (two digits a byte); absent = keepalived's 32-byte filler */
  payload?: string;
  requireReply: boolean;
  /** expected reply prefix, lowercase hex, 'x' for an ignored nibble */
  replyData?: string;
  /** bounds on the reply length, checked when replyData is given (as keepalived 2.2.7 does) */
  minReplyLength: number;
  maxReplyLength: number;
}

/** Connection options of an SMTP_CHECK `host { }` block (each block is checked as a checker of its own). */
export interface SmtpHost {
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  /** absent = the SMTP_CHECK's connect_timeout */
  connectTimeoutMs?: Ms;
}

/** Connect, read the 220 greeting, HELO helo_name, expect 250, QUIT (keepalived check_smtp.c). */
export interface SmtpCheck extends CheckerCommon {
  type: "SMTP_CHECK";
  heloName: string;
  /** deprecated keepalived `host { }` blocks: every host must pass */
  host: SmtpHost[];
}

/**
 * `FILE_CHECK { track_file NAME [weight W [reverse]] }`: the real server's state
 * and weight follow the number in a track_file. No timing options (keepalived).
 */
export interface FileCheck {
  type: "FILE_CHECK";
  trackFile: string;
  /** absent = the track_file's weight and direction */
  weight?: number;
  /** only with weight */
  weightReverse: boolean;
}

export type Checker = TcpCheck | HttpCheck | MiscCheck | DnsCheck | PingCheck | UdpCheck | SmtpCheck | FileCheck;
export type CheckerType = Checker["type"];

// ---------------------------------------------------------------- fleet (vigil)

export interface FleetConfig {
  broker: string;
  fleet: string;
  /** default: global routerId */
  node?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  username?: string;
  passwordFile?: string;
  payload: "cbor" | "json";
  trustKey: string[];
  stateDir: string;
  protocolVersion: 4 | 5;
  /**
   * vigil: how long a pushed config must prove itself after it is applied (no new
   * FAULT, no VIP conflict, peers still heard, real servers not all lost) before it
   * becomes the last known good; a config that fails is rolled back by the node
   * itself. 0 = accept at once (no commit-confirm).
   */
  confirmTimeoutMs: Ms;
  /**
   * vigil: where the node stands (e.g. a branch office). Reported to the fleet so a
   * rollout can tell apart sites that reuse the same addresses and VRIDs: routers
   * back each other up only within one site.
   */
  site?: string;
}

// ---------------------------------------------------------------- defaults

export const DEFAULT_VIP_LIFETIME_MS = 3000;
/** vigil_fleet confirm_timeout: long enough for checkers with keepalived's default timings to report */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;

export function defaultGlobal(): GlobalDefs {
  return {
    notificationEmail: [],
    smtpConnectTimeoutMs: 30_000,
    enableScriptSecurity: false,
    vrrpVersion: 2,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    vrrpGarpMasterDelayMs: 5000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshMs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpIntervalMs: 0,
    vrrpGnaIntervalMs: 0,
    vrrpRtPriority: 10,
    vrrpNoSwap: false,
    vipLifetimeMs: DEFAULT_VIP_LIFETIME_MS,
    fifoWriteVrrpStatesOnReload: false,
    vrrpNotifyPriorityChanges: false,
    dynamicInterfaces: "off",
    noEmailFaults: false,
    noCheckerEmails: false,
    logUnknownVrids: false,
    checkerLogAllFailures: false,
    rsInitNotifies: false,
    lvsFlush: false,
    lvsFlushOnStop: "off",
  };
}

export function defaultScript(name: string, script: string): VrrpScript {
  return { name, script, intervalMs: 1000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false };
}

export function defaultSyncGroup(name: string): SyncGroup {
  return { name, group: [], trackInterface: [], trackScript: [], trackFile: [], trackProcess: [], trackingWeight: false };
}

export function defaultInstance(name: string): VrrpInstance {
  return {
    name,
    state: "BACKUP",
    interface: "",
    virtualRouterId: 0,
    priority: 100,
    advertIntMs: 1000,
    nativeIpv6: false,
    virtualIpaddress: [],
    virtualIpaddressExcluded: [],
    trackInterface: [],
    trackScript: [],
    trackFile: [],
    trackProcess: [],
    virtualRoutes: [],
    virtualRules: [],
    nopreempt: false,
    preemptDelayMs: 0,
    unicastPeer: [],
    vmacXmitBase: false,
    dontTrackPrimary: false,
  };
}

export function defaultVirtualServer(): VirtualServer {
  return {
    protocol: "TCP",
    lbAlgo: "wlc",
    lbKind: "NAT",
    delayLoopMs: 60_000,
    sorryServerInhibit: false,
    quorum: 1,
    hysteresis: 0,
    alpha: false,
    omega: false,
    inhibitOnFailure: false,
    haSuspend: false,
    realServers: [],
  };
}

export function defaultRealServer(ip: string, port?: number): RealServer {
  const rs: RealServer = { ip, weight: 1, checkers: [] };
  if (port !== undefined) rs.port = port;
  return rs;
}

export function defaultCheckerCommon(): CheckerCommon {
  return { connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000 };
}

/** keepalived's DNS_DEFAULT_RETRY */
export const DNS_DEFAULT_RETRY = 3;
/** keepalived's SMTP_DEFAULT_HELO */
export const SMTP_DEFAULT_HELO = "smtpchecker.keepalived.org";
/** keepalived check_udp.c: reply length bounds */
export const UDP_DEFAULT_MAX_REPLY = 255;

export function defaultTrackFile(name: string, file: string): TrackFile {
  return { name, file, weight: 1, weightReverse: false };
}

export function defaultFleet(): FleetConfig {
  return { broker: "", fleet: "", payload: "cbor", trustKey: [], stateDir: "/var/lib/vigil", protocolVersion: 5, confirmTimeoutMs: DEFAULT_CONFIRM_TIMEOUT_MS };
}

export function emptyConfig(): Config {
  return { global: defaultGlobal(), scripts: [], syncGroups: [], instances: [], trackFiles: [], virtualServerGroups: [], virtualServers: [],
    trackProcesses: [], staticIpaddress: [], staticRoutes: [], staticRules: [], interfaceUpDownDelays: [], trackGroups: [],
    garpGroups: [] };
}

export function defaultTrackProcess(name: string, process: string): TrackProcess {
  return {
    name, process, parameters: [], paramMatch: "none", weight: 0, weightReverse: false,
    quorum: 1, quorumMax: 65535, forkDelayMs: 0, terminateDelayMs: 0, fullCommand: false,
  };
}

// ---------------------------------------------------------------- derived views

/**
 * VRRP version in force for an instance. IPv6 instances always run VRRPv3: RFC 3768
 * is IPv4 only, and keepalived (2.2.7, measured) accepts `vrrp_version 2` or
 * `version 2` on an IPv6 instance and runs it as version 3.
 */
/** keepalived vrrp_complete_instance: an instance without strict_mode takes global vrrp_strict. */
export function instanceStrict(cfg: Config, inst: VrrpInstance): boolean {
  return inst.strictMode ?? cfg.global.vrrpStrict;
}

export function instanceVersion(cfg: Config, inst: VrrpInstance): VrrpVersion {
  return instanceFamily(inst) === 6 ? 3 : inst.version ?? cfg.global.vrrpVersion;
}

/** Address family of an instance: IPv6 if native_ipv6 or its first VIP is IPv6. */
export function instanceFamily(inst: VrrpInstance): 4 | 6 {
  if (inst.nativeIpv6) return 6;
  const first = inst.virtualIpaddress[0];
  return first && first.address.includes(":") ? 6 : 4;
}

export function instanceVipLifetimeMs(cfg: Config, inst: VrrpInstance): Ms | "permanent" {
  return inst.vipLifetimeMs ?? cfg.global.vipLifetimeMs;
}

/** Stable name of a virtual server, used in topics and messages: "198.18.0.1:80/TCP", "fwmark:7" or "group:web/TCP". */
export function virtualServerName(vs: VirtualServer): string {
  if (vs.fwmark !== undefined) return `fwmark:${vs.fwmark}`;
  if (vs.group !== undefined) return `group:${vs.group}/${vs.protocol}`;
  const ip = vs.ip ?? "";
  return `${ip.includes(":") ? `[${ip}]` : ip}:${vs.port ?? 0}/${vs.protocol}`;
}

export function realServerName(rs: RealServer): string {
  const ip = rs.ip.includes(":") ? `[${rs.ip}]` : rs.ip;
  return rs.port === undefined ? ip : `${ip}:${rs.port}`;
}

/**
 * Whether an instance or sync group mails its transitions: its own smtp_alert, else
 * global smtp_alert_vrrp, else global smtp_alert, else off (keepalived 2.2.7
 * vrrp.c completes an unset smtp_alert that way).
 */
export function vrrpSmtpAlert(g: GlobalDefs, own: boolean | undefined): boolean {
  return own ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
}

/**
 * Whether a virtual server mails its quorum changes, or a real server its checkers'
 * up/down: its own smtp_alert, else global smtp_alert_checker, else global
 * smtp_alert, else off for a virtual server and ON for a real server (keepalived
 * 2.2.7 check_data.c: "inconsistent with the defaults for other smtp_alerts in
 * order to maintain backwards compatibility"). A real server does not inherit its
 * virtual server's smtp_alert.
 */
export function lvsSmtpAlert(g: GlobalDefs, own: boolean | undefined, of: "virtual" | "real"): boolean {
  return own ?? g.smtpAlertChecker ?? g.smtpAlert ?? of === "real";
}

/** keepalived use_ipvlan (vrrp_parser.c vrrp_ipvlan_handler) */
export interface UseIpvlan {
  /** absent = vrrp.<VRID>, as use_vmac */
  name?: string;
  /** ADDRESS/PREFIX put on the ipvlan when it is created; keepalived takes it as the advert source when none is set */
  address?: string;
  /** IFLA_IPVLAN_FLAGS; absent = bridge (0, keepalived's and the kernel's default) */
  type?: "bridge" | "private" | "vepa";
}
