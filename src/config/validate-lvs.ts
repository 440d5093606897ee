// Semantic rules of the LVS additions read from keepalived 2.2.7's grammar:
// virtual_server_group (and the virtual servers that use one), track_file and
// the checkers that refer to them (FILE_CHECK), UDP_CHECK, PING_CHECK and
// SMTP_CHECK. Pure: config in, findings out (validate.ts merges them).
import { formatIPv4, formatIPv6, ipFamily, parseIP } from "../net/ip-address.ts";
import type { FieldPath } from "./diagnostics.ts";
import type { Config, VirtualServer, VirtualServerGroup } from "./model.ts";
import { addressValue, rangeAddresses, rangeSize } from "./vsg-range.ts";
import type { Finding } from "./validate.ts";

/**
 * IPVS services one group may expand to. keepalived programs one service per
 * address of a range; a /16 would be 65 536 services, far past what a router
 * board's table holds, and almost surely a typo.
 */
export const MAX_GROUP_SERVICES = 16_384;

/** keepalived track_file init values outside this range draw a warning (the VRRP priority range). */
const SENSIBLE_INIT = 254;

const CH = (i: number, k: number, c: number, ...p: FieldPath): FieldPath => ["virtualServers", i, "realServers", k, "checkers", c, ...p];

export function validateLvsExtras(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });

  const files = new Map<string, number>();
  cfg.trackFiles.forEach((t, i) => {
    if (files.has(t.name)) err(["trackFiles", i, "name"], `track_file '${t.name}' is defined twice`);
    else files.set(t.name, i);
    const v = t.initFile?.value;
    if (v !== undefined && (v < -SENSIBLE_INIT || v > SENSIBLE_INIT)) {
      warn(["trackFiles", i, "initFile", "value"], `init_file value ${v} is outside the sensible range -254..254 (keepalived warns too)`);
    }
  });

  const groups = new Map<string, { index: number; services: number }>();
  cfg.virtualServerGroups.forEach((g, i) => {
    if (groups.has(g.name)) err(["virtualServerGroups", i, "name"], `virtual_server_group '${g.name}' is defined twice`);
    else groups.set(g.name, { index: i, services: checkGroup(g, i, err) });
  });

  // Every IPVS service a group puts in the kernel must belong to one virtual
  // server only (keepalived.conf(5): one TCP, one UDP and one SCTP virtual server
  // per group and family). Plain services colliding with each other are
  // validate.ts's finding already; here a group is on one side at least.
  const owner = new Map<string, { vs: number; group: boolean }>();
  const groupUses = new Set<string>();
  cfg.virtualServers.forEach((vs, i) => {
    const P = (...p: FieldPath): FieldPath => ["virtualServers", i, ...p];
    if (vs.group !== undefined) {
      // identified twice: validate.ts says so, a reference check would only add noise
      if (vs.ip !== undefined || vs.port !== undefined || vs.fwmark !== undefined) return;
      const g = groups.get(vs.group);
      if (!g) return err(P("group"), `virtual_server group '${vs.group}' refers to a virtual_server_group that does not exist`);
      if (g.services > MAX_GROUP_SERVICES) return; // reported at the group
      const portless = cfg.virtualServerGroups[g.index]!.addresses.some((a) => a.port === undefined);
      // keepalived check_data.c: "zero port only valid for persistent services" (it then sets 360 s)
      if (portless && vs.persistenceTimeoutMs === undefined) {
        err(P("group"), `virtual_server_group '${vs.group}' has a member without a port, which IPVS takes only for a persistent service: set persistence_timeout`);
      }
    }
    // the same group and protocol twice is validate.ts's "defined twice"
    const use = `${vs.group}|${vs.protocol}`;
    const repeated = vs.group !== undefined && groupUses.has(use);
    if (vs.group !== undefined) groupUses.add(use);
    if (!repeated) for (const key of serviceKeys(vs, cfg.virtualServerGroups)) {
      const prev = owner.get(key);
      if (!prev) owner.set(key, { vs: i, group: vs.group !== undefined });
      else if (prev.group || vs.group !== undefined) {
        err(vs.group !== undefined ? P("group") : P(), `the IPVS service ${key.replace(/\|/g, " ")} of this virtual_server is already that of virtual_server #${prev.vs + 1}`);
        break;
      }
    }
    // plain loops, and a finding's path only for a finding: a cold `vigil config check`
    // runs this for every checker in the interpreter (test/bench/config-check-phases.ts)
    for (let k = 0; k < vs.realServers.length; k++) {
      const checkers = vs.realServers[k]!.checkers;
      for (let c = 0; c < checkers.length; c++) {
        const ch = checkers[c]!;
        switch (ch.type) {
          case "FILE_CHECK":
            if (!files.has(ch.trackFile)) err(CH(i, k, c, "trackFile"), `FILE_CHECK refers to track_file '${ch.trackFile}', which does not exist`);
            if (ch.weightReverse && ch.weight === undefined) err(CH(i, k, c, "weightReverse"), "FILE_CHECK reverse needs a weight (keepalived: weight W reverse)");
            break;
          case "UDP_CHECK":
            if (ch.replyData !== undefined && !ch.requireReply) err(CH(i, k, c, "replyData"), "a reply pattern needs require_reply (keepalived: require_reply HEX)");
            if (ch.minReplyLength > ch.maxReplyLength) {
              err(CH(i, k, c, "minReplyLength"), `min_reply_length ${ch.minReplyLength} > max_reply_length ${ch.maxReplyLength}: the check would always fail`);
            } else if (ch.replyData === undefined && (ch.minReplyLength !== 0 || ch.maxReplyLength !== 255)) {
              warn(CH(i, k, c, ch.minReplyLength !== 0 ? "minReplyLength" : "maxReplyLength"), "reply lengths are only checked with a require_reply pattern (as keepalived 2.2.7 does); ignored");
            }
            break;
          case "PING_CHECK":
            if (ch.connectPort !== undefined) warn(CH(i, k, c, "connectPort"), "PING_CHECK has no port: connect_port is ignored");
            if (ch.bindPort !== undefined) warn(CH(i, k, c, "bindPort"), "PING_CHECK has no port: bind_port is ignored");
            break;
          case "SMTP_CHECK":
            ch.host.forEach((h, hi) => {
              for (const f of ["connectIp", "bindto"] as const) {
                const v = h[f];
                if (v !== undefined && ipFamily(v) === 0) err(CH(i, k, c, "host", hi, f), `'${v}' is not an IPv4 or IPv6 address`);
              }
            });
            break;
        }
      }
    }
  });
  return out;
}

