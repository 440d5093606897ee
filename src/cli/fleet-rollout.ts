// `vigil fleet rollout BLOB --broker URL --fleet F ...`: push a signed config to
// part or all of a fleet in waves with health gates (src/fleet/rollout/), a
// canary first, routers that back each other up never in the same wave.
// Progress on stderr (one live line on a terminal, plain lines otherwise), the
// per-node table (or --json) on stdout; exit 0 only if every target applied.
// The state is written as it goes (--state FILE, default ~/.vigil/rollouts/<id>.json,
// and the retained vigil/v1/<fleet>/rollout/<id>), so `--resume ID|FILE` continues
// an interrupted rollout and `vigil fleet show ID` shows it.
import { errorText } from "../error-text.ts";
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { unverifiedPayload, type SignedPayload } from "../config/cose.ts";
import { configHash } from "../config-io/cose-sign.ts";
import { readCbor } from "../config/config-cbor.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { keyId, parsePrivateKeyPem } from "../config-io/trust.ts";
import { signRollbackRequest } from "../fleet/rollback-request.ts";
import { newRollout, RolloutEngine, type Action, type EngineState } from "../fleet/rollout/engine.ts";
import { FleetState } from "../fleet/rollout/fleet-state.ts";
import { planWaves } from "../fleet/rollout/plan.ts";
import { RECORD_FORMAT, type ConnectionRecord, type RolloutFile } from "../fleet/rollout/record.ts";
import { indexFleet } from "../fleet/rollout/segments.ts";
import { selectTargets } from "../fleet/rollout/selector.ts";
import { FleetSession } from "../fleet/rollout-session.ts";
import { configRollbackTopic, configSetTopic, rolloutTopic } from "../fleet/topics.ts";
import { DRY_RUN_WAIT_MS, dryRunReport, renderDryRun } from "./fleet-dry-run.ts";
import { progressLine, renderRollout, rolloutJson, tallyOf } from "./fleet-render.ts";
import { maxFailedOf, parseRolloutArgs, ROLLOUT_USAGE, type RolloutOptions } from "./fleet-rollout-args.ts";
import { writeOut, writeErr } from "./out.ts";
import { defaultStatePath, newRolloutId, readRolloutFile, writeRolloutFile } from "./rollout-file.ts";

const TICK_MS = 250;
/** the state file at most this often while running (and always at the end) */
const WRITE_EVERY_MS = 300;
/** the retained record at most this often while running (and always at the end) */
const RECORD_EVERY_MS = 1000;

class UsageError extends Error {
  override name = "UsageError";
}

function fail(msg: string): never {
  throw new Error(msg);
}

function requesterId(): string {
  return `vigil-rollout-${process.pid}-${Math.floor(Math.random() * 0x10000).toString(16)}`;
}

