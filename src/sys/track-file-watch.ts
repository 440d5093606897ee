// Reads and watches track files (keepalived 2.2.7 trackers/track_file.c): each
// file's directory is watched with inotify for IN_CLOSE_WRITE, IN_DELETE and
// IN_MOVE, so a value is read once its writer closed the file (never half
// written); a file deleted or moved away reads as 0. The inotify descriptor is
// non-blocking and read on a timer (Bun cannot wait on a foreign descriptor in
// its event loop): one read() per tick when nothing changed. Without inotify
// (descriptor limits) the files themselves are read on every tick instead.
// What a value means is the pure core's business (src/lvs/track-file.ts).
import { errorText } from "../error-text.ts";
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { TrackFile } from "../config/model.ts";
import { parseTrackFileValue } from "../lvs/track-file.ts";
import { Errno } from "./errno.ts";
import { ffiBytes } from "./ffi-memory.ts";
import { cstr, errno, libc } from "./libc.ts";

const inotify = dlopen("libc.so.6", {
  inotify_init1: { args: [FFIType.i32], returns: FFIType.i32 },
  inotify_add_watch: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
});

// <sys/inotify.h>
const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
export const IN_CLOSE_WRITE = 0x008;
export const IN_MOVED_FROM = 0x040;
export const IN_MOVED_TO = 0x080;
export const IN_DELETE = 0x200;
export const IN_ISDIR = 0x40000000;
const WATCH_MASK = IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

export const DEFAULT_POLL_MS = 100;
/** a directory that did not exist is looked for again this often (ticks) */
const RETRY_TICKS = 10;

export interface InotifyEvent {
  wd: number;
  mask: number;
  name: string;
}

/** Splits what read() returned from an inotify descriptor into events (struct inotify_event). */
export function parseInotifyEvents(buf: Uint8Array, len: number): InotifyEvent[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: InotifyEvent[] = [];
  let off = 0;
  while (off + 16 <= len) {
    const nameLen = dv.getUint32(off + 12, true);
    if (off + 16 + nameLen > len) break;
    let end = off + 16;
    while (end < off + 16 + nameLen && buf[end] !== 0) end++;
    out.push({ wd: dv.getInt32(off, true), mask: dv.getUint32(off + 4, true), name: new TextDecoder().decode(buf.subarray(off + 16, end)) });
    off += 16 + nameLen;
  }
  return out;
}

