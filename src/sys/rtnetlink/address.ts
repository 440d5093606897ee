// Interface addresses (RTM_NEWADDR/GETADDR/DELADDR, struct ifaddrmsg + IFA_*):
// list, add with label/scope/broadcast/flags and finite lifetimes, delete.
// Finite lifetimes are vigil's split-brain guard: a VIP added with valid_lft N is
// removed by the kernel itself N seconds after its owner stops refreshing it.
import {
  AF_INET, AF_INET6, IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_F_PERMANENT, IFA_FLAGS, IFA_LABEL, IFA_LOCAL,
  INFINITY_LIFE_TIME, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, OFFSETOF, RT_SCOPE_HOST,
  RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_SITE, RT_SCOPE_UNIVERSE, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, SIZEOF,
} from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { Attrs, NetlinkDecodeError } from "../netlink/attr.ts";
import { MessageBuilder, type NlMessage } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { formatIP, ipv4Broadcast, parseIP, parseIPv4 } from "./inet.ts";
import { ffiBytes } from "../ffi-memory.ts";

const A = OFFSETOF.ifaddrmsg;
const CI = OFFSETOF.ifa_cacheinfo;

export const SCOPES: Record<string, number> = {
  global: RT_SCOPE_UNIVERSE, site: RT_SCOPE_SITE, link: RT_SCOPE_LINK, host: RT_SCOPE_HOST, nowhere: RT_SCOPE_NOWHERE,
};

export interface Address {
  family: 4 | 6;
  index: number;
  /** the interface's own address (IFA_LOCAL, or IFA_ADDRESS when there is no local) */
  address: string;
  prefixlen: number;
  /** IFA_ADDRESS when it differs from the local address (point-to-point peer) */
  peer?: string;
  label: string;
  scope: number;
  /** IFA_F_* (full 32 bits from IFA_FLAGS when present) */
  flags: number;
  broadcast?: string;
  /** seconds left; 0xffffffff = forever */
  validLft: number;
  preferredLft: number;
}

export interface AddressSpec {
  index: number;
  address: string;
  prefixlen: number;
  /** IPv4 only (the kernel keeps labels for IPv4); by convention "<dev>:<suffix>" */
  label?: string;
  scope?: number;
  /** IPv4 broadcast; "auto" computes it from the prefix like `brd +` */
  broadcast?: string | "auto";
  /** IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ... */
  flags?: number;
  /** point-to-point peer, same family: sent as IFA_ADDRESS (`address` is IFA_LOCAL), as `ip addr add A peer P` does */
  peer?: string;
  /** seconds; omitted = forever */
  validLft?: number;
  /** seconds; defaults to validLft */
  preferredLft?: number;
}

function familyOf(n: number): 4 | 6 {
  if (n === AF_INET) return 4;
  if (n === AF_INET6) return 6;
  throw new NetlinkDecodeError("address message", `ifa_family ${n} is neither AF_INET nor AF_INET6`);
}

