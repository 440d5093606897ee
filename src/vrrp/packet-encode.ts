// Advert encoder: builds the packet template once per instance; each advert then
// writes the priority (and IPv4 id) and a checksum derived from precomputed
// partial sums. No allocation per advert.
import { fold, pseudoSumV4, pseudoSumV6, sum16 } from "../net/checksum.ts";
import type { ResolvedParams } from "./params.ts";
import {
  AUTH_AH, AUTH_NONE, AUTH_PASS, IPPROTO_VRRP, OFF_ADDRS, OFF_AUTHTYPE, OFF_ADVERINT_V2,
  OFF_CHECKSUM, OFF_COUNT, OFF_MAXADVER, OFF_PRIORITY, OFF_VERTYPE, OFF_VRID, TYPE_ADVERTISEMENT, vrrpLength,
} from "./packet-layout.ts";
import { IPV4_HEADER_LEN, writeIpv4HeaderTemplate, ipv4HeaderPartialSum, OFF_IP_ID, OFF_IP_CHECKSUM } from "./ipv4-header.ts";
import { AH_LEN, AhCounter, AhIcv, IPPROTO_AH, writeAhSeq, writeAhTemplate } from "./packet-ah.ts";
import { checksumCompatFor, type UnicastChecksumCompat } from "./unicast-checksum.ts";

export interface EncoderOptions {
  /** prepend the IPv4 header keepalived sends (for IP_HDRINCL raw sockets); IPv4 only; always on with AH */
  ipHeader?: boolean;
  /** auth_type AH: the instance's sequence counter, shared with its validator (a new one if absent) */
  ahCounter?: AhCounter;
  /** old_unicast_checksum: the instance's checksum compatibility, shared with its validator (a new one if absent) */
  checksumCompat?: UnicastChecksumCompat;
}

export class AdvertEncoder {
  /** the whole packet: [IPv4 header] + VRRP message */
  readonly buf: Uint8Array;
  readonly vrrpOffset: number;
  readonly vrrpLength: number;
  readonly length: number;
  /** destination addresses: the VRRP group, or each unicast peer */
  readonly destinations: readonly Uint8Array[];
  /** checksum partial sum per destination (VRRP part, priority 0, checksum 0) */
  private readonly vrrpPartial: Float64Array;
  /** the same over keepalived's pre-1.3.7 pseudo-header (destination = the multicast group), one sum for every peer */
  private readonly oldPartial: number;
  /** old_unicast_checksum: which of the two this instance sends now */
  readonly compat: UnicastChecksumCompat;
  private readonly ipPartial: Float64Array;
  private readonly withIp: boolean;
  /** auth_type AH: the ICV signer and the sequence counter; null otherwise */
  readonly ah: { icv: AhIcv; counter: AhCounter } | null;

