// The owned-services state file on disk (format: src/lvs/owned-state.ts). It
// lives beside the daemon's other run-time files (--lock-dir, /run/vigil by
// default): what it records is only true for the running kernel, and /run is
// emptied with it at boot.
//
// Written durably (src/sys/durable-file.ts: temp file in the same directory,
// fsync, rename, directory fsync), so a crash mid-write leaves the old or the
// new set, never half of one, and a power loss after save() keeps the new one. A missing
// file is an empty set; an unreadable or corrupt one is reported through
// onWarning and treated as empty: the worst case is that services of a
// previous run stay in the kernel, as they would without this file, and the
// daemon never fails to start over it.
import { errorText } from "../../error-text.ts";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { replaceFileDurably } from "../durable-file.ts";
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
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o755 });
      replaceFileDurably(this.path, new TextEncoder().encode(encodeOwnedState(keys)), { tmp: `${this.path}.tmp-${process.pid}`, mode: 0o644 });
    } catch (e) {
      this.onWarning(`cannot write ${this.path} (${errorText(e)}); after an unclean stop, services removed from the config may stay in the kernel`);
    }
  }
}
