// Seeded generator of random *valid* configs for the round-trip properties.
// Valid means: passes check.ts and validate.ts with no error, so every reader
// must return it unchanged. Not a test file (no .test.ts).
import { addNotifyGrammar } from "./random-notify-extras.ts";
import type {
  Checker, CheckerCommon, Config, MiscCheck, FleetConfig, GlobalDefs, RealServer, SyncGroup, TrackFile, VirtualIpAddress, VirtualServer,
  VirtualServerGroup, VrrpInstance, VrrpScript,
} from "../../../src/config/model.ts";
import { defaultGlobal, instanceFamily, LB_ALGOS, LB_KINDS, LVS_PROTOCOLS } from "../../../src/config/model.ts";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";
import { addVrrpGrammar } from "./random-vrrp-extras.ts";
import { addGlobalExtras } from "./random-global-extras.ts";

/** mulberry32: small, fast, reproducible from a 32-bit seed. */
export function prng(seed: number) {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
export type Rng = ReturnType<typeof prng>;

const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:@é中";
const TEXT_CHARS = `${NAME_CHARS} /'!#！{}$=,;\t`;
// keepalived itself splits script strings on single quotes and expands $VAR,
// so configs meant for keepalived avoid both.
const KEEPALIVED_TEXT_CHARS = `${NAME_CHARS} /!#！{}=,;\t`;

export interface GenOptions {
  /** only what keepalived 2.2.7 reads without a complaint (vigil extensions off) */
  keepalivedSafe?: boolean;
}
let SAFE = false;

function str(r: Rng, chars: string, min: number, max: number): string {
  let s = "";
  const n = r.int(min, max);
  for (let i = 0; i < n; i++) s += chars[r.int(0, chars.length - 1)];
  return s;
}
const nameOf = (r: Rng, prefix: string) => `${prefix}${str(r, NAME_CHARS, 0, 8)}`;
const text = (r: Rng) => `/${str(r, SAFE ? KEEPALIVED_TEXT_CHARS : TEXT_CHARS, 0, 24)}`;
const maybe = <T>(r: Rng, p: number, f: () => T): T | undefined => (r.chance(p) ? f() : undefined);

/** Assigns only defined values, so optional fields stay absent. */
function set<T extends object>(o: T, fields: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  return o;
}

export class Addresses {
  private n = 0;
  constructor(private r: Rng) {}
  next(fam: 4 | 6): string {
    const k = ++this.n;
    if (fam === 4) return `198.${18 + (k >> 16 & 1)}.${(k >> 8) & 255}.${k & 255}`;
    return this.r.chance(0.5) ? `fd00::${k.toString(16)}` : `fd00:${this.r.int(1, 0xffff).toString(16)}::${k.toString(16)}`;
  }
}

function randomGlobal(r: Rng): GlobalDefs {
  // the switches set below only by random-global-extras.ts start at their defaults
  const g: GlobalDefs = {
    ...defaultGlobal(),
    notificationEmail: r.chance(0.5) ? Array.from({ length: r.int(1, 3) }, () => `${nameOf(r, "u")}@x.example`) : [],
    smtpConnectTimeoutMs: r.int(1, 120) * 1000,
    enableScriptSecurity: SAFE ? false : r.chance(0.5),
    vrrpVersion: r.pick([2, 3] as const),
    vrrpStrict: SAFE ? false : r.chance(0.2),
    vrrpSkipCheckAdvAddr: r.chance(0.5),
    vrrpGarpMasterDelayMs: r.int(0, 30) * 1000,
    vrrpGarpMasterRepeat: r.int(1, 10),
    vrrpGarpMasterRefreshMs: r.int(0, 3) * 30_000,
    vrrpGarpMasterRefreshRepeat: r.int(1, 5),
    vrrpGarpIntervalMs: r.int(0, 1000),
    vrrpGnaIntervalMs: r.int(0, 1000),
    vrrpRtPriority: SAFE ? 10 : r.int(0, 99),
    vrrpNoSwap: r.chance(0.5),
    vipLifetimeMs: SAFE ? 3000 : r.chance(0.2) ? "permanent" : r.int(3, 60) * 1000,
  };
  const out = set(g, {
    routerId: maybe(r, 0.7, () => nameOf(r, "rid")),
    notificationEmailFrom: maybe(r, 0.5, () => `${nameOf(r, "from")}@x.example`),
    scriptUser: SAFE ? undefined : maybe(r, 0.5, () => nameOf(r, "user")),
    vrrpPriority: maybe(r, 0.3, () => r.int(-20, 19)),
    ...(r.chance(0.4) ? { smtpServer: `198.18.${r.int(0, 255)}.${r.int(1, 254)}`, smtpPort: maybe(r, 0.5, () => r.int(1, 65535)) } : {}),
  });
  if (out.scriptUser !== undefined && r.chance(0.5)) out.scriptGroup = nameOf(r, "grp");
  return out;
}

function randomScript(r: Rng, name: string): VrrpScript {
  const s: VrrpScript = {
    name,
    script: text(r),
    intervalMs: r.int(1, 30) * 1000,
    weight: r.int(-253, 253),
    weightReverse: r.chance(0.2),
    rise: r.int(1, 10),
    fall: r.int(1, 10),
    initFail: r.chance(0.2),
  };
  set(s, {
    timeoutMs: maybe(r, 0.5, () => r.int(1, s.intervalMs / 1000) * 1000),
    user: SAFE ? undefined : maybe(r, 0.3, () => nameOf(r, "u")),
  });
  if (s.user !== undefined && r.chance(0.5)) s.group = nameOf(r, "g");
  return s;
}

function randomVip(r: Rng, addrs: Addresses, fam: 4 | 6): VirtualIpAddress {
  const v: VirtualIpAddress = { address: addrs.next(fam), prefix: fam === 4 ? r.int(8, 32) : r.int(48, 128) };
  return set(v, {
    dev: maybe(r, 0.4, () => nameOf(r, "eth")),
    label: SAFE && fam === 6 ? undefined : maybe(r, 0.2, () => nameOf(r, "lbl")),
    scope: SAFE && fam === 6 ? undefined : maybe(r, 0.2, () => r.pick(["global", "site", "link", "host", "nowhere"] as const)),
    brd: fam === 4 ? maybe(r, 0.2, () => `198.18.255.${r.int(0, 255)}`) : undefined,
    // keepalived's address flags (the IPv6-only ones on IPv6 addresses: a warning otherwise)
    noprefixroute: maybe(r, 0.15, () => true),
    home: fam === 6 ? maybe(r, 0.15, () => true) : undefined,
    dad: fam === 6 ? maybe(r, 0.15, () => true) : undefined,
    mngtmpaddr: fam === 6 ? maybe(r, 0.15, () => true) : undefined,
    preferredLft: fam === 6 ? maybe(r, 0.2, () => (r.chance(0.3) ? "forever" : r.int(0, 100_000))) : undefined,
  });
}

function randomInstance(r: Rng, g: GlobalDefs, i: number, addrs: Addresses, scripts: VrrpScript[]): VrrpInstance {
  const fam: 4 | 6 = r.chance(0.3) ? 6 : 4;
  const version = fam === 6 ? 3 : r.pick([2, 3] as const);
  const lifetime = !SAFE && r.chance(0.2) ? (r.chance(0.3) ? "permanent" : r.int(3, 60) * 1000) : undefined;
  const eff = lifetime ?? g.vipLifetimeMs;
  const maxAdvert = Math.min(version === 2 ? 255_000 : 40_950, eff === "permanent" ? 255_000 : eff - 1000);
  const advertIntMs = version === 2 ? r.int(1, Math.floor(maxAdvert / 1000)) * 1000 : r.int(1, Math.floor(maxAdvert / 10)) * 10;
  const inst: VrrpInstance = {
    name: `vi${i}${str(r, NAME_CHARS, 0, 6)}`,
    state: r.pick(["MASTER", "BACKUP"] as const),
    interface: nameOf(r, "if"),
    virtualRouterId: i + 1,
    priority: r.int(1, SAFE ? 254 : 255),
    advertIntMs,
    nativeIpv6: fam === 6 && r.chance(0.5),
    virtualIpaddress: Array.from({ length: r.int(g.vrrpStrict || SAFE ? 1 : 0, 4) }, () => randomVip(r, addrs, fam)),
    virtualIpaddressExcluded: Array.from({ length: r.int(0, 2) }, () => randomVip(r, addrs, r.chance(0.5) ? 4 : 6)),
    trackInterface: Array.from({ length: r.int(0, 3) }, (_, k) => set({ name: `trk${k}${str(r, NAME_CHARS, 0, 4)}` }, { weight: maybe(r, 0.5, () => r.int(-253, 253)) })),
    trackScript: scripts.length ? Array.from({ length: r.int(0, 2) }, () => set({ script: r.pick(scripts).name }, { weight: maybe(r, 0.5, () => r.int(-253, 253)) })) : [],
    nopreempt: r.chance(0.3),
    preemptDelayMs: r.int(0, 3) * 1000,
    unicastPeer: g.vrrpStrict || r.chance(0.6) ? [] : Array.from({ length: r.int(1, 3) }, () => addrs.next(fam)),
    vmacXmitBase: r.chance(0.2),
    smtpAlert: r.chance(0.3),
    dontTrackPrimary: r.chance(0.2),
    trackFile: [],
    trackProcess: [],
    virtualRoutes: [],
    virtualRules: [],
  };
  if (SAFE && inst.state === "MASTER") inst.nopreempt = false;
  // a VIP list must be one family unless native_ipv6 decides; keep it one family
  if (fam === 6 && !inst.nativeIpv6 && inst.virtualIpaddress.length === 0) inst.nativeIpv6 = true;
  // dedupe track interface names (a warning otherwise, harmless, but keep clean)
  inst.trackInterface = inst.trackInterface.filter((t, k, a) => a.findIndex((x) => x.name === t.name) === k);
  inst.trackScript = inst.trackScript.filter((t, k, a) => a.findIndex((x) => x.script === t.script) === k);
  set(inst, {
    version: fam === 6 ? 3 : version !== g.vrrpVersion || r.chance(0.3) ? version : undefined,
    authentication: version === 2 ? maybe(r, 0.3, () => ({ type: "PASS" as const, pass: str(r, NAME_CHARS.replace(/[^\x00-\x7f]/g, ""), 1, 8) })) : undefined,
    notifyMaster: maybe(r, 0.3, () => text(r)),
    notifyBackup: maybe(r, 0.3, () => text(r)),
    notifyFault: maybe(r, 0.3, () => text(r)),
    notifyStop: maybe(r, 0.3, () => text(r)),
    notify: maybe(r, 0.3, () => text(r)),
    srcIp: maybe(r, 0.4, () => addrs.next(fam)),
    garpMasterDelayMs: maybe(r, 0.2, () => r.int(0, 10) * 1000),
    garpMasterRepeat: maybe(r, 0.2, () => r.int(1, 10)),
    garpMasterRefreshMs: maybe(r, 0.2, () => r.int(0, 100) * 1000),
    garpMasterRefreshRepeat: maybe(r, 0.2, () => r.int(1, 10)),
    garpIntervalMs: SAFE ? undefined : maybe(r, 0.2, () => r.int(0, 1000)),
    gnaIntervalMs: SAFE ? undefined : maybe(r, 0.2, () => r.int(0, 1000)),
    // keepalived refuses use_vmac with unicast when it cannot see the interface (as on a test box)
    useVmac: SAFE && inst.unicastPeer.length ? undefined : maybe(r, 0.2, () => (r.chance(0.5) ? "" : `vrrp.${i + 1}`)),
    accept: maybe(r, 0.3, () => r.chance(0.5)),
    vipLifetimeMs: lifetime,
  });
  // the family vigil (and keepalived, from the VIPs) gives the instance, which use_ipvlan's address must match
  return randomInstanceExtras(r, inst, instanceFamily(inst), addrs);
}

/** kc-instance-extras.ts's switches, as keepalived 2.2.7 reads them without a complaint. */
function randomInstanceExtras(r: Rng, inst: VrrpInstance, fam: 4 | 6, addrs: Addresses): VrrpInstance {
  // keepalived: use_ipvlan's address must be of the instance's family; like use_vmac, not with unicast and no interface
  const useIpvlan = inst.useVmac === undefined && !(SAFE && inst.unicastPeer.length) ? maybe(r, 0.15, () => set({}, {
    name: maybe(r, 0.5, () => `ipv${inst.virtualRouterId}`),
    // keepalived holds an IPv4 ipvlan without an address in FAULT
    address: fam === 4 || r.chance(0.5) ? `${addrs.next(fam)}/${fam === 4 ? r.int(8, 32) : r.int(48, 128)}` : undefined,
    type: maybe(r, 0.6, () => r.pick(["bridge", "private", "vepa"] as const)),
  })) : undefined;
  return set(inst, {
    useIpvlan,
    // keepalived -t: "Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac" (seed 16)
    oldUnicastChecksum: SAFE && (inst.useVmac !== undefined || useIpvlan !== undefined) ? undefined : maybe(r, 0.15, () => r.pick(["always", "never"] as const)),
    // keepalived clears track_src_ip without a configured source, and says promote_secondaries is a vmac's anyway
    trackSrcIp: inst.srcIp !== undefined ? maybe(r, 0.3, () => true) : undefined,
    promoteSecondaries: inst.useVmac === undefined ? maybe(r, 0.2, () => true) : undefined,
    useVmacAddr: maybe(r, 0.15, () => true),
  });
}

function randomChecker(r: Rng, addrs: Addresses, fam: 4 | 6): Checker {
  const common: CheckerCommon = set(
    {
      connectTimeoutMs: r.int(1, 10_000),
      retry: r.int(0, 5),
      delayBeforeRetryMs: r.int(0, 10) * 500,
    },
    {
      connectIp: maybe(r, 0.2, () => addrs.next(fam)),
      connectPort: maybe(r, 0.3, () => r.int(1, 65535)),
      bindto: maybe(r, 0.2, () => addrs.next(fam)),
      bindPort: maybe(r, 0.2, () => r.int(1, 65535)),
      warmupMs: maybe(r, 0.2, () => r.int(0, 10_000)),
      delayLoopMs: maybe(r, 0.2, () => r.int(1, 60_000)),
    },
  );
  const type = r.pick(["TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK", "DNS_CHECK"] as const);
  switch (type) {
    case "TCP_CHECK":
      return { type, ...common };
    case "HTTP_GET":
    case "SSL_GET":
      return set(
        {
          type,
          ...common,
          url: Array.from({ length: r.int(1, 3) }, () =>
            set({ path: text(r) }, {
              digest: maybe(r, 0.4, () => Array.from({ length: 32 }, () => "0123456789abcdef"[r.int(0, 15)]).join("")),
              statusCode: maybe(r, 0.5, () => Array.from({ length: r.int(1, 3) }, () => {
                const from = r.int(100, 599);
                return { from, to: r.chance(0.5) ? from : r.int(from, 599) };
              })),
              virtualhost: maybe(r, 0.2, () => nameOf(r, "h")),
            }),
          ),
        },
        { virtualhost: maybe(r, 0.3, () => nameOf(r, "vh")), enableSni: type === "SSL_GET" ? maybe(r, 0.5, () => r.chance(0.5)) : undefined },
      );
    case "MISC_CHECK": {
      const { connectIp: _a, connectPort: _b, bindto: _c, bindPort: _d, connectTimeoutMs: _e, ...miscCommon } = common;
      const misc: MiscCheck = set(
        { type, ...miscCommon, miscPath: text(r), miscDynamic: r.chance(0.5) },
        { miscTimeoutMs: maybe(r, 0.5, () => r.int(1, 30) * 1000), user: SAFE ? undefined : maybe(r, 0.3, () => nameOf(r, "u")) },
      );
      if (misc.user !== undefined && r.chance(0.5)) misc.group = nameOf(r, "g");
      return misc;
    }
    case "DNS_CHECK":
      return { type, ...common, dnsType: r.pick(["A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"] as const), name: r.chance(0.1) ? "." : `n${r.int(0, 999)}.example${r.chance(0.5) ? "." : ""}` };
  }
}

function randomVirtualServer(r: Rng, k: number, addrs: Addresses): VirtualServer {
  const fam: 4 | 6 = r.chance(0.3) ? 6 : 4;
  const byMark = r.chance(0.25);
  const port = r.int(1, 65535);
  const lbKind = r.pick(LB_KINDS);
  const rs: RealServer[] = Array.from({ length: r.int(SAFE ? 1 : 0, 4) }, () =>
    set(
      { ip: addrs.next(fam), weight: r.int(SAFE ? 1 : 0, 100), checkers: Array.from({ length: r.int(0, 2) }, () => randomChecker(r, addrs, fam)) },
      {
        port: byMark && (SAFE || r.chance(0.5)) ? undefined : lbKind === "NAT" ? r.int(1, 65535) : port,
        inhibitOnFailure: maybe(r, 0.3, () => r.chance(0.5)),
        notifyUp: maybe(r, 0.2, () => text(r)),
        notifyDown: maybe(r, 0.2, () => text(r)),
        uthreshold: maybe(r, 0.2, () => r.int(100, 65535)),
        lthreshold: maybe(r, 0.2, () => r.int(0, 99)),
        delayLoopMs: maybe(r, 0.2, () => r.int(1, 60_000)),
        virtualhost: maybe(r, 0.2, () => nameOf(r, "vh")),
      },
    ),
  );
  const vs: VirtualServer = {
    protocol: r.pick(LVS_PROTOCOLS),
    lbAlgo: r.pick(LB_ALGOS),
    lbKind,
    delayLoopMs: r.int(1, 120_000),
    sorryServerInhibit: r.chance(0.2),
    quorum: 1,
    hysteresis: 0,
    alpha: r.chance(0.3),
    omega: r.chance(0.3),
    inhibitOnFailure: r.chance(0.3),
    haSuspend: r.chance(0.2),
    realServers: rs,
  };
  if (byMark) vs.fwmark = k + 1;
  else {
    vs.ip = addrs.next(fam);
    vs.port = port;
  }
  if (vs.protocol === "SCTP" && vs.lbKind === "TUN") vs.lbKind = "DR";
  if (SAFE && byMark) {
    vs.protocol = "TCP";
    vs.haSuspend = false;
  }
  return set(vs, {
    persistenceTimeoutMs: maybe(r, 0.4, () => r.int(1, 86_400) * 1000),
    persistenceGranularity: maybe(r, 0.2, () => (fam === 4 && !byMark ? "255.255.255.0" : undefined)),
    sorryServer: maybe(r, 0.3, () => set({ ip: addrs.next(fam) }, { port: byMark ? undefined : maybe(r, 0.7, () => (lbKind === "NAT" ? r.int(1, 65535) : port)) })),
    quorumUp: maybe(r, 0.2, () => text(r)),
    quorumDown: maybe(r, 0.2, () => text(r)),
    virtualhost: maybe(r, 0.2, () => nameOf(r, "vh")),
  });
}

function randomFleet(r: Rng): FleetConfig {
  return set(
    {
      broker: `${r.pick(["mqtt", "mqtts", "ws", "wss"])}://${nameOf(r, "b")}.example:${r.int(1, 65535)}`,
      fleet: nameOf(r, "f"),
      payload: r.pick(["cbor", "json"] as const),
      trustKey: Array.from({ length: r.int(1, 3) }, () => text(r)),
      stateDir: text(r),
      protocolVersion: r.pick([4, 5] as const),
      confirmTimeoutMs: r.pick([0, 30_000, r.int(1, 3600) * 1000]),
    } as FleetConfig,
    {
      node: nameOf(r, "n"),
      caFile: maybe(r, 0.5, () => text(r)),
      username: maybe(r, 0.5, () => nameOf(r, "u")),
      passwordFile: maybe(r, 0.5, () => text(r)),
      site: maybe(r, 0.3, () => nameOf(r, "s")),
      ...(r.chance(0.5) ? { certFile: text(r), keyFile: text(r) } : {}),
    },
  );
}

export function randomConfig(seed: number, size = 1, opts: GenOptions = {}): Config {
  SAFE = opts.keepalivedSafe ?? false;
  const r = prng(seed);
  const addrs = new Addresses(r);
  const global = randomGlobal(r);
  const scripts = Array.from({ length: r.int(0, 3 * size) }, (_, k) => randomScript(r, `chk${k}${str(r, NAME_CHARS, 0, 4)}`));
  const instances = Array.from({ length: r.int(0, 4 * size) }, (_, k) => randomInstance(r, global, k, addrs, scripts));
  const syncGroups: SyncGroup[] = [];
  let next = 0;
  while (next < instances.length && r.chance(0.4)) {
    const n = r.int(1, instances.length - next);
    syncGroups.push(set({ name: `sg${syncGroups.length}${str(r, NAME_CHARS, 0, 4)}`, group: instances.slice(next, next + n).map((i) => i.name), smtpAlert: r.chance(0.3),
      trackInterface: [], trackScript: [], trackFile: [], trackProcess: [], trackingWeight: false }, {
      notifyMaster: maybe(r, 0.3, () => text(r)),
      notify: maybe(r, 0.3, () => text(r)),
    }));
    next += n;
  }
  const virtualServers = Array.from({ length: r.int(0, 3 * size) }, (_, k) => randomVirtualServer(r, k, addrs));
  if (instances.length && r.chance(0.2)) {
    global.lvsSyncDaemon = set({ interface: nameOf(r, "if"), instance: instances[0]!.name }, { syncId: maybe(r, 0.5, () => r.int(0, 255)), port: maybe(r, 0.3, () => r.int(1, 65535)) });
  }
  const cfg: Config = { global, scripts, syncGroups, instances, trackFiles: [], virtualServerGroups: [], virtualServers,
    trackProcesses: [], staticIpaddress: [], staticRoutes: [], staticRules: [], interfaceUpDownDelays: [], trackGroups: [],
    garpGroups: [] };
  if (!SAFE && r.chance(0.5)) cfg.fleet = randomFleet(r);
  if (SAFE) for (const v of virtualServers) if (!v.sorryServer) v.sorryServerInhibit = false;
  addLvsGrammar(prng(seed ^ 0x6c7673), cfg, size, addrs);
  addVrrpGrammar(prng(seed ^ 0x767270), cfg, size, addrs);
  addGlobalExtras(prng(seed ^ 0x676c62), cfg, SAFE);
  addNotifyGrammar(prng(seed ^ 0x6e7466), cfg);
  return cfg;
}

// The LVS grammar added after the generator above was written (track_file,
// virtual_server_group, PING/UDP/SMTP/FILE checks) draws from its own stream,
// so every earlier seed still makes the same config up to these additions.
function addLvsGrammar(r: Rng, cfg: Config, size: number, addrs: Addresses): void {
  cfg.trackFiles = Array.from({ length: r.int(0, 2 * size) }, (_, k): TrackFile =>
    set({ name: `tf${k}${str(r, NAME_CHARS, 0, 4)}`, file: text(r), weight: r.int(-254, 254), weightReverse: r.chance(0.3) }, {
      initFile: maybe(r, 0.3, () => ({ value: r.int(-254, 254), overwrite: r.chance(0.5) })),
    }),
  );
  cfg.virtualServerGroups = Array.from({ length: r.int(0, size) }, (_, k) => randomGroup(r, k, cfg.virtualServerGroups.length + k));
  for (const g of cfg.virtualServerGroups) {
    if (!r.chance(0.8)) continue;
    const fam: 4 | 6 = g.addresses[0]?.ip.includes(":") ? 6 : 4;
    const vs = randomVirtualServer(r, 1000 + cfg.virtualServers.length, addrs);
    delete vs.ip;
    delete vs.port;
    delete vs.fwmark;
    delete vs.persistenceGranularity;
    vs.group = g.name;
    vs.haSuspend = false;
    if (vs.protocol === "SCTP" && vs.lbKind === "TUN") vs.lbKind = "DR";
    // a member without a port is only valid for a persistent service
    if (g.addresses.some((a) => a.port === undefined)) vs.persistenceTimeoutMs ??= r.int(1, 3600) * 1000;
    // real servers of the group's family, with ports a DR/TUN service can use
    // (their checkers were drawn for another family: new ones come below)
    vs.realServers = vs.realServers.map((rs) => ({ ...rs, ip: addrs.next(fam), port: vs.lbKind === "NAT" ? rs.port : undefined, checkers: [] }));
    for (const rs of vs.realServers) if (rs.port === undefined) delete rs.port;
    if (vs.sorryServer) vs.sorryServer = { ip: addrs.next(fam) };
    cfg.virtualServers.push(vs);
  }
  for (const vs of cfg.virtualServers) {
    const fam: 4 | 6 = (vs.realServers[0]?.ip ?? "").includes(":") ? 6 : 4;
    for (const rs of vs.realServers) {
      if (!r.chance(0.4)) continue;
      rs.checkers.push(...Array.from({ length: r.int(1, 2) }, () => randomNewChecker(r, addrs, fam, cfg.trackFiles)));
    }
  }
}

function randomGroup(r: Rng, k: number, n: number): VirtualServerGroup {
  // 198.19.240.0/20 and fd00:6::/64 are the generator's group space, one /24 (or /112) per group
  const fam: 4 | 6 = r.chance(0.3) ? 6 : 4;
  const base = (host: number) => (fam === 4 ? `198.19.${240 + (n % 16)}.${host}` : `fd00:6::${n.toString(16)}:${host.toString(16)}`);
  const addresses = Array.from({ length: r.int(SAFE ? 1 : 0, 3) }, (_, i) => {
    const first = 1 + i * 40 + r.int(0, 9);
    const port = SAFE || r.chance(0.8) ? r.int(1, 65535) : undefined;
    return set({ ip: base(first) }, { to: maybe(r, 0.5, () => base(first + r.int(1, 20))), port });
  });
  const fwmarks = Array.from({ length: r.int(addresses.length ? 0 : 1, 2) }, (_, i) =>
    set({ fwmark: 100_000 + n * 10 + i }, { family: maybe(r, 0.5, () => (fam === 4 ? ("inet" as const) : ("inet6" as const))) }),
  );
  return { name: `vsg${k}${str(r, NAME_CHARS, 0, 4)}`, addresses, fwmarks };
}

function randomNewChecker(r: Rng, addrs: Addresses, fam: 4 | 6, files: TrackFile[]): Checker {
  const common: CheckerCommon = set(
    { connectTimeoutMs: r.int(1, 10_000), retry: r.int(0, 5), delayBeforeRetryMs: r.int(0, 10) * 500 },
    {
      connectIp: maybe(r, 0.2, () => addrs.next(fam)),
      bindto: maybe(r, 0.2, () => addrs.next(fam)),
      warmupMs: maybe(r, 0.2, () => r.int(0, 10_000)),
      delayLoopMs: maybe(r, 0.2, () => r.int(1, 60_000)),
    },
  );
  const hex = (n: number, wild: boolean) => Array.from({ length: 2 * n }, () => (wild && r.chance(0.1) ? "x" : "0123456789abcdef"[r.int(0, 15)])).join("");
  const type = r.pick(files.length ? (["PING_CHECK", "UDP_CHECK", "SMTP_CHECK", "FILE_CHECK"] as const) : (["PING_CHECK", "UDP_CHECK", "SMTP_CHECK"] as const));
  switch (type) {
    case "PING_CHECK":
      return { type, ...common };
    case "UDP_CHECK": {
      const requireReply = r.chance(0.5);
      const replyData = requireReply ? maybe(r, 0.6, () => hex(r.int(1, 8), true)) : undefined;
      const max = replyData !== undefined && r.chance(0.5) ? r.int(0, 2000) : 255;
      return set(
        { type, ...common, connectPort: r.int(1, 65535), requireReply, minReplyLength: replyData !== undefined && r.chance(0.5) ? r.int(0, max) : 0, maxReplyLength: max },
        { payload: maybe(r, 0.6, () => hex(r.int(1, 40), false)), replyData, bindPort: maybe(r, 0.2, () => r.int(1, 65535)) },
      );
    }
    case "SMTP_CHECK":
      return set(
        {
          type,
          ...common,
          heloName: r.chance(0.5) ? "smtpchecker.keepalived.org" : `${nameOf(r, "h")}.example`,
          host: Array.from({ length: r.chance(0.4) ? r.int(1, 3) : 0 }, () =>
            set({}, {
              connectIp: maybe(r, 0.7, () => addrs.next(fam)),
              connectPort: maybe(r, 0.5, () => r.int(1, 65535)),
              bindto: maybe(r, 0.2, () => addrs.next(fam)),
              bindPort: maybe(r, 0.2, () => r.int(1, 65535)),
              connectTimeoutMs: maybe(r, 0.3, () => r.int(1, 10) * 1000),
            }),
          ),
        },
        { connectPort: maybe(r, 0.5, () => r.int(1, 65535)) },
      );
    case "FILE_CHECK": {
      const weight = maybe(r, 0.5, () => r.int(-2_147_483_647, 2_147_483_647));
      return set({ type, trackFile: r.pick(files).name, weightReverse: weight !== undefined && r.chance(0.5) }, { weight });
    }
  }
}