function loadSigningKey(path: string | undefined): { key: KeyObject; kid: Uint8Array } | undefined {
  if (!path) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    fail(`${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
  const key = parsePrivateKeyPem(pem, path);
  return { key, kid: keyId(createPublicKey(key)) };
}

function readBlob(path: string): { bytes: Uint8Array; payload: SignedPayload } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    fail(`${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
  const payload = unverifiedPayload(bytes);
  if (!payload) fail(`${path}: not a signed config blob (make one with vigil config sign)`);
  return { bytes, payload };
}

/**
 * Connects, subscribes, asks every node for its report (the retained reports
 * may be missing or late: report.ts) and lets both arrive for `settleMs`.
 */
async function openFleet(conn: ConnectionRecord, fleetName: string, settleMs: number): Promise<{ session: FleetSession; fleet: FleetState; route: (h: (t: string, b: Uint8Array) => void) => void }> {
  const session = await FleetSession.open(conn, fleetName, requesterId());
  const fleet = new FleetState(fleetName);
  let handler: (t: string, b: Uint8Array) => void = (t, b) => void fleet.apply(t, b);
  session.onMessage((t, b) => handler(t, b));
  // QoS 0 (see subscribeFleet): at QoS 1 mosquitto dropped most of a 1 000-node fleet's retained reports
  await session.subscribeFleet(undefined, 0);
  // answers spread over two thirds of the window, so the last ones land inside it
  await session.requestReport(Math.floor((settleMs * 2) / 3)).catch(() => {});
  await Bun.sleep(settleMs);
  return { session, fleet, route: (h) => (handler = h) };
}

/** Operator output: a live line on a terminal, plain lines otherwise; always stderr. */
class Progress {
  private readonly tty = !!process.stderr.isTTY;
  private live = false;
  private lastLine = 0;

  note(text: string) {
    const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
    if (this.tty && this.live) writeErr("\r\x1b[2K");
    this.live = false;
    writeErr(`${clean}\n`);
  }

  line(s: EngineState, now: number, force = false) {
    if (!this.tty) return;
    if (!force && now - this.lastLine < TICK_MS) return;
    this.lastLine = now;
    writeErr(`\r\x1b[2K${progressLine(s, tallyOf(s), now)}`);
    this.live = true;
  }

  end() {
    if (this.tty && this.live) writeErr("\n");
    this.live = false;
  }
}

interface DriveContext {
  engine: RolloutEngine;
  session: FleetSession;
  route: (h: (t: string, b: Uint8Array) => void) => void;
  blob: Uint8Array;
  file: Omit<RolloutFile, "engine" | "updatedAt">;
  statePath: string;
  signing?: { key: KeyObject; kid: Uint8Array };
  json: boolean;
}

/** Runs the engine to its end (or an interrupt) against the broker; returns the exit code. */
async function drive(c: DriveContext): Promise<number> {
  const { engine, session } = c;
  const spec = engine.state.spec;
  const progress = new Progress();
  let lastWrite = 0, lastRecord = 0;
  let finished = false;
  let recordInFlight: Promise<void> | null = null;

  // the record goes out only when the engine changed since the last one: at 1 000 nodes it is
  // ≈ 300 KB, which a rollout holding or soaking would otherwise resend every second
  let recordStale = true;
  const persist = (now: number, force: boolean) => {
    if (engine.dirty) recordStale = true;
    if (force || (engine.dirty && now - lastWrite >= WRITE_EVERY_MS)) {
      writeRolloutFile(c.statePath, { ...c.file, engine: engine.state, updatedAt: now });
      lastWrite = now;
      engine.dirty = false;
    }
    if (recordStale && (force || now - lastRecord >= RECORD_EVERY_MS) && !recordInFlight) {
      lastRecord = now;
      recordStale = false;
      const body = JSON.stringify({ format: RECORD_FORMAT, engine: engine.state, updatedAt: now });
      // a broker without retained messages: the running rollout still answers rollout/<id>/get
      recordInFlight = session.publish(rolloutTopic(spec.fleet, spec.id), body, { retain: session.retainAvailable }).catch(() => {}).finally(() => (recordInFlight = null));
    }
  };

  const act = (actions: Action[]) => {
    for (const a of actions) {
      if (a.type === "note") progress.note(a.text);
      else if (a.type === "publish") {
        session.publish(configSetTopic(spec.fleet, a.node), c.blob).catch((e) => progress.note(`${a.node}: publish failed: ${errorText(e)}`));
      } else if (a.type === "rollback") {
        const req = signRollbackRequest({ fleet: spec.fleet, nodes: [a.node], serial: spec.serial, issuedAt: Math.floor(Date.now() / 1000) }, c.signing!.key, c.signing!.kid);
        session.publish(configRollbackTopic(spec.fleet, a.node), req).catch((e) => progress.note(`${a.node}: rollback request failed: ${errorText(e)}`));
      } else if (a.type === "finished") finished = true;
    }
  };

  progress.note(`rollout ${spec.id}: state in ${c.statePath}; resume with: vigil fleet rollout --resume ${spec.id}`);
  session.serveRecord(spec.id, () => ({ format: RECORD_FORMAT, engine: engine.state, updatedAt: Date.now() }));
  c.route((t, b) => act(engine.message(t, b, Date.now())));
  session.keepAlive(() => {
    progress.note("broker connection back; resending what may have been lost");
    act(engine.reconnected(Date.now()));
  });
  act(engine.start(Date.now()));
  persist(Date.now(), true);

  let interrupted: string | null = null;
  const onSignal = (sig: string) => () => { interrupted = sig; };
  const sigint = onSignal("SIGINT"), sigterm = onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);
  try {
    // Bounded: every node has a deadline, so the engine ends; the cap only guards against a bug.
    const cap = Date.now() + 7 * 86_400_000;
    while (!finished && !interrupted && Date.now() < cap) {
      await Bun.sleep(TICK_MS);
      const now = Date.now();
      act(engine.tick(now));
      persist(now, false);
      progress.line(engine.state, now);
    }
  } finally {
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
  const now = Date.now();
  // bounded: the final record goes out if the broker takes it soon; the state file is written regardless
  const settle = () => Promise.race([recordInFlight ?? Promise.resolve(), Bun.sleep(3000)]);
  await settle();
  persist(now, true);
  await settle();
  progress.end();
  if (interrupted) {
    progress.note(`interrupted (${interrupted}); the rollout stands where it was. Continue with: vigil fleet rollout --resume ${spec.id}`);
    return 130;
  }
  writeOut(c.json ? `${JSON.stringify(rolloutJson(engine.state), null, 2)}\n` : renderRollout(engine.state, now));
  return engine.ok ? 0 : 1;
}

async function start(o: RolloutOptions): Promise<number> {
  const { bytes, payload } = readBlob(o.blob!);
  if (payload.fleet !== o.fleet) throw new UsageError(`${o.blob} is signed for fleet '${payload.fleet}', not '${o.fleet}'`);
  if (o.timeoutMs < 1000) throw new UsageError("--timeout must be at least 1 s");
  const parsed = readCbor(payload.config, o.blob);
  if (!parsed.config) fail(`${o.blob}: its config does not read: ${parsed.errors.map((e) => formatDiagnostic(e)).join("; ")}`);
  const signing = o.rollbackOnAbort ? loadSigningKey(o.signingKey) : undefined;
  const hash = configHash(payload.config);
  const { session, fleet, route } = await openFleet(o.connection!, o.fleet!, o.settleMs);
  try {
    const sel = selectTargets(fleet, o.where, o.nodes);
    const notes: string[] = [];
    if (sel.skippedOffline.length) notes.push(`${sel.skippedOffline.length} offline node(s) not targeted (name them with --node to include them): ${sel.skippedOffline.join(", ")}`);
    if (sel.targets.length === 0) fail(`no node of fleet '${o.fleet}' matches${fleet.nodes.size === 0 ? " (none has reported to the broker)" : ""}`);
    if (payload.nodes) {
      const refuse = sel.targets.filter((t) => !payload.nodes!.includes(t));
      if (refuse.length) throw new UsageError(`${o.blob} is signed for ${payload.nodes.join(", ")} only; ${refuse.join(", ")} would reject it (not-for-node)`);
    }
    const plan = planWaves(sel.targets, o.waves, fleet, indexFleet(fleet));
    plan.notes.unshift(...notes);
    if (o.dryRun) {
      const report = await dryRunReport(session, fleet, plan, parsed.config, hash, Math.min(DRY_RUN_WAIT_MS, o.timeoutMs));
      writeOut(o.json
        ? `${JSON.stringify({ dryRun: true, serial: payload.serial, hash, waves: plan.waves, notes: plan.notes, nodes: report }, null, 2)}\n`
        : renderDryRun(payload.serial, hash, plan, report));
      return 0;
    }
    const now = Date.now();
    const id = newRolloutId(payload.serial, now);
    const state = newRollout({
      id, fleet: o.fleet!, serial: payload.serial, configHash: hash, blobSha256: createHash("sha256").update(bytes).digest("hex"),
      waves: plan.waves, soakMs: o.soakMs, timeoutMs: o.timeoutMs, holdMs: o.holdMs, maxFailed: maxFailedOf(o.maxFailed, sel.targets.length),
      rollbackOnAbort: o.rollbackOnAbort, notes: plan.notes,
    });
    const engine = new RolloutEngine(state, fleet);
    const statePath = o.state ?? defaultStatePath(id);
    const file = { format: RECORD_FORMAT, connection: o.connection!, blob: { path: o.blob!, base64: Buffer.from(bytes).toString("base64") } } as const;
    return await drive({ engine, session, route, blob: bytes, file, statePath, signing, json: o.json });
  } finally {
    await session.close();
  }
}

async function resume(o: RolloutOptions): Promise<number> {
  const path = existsSync(o.resume!) ? o.resume! : defaultStatePath(o.resume!);
  if (!existsSync(path)) fail(`no state file for rollout '${o.resume}' (looked for ${o.resume} and ${path})`);
  const f = readRolloutFile(path);
  const blob = new Uint8Array(Buffer.from(f.blob.base64, "base64"));
  const spec = f.engine.spec;
  if (createHash("sha256").update(blob).digest("hex") !== spec.blobSha256) fail(`${path}: the blob kept in the state file does not match the rollout's`);
  const connection = { ...f.connection, ...(o.signingKey ? { signingKey: o.signingKey } : {}) };
  const signing = spec.rollbackOnAbort ? loadSigningKey(connection.signingKey) : undefined;
  if (spec.rollbackOnAbort && !signing) throw new UsageError("this rollout rolls back on abort: give --key PREFIX.key");
  const { session, fleet, route } = await openFleet(connection, spec.fleet, o.settleMs);
  try {
    const engine = new RolloutEngine(f.engine, fleet);
    if (engine.finished) {
      writeOut(o.json ? `${JSON.stringify(rolloutJson(engine.state), null, 2)}\n` : renderRollout(engine.state, Date.now()));
      return engine.ok ? 0 : 1;
    }
    const file = { format: RECORD_FORMAT, connection, blob: f.blob } as const;
    return await drive({ engine, session, route, blob, file, statePath: path, signing, json: o.json });
  } finally {
    await session.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  let o: RolloutOptions;
  try {
    o = parseRolloutArgs(argv);
  } catch (e) {
    writeErr(`vigil fleet rollout: ${errorText(e)}\n${ROLLOUT_USAGE}`);
    return 2;
  }
  try {
    return await (o.resume ? resume(o) : start(o));
  } catch (e) {
    writeErr(`vigil fleet rollout: ${errorText(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
