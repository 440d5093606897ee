// Small files by descriptor through libc (open/read/write/close), not node:fs: the
// VRRP worker reads and writes /proc/sys knobs and opens namespace handles, and that
// is all it would load node:fs for. node:fs costs a JS VM about 0.6 MiB of anonymous
// memory (compiled floors of test/bench/memory-floor/), and the worker is a VM of its own.
import { O_CLOEXEC, O_RDONLY, O_TRUNC, O_WRONLY } from "./abi.ts";
import { SysError } from "./errno.ts";
import { ffiBytes, ffiCopy } from "./ffi-memory.ts";
import { cstr, errno, libc } from "./libc.ts";

const { open, read, write, close } = libc.symbols;
/** /proc/sys values and what vigil writes there are a few bytes; a longer read is cut here. */
const MAX_TEXT = 4096;

/** open(2) of `path` read-only (close-on-exec), as a SysError naming `what` and the path. */
export function openReadOnly(path: string, what = "open"): number {
  const fd = open(cstr(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) throw new SysError(what, errno(), path);
  return fd;
}

/** The text of a small file (at most MAX_TEXT bytes are read). */
export function readText(path: string): string {
  const fd = openReadOnly(path);
  try {
    const buf = ffiBytes(MAX_TEXT);
    let len = 0;
    // bounded: each pass reads at least one byte or ends the loop
    while (len < buf.length) {
      const n = read(fd, buf.subarray(len), buf.length - len) as number;
      if (n < 0) throw new SysError("read", errno(), path);
      if (n === 0) break;
      len += n;
    }
    return new TextDecoder().decode(buf.subarray(0, len));
  } finally {
    close(fd);
  }
}

/** Writes `text` to an existing file in one write(2) (a /proc/sys knob takes its value whole). */
export function writeText(path: string, text: string): void {
  const fd = open(cstr(path), O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
  if (fd < 0) throw new SysError("open", errno(), path);
  try {
    const bytes = ffiCopy(new TextEncoder().encode(text));
    const n = write(fd, bytes, bytes.length) as number;
    if (n < 0) throw new SysError("write", errno(), path);
    if (n !== bytes.length) throw new Error(`write ${path}: ${n} of ${bytes.length} bytes written`);
  } finally {
    close(fd);
  }
}

/** Writes all of `text` to an open descriptor (stderr for the probes' lines); false if it failed. */
export function writeAll(fd: number, text: string): boolean {
  const bytes = ffiCopy(new TextEncoder().encode(text));
  // bounded: each pass writes at least one byte or returns
  for (let off = 0; off < bytes.length; ) {
    const n = write(fd, bytes.subarray(off), bytes.length - off) as number;
    if (n <= 0) return false;
    off += n;
  }
  return true;
}
