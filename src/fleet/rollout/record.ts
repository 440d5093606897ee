// A rollout's persisted form: the state file (everything needed to resume:
// the engine's state, the blob itself, how to reach the broker) and the
// retained record vigil/v1/<fleet>/rollout/<id> (the same without the blob and
// the connection, for anyone to read with `vigil fleet show`). Shapes and
// checks only: src/cli/rollout-file.ts reads and writes the file.
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

function checkEngine(e: unknown, source: string): EngineState {
  const s = e as EngineState;
  if (!s || typeof s !== "object" || !s.spec || !Array.isArray(s.spec.waves) || typeof s.nodes !== "object" || typeof s.status !== "string") {
    throw new Error(`${source}: not a rollout state (no spec, waves, nodes or status)`);
  }
  return s;
}

/** A state file's content, checked: it names its format, engine, broker and blob. */
export function checkRolloutFile(v: unknown, path: string): RolloutFile {
  const f = v as RolloutFile;
  if (f?.format !== RECORD_FORMAT) throw new Error(`${path}: not a ${RECORD_FORMAT} state file`);
  checkEngine(f.engine, path);
  if (!f.connection?.broker || typeof f.blob?.base64 !== "string") throw new Error(`${path}: the state file lacks its broker or blob`);
  return f;
}

export function parseRecord(v: unknown, source: string): RolloutRecord {
  const r = v as RolloutRecord;
  if (r?.format !== RECORD_FORMAT) throw new Error(`${source}: not a ${RECORD_FORMAT} record`);
  checkEngine(r.engine, source);
  return r;
}
