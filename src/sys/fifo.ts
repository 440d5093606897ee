// Named pipes for the notify FIFOs, keepalived's way (notify.c fifo_open): created
// if absent, then opened O_RDWR | O_NONBLOCK. Holding the read end ourselves means
// the open never waits for a reader, a reader that comes and goes never makes a
// write fail with EPIPE, and a full pipe (a slow or absent reader) answers EAGAIN
// instead of blocking. O_NOFOLLOW: a symlink planted at the path is not followed.
import { constants, lstatSync, openSync } from "node:fs";
import { Errno, SysError } from "./errno.ts";
import { FIONREAD, O_CLOEXEC } from "./abi.ts";
import { ffiI32 } from "./ffi-memory.ts";
import { check, cstr, errno, libc } from "./libc.ts";

/** Creates the FIFO unless something is already there; true if this call created it. */
export function makeFifo(path: string, mode: number): boolean {
  if (libc.symbols.mkfifo(cstr(path), mode) === 0) return true;
  const e = errno();
  if (e !== Errno.EEXIST) throw new SysError("mkfifo", e, path);
  const st = lstatSync(path);
  if (!st.isFIFO()) throw new Error(`${path} exists and is not a FIFO`);
  return false;
}

/** The FIFO's descriptor for non-blocking writes (close-on-exec: scripts do not inherit it). */
export function openFifoForWriting(path: string): number {
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW | O_CLOEXEC);
}

const pending = ffiI32(1);

/** Bytes written to the FIFO and not read yet (FIONREAD on our own read end). */
export function unreadBytes(fd: number): number {
  check("ioctl(FIONREAD)", libc.symbols.ioctl(fd, FIONREAD, pending));
  return pending[0]!;
}
