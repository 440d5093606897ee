// The owned-services state file on disk (format: src/lvs/owned-state.ts). It
// lives beside the daemon's other run-time files (--lock-dir, /run/vigil by
// default): what it records is only true for the running kernel, and /run is
// emptied with it at boot.
//
// Written atomically (temp file in the same directory, fsync, rename), so a
// crash mid-write leaves the old or the new set, never half of one. A missing
// file is an empty set; an unreadable or corrupt one is reported through
// onWarning and treated as empty: the worst case is that services of a
// previous run stay in the kernel, as they would without this file, and the
// daemon never fails to start over it.
import { errorText } from "../../error-text.ts";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { encodeOwnedState, parseOwnedState } from "../../lvs/owned-state.ts";

export const OWNED_STATE_FILE = "ipvs-owned.json";

export interface OwnedStore {
  load(): Set<string>;
  save(keys: ReadonlySet<string>): void;
}

export class OwnedStateFile implements OwnedStore {
  constructor(readonly path: string, private readonly onWarning: (msg: string) => void = () => {}) {}

  load(): Set<string> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Set();
      this.onWarning(`cannot read ${this.path} (${errorText(e)}); assuming vigil owns no IPVS service from a previous run`);
      return new Set();
    }
    try {
      return parseOwnedState(text);
    } catch (e) {
      this.onWarning(`${this.path}: ${errorText(e)}; assuming vigil owns no IPVS service from a previous run`);
      return new Set();
    }
  }

  /** Replaces the file with `keys`; a failure is reported, never thrown (IPVS programming goes on). */
  save(keys: ReadonlySet<string>): void {
    const tmp = `${this.path}.tmp-${process.pid}`;
    let fd: number | undefined;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
      fd = openSync(tmp, "w", 0o644);
      writeSync(fd, encodeOwnedState(keys));
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, this.path);
    } catch (e) {
      try {
        if (fd !== undefined) closeSync(fd);
        rmSync(tmp, { force: true });
      } catch {
        // the warning below is the one worth reading
      }
      this.onWarning(`cannot write ${this.path} (${errorText(e)}); after an unclean stop, services removed from the config may stay in the kernel`);
    }
  }
}
