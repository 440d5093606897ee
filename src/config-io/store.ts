// Persistence of accepted config blobs in state_dir, safe against power loss.
//
//   current.blob          the accepted signed blob that runs now
//   last-known-good.blob  the one before it (what a failed apply rolls back to)
//   state.json            {serial, hash, floor}: floor = highest serial ever
//                         committed, the replay guard, never decreases
//   pending.json          {serial}: current is on probation (commit-confirm);
//                         written before the blob lands, removed by confirm()
//   rolled-back.json      {serial, reason}: a pending config boot() rolled back,
//                         for the daemon to log and report once
//
// Every replacement is src/sys/durable-file.ts's: write a temp file in the same
// directory, fsync it, rename over the target, fsync the directory (rename is
// atomic within one filesystem; the directory fsync makes the rename itself
// durable). The old
// current becomes last-known-good by hard link + rename before the new one
// lands, so at every instant at least one complete blob is reachable by name.
// Boot does not trust state.json for the choice: it validates both blobs and
// takes the newest valid one, so a crash between any two steps still boots.
// A config still on probation when the node restarts never boots: boot() first
// puts the last known good back (or nothing, when the bootstrap file ran before).
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fsyncDirectory, replaceFileDurably, writeSyncedTemp } from "../sys/durable-file.ts";

export const CURRENT = "current.blob";
export const LAST_KNOWN_GOOD = "last-known-good.blob";
export const STATE = "state.json";
export const PENDING = "pending.json";
export const BOOT_ROLLBACK = "rolled-back.json";

/** Steps of commit(), in order; a test hook may stop the process after any of them. */
export const COMMIT_STEPS = [
  "tmp-opened",
  "tmp-half-written",
  "tmp-written",
  "tmp-fsynced",
  "lkg-linked",
  "lkg-renamed",
  "current-renamed",
  "dir-fsynced",
  "state-written",
  "state-renamed",
  "state-dir-fsynced",
] as const;
export type CommitStep = (typeof COMMIT_STEPS)[number];

export interface StoreState {
  serial: number;
  hash: string;
  floor: number;
}

export interface BootChoice {
  which: "current" | "last-known-good";
  bytes: Uint8Array;
  serial: number;
  /** Replay floor: max of state.json's floor and the chosen serial. */
  floor: number;
}

/** Returns the blob's serial when it is a valid, trusted config, null otherwise. */
export type BlobValidator = (bytes: Uint8Array) => number | null;