/** Checks one group's entries; returns how many IPVS services it expands to. */
function checkGroup(g: VirtualServerGroup, i: number, err: (p: FieldPath, m: string) => void): number {
  const G = (...p: FieldPath): FieldPath => ["virtualServerGroups", i, ...p];
  if (g.addresses.length === 0 && g.fwmarks.length === 0) {
    err(G(), `virtual_server_group '${g.name}' has no entries (keepalived removes it)`);
    return 0;
  }
  let total = 0n;
  let v4 = false;
  let v6 = false;
  const seen = new Set<string>();
  g.addresses.forEach((a, k) => {
    const first = ipOrUndefined(a.ip);
    if (!first) return err(G("addresses", k, "ip"), `'${a.ip}' is not an IPv4 or IPv6 address`);
    if (first.family === 4) v4 = true;
    else v6 = true;
    if (a.to !== undefined) {
      const last = ipOrUndefined(a.to);
      if (!last) return err(G("addresses", k, "to"), `'${a.to}' is not an IPv4 or IPv6 address`);
      if (last.family !== first.family) return err(G("addresses", k, "to"), `the range ${a.ip}-${a.to} mixes IPv4 and IPv6`);
      if (addressValue(last.bytes) < addressValue(first.bytes)) return err(G("addresses", k, "to"), `the range ${a.ip}-${a.to} ends before it starts`);
    }
    const n = rangeSize(a);
    total += n;
    if (total > BigInt(MAX_GROUP_SERVICES)) return;
    for (const addr of rangeAddresses(a)) {
      const key = `${addr} ${a.port ?? 0}`;
      if (seen.has(key)) {
        err(G("addresses", k), `${addr}${a.port !== undefined ? ` port ${a.port}` : ""} is already a member of virtual_server_group '${g.name}'`);
        break;
      }
      seen.add(key);
    }
  });
  const marks = new Set<string>();
  g.fwmarks.forEach((f, k) => {
    const key = `${f.fwmark} ${f.family ?? ""}`;
    if (marks.has(key)) err(G("fwmarks", k), `fwmark ${f.fwmark} is listed twice`);
    marks.add(key);
  });
  total += BigInt(g.fwmarks.length);
  if (total > BigInt(MAX_GROUP_SERVICES)) {
    err(G(), `virtual_server_group '${g.name}' expands to ${total} IPVS services, more than ${MAX_GROUP_SERVICES}`);
    return Number(total > 1_000_000_000n ? 1_000_000_000n : total);
  }
  // keepalived: "virtual server group ... cannot have IPv4, IPv6 and fwmark without family - removing"
  const noFamily = g.fwmarks.findIndex((f) => f.family === undefined);
  if (v4 && v6 && noFamily >= 0) {
    err(G("fwmarks", noFamily), `virtual_server_group '${g.name}' has IPv4 and IPv6 addresses, so its fwmark entries need a family (inet or inet6)`);
  }
  return Number(total);
}

function ipOrUndefined(s: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  try {
    return parseIP(s);
  } catch {
    return undefined;
  }
}

/** The IPVS service identities a virtual server occupies ("tcp|198.18.0.1|80", "fwmark|7|inet6"). */
function serviceKeys(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string[] {
  const proto = vs.protocol.toLowerCase();
  if (vs.fwmark !== undefined) return [`fwmark|${vs.fwmark}|`];
  if (vs.group === undefined) {
    const a = ipOrUndefined(vs.ip ?? "");
    return a ? [`${proto}|${canonical(a)}|${vs.port ?? 0}`] : [];
  }
  const g = groups.find((x) => x.name === vs.group);
  if (!g) return [];
  const keys: string[] = [];
  for (const a of g.addresses) for (const addr of rangeAddresses(a)) keys.push(`${proto}|${addr}|${a.port ?? 0}`);
  for (const f of g.fwmarks) keys.push(`fwmark|${f.fwmark}|${f.family ?? ""}`);
  return keys;
}

/** Canonical text of one address (what rangeAddresses yields), so plain and group keys compare. */
function canonical(a: { family: 4 | 6; bytes: Uint8Array }): string {
  return a.family === 4 ? formatIPv4(a.bytes) : formatIPv6(a.bytes);
}