/** Decodes one RTM_NEWADDR/RTM_DELADDR message. */
export function decodeAddress(m: NlMessage): Address {
  const p = m.payload;
  if (p.length < SIZEOF.ifaddrmsg) throw new NetlinkDecodeError("address message", `payload ${p.length} bytes, need ${SIZEOF.ifaddrmsg} for ifaddrmsg`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const family = familyOf(p[A.ifa_family]);
  const a = new Attrs(p.subarray(SIZEOF.ifaddrmsg), "address attributes");
  const alen = family === 4 ? 4 : 16;
  const ip = (t: number): string | undefined => {
    const d = a.get(t);
    if (d === undefined) return undefined;
    if (d.length !== alen) throw new NetlinkDecodeError("address attributes", `attribute type ${t}: ${d.length} bytes, IPv${family} needs ${alen}`);
    return formatIP(d);
  };
  const local = ip(IFA_LOCAL);
  const addr = ip(IFA_ADDRESS);
  const address = local ?? addr;
  if (address === undefined) throw new NetlinkDecodeError("address message", "neither IFA_LOCAL nor IFA_ADDRESS present");
  const ci = a.get(IFA_CACHEINFO);
  if (ci !== undefined && ci.length < SIZEOF.ifa_cacheinfo) {
    throw new NetlinkDecodeError("address attributes", `IFA_CACHEINFO ${ci.length} bytes, need ${SIZEOF.ifa_cacheinfo}`);
  }
  const civ = ci && new DataView(ci.buffer, ci.byteOffset, ci.byteLength);
  const out: Address = {
    family,
    index: dv.getUint32(A.ifa_index, true),
    address,
    prefixlen: p[A.ifa_prefixlen],
    label: a.string(IFA_LABEL) ?? "",
    scope: p[A.ifa_scope],
    flags: a.u32(IFA_FLAGS) ?? p[A.ifa_flags],
    validLft: civ ? civ.getUint32(CI.ifa_valid, true) : INFINITY_LIFE_TIME,
    preferredLft: civ ? civ.getUint32(CI.ifa_prefered, true) : INFINITY_LIFE_TIME,
  };
  if (local !== undefined && addr !== undefined && addr !== local) out.peer = addr;
  const brd = ip(IFA_BROADCAST);
  if (brd !== undefined) out.broadcast = brd;
  return out;
}

export function isPermanent(a: Address): boolean {
  return (a.flags & IFA_F_PERMANENT) !== 0;
}

function beginAddr(b: MessageBuilder, type: number, flags: number, family: number, prefixlen: number, index: number, scope = 0, ifaFlags = 0): void {
  b.begin(type, NLM_F_REQUEST | flags);
  const off = b.struct(SIZEOF.ifaddrmsg);
  b.view.setUint8(off + A.ifa_family, family);
  b.view.setUint8(off + A.ifa_prefixlen, prefixlen);
  b.view.setUint8(off + A.ifa_flags, ifaFlags & 0xff);
  b.view.setUint8(off + A.ifa_scope, scope);
  b.view.setUint32(off + A.ifa_index, index, true);
}

/** All addresses, optionally only one family and/or one interface. */
export function listAddresses(sock: NetlinkSocket, filter: { family?: 4 | 6; index?: number } = {}): Address[] {
  const b = new MessageBuilder(64);
  const af = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : 0;
  // strict checking (enabled by NetlinkSocket) lets the kernel filter by index too
  beginAddr(b, RTM_GETADDR, NLM_F_DUMP, af, 0, filter.index ?? 0);
  return sock.query(b.finish(), "list addresses (RTM_GETADDR dump)")
    .filter((m) => m.type === RTM_NEWADDR)
    .map(decodeAddress)
    .filter((a) => (filter.index === undefined || a.index === filter.index) && (filter.family === undefined || a.family === filter.family));
}

/** Human-readable name of an address request, used in every error it raises. */
export function describeAddress(verb: string, s: Pick<AddressSpec, "address" | "prefixlen" | "index" | "label">): string {
  return `${verb} address ${s.address}/${s.prefixlen} on link ${s.index}${s.label ? ` label ${s.label}` : ""}`;
}

/**
 * Writes an RTM_NEWADDR request for `spec` into `b` and returns the offset of
 * the IFA_CACHEINFO payload (or -1 when the address is permanent).
 */
export function buildNewAddress(b: MessageBuilder, spec: AddressSpec, nlFlags: number): number {
  const { family, bytes } = parseIP(spec.address);
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(spec.prefixlen) || spec.prefixlen < 0 || spec.prefixlen > max) {
    throw new RangeError(`${describeAddress("add", spec)}: prefix length must be 0-${max}`);
  }
  if (family === 6 && (spec.label !== undefined || spec.broadcast !== undefined)) {
    throw new RangeError(`${describeAddress("add", spec)}: labels and broadcast are IPv4-only`);
  }
  const flags = spec.flags ?? 0;
  const peer = peerBytes("add", spec, family);
  beginAddr(b, RTM_NEWADDR, nlFlags, family === 4 ? AF_INET : AF_INET6, spec.prefixlen, spec.index, spec.scope ?? RT_SCOPE_UNIVERSE, flags);
  b.bytes(IFA_LOCAL, bytes);
  b.bytes(IFA_ADDRESS, peer);
  if (spec.label !== undefined) b.string(IFA_LABEL, spec.label);
  if (spec.broadcast !== undefined) {
    b.bytes(IFA_BROADCAST, spec.broadcast === "auto" ? ipv4Broadcast(bytes, spec.prefixlen) : parseIPv4(spec.broadcast));
  }
  // IFA_FLAGS carries the bits above 0xff (IFA_F_NOPREFIXROUTE...)
  if (flags > 0xff) b.u32(IFA_FLAGS, flags);
  if (spec.validLft === undefined) return -1;
  const valid = spec.validLft;
  const preferred = spec.preferredLft ?? valid;
  checkLifetimes(spec, valid, preferred);
  b.pad();
  const ci = b.len + 4;
  b.bytes(IFA_CACHEINFO, ffiBytes(SIZEOF.ifa_cacheinfo));
  b.view.setUint32(ci + CI.ifa_valid, valid, true);
  b.view.setUint32(ci + CI.ifa_prefered, preferred, true);
  return ci;
}

