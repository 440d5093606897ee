// VRRP wire layout: RFC 5798 §5.1/§5.2 (v3) and RFC 3768 §5.1/§5.3 (v2).
//
//  v3:  |ver 3|type 1| VRID | Priority | Count | rsvd(4) Max Adver Int(12) | Checksum | addrs...
//  v2:  |ver 2|type 1| VRID | Priority | Count | Auth Type | Adver Int(s) | Checksum | addrs... | auth data (8)

export const IPPROTO_VRRP = 112;
export const VRRP_TTL = 255;
export const TYPE_ADVERTISEMENT = 1;
export const HEADER_LEN = 8;
/** RFC 3768 §5.3.10: two 32-bit words of authentication data follow the addresses. */
export const V2_AUTH_LEN = 8;
export const AUTH_NONE = 0;
export const AUTH_PASS = 1; // RFC 2338 simple text password, kept by keepalived
export const AUTH_AH = 2;

export const OFF_VERTYPE = 0;
export const OFF_VRID = 1;
export const OFF_PRIORITY = 2;
export const OFF_COUNT = 3;
export const OFF_AUTHTYPE = 4; // v2
export const OFF_ADVERINT_V2 = 5; // v2, seconds
export const OFF_MAXADVER = 4; // v3, 12 bits centiseconds
export const OFF_CHECKSUM = 6;
export const OFF_ADDRS = 8;

/** RFC 5798 §5.1.1.2 / RFC 3768 §5.2.2: 224.0.0.18. */
export const MCAST_V4 = Uint8Array.of(224, 0, 0, 18);
/** RFC 5798 §5.1.2.2: ff02::12. */
export const MCAST_V6 = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12);

export function vrrpLength(version: 2 | 3, count: number, addrLen: number): number {
  return HEADER_LEN + count * addrLen + (version === 2 ? V2_AUTH_LEN : 0);
}