export class ConfigStore {
  constructor(
    readonly dir: string,
    private readonly afterStep: (step: CommitStep) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(name: string) {
    return join(this.dir, name);
  }

  private fsyncDir() {
    fsyncDirectory(this.dir);
  }

  /** Temp file `.NAME.tmp` with `data`, fsynced; commit() reports its steps to the crash-test hook. */
  private writeTemp(name: string, data: Uint8Array, tracked: boolean) {
    return writeSyncedTemp(this.path(name), data, {
      tmp: this.path(`.${name}.tmp`),
      mode: 0o600,
      afterStep: tracked ? (step) => this.afterStep(step as CommitStep) : undefined,
    });
  }

  /**
   * Make `blob` current; the previous current becomes last-known-good. With
   * `pending`, the blob is on probation until confirm(): a restart before that
   * boots the last known good instead.
   */
  commit(blob: Uint8Array, serial: number, hash: string, opts: { pending?: boolean } = {}): void {
    const prev = this.readState();
    // Before the blob lands: a crash after the rename must find the marker.
    if (opts.pending) this.writeJson(PENDING, { serial });
    else this.clearPending();
    const tmp = this.writeTemp(CURRENT, blob, true);
    const cur = this.path(CURRENT);
    if (existsSync(cur)) {
      const lkgTmp = this.path(`.${LAST_KNOWN_GOOD}.tmp`);
      rmIfExists(lkgTmp);
      linkSync(cur, lkgTmp);
      this.afterStep("lkg-linked");
      renameSync(lkgTmp, this.path(LAST_KNOWN_GOOD));
      this.afterStep("lkg-renamed");
    }
    renameSync(tmp, cur);
    this.afterStep("current-renamed");
    this.fsyncDir();
    this.afterStep("dir-fsynced");
    this.writeState({ serial, hash, floor: Math.max(serial, prev?.floor ?? 0) }, true);
  }

  /** The probation of `serial` is over: it is the config to keep (and, after the next commit, the last known good). */
  confirm(serial: number): void {
    if (this.pendingSerial() === serial) this.clearPending();
  }

  /** Serial of the config on probation, or null. */
  pendingSerial(): number | null {
    const p = this.readJson(PENDING) as { serial?: unknown } | null;
    return p && Number.isSafeInteger(p.serial) ? (p.serial as number) : null;
  }

  /**
   * After a failed apply or probation: last-known-good runs again; the floor
   * stays (no replays). Serial 0 means the bootstrap file ran before: the store
   * then keeps no blob at all, so a restart boots that file again.
   */
  rollback(serial: number, hash: string): void {
    if (serial === 0) {
      rmIfExists(this.path(CURRENT));
      rmIfExists(this.path(LAST_KNOWN_GOOD));
      this.fsyncDir();
      const prev = this.readState();
      this.writeState({ serial: 0, hash: "", floor: prev?.floor ?? 0 }, false);
      this.clearPending();
      return;
    }
    const lkg = this.path(LAST_KNOWN_GOOD);
    if (!existsSync(lkg)) throw new Error(`rollback: no ${LAST_KNOWN_GOOD} in ${this.dir}`);
    const tmp = this.path(`.${CURRENT}.rb`);
    rmIfExists(tmp);
    linkSync(lkg, tmp);
    renameSync(tmp, this.path(CURRENT));
    this.fsyncDir();
    const prev = this.readState();
    this.writeState({ serial, hash, floor: Math.max(prev?.floor ?? 0, serial) }, false);
    this.clearPending();
  }

  /** The current blob's bytes (what runs), or null. */
  readCurrent(): Uint8Array | null {
    try {
      return new Uint8Array(readFileSync(this.path(CURRENT)));
    } catch {
      return null;
    }
  }

  /** The last known good blob's bytes (what a rollback would run), or null. */
  readLastKnownGood(): Uint8Array | null {
    try {
      return new Uint8Array(readFileSync(this.path(LAST_KNOWN_GOOD)));
    } catch {
      return null;
    }
  }

  /** What boot() rolled back because it was still on probation; read once. */
  takeBootRollback(): { serial: number; rolledBackTo: number } | null {
    const r = this.readJson(BOOT_ROLLBACK) as { serial?: unknown; rolledBackTo?: unknown } | null;
    rmIfExists(this.path(BOOT_ROLLBACK));
    if (!r || !Number.isSafeInteger(r.serial) || !Number.isSafeInteger(r.rolledBackTo)) return null;
    return { serial: r.serial as number, rolledBackTo: r.rolledBackTo as number };
  }

  private writeJson(name: string, value: unknown) {
    replaceFileDurably(this.path(name), new TextEncoder().encode(JSON.stringify(value) + "\n"), { tmp: this.path(`.${name}.tmp`), mode: 0o600 });
  }

  private readJson(name: string): unknown {
    try {
      return JSON.parse(readFileSync(this.path(name), "utf8"));
    } catch {
      return null; // absent or torn: as if never written
    }
  }

  private clearPending() {
    if (!existsSync(this.path(PENDING))) return;
    rmIfExists(this.path(PENDING));
    this.fsyncDir();
  }

  /**
   * A restart while a config was on probation: if current is that config, the
   * last known good (or, without one, nothing: the bootstrap file) takes its
   * place. If the crash came before current was replaced, only the marker goes.
   */
  private settlePending(validate: BlobValidator) {
    const pending = this.pendingSerial();
    if (pending === null) return;
    const serialOf = (name: string) => {
      try {
        return validate(new Uint8Array(readFileSync(this.path(name))));
      } catch {
        return null;
      }
    };
    if (serialOf(CURRENT) !== pending) return this.clearPending();
    const lkg = serialOf(LAST_KNOWN_GOOD);
    const back = lkg !== null && lkg !== pending ? lkg : 0;
    this.rollback(back, "");
    this.writeJson(BOOT_ROLLBACK, { serial: pending, rolledBackTo: back });
  }

  private writeState(s: StoreState, tracked: boolean) {
    const tmp = this.writeTemp(STATE, new TextEncoder().encode(JSON.stringify(s) + "\n"), false);
    if (tracked) this.afterStep("state-written");
    renameSync(tmp, this.path(STATE));
    if (tracked) this.afterStep("state-renamed");
    this.fsyncDir();
    if (tracked) this.afterStep("state-dir-fsynced");
  }

  readState(): StoreState | null {
    let raw: string;
    try {
      raw = readFileSync(this.path(STATE), "utf8");
    } catch {
      return null;
    }
    try {
      const s = JSON.parse(raw);
      if (Number.isSafeInteger(s.serial) && Number.isSafeInteger(s.floor) && typeof s.hash === "string") return s;
    } catch {}
    return null; // a torn or foreign state file only loses the floor hint; blobs decide
  }

  /** Pick the newest valid blob of current / last-known-good, or null if neither is. */
  boot(validate: BlobValidator): BootChoice | null {
    this.settlePending(validate);
    let best: BootChoice | null = null;
    for (const [which, name] of [["current", CURRENT], ["last-known-good", LAST_KNOWN_GOOD]] as const) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(this.path(name)));
      } catch {
        continue;
      }
      let serial: number | null = null;
      try { serial = validate(bytes); } catch { serial = null; }
      if (serial !== null && (!best || serial > best.serial)) best = { which, bytes, serial, floor: serial };
    }
    if (best) best.floor = Math.max(best.serial, this.readState()?.floor ?? 0);
    return best;
  }
}

function rmIfExists(p: string) {
  try { unlinkSync(p); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
