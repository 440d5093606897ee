// bun:ffi bindings to the libc calls vigil needs. Return types are i32/i64_fast/ptr
// only: an `i64` return boxes a BigInt on every call (measured: ≈24 B/call), which
// would break the zero-allocation advert path. Buffers are passed as TypedArrays
// (`ptr` arguments), which allocates nothing.
import { dlopen, FFIType, read } from "bun:ffi";
import { SysError } from "./errno.ts";
import { ffiCopy } from "./ffi-memory.ts";

const { i32, u32, i64_fast, ptr, u64_fast } = FFIType;

export const libc = dlopen("libc.so.6", {
  __errno_location: { args: [], returns: ptr },
  socket: { args: [i32, i32, i32], returns: i32 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, ptr, ptr], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  connect: { args: [i32, ptr, u32], returns: i32 },
  sendto: { args: [i32, ptr, u64_fast, i32, ptr, u32], returns: i64_fast },
  send: { args: [i32, ptr, u64_fast, i32], returns: i64_fast },
  recv: { args: [i32, ptr, u64_fast, i32], returns: i64_fast },
  recvfrom: { args: [i32, ptr, u64_fast, i32, ptr, ptr], returns: i64_fast },
  recvmsg: { args: [i32, ptr, i32], returns: i64_fast },
  sendmsg: { args: [i32, ptr, i32], returns: i64_fast },
  poll: { args: [ptr, u64_fast, i32], returns: i32 },
  ppoll: { args: [ptr, u64_fast, ptr, ptr], returns: i32 },
  close: { args: [i32], returns: i32 },
  open: { args: [ptr, i32, u32], returns: i32 },
  fcntl: { args: [i32, i32, i32], returns: i32 },
  if_nametoindex: { args: [ptr], returns: u32 },
  if_indextoname: { args: [u32, ptr], returns: ptr },
  clock_gettime: { args: [i32, ptr], returns: i32 },
  clock_nanosleep: { args: [i32, i32, ptr, ptr], returns: i32 },
  sched_setscheduler: { args: [i32, i32, ptr], returns: i32 },
  getpid: { args: [], returns: i32 },
  eventfd: { args: [u32, i32], returns: i32 },
  read: { args: [i32, ptr, u64_fast], returns: i64_fast },
  write: { args: [i32, ptr, u64_fast], returns: i64_fast },
  flock: { args: [i32, i32], returns: i32 },
  mlockall: { args: [i32], returns: i32 },
  setpriority: { args: [i32, u32, i32], returns: i32 },
  gettid: { args: [], returns: i32 },
  getsockname: { args: [i32, ptr, ptr], returns: i32 },
  setns: { args: [i32, i32], returns: i32 },
  sched_getscheduler: { args: [i32], returns: i32 },
  epoll_create1: { args: [i32], returns: i32 },
  execve: { args: [ptr, ptr, ptr], returns: i32 },
  epoll_ctl: { args: [i32, i32, i32, ptr], returns: i32 },
  epoll_wait: { args: [i32, ptr, i32, i32], returns: i32 },
  mkfifo: { args: [ptr, u32], returns: i32 },
  ioctl: { args: [i32, u64_fast, ptr], returns: i32 },
});

const sym = libc.symbols;

/** The calling thread's errno (libc keeps it thread-local; read it right after the failing call). */
export function errno(): number {
  return read.i32(sym.__errno_location()!, 0);
}

/** Throws SysError naming `op` and errno when a call returned -1. */
export function check(op: string, rc: number, detail?: string): number {
  if (rc < 0) throw new SysError(op, errno(), detail);
  return rc;
}

/** NUL-terminated C string for `ptr` arguments. */
export function cstr(s: string): Uint8Array {
  return ffiCopy(new TextEncoder().encode(`${s}\0`));
}

export function ifNameToIndex(name: string): number {
  const idx = sym.if_nametoindex(cstr(name));
  if (idx === 0) throw new SysError("if_nametoindex", errno(), name);
  return idx;
}

export function closeFd(fd: number): void {
  sym.close(fd);
}
