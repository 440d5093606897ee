// The ICMP error a connected UDP socket with IP_RECVERR/IPV6_RECVERR queues
// (ip(7), ipv6(7)): recvmsg(MSG_ERRQUEUE) returns a control message holding
// struct sock_extended_err and, after it, the address of the node that sent
// the error (SO_EE_OFFENDER). Pure: reads the caller's control buffer.
import { OFFSETOF, SIZEOF, SOL_IP, SOL_IPV6 } from "./abi.ts";
import { formatIP } from "../net/ip-address.ts";

// <linux/in.h> IP_RECVERR, <linux/in6.h> IPV6_RECVERR, <linux/errqueue.h> SO_EE_ORIGIN_*
export const IP_RECVERR = 11;
export const IPV6_RECVERR = 25;
export const SO_EE_ORIGIN_LOCAL = 1;
export const SO_EE_ORIGIN_ICMP = 2;
export const SO_EE_ORIGIN_ICMP6 = 3;
/** struct sock_extended_err: ee_errno u32, ee_origin, ee_type, ee_code, ee_pad u8, ee_info, ee_data u32 */
const EE_SIZE = 16;

export interface ExtendedErr {
  errno: number;
  origin: number;
  type: number;
  code: number;
  /** who sent the ICMP error, when the kernel says */
  offender?: string;
}

/** The first IP(V6)_RECVERR message in control[0, len), or undefined. */
export function readExtendedErr(control: Uint8Array, len: number): ExtendedErr | undefined {
  const dv = new DataView(control.buffer, control.byteOffset, control.byteLength);
  const hdr = SIZEOF.cmsghdr;
  const co = OFFSETOF.cmsghdr;
  const end = Math.min(len, control.length);
  let off = 0;
  while (off + hdr <= end) {
    const clen = dv.getUint32(off + co.cmsg_len, true);
    if (dv.getUint32(off + co.cmsg_len + 4, true) !== 0 || clen < hdr || off + clen > end) return undefined;
    const level = dv.getInt32(off + co.cmsg_level, true);
    const type = dv.getInt32(off + co.cmsg_type, true);
    const data = off + hdr;
    if (((level === SOL_IP && type === IP_RECVERR) || (level === SOL_IPV6 && type === IPV6_RECVERR)) && clen - hdr >= EE_SIZE) {
      const e: ExtendedErr = { errno: dv.getUint32(data, true), origin: control[data + 4]!, type: control[data + 5]!, code: control[data + 6]! };
      const sa = data + EE_SIZE;
      const family = clen - hdr >= EE_SIZE + 2 ? dv.getUint16(sa, true) : 0;
      if (family === 2 && clen - hdr >= EE_SIZE + SIZEOF.sockaddr_in) {
        e.offender = formatIP(control, sa + OFFSETOF.sockaddr_in.sin_addr, 4);
      } else if (family === 10 && clen - hdr >= EE_SIZE + SIZEOF.sockaddr_in6) {
        e.offender = formatIP(control, sa + OFFSETOF.sockaddr_in6.sin6_addr, 16);
      }
      return e;
    }
    off += (clen + 7) & ~7;
  }
  return undefined;
}

/** keepalived layer4.c udp_socket_error: an ICMP(v6) destination unreachable fails the check. */
export function isDestUnreachable(e: ExtendedErr): boolean {
  return (e.origin === SO_EE_ORIGIN_ICMP && e.type === 3) || (e.origin === SO_EE_ORIGIN_ICMP6 && e.type === 1);
}
