// Raw IP protocol 112 sockets for VRRP adverts (RFC 5798 §5.1, RFC 3768 §5.1), IPv4
// and IPv6, multicast or unicast. Setup allocates; send() and recv() do not: they
// pass preallocated buffers and prebuilt sockaddrs to libc and report results in
// fields, returning byte counts or -errno (a daemon counts send errors, it does not
// throw on ENOBUFS). The VRRP codec (src/vrrp) builds and validates the bytes.
import { attachFilter, DROP_ALL } from "./socket-filter.ts";
import { ptr } from "bun:ffi";
import {
  AF_INET, AF_INET6, IP_ADD_MEMBERSHIP, IP_HDRINCL, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL,
  IP_PKTINFO, IP_TTL, IPPROTO_VRRP, IPV6_CHECKSUM, IPV6_JOIN_GROUP, IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_UNICAST_HOPS,
  MSG_TRUNC, OFFSETOF, SIZEOF, SO_BINDTODEVICE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_IP, SOL_IPV6, SOL_SOCKET,
} from "./abi.ts";
import { Errno, SysError } from "./errno.ts";
import { check, cstr, errno, libc } from "./libc.ts";
import { type PacketInfo, readPacketInfo } from "./vrrp-socket-cmsg.ts";
import { int32Option, ipMreqn, ipv6Mreq, sockaddrIn, sockaddrIn6, writePointer } from "./sockaddr.ts";
import { formatIPv4, formatIPv6, isIPv6LinkLocal, parseIPv4, parseIPv6 } from "../net/ip-address.ts";
import { ffiBytes } from "./ffi-memory.ts";

// ---- local constants not yet in abi.ts (linux/in.h, linux/in6.h); move them there ----
const IP_TOS = 1;
const IP_MTU_DISCOVER = 10;
const IP_PMTUDISC_DONT = 0;
const IP_MULTICAST_ALL = 49;
const IPV6_MULTICAST_ALL = 29;
const IPV6_TCLASS = 67;
// ---- end local constants ----

const { socket, setsockopt, bind, sendto, recvmsg, close, if_nametoindex } = libc.symbols;

/** RFC 5798 §5.1.1.2 / §5.1.2.2: the VRRP multicast groups. */
export const VRRP_GROUP_V4 = parseIPv4("224.0.0.18");
export const VRRP_GROUP_V6 = parseIPv6("ff02::12");
/** RFC 5798 §5.1.1.3 / §5.1.2.3: adverts leave with TTL / hop limit 255 and receivers drop anything else. */
export const VRRP_TTL = 255;
/** keepalived's IPv4 TOS / IPv6 traffic class: precedence 6, internetwork control (DSCP CS6). */
export const VRRP_TOS = 0xc0;

/** Largest VRRP packet: 8-byte header + 255 IPv6 addresses, plus a 60-byte IPv4 header; one page more for slack. */
const RX_BUFFER_SIZE = 8192;
const CONTROL_SIZE = 256;

export interface VrrpSocketOptions {
  family: 4 | 6;
  /** Interface the instance runs on; the socket is bound to it (SO_BINDTODEVICE). */
  ifname: string;
  /** unicast_src_ip: bind the socket to this local address so it is the adverts' source. */
  source?: string;
  /** unicast_peer: when non-empty no group is joined and send() goes to each peer in turn. */
  unicastPeers?: string[];
  /** IPv4 only: buffers passed to send() start with a 20-byte IPv4 header (IP_HDRINCL), as keepalived does. */
  headerIncluded?: boolean;
  /** IPv4 TOS / IPv6 traffic class, default 0xc0. */
  tos?: number;
  /** Receive our own multicast adverts (IP_MULTICAST_LOOP); off by default, tests may want it. */
  multicastLoop?: boolean;
  /** IPv6 only: the kernel fills and verifies the VRRP checksum at offset 6 (IPV6_CHECKSUM), as keepalived does. */
  kernelChecksum?: boolean;
  /** false: a send-only socket (a drop-all filter keeps the kernel from queueing adverts to it); default true */
  receive?: boolean;
  /** IP protocol received: 112 (default), or 51 for keepalived's auth_type AH adverts (IPv4, the AH before the VRRP message) */
  protocol?: number;
  /** the multicast group sent to and joined (keepalived vrrp_mcast_group4/6); default 224.0.0.18 / ff02::12 */
  group?: string;
  /** TTL / hop limit of unicast adverts (keepalived unicast_ttl); default 255. Multicast ones always leave with 255. */
  unicastTtl?: number;
}

