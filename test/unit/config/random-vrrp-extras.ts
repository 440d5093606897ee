// Random VRRP tracking and route/rule constructs for the property tests of
// random-config.ts: vrrp_track_process (and references to it and to track_file),
// static_ipaddress/static_routes/static_rules, virtual_routes/virtual_rules.
// Everything generated is valid, and keepalived 2.2.7 reads all of it.
import type { Config, IpRoute, IpRule, SyncGroup, TrackInterface, TrackProcess, TrackRef, TrackScript } from "../../../src/config/model.ts";
import type { Addresses, Rng } from "./random-config.ts";

function maybe<T>(r: Rng, p: number, f: () => T): T | undefined {
  return r.chance(p) ? f() : undefined;
}

function set<T extends object>(o: T, fields: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  return o;
}

let net = 0;
/** A network prefix (host bits clear), distinct each call. */
function prefix(r: Rng, fam: 4 | 6): string {
  const k = ++net;
  return fam === 4 ? `198.19.${k & 255}.0/24` : `fd00:${(0x100 + (k & 0xfff)).toString(16)}::/64`;
}

function randomRoute(r: Rng, addrs: Addresses, fam: 4 | 6): IpRoute {
  const type = r.pick(["unicast", "unicast", "blackhole", "unreachable", "prohibit"] as const);
  const rt: IpRoute = { type, to: prefix(r, fam), onlink: false };
  if (type === "unicast") {
    if (r.chance(0.7)) rt.via = addrs.next(fam);
    if (!rt.via || r.chance(0.5)) rt.dev = `eth${r.int(0, 3)}`;
    rt.onlink = !!rt.via && r.chance(0.2);
  }
  return set(rt, {
    src: maybe(r, 0.3, () => addrs.next(fam)),
    metric: maybe(r, 0.4, () => r.int(0, 1000)),
    table: maybe(r, 0.5, () => r.pick([100, 200, 253, 254, 255, 1000])),
    scope: type === "unicast" ? maybe(r, 0.2, () => r.pick(["global", "link", "host"] as const)) : undefined,
  });
}

function randomRule(r: Rng, fam: 4 | 6): IpRule {
  const rule: IpRule = { family: fam, invert: r.chance(0.1) };
  return set(rule, {
    from: maybe(r, 0.6, () => prefix(r, fam)),
    to: maybe(r, 0.3, () => prefix(r, fam)),
    iif: maybe(r, 0.2, () => `eth${r.int(0, 3)}`),
    oif: maybe(r, 0.1, () => `eth${r.int(0, 3)}`),
    fwmark: maybe(r, 0.2, () => r.int(1, 1000)),
    priority: r.int(1, 30000),
    ...(r.chance(0.8) ? { table: r.pick([100, 200, 254, 1000]) } : { action: r.pick(["blackhole", "unreachable", "prohibit"] as const) }),
  });
}

function randomTrackProcess(r: Rng, k: number): TrackProcess {
  const params = r.chance(0.3) ? Array.from({ length: r.int(1, 3) }, (_, i) => `-p${i}`) : [];
  const full = params.length > 0 || r.chance(0.3);
  const paramMatch = params.length ? r.pick(["exact", "partial", "initial"] as const) : full && r.chance(0.3) ? "exact" : "none";
  const quorumMax = r.chance(0.2) ? 0 : r.chance(0.3) ? r.int(2, 10) : 65535;
  const delay = r.chance(0.3) ? r.int(1, 3000) : 0;
  return {
    name: `proc${k}`,
    process: full ? `/usr/sbin/daemon${k}` : `daemon${k}`,
    parameters: params,
    paramMatch,
    weight: r.chance(0.5) ? 0 : r.int(-254, 254),
    weightReverse: r.chance(0.2),
    quorum: quorumMax === 0 ? 0 : r.int(1, Math.min(2, quorumMax)),
    quorumMax,
    forkDelayMs: delay,
    terminateDelayMs: r.chance(0.5) ? delay : r.int(0, 2000),
    fullCommand: full || paramMatch !== "none",
  };
}