  constructor(p: ResolvedParams, opts: EncoderOptions = {}) {
    // the AH's ICV covers the IPv4 header (its id included): the encoder builds it, the socket sends it as is
    this.withIp = (opts.ipHeader ?? false) || p.authAh;
    if (this.withIp && p.family !== 4) throw new Error(`vrrp instance ${p.name}: an IPv4 header cannot be built for IPv6`);
    this.ah = p.authAh ? { icv: new AhIcv(p.authPass!, p.unicastPeers.length > 0), counter: opts.ahCounter ?? new AhCounter() } : null;
    this.compat = opts.checksumCompat ?? checksumCompatFor(p);
    this.destinations = p.unicastPeers.length > 0 ? p.unicastPeers : [p.mcastGroup];
    this.vrrpOffset = this.withIp ? IPV4_HEADER_LEN + (this.ah ? AH_LEN : 0) : 0;
    this.vrrpLength = vrrpLength(p.version, p.vips.length, p.addrLen);
    this.length = this.vrrpOffset + this.vrrpLength;
    // over an explicit ArrayBuffer: this buffer goes to sendto as is, and a small
    // typed array's storage can move under a JIT-compiled caller (src/sys/ffi-memory.ts)
    this.buf = new Uint8Array(new ArrayBuffer(this.length));
    const b = this.buf;
    const o = this.vrrpOffset;
    b[o + OFF_VERTYPE] = (p.version << 4) | TYPE_ADVERTISEMENT;
    b[o + OFF_VRID] = p.vrid;
    b[o + OFF_COUNT] = p.vips.length;
    if (p.version === 3) {
      const cs = p.advertIntMs / 10; // RFC 5798 §5.2.7: centiseconds, 12 bits
      b[o + OFF_MAXADVER] = (cs >>> 8) & 0x0f;
      b[o + OFF_MAXADVER + 1] = cs & 0xff;
    } else {
      b[o + OFF_AUTHTYPE] = p.authAh ? AUTH_AH : p.authPass ? AUTH_PASS : AUTH_NONE;
      b[o + OFF_ADVERINT_V2] = p.advertIntMs / 1000; // RFC 3768 §5.3.7: seconds
    }
    for (let i = 0; i < p.vips.length; i++) b.set(p.vips[i], o + OFF_ADDRS + i * p.addrLen);
    // RFC 2338 §5.3.10: PASS carries the password; with AH the auth data stays zero (keepalived)
    if (p.authPass && !p.authAh) b.set(p.authPass, o + OFF_ADDRS + p.vips.length * p.addrLen);

    const n = this.destinations.length;
    this.vrrpPartial = new Float64Array(n);
    this.ipPartial = new Float64Array(n);
    const body = sum16(b, o, this.vrrpLength);
    for (let d = 0; d < n; d++) {
      const dst = this.destinations[d];
      // RFC 5798 §5.2.8: v3 checksums include the pseudo-header; RFC 3768 §5.3.8: v2 covers the message only
      let pseudo = 0;
      if (p.version === 3) {
        pseudo = p.family === 4
          ? pseudoSumV4(p.primary, 0, dst, 0, IPPROTO_VRRP, this.vrrpLength)
          : pseudoSumV6(p.primary, 0, dst, 0, IPPROTO_VRRP, this.vrrpLength);
      }
      this.vrrpPartial[d] = body + pseudo;
      if (this.withIp) this.ipPartial[d] = ipv4HeaderPartialSum(p.primary, dst, this.length, this.ah ? IPPROTO_AH : IPPROTO_VRRP, p.sendTtl);
    }
    // keepalived vrrp_build_vrrp_v3 with unicast_chksum_compat: the pseudo-header's destination is vrrp_mcast_group4
    this.oldPartial = this.compat.applies ? body + pseudoSumV4(p.primary, 0, p.mcastGroup, 0, IPPROTO_VRRP, this.vrrpLength) : 0;
    if (this.withIp) writeIpv4HeaderTemplate(b, 0, p.primary, this.destinations[0], this.length, this.ah ? IPPROTO_AH : IPPROTO_VRRP, p.sendTtl);
    // keepalived: the SPI is the sender's address
    if (this.ah) writeAhTemplate(b, IPV4_HEADER_LEN, p.primary);
  }

  /**
   * Writes an advert with `priority` for destination index `dest` into buf and
   * returns its length. `ipId` is the IPv4 identification (header mode only; with
   * AH it must not be 0, or the kernel would replace it after the ICV covered it).
   * With AH, one advert is encode() for dest 0, 1, ... in turn: dest 0 takes the
   * next sequence number, every destination gets its own ICV (keepalived vrrp_update_pkt).
   */
  encode(priority: number, dest = 0, ipId = 0): number {
    const b = this.buf;
    const o = this.vrrpOffset;
    b[o + OFF_PRIORITY] = priority;
    // priority is the high byte of the 16-bit word at offset 2 (priority, count)
    const c = fold((this.compat.old ? this.oldPartial : this.vrrpPartial[dest]) + (priority << 8));
    b[o + OFF_CHECKSUM] = c >>> 8;
    b[o + OFF_CHECKSUM + 1] = c & 0xff;
    if (this.withIp) {
      if (this.destinations.length > 1) b.set(this.destinations[dest], 16);
      b[OFF_IP_ID] = (ipId >>> 8) & 0xff;
      b[OFF_IP_ID + 1] = ipId & 0xff;
      const h = fold(this.ipPartial[dest] + (ipId & 0xffff));
      b[OFF_IP_CHECKSUM] = h >>> 8;
      b[OFF_IP_CHECKSUM + 1] = h & 0xff;
    }
    const ah = this.ah;
    if (ah) {
      if (dest === 0) writeAhSeq(b, IPV4_HEADER_LEN, ah.counter.next());
      ah.icv.sign(b, 0, IPV4_HEADER_LEN, this.length);
    }
    return this.length;
  }
}
