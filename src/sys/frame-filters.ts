// Classic BPF programs for the AF_PACKET sockets that watch the link for the
// split-brain defence. The kernel runs them before queuing, so the daemon wakes
// only for the few frames it wants: a busy router's other IPv6 traffic never
// reaches userspace, and of an advert only its headers do. Offsets are from the Ethernet header
// (SOCK_RAW packet sockets); each socket is bound to one EtherType, so the
// programs need not test it.
import { BPF_K, BPF_RET, type BpfInsn } from "./socket-filter.ts";

// <linux/bpf_common.h> / <linux/filter.h>
const BPF_LD = 0x00, BPF_JMP = 0x05;
const BPF_B = 0x10, BPF_ABS = 0x20, BPF_JEQ = 0x10;

const ldAbsByte = (k: number): BpfInsn => ({ code: BPF_LD | BPF_B | BPF_ABS, jt: 0, jf: 0, k });
/** on equality fall through, else skip `skip` instructions */
const jeq = (k: number, skip: number): BpfInsn => ({ code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: skip, k });
const ret = (k: number): BpfInsn => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k });

const ETH = 14;
const IPV6_NEXT_HEADER = ETH + 6;
const IPV6_PAYLOAD = ETH + 40;
const IPPROTO_ICMPV6 = 58;
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
 * VRRP adverts (any VRID) carried in IP protocol `protocol` (112, or 51 for
 * VRRPv2 auth_type AH), cut `keep` bytes after the IP header: the watcher wants
 * the sender's MAC and the VRID, not the body. IPv4's header is up to 60 bytes
 * (IHL), IPv6's fixed 40 (adverts carry no extension headers).
 */
export function vrrpAdvertHeaders(family: 4 | 6, protocol: number, keep: number): BpfInsn[] {
  const next = family === 4 ? ETH + 9 : IPV6_NEXT_HEADER;
  return [ldAbsByte(next), jeq(protocol, 1), ret(ETH + (family === 4 ? 60 : 40) + keep), ret(0)];
}
