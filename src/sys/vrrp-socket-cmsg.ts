// Walks the ancillary data recvmsg() returned (CMSG_FIRSTHDR/CMSG_NXTHDR: headers
// 8-byte aligned on LP64) and extracts what VRRP needs: the ingress ifindex
// (IP_PKTINFO / IPV6_PKTINFO), the IPv6 destination and the hop limit
// (IPV6_HOPLIMIT; RFC 5798 §5.1.2.3 wants 255). Pure and allocation-free: it reads
// the caller's buffers and writes the caller's result object.
import { IP_PKTINFO, IPV6_HOPLIMIT, IPV6_PKTINFO, OFFSETOF, SIZEOF, SOL_IP, SOL_IPV6 } from "./abi.ts";

export interface PacketInfo {
  ifindex: number;
  /** IPV6_HOPLIMIT value, -1 when absent */
  hopLimit: number;
  /** IPv6 destination from IPV6_PKTINFO (16 bytes; untouched when absent) */
  destination6: Uint8Array;
}

/**
 * Fills `out` from control[0, controlLen). `control32` is an Int32Array over the same
 * (8-byte aligned) buffer. Returns false when the chain is malformed (a header whose
 * length is too small or runs past controlLen); what was read before stays in `out`.
 */
export function readPacketInfo(control: Uint8Array, control32: Int32Array, controlLen: number, out: PacketInfo): boolean {
  const hdr = SIZEOF.cmsghdr;
  const co = OFFSETOF.cmsghdr;
  const end = Math.min(controlLen, control.length);
  let off = 0;
  while (off + hdr <= end) {
    // cmsg_len is a size_t; a high word ≠ 0 can only be garbage.
    const len = control32[(off + co.cmsg_len) / 4];
    if (control32[(off + co.cmsg_len) / 4 + 1] !== 0 || len < hdr || off + len > end) return false;
    const level = control32[(off + co.cmsg_level) / 4];
    const type = control32[(off + co.cmsg_type) / 4];
    const data = off + hdr;
    const dataLen = len - hdr;
    if (level === SOL_IP && type === IP_PKTINFO && dataLen >= SIZEOF.in_pktinfo) {
      out.ifindex = control32[(data + OFFSETOF.in_pktinfo.ipi_ifindex) / 4];
    } else if (level === SOL_IPV6 && type === IPV6_PKTINFO && dataLen >= SIZEOF.in6_pktinfo) {
      const p = OFFSETOF.in6_pktinfo;
      out.ifindex = control32[(data + p.ipi6_ifindex) / 4];
      for (let i = 0; i < 16; i++) out.destination6[i] = control[data + p.ipi6_addr + i];
    } else if (level === SOL_IPV6 && type === IPV6_HOPLIMIT && dataLen >= 4) {
      out.hopLimit = control32[data / 4];
    }
    off += (len + 7) & ~7;
  }
  return true;
}
