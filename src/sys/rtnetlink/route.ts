// Routes (RTM_NEWROUTE/RTM_DELROUTE, struct rtmsg + RTA_*, linux/rtnetlink.h):
// add/replace/delete one route, and decode route notifications so the VRRP worker
// can put back a route it owns that someone deleted. IPv6 routes can carry
// RTA_EXPIRES (seconds; the kernel sets RTF_EXPIRES and removes the route when it
// runs out): vigil's virtual IPv6 routes use it as VIPs use valid_lft. IPv4
// routes have no lifetime in the kernel.
import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_REPLACE, NLM_F_REQUEST, RTM_DELROUTE, RTM_NEWROUTE } from "../abi.ts";
import { Attrs, NetlinkDecodeError } from "../netlink/attr.ts";
import { MessageBuilder, type NlMessage } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { formatIP, parseIP } from "./inet.ts";

/** sizeof(struct rtmsg) and its fields' offsets */
export const RTMSG_SIZE = 12;
const R = { family: 0, dst_len: 1, src_len: 2, tos: 3, table: 4, protocol: 5, scope: 6, type: 7, flags: 8 } as const;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;
export const RTA_EXPIRES = 23;
export const RTN_UNICAST = 1;
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;
/** rtm_flags: the gateway is on-link whatever the prefixes say (RTNH_F_ONLINK) */
export const RTNH_F_ONLINK = 4;
/** keepalived's RTPROT_KEEPALIVED: routes vigil installs are marked as keepalived marks them */
export const RTPROT_KEEPALIVED = 18;
export const RT_TABLE_MAIN = 254;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export const ROUTE_TYPES: Record<string, number> = { unicast: RTN_UNICAST, blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE, prohibit: RTN_PROHIBIT };

export interface RouteSpec {
  family: 4 | 6;
  /** destination network address (host bits clear) */
  dst: string;
  dstLen: number;
  /** RTN_* */
  type: number;
  table: number;
  protocol: number;
  scope: number;
  gateway?: string;
  /** output interface index */
  oif?: number;
  prefsrc?: string;
  metric?: number;
  onlink?: boolean;
}

export interface Route extends RouteSpec {
  /** seconds left when RTF_EXPIRES is set (IPv6) */
  expires?: number;
}

/** Human-readable name of a route, in every error about it. */
export function describeRoute(verb: string, r: Pick<RouteSpec, "dst" | "dstLen" | "table" | "metric">): string {
  return `${verb} route ${r.dst}/${r.dstLen}${r.table !== RT_TABLE_MAIN ? ` table ${r.table}` : ""}${r.metric !== undefined ? ` metric ${r.metric}` : ""}`;
}

/**
 * Writes an RTM_NEWROUTE (or DELROUTE) request into `b`. Returns the offset of the
 * RTA_EXPIRES payload (-1 without one) so a refresh can patch it in place.
 */
export function buildRoute(b: MessageBuilder, type: number, nlFlags: number, r: RouteSpec, expiresSec?: number): number {
  const { family, bytes } = parseIP(r.dst);
  if (family !== r.family) throw new RangeError(`${describeRoute("build", r)}: destination is IPv${family}, route is IPv${r.family}`);
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(r.dstLen) || r.dstLen < 0 || r.dstLen > max) throw new RangeError(`${describeRoute("build", r)}: prefix length must be 0-${max}`);
  b.begin(type, NLM_F_REQUEST | nlFlags);
  const off = b.struct(RTMSG_SIZE);
  b.view.setUint8(off + R.family, family === 4 ? AF_INET : AF_INET6);
  b.view.setUint8(off + R.dst_len, r.dstLen);
  // tables above 255 only fit RTA_TABLE; rtm_table then says RT_TABLE_UNSPEC... the kernel reads RTA_TABLE first
  b.view.setUint8(off + R.table, r.table < 256 ? r.table : 0);
  b.view.setUint8(off + R.protocol, r.protocol);
  b.view.setUint8(off + R.scope, r.scope);
  b.view.setUint8(off + R.type, r.type);
  b.view.setUint32(off + R.flags, r.onlink ? RTNH_F_ONLINK : 0, true);
  b.bytes(RTA_DST, bytes);
  b.u32(RTA_TABLE, r.table);
  if (r.gateway !== undefined) b.bytes(RTA_GATEWAY, addr(r.gateway, family, "gateway"));
  if (r.oif !== undefined) b.u32(RTA_OIF, r.oif);
  if (r.prefsrc !== undefined) b.bytes(RTA_PREFSRC, addr(r.prefsrc, family, "src"));
  if (r.metric !== undefined) b.u32(RTA_PRIORITY, r.metric);
  if (expiresSec === undefined) return -1;
  if (family !== 6) throw new RangeError(`${describeRoute("build", r)}: only IPv6 routes can expire`);
  b.pad();
  const at = b.len + 4;
  b.u32(RTA_EXPIRES, expiresSec);
  return at;
}

