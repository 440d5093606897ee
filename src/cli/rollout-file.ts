// A rollout's state file on disk (~/.vigil/rollouts/<id>.json by default) and
// its id: written as it goes, a temp file renamed over the old one, so an
// interrupt at any moment leaves the last complete state. The shapes and their
// checks are src/fleet/rollout/record.ts (pure).
import { errorText } from "../error-text.ts";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { checkRolloutFile, type RolloutFile } from "../fleet/rollout/record.ts";

/** ~/.vigil/rollouts, or ./.vigil-rollouts when there is no home directory. */
export function defaultStateDir(): string {
  let home = "";
  try {
    home = process.env.HOME || homedir();
  } catch {
    home = "";
  }
  return home ? join(home, ".vigil", "rollouts") : join(process.cwd(), ".vigil-rollouts");
}

export function defaultStatePath(id: string): string {
  return join(defaultStateDir(), `${id}.json`);
}

export function writeRolloutFile(path: string, f: RolloutFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    const data = Buffer.from(JSON.stringify(f) + "\n");
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readRolloutFile(path: string): RolloutFile {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
  return checkRolloutFile(v, path);
}

/** A new rollout id: the serial, the start time (UTC) and 4 random hex digits; one topic level. */
export function newRolloutId(serial: number, now: number): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `s${serial}-${t}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0")}`;
}
