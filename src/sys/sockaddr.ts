// Socket address structs built once at setup, as byte arrays the FFI passes by
// pointer. Multi-byte host-order fields are little-endian: both targets (x86_64,
// arm64) are LE, and test/unit/sys/abi.test.ts pins the layouts.
import { AF_INET, AF_INET6, AF_PACKET, OFFSETOF, SIZEOF } from "./abi.ts";
import { ffiBytes } from "./ffi-memory.ts";

function u16le(b: Uint8Array, off: number, v: number) {
  b[off] = v & 0xff; b[off + 1] = v >>> 8;
}
function u32le(b: Uint8Array, off: number, v: number) {
  b[off] = v & 0xff; b[off + 1] = (v >>> 8) & 0xff; b[off + 2] = (v >>> 16) & 0xff; b[off + 3] = v >>> 24;
}

/** struct sockaddr_in for a 4-byte address (port 0: raw sockets ignore it). */
export function sockaddrIn(addr: Uint8Array): Uint8Array {
  const o = OFFSETOF.sockaddr_in;
  const b = ffiBytes(SIZEOF.sockaddr_in);
  u16le(b, o.sin_family, AF_INET);
  b.set(addr.subarray(0, 4), o.sin_addr);
  return b;
}

/** struct sockaddr_in6; scopeId is the ifindex link-local and multicast destinations need. */
export function sockaddrIn6(addr: Uint8Array, scopeId: number): Uint8Array {
  const o = OFFSETOF.sockaddr_in6;
  const b = ffiBytes(SIZEOF.sockaddr_in6);
  u16le(b, o.sin6_family, AF_INET6);
  b.set(addr.subarray(0, 16), o.sin6_addr);
  u32le(b, o.sin6_scope_id, scopeId);
  return b;
}

/**
 * Rewrites address, port (network byte order) and, for IPv6, scope of a
 * sockaddr_in/sockaddr_in6 made by sockaddrIn/sockaddrIn6, in place: one
 * buffer serves every connect and bind (the kernel copies it).
 */
export function inetSockaddrInto(sa: Uint8Array, family: 4 | 6, address: Uint8Array, port: number, scopeId = 0): Uint8Array {
  const o4 = OFFSETOF.sockaddr_in;
  const o6 = OFFSETOF.sockaddr_in6;
  const portAt = family === 4 ? o4.sin_port : o6.sin6_port;
  sa[portAt] = port >>> 8;
  sa[portAt + 1] = port & 0xff;
  if (family === 4) {
    sa.set(address.subarray(0, 4), o4.sin_addr);
  } else {
    sa.set(address.subarray(0, 16), o6.sin6_addr);
    u32le(sa, o6.sin6_scope_id, scopeId);
  }
  return sa;
}

/** struct sockaddr_ll; protocol is an EtherType (stored big-endian as the kernel expects). */
export function sockaddrLl(ifindex: number, protocol: number, mac?: Uint8Array): Uint8Array {
  const o = OFFSETOF.sockaddr_ll;
  const b = ffiBytes(SIZEOF.sockaddr_ll);
  u16le(b, o.sll_family, AF_PACKET);
  b[o.sll_protocol] = protocol >>> 8;
  b[o.sll_protocol + 1] = protocol & 0xff;
  u32le(b, o.sll_ifindex, ifindex);
  if (mac) {
    b[o.sll_halen] = 6;
    b.set(mac.subarray(0, 6), o.sll_addr);
  }
  return b;
}

/** struct ip_mreqn: group + ifindex (the interface is chosen by index, never by address). */
export function ipMreqn(group: Uint8Array, ifindex: number): Uint8Array {
  const o = OFFSETOF.ip_mreqn;
  const b = ffiBytes(SIZEOF.ip_mreqn);
  b.set(group.subarray(0, 4), o.imr_multiaddr);
  u32le(b, o.imr_ifindex, ifindex);
  return b;
}

/** struct ipv6_mreq: group + interface index. */
export function ipv6Mreq(group: Uint8Array, ifindex: number): Uint8Array {
  const o = OFFSETOF.ipv6_mreq;
  const b = ffiBytes(SIZEOF.ipv6_mreq);
  b.set(group.subarray(0, 16), o.ipv6mr_multiaddr);
  u32le(b, o.ipv6mr_interface, ifindex);
  return b;
}

/** Stores a pointer (a JS number below 2^53) as a little-endian 64-bit field. */
export function writePointer(dv: DataView, off: number, p: number): void {
  dv.setUint32(off, p % 0x1_0000_0000, true);
  dv.setUint32(off + 4, Math.floor(p / 0x1_0000_0000), true);
}

export function int32Option(v: number): Uint8Array {
  const b = ffiBytes(4);
  u32le(b, 0, v >>> 0);
  return b;
}