function addr(text: string, family: 4 | 6, what: string): Uint8Array {
  const p = parseIP(text);
  if (p.family !== family) throw new RangeError(`route ${what} ${text} is IPv${p.family}, the route is IPv${family}`);
  return p.bytes;
}

/** `ip route replace`: adds the route or updates the one with the same key. */
export function replaceRoute(sock: NetlinkSocket, r: RouteSpec, expiresSec?: number): void {
  const b = new MessageBuilder(256);
  buildRoute(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, expiresSec);
  sock.request(b.finish(), describeRoute("replace", r));
}

/** `ip route del`: SysError ESRCH when there is no such route. */
export function deleteRoute(sock: NetlinkSocket, r: RouteSpec): void {
  const b = new MessageBuilder(256);
  buildRoute(b, RTM_DELROUTE, 0, r);
  sock.request(b.finish(), describeRoute("delete", r));
}

/** Decodes one RTM_NEWROUTE/RTM_DELROUTE message (IPv4 and IPv6 only). */
export function decodeRoute(m: NlMessage): Route {
  const p = m.payload;
  if (p.length < RTMSG_SIZE) throw new NetlinkDecodeError("route message", `payload ${p.length} bytes, need ${RTMSG_SIZE} for rtmsg`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const af = p[R.family];
  if (af !== AF_INET && af !== AF_INET6) throw new NetlinkDecodeError("route message", `rtm_family ${af} is neither AF_INET nor AF_INET6`);
  const family: 4 | 6 = af === AF_INET ? 4 : 6;
  const alen = family === 4 ? 4 : 16;
  const a = new Attrs(p.subarray(RTMSG_SIZE), "route attributes");
  const ip = (t: number): string | undefined => {
    const d = a.get(t);
    if (d === undefined) return undefined;
    if (d.length !== alen) throw new NetlinkDecodeError("route attributes", `attribute type ${t}: ${d.length} bytes, IPv${family} needs ${alen}`);
    return formatIP(d);
  };
  const dstLen = p[R.dst_len];
  if (dstLen > alen * 8) throw new NetlinkDecodeError("route message", `rtm_dst_len ${dstLen} is longer than an IPv${family} address`);
  const r: Route = {
    family,
    dst: ip(RTA_DST) ?? (family === 4 ? "0.0.0.0" : "::"),
    dstLen,
    type: p[R.type],
    table: a.u32(RTA_TABLE) ?? p[R.table],
    protocol: p[R.protocol],
    scope: p[R.scope],
    onlink: (dv.getUint32(R.flags, true) & RTNH_F_ONLINK) !== 0,
  };
  const gw = ip(RTA_GATEWAY);
  if (gw !== undefined) r.gateway = gw;
  const src = ip(RTA_PREFSRC);
  if (src !== undefined) r.prefsrc = src;
  const oif = a.u32(RTA_OIF);
  if (oif !== undefined) r.oif = oif;
  const metric = a.u32(RTA_PRIORITY);
  if (metric !== undefined) r.metric = metric;
  const exp = a.u32(RTA_EXPIRES);
  if (exp !== undefined) r.expires = exp;
  return r;
}

/**
 * The kernel's identity of a route (fib lookup key): family, destination, table,
 * metric (IPv6 and IPv4 both key on priority) and type. A deletion notification
 * with this key removed our route.
 */
export function routeKey(r: Pick<RouteSpec, "family" | "dst" | "dstLen" | "table" | "metric">): string {
  // IPv6 routes added without a metric get IP6_RT_PRIO_USER (1024) from the kernel
  return `${r.family} ${r.dst}/${r.dstLen} t${r.table} m${r.metric ?? (r.family === 6 ? 1024 : 0)}`;
}

/** Canonical text of an address (the kernel's own formatting), for keys. */
export function canonicalIP(text: string): string {
  return formatIP(parseIP(text).bytes);
}
