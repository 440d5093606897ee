// A rollout's persisted form: the state file (everything needed to resume:
// the engine's state, the blob itself, how to reach the broker) and the
// retained record vigil/v1/<fleet>/rollout/<id> (the same without the blob and
// the connection, for anyone to read with `vigil fleet show`). Written as it
// goes: a temp file renamed over the old one, so an interrupt at any moment
// leaves the last complete state.
import { errorText } from "../../error-text.ts";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { EngineState } from "./engine.ts";

export const RECORD_FORMAT = "vigil-rollout/1";

/** How the rollout reached the broker: paths, never secrets. */
export interface ConnectionRecord {
  broker: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  username?: string;
  passwordFile?: string;
  mqttVersion: 4 | 5;
  /** signing key for rollback requests (--key) */
  signingKey?: string;
}

export interface RolloutFile {
  format: typeof RECORD_FORMAT;
  connection: ConnectionRecord;
  blob: { path: string; base64: string };
  engine: EngineState;
  updatedAt: number;
}

/** What the retained record carries: the engine's state, nothing to connect or sign with. */
export interface RolloutRecord {
  format: typeof RECORD_FORMAT;
  engine: EngineState;
  updatedAt: number;
}

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

function checkEngine(e: unknown, source: string): EngineState {
  const s = e as EngineState;
  if (!s || typeof s !== "object" || !s.spec || !Array.isArray(s.spec.waves) || typeof s.nodes !== "object" || typeof s.status !== "string") {
    throw new Error(`${source}: not a rollout state (no spec, waves, nodes or status)`);
  }
  return s;
}

export function readRolloutFile(path: string): RolloutFile {
  let v: RolloutFile;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
  if (v?.format !== RECORD_FORMAT) throw new Error(`${path}: not a ${RECORD_FORMAT} state file`);
  checkEngine(v.engine, path);
  if (!v.connection?.broker || typeof v.blob?.base64 !== "string") throw new Error(`${path}: the state file lacks its broker or blob`);
  return v;
}

export function parseRecord(v: unknown, source: string): RolloutRecord {
  const r = v as RolloutRecord;
  if (r?.format !== RECORD_FORMAT) throw new Error(`${source}: not a ${RECORD_FORMAT} record`);
  checkEngine(r.engine, source);
  return r;
}

/** A new rollout id: the serial, the start time (UTC) and 4 random hex digits; one topic level. */
export function newRolloutId(serial: number, now: number): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `s${serial}-${t}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0")}`;
}