function ref(r: Rng, name: string): TrackRef {
  const t: TrackRef = { name };
  if (r.chance(0.5)) {
    t.weight = r.int(-254, 254);
    if (r.chance(0.4)) t.reverse = r.chance(0.5);
  }
  return t;
}

export function addVrrpGrammar(r: Rng, cfg: Config, size: number, addrs: Addresses): void {
  cfg.trackProcesses = Array.from({ length: r.int(0, 2 * size) }, (_, k) => randomTrackProcess(r, k));
  cfg.staticIpaddress = Array.from({ length: r.int(0, 2) }, () => ({ address: addrs.next(4), prefix: 24, dev: `eth${r.int(0, 3)}` }));
  cfg.staticRoutes = Array.from({ length: r.int(0, 2 * size) }, () => randomRoute(r, addrs, r.chance(0.7) ? 4 : 6));
  cfg.staticRules = Array.from({ length: r.int(0, 2) }, () => randomRule(r, r.chance(0.7) ? 4 : 6));
  for (const inst of cfg.instances) {
    const procs = cfg.trackProcesses.filter(() => r.chance(0.5));
    inst.trackProcess = procs.map((p) => ref(r, p.name));
    inst.trackFile = cfg.trackFiles.filter(() => r.chance(0.4)).map((f) => ref(r, f.name));
    const fam = inst.nativeIpv6 || inst.virtualIpaddress[0]?.address.includes(":") ? 6 : 4;
    inst.virtualRoutes = Array.from({ length: r.int(0, 2) }, () => randomRoute(r, addrs, r.chance(0.8) ? fam : fam === 4 ? 6 : 4));
    inst.virtualRules = Array.from({ length: r.int(0, 2) }, () => randomRule(r, fam));
    // the owner ignores weights (a warning): keep generated owners clean
    if (inst.priority === 255) for (const t of [...inst.trackProcess, ...inst.trackFile]) t.weight = 0;
  }
  for (const [k, g] of cfg.syncGroups.entries()) addSyncGroupTracking(r, cfg, g, k);
}

/**
 * A sync group's own tracking: objects no member tracks itself (keepalived warns
 * about one tracked both ways), unweighted when a member is the address owner, and
 * sync_group_tracking_weight whenever a member has weights of its own (without it
 * keepalived ignores them, with a warning).
 */
function addSyncGroupTracking(r: Rng, cfg: Config, g: SyncGroup, k: number): void {
  const members = cfg.instances.filter((i) => g.group.includes(i.name));
  const owner = members.some((i) => i.priority === 255);
  const unweight = <T extends { weight?: number }>(t: T): T => (owner && t.weight !== undefined ? { ...t, weight: 0 } : t);
  const usedScripts = new Set(members.flatMap((i) => i.trackScript.map((t) => t.script)));
  const usedFiles = new Set(members.flatMap((i) => i.trackFile.map((t) => t.name)));
  const usedProcs = new Set(members.flatMap((i) => i.trackProcess.map((t) => t.name)));
  g.trackInterface = Array.from({ length: r.int(0, 2) }, (_, j) => unweight(set<TrackInterface>({ name: `sgif${k}x${j}` }, { weight: maybe(r, 0.5, () => r.int(-253, 253)) })));
  g.trackScript = cfg.scripts.filter((s) => !usedScripts.has(s.name) && r.chance(0.3)).map((s) => unweight(set<TrackScript>({ script: s.name }, { weight: maybe(r, 0.5, () => r.int(-253, 253)) })));
  g.trackFile = cfg.trackFiles.filter((f) => !usedFiles.has(f.name) && r.chance(0.3)).map((f) => unweight(ref(r, f.name)));
  g.trackProcess = cfg.trackProcesses.filter((p) => !usedProcs.has(p.name) && r.chance(0.3)).map((p) => unweight(ref(r, p.name)));
  const ownWeights = members.some((i) => i.trackInterface.some((t) => t.weight) || i.trackScript.length || i.trackFile.length);
  g.trackingWeight = ownWeights || r.chance(0.3);
}