/**
 * IP_ADD_MEMBERSHIP of the group (224.0.0.18 unless vrrp_mcast_group4) with the interface chosen by index (struct ip_mreqn).
 * qemu-user's aarch64 ip_mreqn has a 64-bit imr_ifindex, so it copies the index only
 * from a 16-byte option and joins a 12-byte one with index 0 (ENODEV: no route to
 * pick a device by). The kernel reads sizeof(ip_mreqn) bytes from any longer option
 * (net/ipv4/ip_sockglue.c), so the zero-padded retry asks a real kernel the same.
 */
function joinGroupV4(fd: number, group: Uint8Array, ifindex: number, where: string): void {
  const mreqn = ipMreqn(group, ifindex);
  if (setsockopt(fd, SOL_IP, IP_ADD_MEMBERSHIP, mreqn, mreqn.length) >= 0) return;
  const e = errno();
  if (e !== Errno.ENODEV) throw new SysError(`setsockopt(IP_ADD_MEMBERSHIP ${formatIPv4(group)})`, e, where);
  const padded = ffiBytes(16);
  padded.set(mreqn);
  check(`setsockopt(IP_ADD_MEMBERSHIP ${formatIPv4(group)})`, setsockopt(fd, SOL_IP, IP_ADD_MEMBERSHIP, padded, padded.length), where);
}

/**
 * One raw VRRP socket on one interface. After recv() returns n ≥ 0, the packet is
 * `rxBuffer[rxPayloadOffset, rxPayloadOffset + n)` and rxTtl/rxSource/rxDestination/
 * rxIfindex/rxTruncated describe it. For IPv4 the whole IP header sits before the
 * payload in rxBuffer (the raw socket delivers it); rxTtl and rxSource come from it.
 */
export class VrrpSocket {
  readonly fd: number;
  readonly family: 4 | 6;
  readonly ifname: string;
  readonly ifindex: number;
  /** Destination sockaddrs: the group, or one per unicast peer. */
  readonly destinations: Uint8Array[];

  /** RX_BUFFER_SIZE bytes; empty on a send-only socket (receive: false), which never reads */
  readonly rxBuffer: Uint8Array;
  rxPayloadOffset = 0;
  /** TTL (IPv4 header) or hop limit (IPV6_HOPLIMIT cmsg); -1 when the kernel gave none. */
  rxTtl = -1;
  rxIfindex = 0;
  rxTruncated = false;
  readonly rxSource: Uint8Array;
  readonly rxDestination: Uint8Array;
  /**
   * Options the kernel refused as unknown (ENOPROTOOPT) that this socket runs without:
   * IPV6_MULTICAST_ALL is newer than Linux 4.20, and qemu-user translates none of
   * IP_MULTICAST_ALL, IP_MULTICAST_IF, IPV6_MULTICAST_ALL, IPV6_MULTICAST_IF.
   */
  readonly missingOptions: string[] = [];

  private readonly name: Uint8Array;
  private readonly control: Uint8Array;
  private readonly control32: Int32Array;
  private readonly iov = ffiBytes(SIZEOF.iovec);
  private readonly msg = ffiBytes(SIZEOF.msghdr);
  private readonly msg32 = new Uint32Array(this.msg.buffer);
  private readonly info: PacketInfo;
  private closed = false;

