// IPVS attribute codec: IpvsService/IpvsDest ⇄ the nested netlink attributes of
// linux/ip_vs.h. Pure (no socket): the client builds requests with it and the
// fuzz tests feed it garbage. Every decode failure is an IpvsDecodeError that
// says which attribute was wrong.
import { errorText } from "../../error-text.ts";
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP } from "../abi.ts";
import { type Attrs, AttrWriter, NetlinkDecodeError } from "../netlink/attr.ts";
import type { IpvsDest, IpvsForward, IpvsProtocol, IpvsScheduler, IpvsService, IpvsServiceKey } from "../../lvs/ipvs-model.ts";
import { defaultNetmask } from "../../lvs/reconcile.ts";
import { formatAddress } from "../../lvs/reconcile-address.ts";
import { parseIPv4, parseIPv4Into, parseIPv6Into } from "../../net/ip-address.ts";
import {
  IP_VS_CONN_F, IP_VS_SCHEDNAME_MAXLEN, IP_VS_SVC_F, IPPROTO_SCTP, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_SVC_ATTR,
} from "./constants.ts";
import { ffiBytes } from "../ffi-memory.ts";

export class IpvsDecodeError extends NetlinkDecodeError {
  override name = "IpvsDecodeError";
}

/** Names the operation in errors; a function so the text is only built when something fails. */
export type Label = string | (() => string);

/** A request the kernel would reject anyway, caught before sending with a precise reason. */
export class IpvsRequestError extends Error {
  readonly what: string;
  constructor(what: Label, reason: string) {
    const w = typeof what === "function" ? what() : what;
    super(`${w}: ${reason}`);
    this.what = w;
    this.name = "IpvsRequestError";
  }
}

export const SCHEDULERS: readonly IpvsScheduler[] = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"];

const PROTO_NUM: Record<IpvsProtocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const FWD_NUM: Record<IpvsForward, number> = { masq: IP_VS_CONN_F.MASQ, route: IP_VS_CONN_F.DROUTE, tunnel: IP_VS_CONN_F.TUNNEL };

// Scheduler flag names as ipvsadm prints them: sh-… and mh-… for sh/mh, flag-N otherwise.
function schedFlagNames(scheduler: string): [string, string, string] {
  if (scheduler === "sh" || scheduler === "mh") return [`${scheduler}-fallback`, `${scheduler}-port`, "flag-3"];
  return ["flag-1", "flag-2", "flag-3"];
}

export function encodeFlags(s: Pick<IpvsService, "scheduler" | "flags" | "persistenceTimeout">, what: Label): number {
  // the kernel decides persistence from this flag, not from the timeout
  let f = s.persistenceTimeout > 0 ? IP_VS_SVC_F.PERSISTENT : 0;
  const names = schedFlagNames(s.scheduler);
  for (const name of s.flags) {
    if (name === "ops") f |= IP_VS_SVC_F.ONEPACKET;
    else if (name === names[0]) f |= IP_VS_SVC_F.SCHED1;
    else if (name === names[1]) f |= IP_VS_SVC_F.SCHED2;
    else if (name === names[2]) f |= IP_VS_SVC_F.SCHED3;
    else throw new IpvsRequestError(what, `flag "${name}" does not apply to scheduler ${s.scheduler} (allowed: ops, ${names.join(", ")})`);
  }
  return f;
}

export function decodeFlags(flags: number, scheduler: string): string[] {
  const names = schedFlagNames(scheduler);
  const out: string[] = [];
  if (flags & IP_VS_SVC_F.ONEPACKET) out.push("ops");
  if (flags & IP_VS_SVC_F.SCHED1) out.push(names[0]);
  if (flags & IP_VS_SVC_F.SCHED2) out.push(names[1]);
  if (flags & IP_VS_SVC_F.SCHED3) out.push(names[2]);
  return out.sort();
}

// union nf_inet_addr: IPv4 in the first 4 of 16 bytes. One scratch buffer:
// the writer copies it, and this runs for every dest of a big table.
const scratch16 = ffiBytes(16);
function addr16(address: string, family: 4 | 6, what: Label): Uint8Array {
  if (address.includes(":") !== (family === 6)) throw new IpvsRequestError(what, `address ${address} is not IPv${family}`);
  try {
    if (family === 6) parseIPv6Into(address, scratch16);
    else {
      scratch16.fill(0);
      parseIPv4Into(address, scratch16);
    }
  } catch (e) {
    throw new IpvsRequestError(what, errorText(e));
  }
  return scratch16;
}

