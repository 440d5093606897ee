// One daemon per VRRP instance per network namespace: each instance takes an
// exclusive flock on a file named after (netns, interface, VRID, family). A second
// vigil (or a restart racing the old one) fails fast with the holder's PID instead of
// fighting over the same VIPs. flock locks die with the process, so a SIGKILLed
// daemon never leaves a stale lock.
import { mkdirSync, openSync, readlinkSync, readFileSync, writeSync, ftruncateSync, closeSync, constants } from "node:fs";
import { libc, errno } from "../sys/libc.ts";
import { SysError } from "../sys/errno.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;

export interface InstanceLockKey {
  interface: string;
  vrid: number;
  family: 4 | 6;
}

export class LockError extends Error {
  override name = "LockError";
}

function netnsId(): string {
  try {
    return readlinkSync("/proc/self/ns/net").replace(/\D/g, "");
  } catch {
    return "0";
  }
}

export function lockPath(dir: string, key: InstanceLockKey): string {
  return `${dir}/vrrp-${netnsId()}-${key.interface}-${key.family}-${key.vrid}.lock`;
}

export class InstanceLocks {
  /** lock path -> fd */
  private held = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** Takes every lock or none; throws LockError naming the instance and holder. Locks already held are kept. */
  acquire(keys: InstanceLockKey[]): void {
    mkdirSync(this.dir, { recursive: true });
    const taken: [string, number][] = [];
    try {
      for (const key of keys) {
        const path = lockPath(this.dir, key);
        if (this.held.has(path) || taken.some(([p]) => p === path)) continue;
        // O_RDWR|O_CREAT without O_TRUNC: a loser must not erase the holder's PID.
        const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
        if (libc.symbols.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
          const e = errno();
          closeSync(fd);
          if (e === EWOULDBLOCK) {
            let holder = "another process";
            try {
              holder = `pid ${readFileSync(path, "utf8").trim() || "?"}`;
            } catch {}
            throw new LockError(
              `VRRP instance ${key.interface}/vrid ${key.vrid}/IPv${key.family} is already run by ${holder} (lock ${path})`,
            );
          }
          throw new SysError("flock", e, path);
        }
        ftruncateSync(fd, 0);
        writeSync(fd, `${process.pid}\n`, 0);
        taken.push([path, fd]);
      }
    } catch (err) {
      for (const [, fd] of taken) closeSync(fd);
      throw err;
    }
    for (const [p, fd] of taken) this.held.set(p, fd);
  }

  /** Holds exactly `keys` (reload): new ones are taken first (all or none), then dropped ones released. */
  sync(keys: InstanceLockKey[]): void {
    this.acquire(keys);
    const want = new Set(keys.map((k) => lockPath(this.dir, k)));
    for (const [p, fd] of this.held) {
      if (!want.has(p)) {
        closeSync(fd);
        this.held.delete(p);
      }
    }
  }

  releaseAll(): void {
    for (const fd of this.held.values()) closeSync(fd);
    this.held.clear();
  }
}