/** IFA_ADDRESS: the peer's bytes, else the address's own (rtnetlink's IFA_ADDRESS is the peer on a point-to-point address) */
function peerBytes(verb: string, spec: Pick<AddressSpec, "address" | "prefixlen" | "index" | "label" | "peer">, family: 4 | 6): Uint8Array {
  const own = parseIP(spec.address).bytes;
  if (spec.peer === undefined) return own;
  const p = parseIP(spec.peer);
  // the kernel answers a bare EINVAL for an IFA_ADDRESS of the wrong length: say why here
  if (p.family !== family) throw new RangeError(`${describeAddress(verb, spec)}: peer ${spec.peer} is not IPv${family}`);
  return p.bytes;
}

function checkLifetimes(spec: AddressSpec, valid: number, preferred: number): void {
  // the kernel refuses valid_lft 0 and preferred > valid with a bare EINVAL: say why here
  if (!Number.isInteger(valid) || valid < 1 || valid > INFINITY_LIFE_TIME) throw new RangeError(`${describeAddress("add", spec)}: valid lifetime ${valid} s must be 1..2^32-1`);
  if (!Number.isInteger(preferred) || preferred < 0 || preferred > valid) throw new RangeError(`${describeAddress("add", spec)}: preferred lifetime ${preferred} s must be 0..valid (${valid})`);
}

/** `ip addr add`: fails with SysError EEXIST if the address is already there (use replace to refresh). */
export function addAddress(sock: NetlinkSocket, spec: AddressSpec): void {
  const b = new MessageBuilder(128);
  buildNewAddress(b, spec, NLM_F_CREATE | NLM_F_EXCL);
  sock.request(b.finish(), describeAddress("add", spec));
}

/** `ip addr replace`: adds, or updates an existing address's lifetimes/flags in place. */
export function replaceAddress(sock: NetlinkSocket, spec: AddressSpec): void {
  const b = new MessageBuilder(128);
  buildNewAddress(b, spec, NLM_F_CREATE | NLM_F_REPLACE);
  sock.request(b.finish(), describeAddress("replace", spec));
}

/** `ip addr del`: SysError EADDRNOTAVAIL if the interface does not hold it. */
export function deleteAddress(sock: NetlinkSocket, spec: Pick<AddressSpec, "index" | "address" | "prefixlen" | "label" | "peer">): void {
  const b = new MessageBuilder(96);
  buildDelAddress(b, spec);
  sock.request(b.finish(), describeAddress("delete", spec));
}

/**
 * Writes an RTM_DELADDR request for `spec` into `b`. IFA_ADDRESS names the peer of a
 * point-to-point address: the kernel's inet_rtm_deladdr skips an IPv4 address whose
 * peer does not match it (EADDRNOTAVAIL). keepalived 2.2.7 sends the address itself
 * there and so leaves such a VIP behind (measured); vigil names the peer.
 */
export function buildDelAddress(b: MessageBuilder, spec: Pick<AddressSpec, "index" | "address" | "prefixlen" | "label" | "peer">): void {
  const { family, bytes } = parseIP(spec.address);
  const peer = peerBytes("delete", spec, family);
  beginAddr(b, RTM_DELADDR, 0, family === 4 ? AF_INET : AF_INET6, spec.prefixlen, spec.index);
  b.bytes(IFA_LOCAL, bytes);
  b.bytes(IFA_ADDRESS, peer);
  if (spec.label !== undefined && family === 4) b.string(IFA_LABEL, spec.label);
}

/**
 * Deletes the address if the link holds it; returns false if it was already gone
 * (an expired lease, or a start-up sweep of VIPs a previous run may have left).
 */
export function removeAddressIfPresent(sock: NetlinkSocket, spec: Pick<AddressSpec, "index" | "address" | "prefixlen" | "label" | "peer">): boolean {
  try {
    deleteAddress(sock, spec);
    return true;
  } catch (e) {
    if (e instanceof SysError && e.errno === Errno.EADDRNOTAVAIL) return false;
    throw e;
  }
}