  constructor(opts: VrrpSocketOptions) {
    const receive = opts.receive ?? true;
    // An instance's send socket never reads (adverts come in through the interface's
    // shared receiver): without its 8 KiB of receive buffers, 50 instances keep 0.4 MiB less.
    this.rxBuffer = ffiBytes(receive ? RX_BUFFER_SIZE : 0);
    this.control = ffiBytes(receive ? CONTROL_SIZE : 0);
    this.control32 = new Int32Array(this.control.buffer);
    this.family = opts.family;
    this.ifname = opts.ifname;
    const where = `on ${opts.ifname}`;
    const nameBuf = cstr(opts.ifname);
    const idx = if_nametoindex(nameBuf);
    if (idx === 0) throw new SysError("if_nametoindex", errno(), opts.ifname);
    this.ifindex = idx;
    const v6 = opts.family === 6;
    const addrLen = v6 ? 16 : 4;
    this.rxSource = ffiBytes(addrLen);
    this.rxDestination = ffiBytes(addrLen);
    this.name = ffiBytes(v6 ? SIZEOF.sockaddr_in6 : SIZEOF.sockaddr_in);
    // IPv6 destination lands straight in rxDestination (IPv4 takes it from the header).
    this.info = { ifindex: 0, hopLimit: -1, destination6: v6 ? this.rxDestination : ffiBytes(16) };

    const parse = v6 ? parseIPv6 : parseIPv4;
    const source = opts.source !== undefined ? parse(opts.source) : undefined;
    const peers = (opts.unicastPeers ?? []).map(parse);
    const group = opts.group !== undefined ? parse(opts.group) : v6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4;
    const sockaddr = (a: Uint8Array) => (v6 ? sockaddrIn6(a, this.ifindex) : sockaddrIn(a));
    this.destinations = peers.length > 0 ? peers.map(sockaddr) : [sockaddr(group)];

    const proto = opts.protocol ?? IPPROTO_VRRP;
    this.fd = check(`socket(${v6 ? "AF_INET6" : "AF_INET"}, SOCK_RAW, ${proto})`, socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
    try {
      // first, so not one packet is queued to a socket that never reads
      if (!receive) attachFilter(this.fd, DROP_ALL, where);
      const opt = (level: number, o: number, label: string, value: Uint8Array, len = value.length) =>
        check(`setsockopt(${label})`, setsockopt(this.fd, level, o, value, len), where);
      // An option the socket can do without: false (and noted in missingOptions) when
      // the kernel does not know it; any other failure throws as opt() does.
      const optional = (level: number, o: number, label: string, value: Uint8Array): boolean => {
        if (setsockopt(this.fd, level, o, value, value.length) >= 0) return true;
        const e = errno();
        if (e !== Errno.ENOPROTOOPT) throw new SysError(`setsockopt(${label})`, e, where);
        this.missingOptions.push(label);
        return false;
      };
      // Bind to the device so only adverts that arrived on it are delivered, whatever the routes say.
      opt(SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE", nameBuf, nameBuf.length - 1);
      const tos = int32Option(opts.tos ?? VRRP_TOS);
      const ttl = int32Option(VRRP_TTL);
      const unicastTtl = int32Option(opts.unicastTtl ?? VRRP_TTL);
      const loop = int32Option(opts.multicastLoop ? 1 : 0);
      const on = int32Option(1);
      const off = int32Option(0);
      if (!v6) {
        if (opts.headerIncluded) opt(SOL_IP, IP_HDRINCL, "IP_HDRINCL", on);
        else {
          opt(SOL_IP, IP_TOS, "IP_TOS", tos);
          // DF clear and a real IP ID, like keepalived's hand-built header.
          opt(SOL_IP, IP_MTU_DISCOVER, "IP_MTU_DISCOVER", int32Option(IP_PMTUDISC_DONT));
        }
        opt(SOL_IP, IP_TTL, "IP_TTL", unicastTtl);
        opt(SOL_IP, IP_MULTICAST_TTL, "IP_MULTICAST_TTL", ttl);
        opt(SOL_IP, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", loop);
        // Without this a raw socket also gets groups joined by other sockets on the box;
        // without it (ENOPROTOOPT) that is only more VRRP traffic of the same device.
        optional(SOL_IP, IP_MULTICAST_ALL, "IP_MULTICAST_ALL", off);
        opt(SOL_IP, IP_PKTINFO, "IP_PKTINFO", on);
        // imr_address is the multicast source (inet->mc_addr): for IPv4 multicast the
        // source is pinned here, not by bind(), because a raw IPv4 socket bound to a
        // unicast address only receives datagrams addressed to it, never 224.0.0.18.
        const pinSource = source !== undefined && peers.length === 0;
        const mreqn = ipMreqn(ffiBytes(4), this.ifindex);
        if (pinSource) mreqn.set(source, OFFSETOF.ip_mreqn.imr_address);
        if (!optional(SOL_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF", mreqn) && pinSource) {
          // SO_BINDTODEVICE already sends the group out of this device. A send-only
          // socket can pin its source by bind() instead (it never needs to receive
          // 224.0.0.18); a receiving one cannot, so it fails as before.
          if (receive) throw new SysError("setsockopt(IP_MULTICAST_IF)", Errno.ENOPROTOOPT, where);
          const sa = sockaddrIn(source);
          check("bind", bind(this.fd, sa, sa.length), `${opts.source} ${where}`);
        }
      } else {
        opt(SOL_IPV6, IPV6_TCLASS, "IPV6_TCLASS", tos);
        opt(SOL_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", unicastTtl);
        opt(SOL_IPV6, IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS", ttl);
        opt(SOL_IPV6, IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", loop);
        optional(SOL_IPV6, IPV6_MULTICAST_ALL, "IPV6_MULTICAST_ALL", off);
        // Without it the group's sockaddr names the interface (sin6_scope_id), as does SO_BINDTODEVICE.
        optional(SOL_IPV6, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF", int32Option(this.ifindex));
        opt(SOL_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", on);
        opt(SOL_IPV6, IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", on);
        // RFC 5798 §5.2.8 checksum field is at byte 6 of the VRRP header.
        if (opts.kernelChecksum) opt(SOL_IPV6, IPV6_CHECKSUM, "IPV6_CHECKSUM", int32Option(6));
      }
      if (source && (v6 || peers.length > 0)) {
        const sa = v6 ? sockaddrIn6(source, isIPv6LinkLocal(source) ? this.ifindex : 0) : sockaddrIn(source);
        check("bind", bind(this.fd, sa, sa.length), `${opts.source} ${where}`);
      }
      if (peers.length === 0 && receive) {
        if (v6) opt(SOL_IPV6, IPV6_JOIN_GROUP, `IPV6_JOIN_GROUP ${formatIPv6(group)}`, ipv6Mreq(group, this.ifindex));
        else joinGroupV4(this.fd, group, this.ifindex, where);
      }
    } catch (e) {
      close(this.fd);
      throw e;
    }
    if (receive) this.prepareMsghdr();
  }

  private prepareMsghdr(): void {
    const m = OFFSETOF.msghdr;
    const dv = new DataView(this.msg.buffer);
    const iv = new DataView(this.iov.buffer);
    writePointer(iv, OFFSETOF.iovec.iov_base, ptr(this.rxBuffer));
    iv.setUint32(OFFSETOF.iovec.iov_len, this.rxBuffer.length, true);
    writePointer(dv, m.msg_name, ptr(this.name));
    writePointer(dv, m.msg_iov, ptr(this.iov));
    dv.setUint32(m.msg_iovlen, 1, true);
    writePointer(dv, m.msg_control, ptr(this.control));
  }

  /**
   * Sends buf[0, len) to every destination (the group or each unicast peer).
   * Returns len on success or -errno of the first failure; never allocates.
   */
  send(buf: Uint8Array, len: number): number {
    let rc = 0;
    for (let i = 0; i < this.destinations.length; i++) {
      const d = this.destinations[i];
      // i64_fast: byte counts always fit a double, so the value is a number, never a BigInt.
      rc = sendto(this.fd, buf, len, 0, d, d.length) as number;
      if (rc < 0) return -errno();
    }
    return rc;
  }

  /** Sends to one destination (index into `destinations`). Returns bytes sent or -errno. */
  sendTo(index: number, buf: Uint8Array, len: number): number {
    const d = this.destinations[index];
    const rc = sendto(this.fd, buf, len, 0, d, d.length) as number;
    return rc < 0 ? -errno() : rc;
  }

  /**
   * Receives one packet without blocking. Returns the VRRP payload length, or -errno
   * (-EAGAIN when nothing is queued). IPv4 packets too short to hold their own IP
   * header return -EBADMSG rather than reading past them. A send-only socket's
   * drop-all filter queues nothing, so there it returns -EAGAIN.
   */
  recv(): number {
    const m32 = this.msg32;
    const mo = OFFSETOF.msghdr;
    m32[mo.msg_namelen / 4] = this.name.length;
    m32[mo.msg_controllen / 4] = this.control.length;
    m32[mo.msg_controllen / 4 + 1] = 0;
    const n = recvmsg(this.fd, this.msg, 0) as number;
    if (n < 0) return -errno();
    this.rxTruncated = (m32[mo.msg_flags / 4] & MSG_TRUNC) !== 0;
    const info = this.info;
    info.ifindex = 0;
    info.hopLimit = -1;
    if (this.family === 6) this.rxDestination.fill(0);
    readPacketInfo(this.control, this.control32, m32[mo.msg_controllen / 4], info);
    this.rxIfindex = info.ifindex;
    this.rxTtl = info.hopLimit;
    const rx = this.rxBuffer;
    if (this.family === 4) {
      if (n < 20) return -74; // EBADMSG
      const ihl = (rx[0] & 0x0f) * 4;
      if (ihl < 20 || ihl > n) return -74;
      this.rxTtl = rx[8];
      for (let i = 0; i < 4; i++) {
        this.rxSource[i] = rx[12 + i];
        this.rxDestination[i] = rx[16 + i];
      }
      this.rxPayloadOffset = ihl;
      return n - ihl;
    }
    const a = OFFSETOF.sockaddr_in6.sin6_addr;
    for (let i = 0; i < 16; i++) this.rxSource[i] = this.name[a + i];
    this.rxPayloadOffset = 0;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd);
  }
}
