// Receive-side checks of RFC 5798 §7.1 / RFC 3768 §7.1, done in place on the
// received bytes before anything is allocated. The adapter fills one RxMeta
// (reused) per packet; the validator answers with a Drop reason and, on accept,
// leaves the advert's fields in its public result slots.
import { fold, pseudoSumV4, pseudoSumV6, sum16 } from "../net/checksum.ts";
import { bytesEqual } from "./addr.ts";
import { Drop, DropCounters } from "./drop-reasons.ts";
import { AH_LEN, AhCounter, AhIcv, OFF_AH_SPI, readAhSeq } from "./packet-ah.ts";
import { PRIORITY_OWNER, type ResolvedParams } from "./params.ts";
import {
  AUTH_AH, AUTH_NONE, AUTH_PASS, HEADER_LEN, IPPROTO_VRRP, OFF_ADDRS, OFF_ADVERINT_V2,
  OFF_AUTHTYPE, OFF_COUNT, OFF_MAXADVER, OFF_PRIORITY, OFF_VERTYPE, OFF_VRID, TYPE_ADVERTISEMENT, VRRP_TTL,
  V2_AUTH_LEN,
} from "./packet-layout.ts";
import { checksumCompatFor, type UnicastChecksumCompat } from "./unicast-checksum.ts";

/** Ingress metadata of one received packet; the adapter mutates one instance. */
export class RxMeta {
  src: Uint8Array = new Uint8Array(16);
  srcOff = 0;
  dst: Uint8Array = new Uint8Array(16);
  dstOff = 0;
  /** IPv4 TTL or IPv6 hop limit as received */
  ttl = 0;
  /** ingress interface index; 0 = unknown (not checked) */
  ifindex = 0;
  /** where the packet's IPv4 header starts in the buffer (auth_type AH covers it); -1 = not there */
  ipHeader = -1;
}

export class AdvertValidator {
  readonly counters = new DropCounters();
  /** fields of the last accepted advert */
  priority = 0;
  /** Max Advert Interval (v3) or Adver Int (v2), in ms */
  advertIntMs = 0;
  /** source address of the last accepted advert (for skip_check_adv_addr and the FSM) */
  readonly lastSource: Uint8Array;
  private haveLastSource = false;
  private readonly p: ResolvedParams;
  private readonly group: Uint8Array;
  private readonly vipsMatched: Uint8Array;
  /** auth_type AH: the ICV checker and the sequence counter shared with the encoder; null otherwise */
  readonly ah: { icv: AhIcv; counter: AhCounter } | null;
  /** auth_type AH: the sequence number of the last accepted advert */
  ahSeq = 0;

  /** old_unicast_checksum: which checksum unicast v3 adverts must carry, shared with the encoder */
  readonly compat: UnicastChecksumCompat;

  constructor(p: ResolvedParams, ahCounter?: AhCounter, compat?: UnicastChecksumCompat) {
    this.p = p;
    this.compat = compat ?? checksumCompatFor(p);
    this.ah = p.authAh ? { icv: new AhIcv(p.authPass!, p.unicastPeers.length > 0), counter: ahCounter ?? new AhCounter() } : null;
    this.lastSource = new Uint8Array(p.addrLen);
    this.group = p.mcastGroup;
    this.vipsMatched = new Uint8Array(p.vips.length);
  }

  /**
   * Checks buf[off, off+len) (the VRRP message; with auth_type AH the AH and then the
   * message, the IPv4 header at meta.ipHeader) with its ingress metadata; counts the outcome.
   */
  check(buf: Uint8Array, off: number, len: number, meta: RxMeta): Drop {
    const ah = this.ah !== null;
    const r = ah ? this.ahReason(buf, off, len, meta) : this.reason(buf, off, len, meta);
    this.counters.counts[r]++;
    if (r === Drop.None) {
      this.priority = buf[off + (ah ? AH_LEN : 0) + OFF_PRIORITY];
      const a = this.p.addrLen;
      for (let i = 0; i < a; i++) this.lastSource[i] = meta.src[meta.srcOff + i];
      this.haveLastSource = true;
    }
    return r;
  }

  /**
   * auth_type AH (keepalived vrrp_in_chk_ipsecah, after the message's own checks):
   * the ICV over the IPv4 header (mutable fields zeroed), the AH and the message;
   * the SPI is the source address; the sequence number is above the counter, which
   * then takes it. A failed check leaves the counter alone.
   */
  private ahReason(buf: Uint8Array, off: number, len: number, m: RxMeta): Drop {
    const ip = m.ipHeader;
    if (ip < 0 || len < AH_LEN + HEADER_LEN || off + len > buf.length) return Drop.TooShort;
    const r = this.reason(buf, off + AH_LEN, len - AH_LEN, m);
    if (r !== Drop.None) return r;
    const ah = this.ah!;
    if (!ah.icv.verify(buf, ip, off - ip, off + len)) return Drop.AhBadIcv;
    if (!bytesEqual(buf, off + OFF_AH_SPI, m.src, m.srcOff, 4)) return Drop.AhBadSpi;
    const seq = readAhSeq(buf, off);
    if (seq <= ah.counter.seq) return Drop.AhReplay;
    ah.counter.seq = seq;
    this.ahSeq = seq;
    return Drop.None;
  }