/** The number in `path` now (0 when it is missing or unreadable), or undefined for a value keepalived ignores. */
export function readTrackFileValue(path: string): number | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO without a writer must not hang the daemon (keepalived does the same)
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return 0;
  }
  try {
    const b = Buffer.alloc(127);
    const n = readSync(fd, b, 0, b.length, null);
    return parseTrackFileValue(b.toString("latin1", 0, n));
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * keepalived's init_file: at start, write VALUE if the file does not exist, or
 * always with overwrite (but never on a reload, and only over a regular file).
 * Returns a warning, or undefined.
 */
export function initTrackFile(t: TrackFile, reload: boolean): string | undefined {
  if (!t.initFile) return undefined;
  let exists = false;
  try {
    const st = statSync(t.file);
    exists = true;
    if (!t.initFile.overwrite) return undefined;
    if (!st.isFile()) return `track_file ${t.name}: cannot initialise ${t.file}, it is not a regular file`;
    if (reload) return undefined;
  } catch {
    // does not exist: create it
  }
  try {
    writeFileSync(t.file, `${t.initFile.value}\n`);
    return undefined;
  } catch (e) {
    return `track_file ${t.name}: cannot ${exists ? "overwrite" : "create"} ${t.file}: ${errorText(e)}`;
  }
}

interface Watched {
  name: string;
  /** resolved path (symlinks of an existing file followed, as keepalived's realpath) */
  path: string;
  dir: string;
  file: string;
  wd: number;
  value: number;
}

export class TrackFileWatch {
  private files: Watched[] = [];
  private fd = -1;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private readonly buf = ffiBytes(64 * 1024);

  constructor(
    /** a file's value changed (not called for what set() read) */
    private readonly onChange: (name: string, value: number) => void,
    private readonly onWarning: (message: string) => void = () => {},
    private readonly pollMs = DEFAULT_POLL_MS,
  ) {}

  /** Watches exactly these files from now on; reads each and returns the values by name. */
  set(files: readonly Pick<TrackFile, "name" | "file">[]): Map<string, number> {
    this.closeInotify();
    this.files = files.map((f) => {
      const w: Watched = { name: f.name, ...locate(f.file), wd: -1, value: 0 };
      const v = readTrackFileValue(w.path);
      if (v !== undefined) w.value = v;
      return w;
    });
    if (this.files.length) {
      this.fd = inotify.symbols.inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (this.fd < 0) this.onWarning(`track files: inotify unavailable (errno ${errno()}); reading the files every ${this.pollMs} ms instead`);
      for (const w of this.files) this.addWatch(w, true);
      this.timer ??= setInterval(() => this.tick(), this.pollMs);
      (this.timer as { unref?: () => void }).unref?.();
    } else if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return new Map(this.files.map((w) => [w.name, w.value]));
  }

  value(name: string): number | undefined {
    return this.files.find((w) => w.name === name)?.value;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closeInotify();
    this.files = [];
  }

  /** One look at the inotify queue (or at the files, without inotify); exposed for tests. */
  tick(): void {
    this.ticks++;
    if (this.fd < 0) {
      for (const w of this.files) this.update(w, readTrackFileValue(w.path));
      return;
    }
    if (this.ticks % RETRY_TICKS === 0) for (const w of this.files) if (w.wd < 0) this.addWatch(w, false);
    for (let k = 0; k < 64; k++) {
      const n = Number(libc.symbols.read(this.fd, this.buf, this.buf.length));
      if (n <= 0) {
        if (n < 0 && errno() === Errno.EINTR) continue;
        return; // EAGAIN: nothing happened
      }
      for (const ev of parseInotifyEvents(this.buf, n)) {
        if (ev.mask & IN_ISDIR) continue;
        for (const w of this.files) {
          if (w.wd !== ev.wd || w.file !== ev.name) continue;
          // keepalived: a file deleted or moved away is read as 0
          this.update(w, ev.mask & (IN_DELETE | IN_MOVED_FROM) ? 0 : readTrackFileValue(w.path));
        }
      }
    }
  }

  private update(w: Watched, v: number | undefined): void {
    if (v === undefined) {
      this.onWarning(`track_file ${w.name}: ${w.path} holds a number outside the 32-bit range; ignored (as keepalived does)`);
      return;
    }
    if (v === w.value) return;
    w.value = v;
    this.onChange(w.name, v);
  }

  private addWatch(w: Watched, first: boolean): void {
    if (this.fd < 0) return;
    w.wd = inotify.symbols.inotify_add_watch(this.fd, cstr(w.dir), WATCH_MASK);
    if (w.wd >= 0) {
      // the directory appeared since set(): whatever the file holds now counts
      if (!first) this.update(w, readTrackFileValue(w.path));
    } else if (first) {
      this.onWarning(`track_file ${w.name}: cannot watch ${w.dir} (errno ${errno()}); reads as 0 until the directory exists`);
    }
  }

  private closeInotify(): void {
    if (this.fd >= 0) libc.symbols.close(this.fd);
    this.fd = -1;
  }
}

function locate(file: string): { path: string; dir: string; file: string } {
  let path = resolve(file);
  try {
    if (existsSync(path)) path = realpathSync(path);
    else path = resolve(realpathSync(dirname(path)), basename(path));
  } catch {
    // the directory does not exist (yet): watched once it does
  }
  return { path, dir: dirname(path), file: basename(path) };
}
