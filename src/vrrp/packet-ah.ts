// The IP Authentication Header keepalived 2.2.7 puts on VRRPv2 adverts with
// `auth_type AH` (RFC 2338 §5.3.6.3; RFC 2402 AH with HMAC-MD5-96, RFC 2403), as
// its vrrp.c builds and checks it:
//
//   IPv4 header (protocol 51) | AH (24 bytes) | VRRPv2 advert (auth type 2, auth data zero)
//   AH: next header 112 | payload len 4 | reserved 0 | SPI = the sender's IPv4 address |
//       sequence number | ICV (12 bytes: HMAC-MD5 truncated to 96 bits)
//
// The ICV covers the IPv4 header with its mutable fields zeroed (TOS, flags and
// fragment offset, header checksum; TTL too for unicast instances: RFC 2402 §3.3.3.1.1.1
// lists TTL as mutable, keepalived zeroes it only there), the AH with its ICV zeroed,
// and the VRRP message. The IP id is covered, so the sender sets it itself (IP_HDRINCL).
// The key is the auth_pass NUL-padded to 8 bytes. One sequence counter per instance
// serves sending and receiving (keepalived's ipsecah_counter): a received advert must
// carry a higher number than the counter, which then takes it; a sent one takes the
// counter plus one; a master that hears a lower-priority advert moves its counter past
// that advert's number. Allocation-free per packet.
import { HmacMd5 } from "./hmac-md5.ts";

export const IPPROTO_AH = 51;
export const AH_LEN = 24;
/** RFC 2402 §2.2: the AH's length in 32-bit words minus 2 (keepalived IPSEC_AH_PLEN) */
export const AH_PAYLOAD_LEN = AH_LEN / 4 - 2;
export const AH_ICV_LEN = 12;
export const OFF_AH_NEXT = 0;
export const OFF_AH_PAYLOAD_LEN = 1;
export const OFF_AH_SPI = 4;
export const OFF_AH_SEQ = 8;
export const OFF_AH_ICV = 12;
/** keepalived stops counting at 0xFFFFFFFD (ipsecah_counter.cycle); 136 years at one advert a second */
export const AH_SEQ_MAX = 0xfffffffd;

/** keepalived's ipsecah_counter: the last sequence number sent or accepted. */
export class AhCounter {
  seq = 0;

  /** The number the next advert carries. */
  next(): number {
    if (this.seq <= AH_SEQ_MAX) this.seq++;
    return this.seq;
  }
}

/** Writes the AH fields that never change for an instance (the ICV and sequence number are per advert). */
export function writeAhTemplate(b: Uint8Array, off: number, source: Uint8Array): void {
  b[off + OFF_AH_NEXT] = 112;
  b[off + OFF_AH_PAYLOAD_LEN] = AH_PAYLOAD_LEN;
  b[off + 2] = b[off + 3] = 0;
  b.set(source.subarray(0, 4), off + OFF_AH_SPI);
}

export function readAhSeq(b: Uint8Array, ahOff: number): number {
  return ((b[ahOff + OFF_AH_SEQ] << 24) | (b[ahOff + OFF_AH_SEQ + 1] << 16) | (b[ahOff + OFF_AH_SEQ + 2] << 8) | b[ahOff + OFF_AH_SEQ + 3]) >>> 0;
}

export function writeAhSeq(b: Uint8Array, ahOff: number, seq: number): void {
  b[ahOff + OFF_AH_SEQ] = (seq >>> 24) & 0xff;
  b[ahOff + OFF_AH_SEQ + 1] = (seq >>> 16) & 0xff;
  b[ahOff + OFF_AH_SEQ + 2] = (seq >>> 8) & 0xff;
  b[ahOff + OFF_AH_SEQ + 3] = seq & 0xff;
}

/** The ICV of one packet: sign() writes it, verify() compares it. */
export class AhIcv {
  private readonly hmac: HmacMd5;
  /** the IPv4 header (up to 60 bytes with options) and the AH, mutable fields zeroed */
  private readonly scratch = new Uint8Array(60 + AH_LEN);
  private readonly mac = new Uint8Array(16);

  /** `key`: auth_pass NUL-padded to 8 bytes; `zeroTtl`: a unicast instance (keepalived zeroes TTL only then). */
  constructor(key: Uint8Array, private readonly zeroTtl: boolean) {
    this.hmac = new HmacMd5(key);
  }

  /** HMAC-MD5 of the packet b[ip, end): IPv4 header of `ihl` bytes at `ip`, AH right after it. */
  private compute(b: Uint8Array, ip: number, ihl: number, end: number): void {
    const s = this.scratch;
    const head = ihl + AH_LEN;
    for (let i = 0; i < head; i++) s[i] = b[ip + i];
    s[1] = 0; // TOS
    s[6] = s[7] = 0; // flags, fragment offset
    s[10] = s[11] = 0; // header checksum
    if (this.zeroTtl) s[8] = 0;
    s.fill(0, ihl + OFF_AH_ICV, head);
    const h = this.hmac;
    h.begin();
    h.update(s, 0, head);
    h.update(b, ip + head, end - ip - head);
    h.finish(this.mac, 0);
  }

  sign(b: Uint8Array, ip: number, ihl: number, end: number): void {
    this.compute(b, ip, ihl, end);
    for (let i = 0; i < AH_ICV_LEN; i++) b[ip + ihl + OFF_AH_ICV + i] = this.mac[i];
  }

  /** true when the packet's ICV is right (compared without an early exit, as keepalived's memcmp_constant_time). */
  verify(b: Uint8Array, ip: number, ihl: number, end: number): boolean {
    this.compute(b, ip, ihl, end);
    let diff = 0;
    for (let i = 0; i < AH_ICV_LEN; i++) diff |= b[ip + ihl + OFF_AH_ICV + i] ^ this.mac[i];
    return diff === 0;
  }
}
