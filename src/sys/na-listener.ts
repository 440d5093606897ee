// Receives IPv6 Neighbor Advertisements on one interface for the split-brain
// conflict probe. A raw ICMPv6 socket with an ICMP6_FILTER that passes only type
// 136 lets the kernel drop everything else, where an AF_PACKET socket would copy
// every IPv6 frame of a busy router into userspace.
import { AF_INET6, IPPROTO_ICMPV6, OFFSETOF, SIZEOF, SO_BINDTODEVICE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_SOCKET } from "./abi.ts";
import { check, cstr, errno, libc } from "./libc.ts";
import { ffiBytes, ffiU32 } from "./ffi-memory.ts";

// <netinet/icmp6.h>: setsockopt(IPPROTO_ICMPV6, ICMP6_FILTER, struct icmp6_filter { uint32_t data[8] })
// where a set bit BLOCKS that ICMPv6 type.
const ICMP6_FILTER = 1;
const ND_NEIGHBOR_ADVERT = 136;

const { socket, setsockopt, recvfrom, close } = libc.symbols;

export class NaListener {
  readonly fd: number;
  readonly rxBuffer = ffiBytes(1500);
  /** source address of the last received NA */
  readonly rxSource = ffiBytes(16);
  private readonly from = ffiBytes(SIZEOF.sockaddr_in6);
  private readonly fromLen = ffiU32(1);

  constructor(ifname: string) {
    this.fd = check("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    try {
      const filter = ffiU32(8).fill(0xffffffff);
      filter[ND_NEIGHBOR_ADVERT >> 5] &= ~(1 << (ND_NEIGHBOR_ADVERT & 31));
      check("setsockopt(ICMP6_FILTER)", setsockopt(this.fd, IPPROTO_ICMPV6, ICMP6_FILTER, new Uint8Array(filter.buffer), 32), `on ${ifname}`);
      const name = cstr(ifname);
      check("setsockopt(SO_BINDTODEVICE)", setsockopt(this.fd, SOL_SOCKET, SO_BINDTODEVICE, name, name.length - 1), ifname);
    } catch (e) {
      close(this.fd);
      throw e;
    }
  }

  /** One NA (ICMPv6 message, no IP header) into rxBuffer; its length or -errno. */
  recv(): number {
    this.fromLen[0] = this.from.length;
    const n = recvfrom(this.fd, this.rxBuffer, this.rxBuffer.length, 0, this.from, this.fromLen) as number;
    if (n < 0) return -errno();
    this.rxSource.set(this.from.subarray(OFFSETOF.sockaddr_in6.sin6_addr, OFFSETOF.sockaddr_in6.sin6_addr + 16));
    return n;
  }

  close(): void {
    close(this.fd);
  }
}
