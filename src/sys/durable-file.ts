// Replacing a file so that a crash or power loss leaves the old content or the
// new, never a torn mix or an empty file (the config store's blobs and state,
// the IPVS owned-services record):
//   1. write a temp file in the same directory and fsync it (the data is on disk),
//   2. rename it over the target (atomic within one filesystem, rename(2)),
//   3. fsync the directory (the rename itself is on disk: without it the old
//      name may come back after a power loss, ext4/xfs data=ordered included).
// The config store performs extra steps between 1 and 2 (the previous blob
// becomes last-known-good), so the steps are also exported one by one; a test
// hook sees each step, to kill the process there and check what is left.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export type DurableStep = "tmp-opened" | "tmp-half-written" | "tmp-written" | "tmp-fsynced" | "renamed" | "dir-fsynced";

export interface DurableWriteOptions {
  /** the temp file's path, in the target's directory (default: "<path>.tmp") */
  tmp?: string;
  /** permission bits of a newly created file */
  mode?: number;
  /** called after each step (crash tests) */
  afterStep?: (step: DurableStep) => void;
}

/** Step 1: `data` in a temp file, fsynced; returns the temp path. The temp file is removed when a step fails. */
export function writeSyncedTemp(path: string, data: Uint8Array, opts: DurableWriteOptions = {}): string {
  const tmp = opts.tmp ?? `${path}.tmp`;
  const step = opts.afterStep;
  const fd = openSync(tmp, "w", opts.mode ?? 0o600);
  try {
    step?.("tmp-opened");
    // in two halves, so a crash test can stop the process with half the data written
    const half = data.length >> 1;
    writeAll(fd, data.subarray(0, half));
    step?.("tmp-half-written");
    writeAll(fd, data.subarray(half));
    step?.("tmp-written");
    fsyncSync(fd);
    step?.("tmp-fsynced");
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Step 3: makes the directory's entries (a rename, a link, an unlink) durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** All three steps: after it returns, `path` holds `data` across a power loss. */
export function replaceFileDurably(path: string, data: Uint8Array, opts: DurableWriteOptions = {}): void {
  const tmp = writeSyncedTemp(path, data, opts);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  opts.afterStep?.("renamed");
  fsyncDirectory(dirname(path));
  opts.afterStep?.("dir-fsynced");
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