function checkPort(port: number, what: Label) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new IpvsRequestError(what, `port ${port} is not 0-65535`);
}

/** Writes the service key attributes (enough for DEL_SERVICE and as the parent of dest ops). */
export function writeServiceKey(w: AttrWriter, k: IpvsServiceKey, what: Label): void {
  w.u16(IPVS_SVC_ATTR.AF, k.family === 6 ? AF_INET6 : AF_INET);
  if (k.fwmark) {
    if (!Number.isInteger(k.fwmark) || k.fwmark < 1 || k.fwmark > 0xffffffff) throw new IpvsRequestError(what, `fwmark ${k.fwmark} is not 1-4294967295`);
    w.u32(IPVS_SVC_ATTR.FWMARK, k.fwmark);
    return;
  }
  const proto = PROTO_NUM[k.protocol];
  if (proto === undefined) throw new IpvsRequestError(what, `protocol "${k.protocol}" is not tcp, udp or sctp`);
  checkPort(k.port, what);
  w.u16(IPVS_SVC_ATTR.PROTOCOL, proto);
  w.bytes(IPVS_SVC_ATTR.ADDR, addr16(k.address, k.family, what));
  w.be16(IPVS_SVC_ATTR.PORT, k.port);
}

// Encoded key nests by key object: reconcile hands every dest op of a service
// the same key object, so a service's key is encoded once, not once per dest.
// The cached copy of the key fields guards against a caller mutating the object.
const keyNests = new WeakMap<IpvsServiceKey, { key: IpvsServiceKey; bytes: Uint8Array }>();
const keyScratch = new AttrWriter(256);

function sameKey(a: IpvsServiceKey, b: IpvsServiceKey): boolean {
  return a.family === b.family && a.protocol === b.protocol && a.address === b.address && a.port === b.port && a.fwmark === b.fwmark;
}

/** IPVS_CMD_ATTR_SERVICE with only the key. */
export function writeServiceKeyNest(w: AttrWriter, k: IpvsServiceKey, what: Label): void {
  let hit = keyNests.get(k);
  if (!hit || !sameKey(hit.key, k)) {
    keyScratch.reset();
    const n = keyScratch.nestStart(IPVS_CMD_ATTR.SERVICE);
    writeServiceKey(keyScratch, k, what);
    keyScratch.nestEnd(n);
    hit = { key: { family: k.family, protocol: k.protocol, address: k.address, port: k.port, fwmark: k.fwmark }, bytes: keyScratch.buf.slice(0, keyScratch.len) };
    keyNests.set(k, hit);
  }
  w.pad();
  const off = w.reserve(hit.bytes.length); // may grow w.buf: read it afterwards
  w.buf.set(hit.bytes, off);
}

/** IPVS_CMD_ATTR_SERVICE with every setting (NEW_SERVICE / SET_SERVICE need a full entry). */
export function writeServiceFull(w: AttrWriter, s: IpvsService, what: Label): void {
  if (typeof s.scheduler !== "string" || s.scheduler.length === 0 || s.scheduler.length >= IP_VS_SCHEDNAME_MAXLEN) {
    throw new IpvsRequestError(what, `scheduler name "${s.scheduler}" must be 1-${IP_VS_SCHEDNAME_MAXLEN - 1} characters`);
  }
  if (!Number.isInteger(s.persistenceTimeout) || s.persistenceTimeout < 0 || s.persistenceTimeout > 0xffffffff) {
    throw new IpvsRequestError(what, `persistence timeout ${s.persistenceTimeout} is not a non-negative integer of seconds`);
  }
  const flags = encodeFlags(s, what);
  const n = w.nestStart(IPVS_CMD_ATTR.SERVICE);
  writeServiceKey(w, s, what);
  w.string(IPVS_SVC_ATTR.SCHED_NAME, s.scheduler);
  // struct ip_vs_flags { u32 flags; u32 mask; } — the mask says which bits to set
  const fb = ffiBytes(8);
  const fv = new DataView(fb.buffer);
  fv.setUint32(0, flags, true);
  fv.setUint32(4, 0xffffffff, true);
  w.bytes(IPVS_SVC_ATTR.FLAGS, fb);
  w.u32(IPVS_SVC_ATTR.TIMEOUT, s.persistenceTimeout);
  writeNetmask(w, s, what);
  w.nestEnd(n);
}