  private reason(buf: Uint8Array, off: number, len: number, m: RxMeta): Drop {
    const p = this.p;
    const a = p.addrLen;
    if (len < HEADER_LEN || off < 0 || off + len > buf.length) return Drop.TooShort;
    const vt = buf[off + OFF_VERTYPE];
    if (vt >>> 4 !== p.version) return Drop.VersionMismatch;
    if ((vt & 0x0f) !== TYPE_ADVERTISEMENT) return Drop.BadType;
    // RFC 5798 §7.1 / RFC 3768 §7.1: MUST verify that the IP TTL / hop limit is 255;
    // keepalived does not for unicast (a unicast peer may be routers away, unicast_ttl)
    if (m.ttl !== VRRP_TTL && p.unicastPeers.length === 0) return Drop.BadTtl;
    if (p.ifindex > 0 && m.ifindex > 0 && m.ifindex !== p.ifindex) return Drop.WrongInterface;
    if (bytesEqual(m.src, m.srcOff, p.primary, 0, a)) return Drop.OwnAdvert;
    // keepalived: multicast instances take only the VRRP group, unicast ones only their own address
    const expectDst = p.unicastPeers.length > 0 ? p.primary : this.group;
    if (!bytesEqual(m.dst, m.dstOff, expectDst, 0, a)) return Drop.WrongDestination;
    // RFC 5798 §7.1: MUST verify that the VRID is configured on the receiving interface
    if (buf[off + OFF_VRID] !== p.vrid) return Drop.VridMismatch;
    const count = buf[off + OFF_COUNT];
    const expect = HEADER_LEN + count * a + (p.version === 2 ? V2_AUTH_LEN : 0);
    if (len !== expect) return Drop.LengthMismatch;
    // RFC 5798 §7.1: MUST verify the VRRP checksum (v3: with the pseudo-header, §5.2.8)
    const body = sum16(buf, off, len);
    let acc = body;
    const compat = this.compat;
    if (p.version === 3) {
      // old_unicast_checksum in use: keepalived ≤ 1.3.6's pseudo-header, destination = the multicast group
      const dst = compat.old ? this.group : m.dst;
      const dstOff = compat.old ? 0 : m.dstOff;
      acc += a === 4
        ? pseudoSumV4(m.src, m.srcOff, dst, dstOff, IPPROTO_VRRP, len)
        : pseudoSumV6(m.src, m.srcOff, dst, dstOff, IPPROTO_VRRP, len);
    }
    if (fold(acc) !== 0) {
      // keepalived vrrp_check_packet: a unicast advert that passes with the old checksum
      // switches the instance to it (unless old_unicast_checksum never)
      if (!compat.mayDetect || fold(body + pseudoSumV4(m.src, m.srcOff, this.group, 0, IPPROTO_VRRP, len)) !== 0) return Drop.BadChecksum;
      compat.adopt();
    }
    if (p.version === 2) {
      const at = buf[off + OFF_AUTHTYPE];
      if (at === AUTH_AH && !p.authAh) return Drop.AuthUnsupported;
      // RFC 2338 §7.1 (kept by keepalived): auth type must match the local one
      if (at !== (p.authAh ? AUTH_AH : p.authPass ? AUTH_PASS : AUTH_NONE)) return Drop.AuthTypeMismatch;
      if (p.authPass && !p.authAh && !bytesEqual(buf, off + len - V2_AUTH_LEN, p.authPass, 0, V2_AUTH_LEN)) return Drop.AuthFailure;
      // RFC 3768 §7.1: MUST verify that the Adver Interval matches the local one
      const sec = buf[off + OFF_ADVERINT_V2];
      if (sec * 1000 !== p.advertIntMs) return Drop.IntervalMismatch;
      this.advertIntMs = sec * 1000;
    } else {
      const cs = ((buf[off + OFF_MAXADVER] & 0x0f) << 8) | buf[off + OFF_MAXADVER + 1];
      if (cs === 0) return Drop.ZeroInterval;
      this.advertIntMs = cs * 10;
    }
    if (p.checkUnicastSrc && p.unicastPeers.length > 0 && !this.isPeer(m)) return Drop.UnknownSource;
    // keepalived vrrp_skip_check_adv_addr: skip the list check when the advert
    // comes from the same master as the previous one
    const skip = p.skipCheckAdvAddr && this.haveLastSource && bytesEqual(m.src, m.srcOff, this.lastSource, 0, a);
    // RFC 5798 §7.1: a list that does not match ours is dropped unless the sender is the owner (priority 255)
    if (!skip && buf[off + OFF_PRIORITY] !== PRIORITY_OWNER && !this.addressesMatch(buf, off + OFF_ADDRS, count)) {
      return Drop.AddressMismatch;
    }
    return Drop.None;
  }

  private isPeer(m: RxMeta): boolean {
    const peers = this.p.unicastPeers;
    for (let i = 0; i < peers.length; i++) if (bytesEqual(m.src, m.srcOff, peers[i], 0, this.p.addrLen)) return true;
    return false;
  }

  /** Same set of addresses, any order; O(n²) over at most 255 entries, no allocation. */
  private addressesMatch(buf: Uint8Array, at: number, count: number): boolean {
    const vips = this.p.vips;
    if (count !== vips.length) return false;
    const a = this.p.addrLen;
    const used = this.vipsMatched;
    used.fill(0);
    for (let i = 0; i < count; i++) {
      let found = false;
      for (let j = 0; j < vips.length; j++) {
        if (used[j] === 0 && bytesEqual(buf, at + i * a, vips[j], 0, a)) {
          used[j] = 1;
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
}
