// Classic BPF programs for the AF_PACKET sockets that watch the link for the
// split-brain defence. The kernel runs them before queuing, so the daemon wakes
// only for the few frames it wants: a busy router's other IPv6 traffic, and other
// VRIDs' adverts, never reach userspace. Offsets are from the Ethernet header
// (SOCK_RAW packet sockets); each socket is bound to one EtherType, so the
// programs need not test it.
import { BPF_K, BPF_RET, type BpfInsn } from "./socket-filter.ts";

// <linux/bpf_common.h> / <linux/filter.h>
const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_JMP = 0x05;
const BPF_B = 0x10, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MSH = 0xa0, BPF_JEQ = 0x10;

const ldAbsByte = (k: number): BpfInsn => ({ code: BPF_LD | BPF_B | BPF_ABS, jt: 0, jf: 0, k });
const ldIndByte = (k: number): BpfInsn => ({ code: BPF_LD | BPF_B | BPF_IND, jt: 0, jf: 0, k });
/** X = 4 * (frame[k] & 0xf): the IPv4 header length */
const ldxIpHeaderLen = (k: number): BpfInsn => ({ code: BPF_LDX | BPF_B | BPF_MSH, jt: 0, jf: 0, k });
/** on equality fall through, else skip `skip` instructions */
const jeq = (k: number, skip: number): BpfInsn => ({ code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: skip, k });
const ret = (k: number): BpfInsn => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k });

const ETH = 14;
const IPV6_NEXT_HEADER = ETH + 6;
const IPV6_PAYLOAD = ETH + 40;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_VRRP = 112;
const ND_NEIGHBOR_ADVERT = 136;
/** whole frame (the kernel caps it at the frame's length) */
const WHOLE = 0xffff;

/** IPv6 frames (bound to ETH_P_IPV6) carrying an ICMPv6 Neighbor Advertisement right after the IPv6 header. */
export const NEIGHBOR_ADVERTS: readonly BpfInsn[] = [
  ldAbsByte(IPV6_NEXT_HEADER),
  jeq(IPPROTO_ICMPV6, 3),
  ldAbsByte(IPV6_PAYLOAD),
  jeq(ND_NEIGHBOR_ADVERT, 1),
  ret(WHOLE),
  ret(0),
];

/**
 * VRRP adverts of one VRID (RFC 5798 §5.2.3: the second octet), cut to their
 * Ethernet header: the watcher wants only the sender's MAC.
 */
export function vrrpAdvertsOf(family: 4 | 6, vrid: number): BpfInsn[] {
  if (family === 4) {
    return [
      ldAbsByte(ETH + 9), // IPv4 protocol
      jeq(IPPROTO_VRRP, 4),
      ldxIpHeaderLen(ETH),
      ldIndByte(ETH + 1), // VRID: second octet of the VRRP header after the IPv4 header
      jeq(vrid, 1),
      ret(ETH),
      ret(0),
    ];
  }
  return [
    ldAbsByte(IPV6_NEXT_HEADER),
    jeq(IPPROTO_VRRP, 3),
    ldAbsByte(IPV6_PAYLOAD + 1),
    jeq(vrid, 1),
    ret(ETH),
    ret(0),
  ];
}
