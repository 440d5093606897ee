// Test helper: a small reader for the classic pcap files tcpdump writes, and a
// decoder for just the frames a VRRP lab cares about: adverts (RFC 3768 v2,
// RFC 5798 v3), gratuitous ARP (RFC 5227 §3 announcements) and unsolicited
// Neighbor Advertisements (RFC 4861 §7.2.6). Everything else stays "other".
//
// Input is untrusted (a capture can be cut short when tcpdump is killed), so
// every read is bounds-checked and a malformed file gives a PcapError that says
// where, never a crash or an out-of-range read.

export class PcapError extends Error {
  constructor(msg: string, readonly offset: number) {
    super(`pcap: ${msg} at byte ${offset}`);
  }
}

export type Decoded =
  | { kind: "vrrp"; family: 4 | 6; src: string; dst: string; ttl: number; version: number; type: number; vrid: number; priority: number; count: number; authType: number; advertCs: number; addrs: string[]; authPass?: string; checksum: number }
  | { kind: "arp"; op: number; senderMac: string; senderIp: string; targetMac: string; targetIp: string; gratuitous: boolean }
  | { kind: "na"; src: string; dst: string; target: string; override: boolean; solicited: boolean; router: boolean; lladdr?: string }
  | { kind: "other"; ethertype: number; proto?: number }
  | { kind: "malformed"; reason: string };

export interface Frame {
  /** capture time, epoch milliseconds (float, µs or ns resolution) */
  t: number;
  /** original length on the wire */
  wireLen: number;
  srcMac: string;
  dstMac: string;
  vlan?: number;
  d: Decoded;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;
/** tcpdump never writes more than 256 KiB snaplen; a bigger record length means corruption */
const MAX_RECORD = 262144;

/** Parse a whole pcap file. A truncated final record (tcpdump killed mid-write) is dropped, not an error. */
export function readPcap(buf: Uint8Array): Frame[] {
  if (buf.length < 24) throw new PcapError(`file too short for the global header (${buf.length} bytes)`, 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicLE = dv.getUint32(0, true);
  const magicBE = dv.getUint32(0, false);
  let le: boolean;
  let nano: boolean;
  if (magicLE === MAGIC_US || magicLE === MAGIC_NS) { le = true; nano = magicLE === MAGIC_NS; }
  else if (magicBE === MAGIC_US || magicBE === MAGIC_NS) { le = false; nano = magicBE === MAGIC_NS; }
  else throw new PcapError(`bad magic 0x${magicLE.toString(16)} (not a classic pcap file; pcapng is not supported)`, 0);
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  if (linktype !== LINKTYPE_ETHERNET) throw new PcapError(`link type ${linktype} is not Ethernet (1)`, 20);
  const frames: Frame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    if (incl > MAX_RECORD) throw new PcapError(`record length ${incl} exceeds ${MAX_RECORD}`, off + 8);
    if (off + 16 + incl > buf.length) break; // cut short by the writer's death
    const data = buf.subarray(off + 16, off + 16 + incl);
    const t = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    frames.push(decodeEthernet(data, t, orig));
    off += 16 + incl;
  }
  return frames;
}

export function mac(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[o + i].toString(16).padStart(2, "0"));
  return parts.join(":");
}