function writeNetmask(w: AttrWriter, s: IpvsService, what: Label) {
  const mask = s.persistenceNetmask === "" ? defaultNetmask(s.family) : s.persistenceNetmask;
  if (s.family === 6) {
    // IPv6: a prefix length 1-128 in host order (ip_vs_ctl.c checks the range)
    const len = Number(mask.replace(/^\//, ""));
    if (!Number.isInteger(len) || len < 1 || len > 128) throw new IpvsRequestError(what, `IPv6 persistence netmask "${mask}" is not a prefix length 1-128`);
    w.u32(IPVS_SVC_ATTR.NETMASK, len);
    return;
  }
  // IPv4: the mask itself as __be32
  let b: Uint8Array;
  try {
    b = parseIPv4(mask);
  } catch {
    throw new IpvsRequestError(what, `IPv4 persistence netmask "${mask}" is not a dotted mask`);
  }
  w.bytes(IPVS_SVC_ATTR.NETMASK, b);
}

function checkInt31(v: number, name: string, what: Label) {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new IpvsRequestError(what, `${name} ${v} is not 0-2147483647`);
}

/** IPVS_CMD_ATTR_DEST: full for NEW_DEST/SET_DEST, key only for DEL_DEST. */
export function writeDest(w: AttrWriter, svc: IpvsServiceKey, d: IpvsDest, full: boolean, what: Label): void {
  const family = d.address.includes(":") ? 6 : 4;
  checkPort(d.port, what);
  const n = w.nestStart(IPVS_CMD_ATTR.DEST);
  w.bytes(IPVS_DEST_ATTR.ADDR, addr16(d.address, family, what));
  w.be16(IPVS_DEST_ATTR.PORT, d.port);
  if (family !== svc.family) w.u16(IPVS_DEST_ATTR.ADDR_FAMILY, family === 6 ? AF_INET6 : AF_INET);
  if (full) {
    const fwd = FWD_NUM[d.forward];
    if (fwd === undefined) throw new IpvsRequestError(what, `forwarding "${d.forward}" is not masq, route or tunnel`);
    // ip_vs_ctl.c: a real server of the other address family can only be reached through a tunnel
    if (family !== svc.family && d.forward !== "tunnel") {
      throw new IpvsRequestError(what, `an IPv${family} real server in an IPv${svc.family} service needs tunnel forwarding (lb_kind TUN), not ${d.forward}`);
    }
    // the kernel takes these as u32 but rejects values above INT_MAX (ERANGE)
    checkInt31(d.weight, "weight", what);
    checkInt31(d.upperThreshold, "upper threshold", what);
    checkInt31(d.lowerThreshold, "lower threshold", what);
    w.u32(IPVS_DEST_ATTR.FWD_METHOD, fwd);
    w.u32(IPVS_DEST_ATTR.WEIGHT, d.weight);
    w.u32(IPVS_DEST_ATTR.U_THRESH, d.upperThreshold);
    w.u32(IPVS_DEST_ATTR.L_THRESH, d.lowerThreshold);
  }
  w.nestEnd(n);
}

function need<T>(v: T | undefined, where: string, attr: string): T {
  if (v === undefined) throw new IpvsDecodeError(where, `missing ${attr}`);
  return v;
}

function familyFromAf(af: number, where: string): 4 | 6 {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw new IpvsDecodeError(where, `address family ${af} is neither AF_INET nor AF_INET6`);
}

function decodeAddr(a: Attrs, type: number, family: 4 | 6, where: string): string {
  const b = need(a.get(type), where, "address");
  if (b.length < (family === 6 ? 16 : 4)) throw new IpvsDecodeError(where, `address is ${b.length} bytes`);
  return formatAddress(b, family);
}

/** One service from the attributes nested in IPVS_CMD_ATTR_SERVICE (dests left empty). */
export function decodeService(a: Attrs): IpvsService {
  const where = "IPVS service";
  const family = familyFromAf(need(a.u16(IPVS_SVC_ATTR.AF), where, "IPVS_SVC_ATTR_AF"), where);
  const fwmark = a.u32(IPVS_SVC_ATTR.FWMARK) ?? 0;
  let protocol: IpvsProtocol = "tcp", address = "", port = 0;
  if (!fwmark) {
    const pn = need(a.u16(IPVS_SVC_ATTR.PROTOCOL), where, "IPVS_SVC_ATTR_PROTOCOL");
    const p = (Object.keys(PROTO_NUM) as IpvsProtocol[]).find((k) => PROTO_NUM[k] === pn);
    if (!p) throw new IpvsDecodeError(where, `protocol ${pn} is not TCP, UDP or SCTP`);
    protocol = p;
    address = decodeAddr(a, IPVS_SVC_ATTR.ADDR, family, where);
    port = need(a.be16(IPVS_SVC_ATTR.PORT), where, "IPVS_SVC_ATTR_PORT");
  }
  const scheduler = need(a.string(IPVS_SVC_ATTR.SCHED_NAME), where, "IPVS_SVC_ATTR_SCHED_NAME");
  const fb = need(a.get(IPVS_SVC_ATTR.FLAGS), where, "IPVS_SVC_ATTR_FLAGS");
  if (fb.length < 4) throw new IpvsDecodeError(where, `IPVS_SVC_ATTR_FLAGS is ${fb.length} bytes, need 8`);
  const flags = new DataView(fb.buffer, fb.byteOffset, fb.byteLength).getUint32(0, true);
  const timeout = need(a.u32(IPVS_SVC_ATTR.TIMEOUT), where, "IPVS_SVC_ATTR_TIMEOUT");
  const nm = need(a.get(IPVS_SVC_ATTR.NETMASK), where, "IPVS_SVC_ATTR_NETMASK");
  if (nm.length < 4) throw new IpvsDecodeError(where, `IPVS_SVC_ATTR_NETMASK is ${nm.length} bytes`);
  const persistenceNetmask = family === 6
    ? String(new DataView(nm.buffer, nm.byteOffset, 4).getUint32(0, true))
    : `${nm[0]}.${nm[1]}.${nm[2]}.${nm[3]}`;
  return {
    family, protocol, address, port, fwmark,
    // unknown (third-party) scheduler names are reported as they are
    scheduler: scheduler as IpvsScheduler,
    persistenceTimeout: flags & IP_VS_SVC_F.PERSISTENT ? timeout : 0,
    persistenceNetmask,
    flags: decodeFlags(flags, scheduler),
    dests: [],
  };
}

/** One dest from the attributes nested in IPVS_CMD_ATTR_DEST; `svcFamily` applies when no ADDR_FAMILY is given. */
export function decodeDest(a: Attrs, svcFamily: 4 | 6): IpvsDest {
  const where = "IPVS dest";
  const af = a.u16(IPVS_DEST_ATTR.ADDR_FAMILY);
  const family = af === undefined || af === 0 ? svcFamily : familyFromAf(af, where);
  const fwd = need(a.u32(IPVS_DEST_ATTR.FWD_METHOD), where, "IPVS_DEST_ATTR_FWD_METHOD") & IP_VS_CONN_F.FWD_MASK;
  // LOCALNODE: the kernel's own rewrite of a masq dest whose address is local to the director
  const forward: IpvsForward | undefined =
    fwd === IP_VS_CONN_F.DROUTE ? "route" : fwd === IP_VS_CONN_F.TUNNEL ? "tunnel" : fwd === IP_VS_CONN_F.MASQ || fwd === IP_VS_CONN_F.LOCALNODE ? "masq" : undefined;
  if (!forward) throw new IpvsDecodeError(where, `forwarding method ${fwd} is not masq, route or tunnel`);
  return {
    address: decodeAddr(a, IPVS_DEST_ATTR.ADDR, family, where),
    port: need(a.be16(IPVS_DEST_ATTR.PORT), where, "IPVS_DEST_ATTR_PORT"),
    forward,
    weight: need(a.u32(IPVS_DEST_ATTR.WEIGHT), where, "IPVS_DEST_ATTR_WEIGHT"),
    upperThreshold: a.u32(IPVS_DEST_ATTR.U_THRESH) ?? 0,
    lowerThreshold: a.u32(IPVS_DEST_ATTR.L_THRESH) ?? 0,
  };
}
