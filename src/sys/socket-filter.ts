// Classic BPF socket filters (SO_ATTACH_FILTER): the kernel runs them on every
// packet before it is queued, so a socket that should not receive pays nothing.
// Used to make per-instance VRRP send sockets deaf, since one shared receive
// socket per interface and family demultiplexes adverts by VRID: N raw sockets on
// one link would otherwise each wake up for every advert of every instance.
import { ptr } from "bun:ffi";
import { OFFSETOF, SIZEOF, SO_ATTACH_FILTER, SOL_SOCKET } from "./abi.ts";
import { check, libc } from "./libc.ts";
import { ffiBytes } from "./ffi-memory.ts";

// <linux/bpf_common.h>
export const BPF_RET = 0x06;
export const BPF_K = 0x00;

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Encodes struct sock_filter[] (little-endian hosts: x64, arm64). */
export function encodeProgram(insns: readonly BpfInsn[]): Uint8Array {
  const b = ffiBytes(insns.length * SIZEOF.sock_filter);
  const dv = new DataView(b.buffer);
  const o = OFFSETOF.sock_filter;
  insns.forEach((ins, i) => {
    const at = i * SIZEOF.sock_filter;
    dv.setUint16(at + o.code, ins.code, true);
    dv.setUint8(at + o.jt, ins.jt);
    dv.setUint8(at + o.jf, ins.jf);
    dv.setUint32(at + o.k, ins.k >>> 0, true);
  });
  return b;
}

/** Attaches a program to fd; the kernel copies it, so the buffers may go afterwards. */
export function attachFilter(fd: number, insns: readonly BpfInsn[], what: string): void {
  const prog = encodeProgram(insns);
  const fprog = ffiBytes(SIZEOF.sock_fprog);
  const dv = new DataView(fprog.buffer);
  dv.setUint16(OFFSETOF.sock_fprog.len, insns.length, true);
  dv.setBigUint64(OFFSETOF.sock_fprog.filter, BigInt(ptr(prog)), true);
  // fprog reaches `prog` only through a raw address: a module-level reference keeps it from the
  // collector until the kernel copied it (a store the JIT cannot drop across the opaque call)
  pinned = prog;
  const rc = libc.symbols.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, fprog.length);
  pinned = null;
  check("setsockopt(SO_ATTACH_FILTER)", rc, what);
}

let pinned: Uint8Array | null = null;

/** A program that accepts nothing: the socket still sends, but never queues a packet. */
export const DROP_ALL: readonly BpfInsn[] = [{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 }];