function ip4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form (lower case, longest zero run compressed) so it compares with `ip -j` output */
export function ip6(b: Uint8Array, o: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  let bestAt = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

function decodeEthernet(f: Uint8Array, t: number, wireLen: number): Frame {
  if (f.length < 14) return { t, wireLen, srcMac: "", dstMac: "", d: { kind: "malformed", reason: `ethernet frame of ${f.length} bytes` } };
  const dstMac = mac(f, 0);
  const srcMac = mac(f, 6);
  let et = (f[12] << 8) | f[13];
  let o = 14;
  let vlan: number | undefined;
  if (et === 0x8100) {
    if (f.length < 18) return { t, wireLen, srcMac, dstMac, d: { kind: "malformed", reason: "truncated 802.1Q tag" } };
    vlan = ((f[14] << 8) | f[15]) & 0x0fff;
    et = (f[16] << 8) | f[17];
    o = 18;
  }
  const p = f.subarray(o);
  let d: Decoded;
  if (et === 0x0800) d = decodeIPv4(p);
  else if (et === 0x86dd) d = decodeIPv6(p);
  else if (et === 0x0806) d = decodeArp(p);
  else d = { kind: "other", ethertype: et };
  return { t, wireLen, srcMac, dstMac, vlan, d };
}

function decodeArp(p: Uint8Array): Decoded {
  // Ethernet/IPv4 ARP only (htype 1, ptype 0x0800, hlen 6, plen 4): 28 bytes.
  if (p.length < 28) return { kind: "malformed", reason: `ARP of ${p.length} bytes` };
  const htype = (p[0] << 8) | p[1], ptype = (p[2] << 8) | p[3];
  if (htype !== 1 || ptype !== 0x0800 || p[4] !== 6 || p[5] !== 4) return { kind: "malformed", reason: `ARP htype ${htype} ptype 0x${ptype.toString(16)} hlen ${p[4]} plen ${p[5]}` };
  const op = (p[6] << 8) | p[7];
  const senderIp = ip4(p, 14), targetIp = ip4(p, 24);
  // RFC 5227 §3 / RFC 5944 §4.6: gratuitous when sender and target protocol addresses match.
  return { kind: "arp", op, senderMac: mac(p, 8), senderIp, targetMac: mac(p, 18), targetIp, gratuitous: senderIp === targetIp };
}

function decodeIPv4(p: Uint8Array): Decoded {
  if (p.length < 20) return { kind: "malformed", reason: `IPv4 header of ${p.length} bytes` };
  if (p[0] >> 4 !== 4) return { kind: "malformed", reason: `IPv4 version nibble ${p[0] >> 4}` };
  const ihl = (p[0] & 0x0f) * 4;
  const total = (p[2] << 8) | p[3];
  if (ihl < 20 || total < ihl || total > p.length) return { kind: "malformed", reason: `IPv4 ihl ${ihl} total ${total} captured ${p.length}` };
  const proto = p[9];
  if (proto !== 112) return { kind: "other", ethertype: 0x0800, proto };
  return decodeVrrp(p.subarray(ihl, total), 4, ip4(p, 12), ip4(p, 16), p[8]);
}

function decodeIPv6(p: Uint8Array): Decoded {
  if (p.length < 40) return { kind: "malformed", reason: `IPv6 header of ${p.length} bytes` };
  if (p[0] >> 4 !== 6) return { kind: "malformed", reason: `IPv6 version nibble ${p[0] >> 4}` };
  const plen = (p[4] << 8) | p[5];
  if (40 + plen > p.length) return { kind: "malformed", reason: `IPv6 payload length ${plen} exceeds captured ${p.length - 40}` };
  let next = p[6];
  const hop = p[7];
  const src = ip6(p, 8), dst = ip6(p, 24);
  let o = 40;
  const end = 40 + plen;
  // Skip hop-by-hop/routing/destination options headers (MLD carries hop-by-hop); bounded by the payload.
  for (let n = 0; n < 8 && (next === 0 || next === 43 || next === 60); n++) {
    if (o + 2 > end) return { kind: "malformed", reason: "truncated IPv6 extension header" };
    const nn = p[o];
    o += (p[o + 1] + 1) * 8;
    next = nn;
  }
  if (o > end) return { kind: "malformed", reason: "IPv6 extension header overruns payload" };
  const body = p.subarray(o, end);
  if (next === 112) return decodeVrrp(body, 6, src, dst, hop);
  if (next === 58 && body.length >= 1 && body[0] === 136) return decodeNa(body, src, dst);
  return { kind: "other", ethertype: 0x86dd, proto: next };
}

function decodeNa(b: Uint8Array, src: string, dst: string): Decoded {
  // RFC 4861 §4.4: type, code, checksum, flags R|S|O, reserved, target (24 bytes), options.
  if (b.length < 24) return { kind: "malformed", reason: `Neighbor Advertisement of ${b.length} bytes` };
  const flags = b[4];
  let lladdr: string | undefined;
  for (let o = 24; o + 2 <= b.length; ) {
    const type = b[o], len = b[o + 1] * 8;
    if (len === 0 || o + len > b.length) return { kind: "malformed", reason: `NA option length ${len} at ${o}` };
    if (type === 2 && len >= 8) lladdr = mac(b, o + 2); // target link-layer address
    o += len;
  }
  return { kind: "na", src, dst, target: ip6(b, 8), router: (flags & 0x80) !== 0, solicited: (flags & 0x40) !== 0, override: (flags & 0x20) !== 0, lladdr };
}

function decodeVrrp(b: Uint8Array, family: 4 | 6, src: string, dst: string, ttl: number): Decoded {
  if (b.length < 8) return { kind: "malformed", reason: `VRRP packet of ${b.length} bytes` };
  const version = b[0] >> 4, type = b[0] & 0x0f;
  const vrid = b[1], priority = b[2], count = b[3];
  const alen = family === 4 ? 4 : 16;
  let authType = 0, advertCs: number, authPass: string | undefined;
  if (version === 2) {
    // RFC 3768 §5.3: auth type, advert interval in seconds, checksum, addresses, 8 bytes auth data.
    authType = b[4];
    advertCs = b[5] * 100;
  } else if (version === 3) {
    // RFC 5798 §5.2: 4 reserved bits + 12-bit max advert interval in centiseconds.
    advertCs = ((b[4] & 0x0f) << 8) | b[5];
  } else return { kind: "malformed", reason: `VRRP version ${version}` };
  const need = 8 + count * alen + (version === 2 ? 8 : 0);
  if (b.length < need) return { kind: "malformed", reason: `VRRP with ${count} addresses needs ${need} bytes, has ${b.length}` };
  const addrs: string[] = [];
  for (let i = 0; i < count; i++) addrs.push(family === 4 ? ip4(b, 8 + 4 * i) : ip6(b, 8 + 16 * i));
  if (version === 2 && authType === 1) {
    const a = b.subarray(8 + count * alen, 8 + count * alen + 8);
    const z = a.indexOf(0);
    authPass = new TextDecoder().decode(z < 0 ? a : a.subarray(0, z));
  }
  return { kind: "vrrp", family, src, dst, ttl, version, type, vrid, priority, count, authType, advertCs, addrs, authPass, checksum: (b[6] << 8) | b[7] };
}

export type Advert = Frame & { d: Extract<Decoded, { kind: "vrrp" }> };
export type Garp = Frame & { d: Extract<Decoded, { kind: "arp" }> };
export type Na = Frame & { d: Extract<Decoded, { kind: "na" }> };

export const adverts = (fs: Frame[], vrid?: number): Advert[] =>
  fs.filter((f): f is Advert => f.d.kind === "vrrp" && (vrid === undefined || f.d.vrid === vrid));
export const garps = (fs: Frame[], ip?: string): Garp[] =>
  fs.filter((f): f is Garp => f.d.kind === "arp" && f.d.gratuitous && (ip === undefined || f.d.senderIp === ip));
export const nas = (fs: Frame[], target?: string): Na[] =>
  fs.filter((f): f is Na => f.d.kind === "na" && (target === undefined || f.d.target === target));
