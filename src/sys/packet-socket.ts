// AF_PACKET SOCK_RAW socket bound to one interface: sends whole Ethernet frames
// the net/ builders wrote (gratuitous ARP, unsolicited NA, probes) and receives
// frames of one EtherType for the split-brain probe. send() and recv() pass
// preallocated buffers and never allocate.
import { AF_PACKET, OFFSETOF, SIZEOF, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW } from "./abi.ts";
import { SysError } from "./errno.ts";
import { check, cstr, errno, libc } from "./libc.ts";
import { sockaddrLl } from "./sockaddr.ts";
import { ffiBytes, ffiU32 } from "./ffi-memory.ts";
import { attachFilter, type BpfInsn } from "./socket-filter.ts";

// ---- local constants not yet in abi.ts (linux/if_packet.h); move them there ----
/** sll_pkttype of a frame this host sent, looped back to packet sockets. */
export const PACKET_OUTGOING = 4;
// ---- end local constants ----

const { socket, bind, send, recvfrom, getsockname, close, if_nametoindex } = libc.symbols;

/** receive buffer, default: > 1514-byte Ethernet frame; jumbo frames are never ARP/ND */
export const RX_FRAME_SIZE = 2048;
const htons = (v: number) => ((v & 0xff) << 8) | (v >>> 8);

export class PacketSocket {
  readonly fd: number;
  readonly ifname: string;
  readonly ifindex: number;
  /** The interface's hardware address, read back from the bound socket (getsockname). */
  readonly mac: Uint8Array;
  /** `rxBytes` long: a longer frame is cut to it (recv() returns the cut length) */
  readonly rxBuffer: Uint8Array;
  /** sll_pkttype of the last received frame (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4). */
  rxPacketType = 0;
  private readonly from = ffiBytes(SIZEOF.sockaddr_ll);
  private readonly fromLen = ffiU32(1);
  private closed = false;

  /**
   * etherType: the frames to receive (e.g. 0x0806 ARP, 0x86dd IPv6); sending is
   * unaffected by it. filter: a BPF program that picks (and may cut) the frames
   * to queue; it is attached before bind(), so no frame reaches the socket unfiltered.
   * rxBytes: the receive buffer; none for etherType 0, which receives nothing (every
   * instance has such a send-only socket, so its buffer is memory kept for nothing).
   */
  constructor(ifname: string, etherType: number, filter?: readonly BpfInsn[], rxBytes = etherType === 0 ? 0 : RX_FRAME_SIZE) {
    this.rxBuffer = ffiBytes(rxBytes);
    this.ifname = ifname;
    const idx = if_nametoindex(cstr(ifname));
    if (idx === 0) throw new SysError("if_nametoindex", errno(), ifname);
    this.ifindex = idx;
    // protocol 0 receives nothing until bind() names the EtherType and the interface:
    // a socket created with it would hear that EtherType on every interface meanwhile
    this.fd = check("socket(AF_PACKET, SOCK_RAW)", socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    try {
      if (filter) attachFilter(this.fd, filter, `on ${ifname}`);
      const sll = sockaddrLl(idx, etherType);
      check("bind(AF_PACKET)", bind(this.fd, sll, sll.length), `on ${ifname}`);
      const got = ffiBytes(SIZEOF.sockaddr_ll);
      const gotLen = ffiU32(1);
      gotLen[0] = got.length;
      check("getsockname(AF_PACKET)", getsockname(this.fd, got, gotLen), `on ${ifname}`);
      const o = OFFSETOF.sockaddr_ll;
      if (got[o.sll_halen] !== 6) throw new SysError("getsockname(AF_PACKET)", 95, `${ifname} has a ${got[o.sll_halen]}-byte hardware address, not Ethernet`);
      this.mac = got.slice(o.sll_addr, o.sll_addr + 6);
    } catch (e) {
      close(this.fd);
      throw e;
    }
  }

  /** Sends frame[0, len) out of the bound interface. Returns bytes sent or -errno. */
  send(frame: Uint8Array, len: number): number {
    // i64_fast: byte counts always fit a double, so the value is a number, never a BigInt.
    const rc = send(this.fd, frame, len, 0) as number;
    return rc < 0 ? -errno() : rc;
  }

  /**
   * Receives one frame into rxBuffer without blocking; returns its length or -errno
   * (-EAGAIN when none is queued). Frames this host sent itself arrive too, marked
   * rxPacketType === PACKET_OUTGOING; callers probing for others skip them.
   */
  recv(): number {
    this.fromLen[0] = this.from.length;
    const n = recvfrom(this.fd, this.rxBuffer, this.rxBuffer.length, 0, this.from, this.fromLen) as number;
    if (n < 0) return -errno();
    this.rxPacketType = this.from[OFFSETOF.sockaddr_ll.sll_pkttype];
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd);
  }
}

