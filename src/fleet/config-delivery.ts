// From a received blob to a running config: verify (cose.ts) against the trust
// store and the replay floor, persist atomically (store.ts), apply, prove it
// (commit-confirm, confirm.ts), and roll back to the last known good if applying
// or the proof fails. Also the other way: a signed rollback request
// (rollback-request.ts) puts the last known good back. The result is what
// config/state reports; every rejection and rollback is also logged on the node,
// once per blob. The daemon supplies `apply`; this module owns the order of steps.
import { nodeCrypto } from "../sys/lazy-builtins.ts";
import { errorText } from "../error-text.ts";
import { unverifiedPayload, type SignedPayload } from "../config/cose.ts";
import { verifyBlob } from "../config-io/cose-sign.ts";
import type { ConfigStore } from "../config-io/store.ts";
import type { TrustStore } from "../config-io/trust.ts";
import { readCbor } from "../config/config-cbor.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { ConfigResult } from "./reporter.ts";
import { verifyRollbackRequest } from "./rollback-request.ts";

export interface RunningIdentity {
  serial: number;
  hash: string;
  /** replay floor (from store.boot()) */
  floor: number;
}

/** A config the node ran or runs: what a rollback goes back to, what config/get answers. */
export interface KnownConfig {
  serial: number;
  hash: string;
  /** deterministic CBOR of the config model */
  config: Uint8Array;
}

export interface ConfirmHooks {
  /** 0 = accept at once */
  timeoutMs: number;
  /**
   * Called just before the apply (the health "before"); returns the judge, called
   * at the end of the window, that gives the reasons the config failed (none = confirmed).
   */
  begin(): () => string[];
  /** the window itself (injectable so tests need not sleep) */
  wait?(ms: number): Promise<void>;
}

export type LogLevel = "info" | "warn" | "error";

export interface DeliveryOptions {
  trust: TrustStore;
  fleet: string;
  node: string;
  store: ConfigStore;
  /** serial and hash of the running config, and the replay floor; advanced in place */
  running: RunningIdentity;
  maxBytes?: number;
  validateConfig?: (config: Uint8Array) => string | null;
  /** Puts the config into effect; throws (with a reason) if it cannot. A rollback applies the previous config through it too. */
  apply: (payload: SignedPayload, why?: "push" | "rollback") => Promise<void>;
  /** the running config's bytes (for rollbacks and config/get); absent: rollback requests are refused */
  runningConfig?: Uint8Array;
  /** what ran before the running config (the last known good), if known */
  previous?: KnownConfig | null;
  confirm?: ConfirmHooks;
  /** told "confirming" when a config starts its probation */
  onProgress?: (r: ConfigResult) => void;
  log?: (level: LogLevel, msg: string) => void;
}

/** Blobs whose refusal was already logged: one line per blob, however often it is replayed. */
const LOGGED_BLOBS = 256;

const kidHex = (kid: Uint8Array | undefined) => (kid ? Buffer.from(kid).toString("hex") : "-");

export class ConfigDelivery {
  private current: KnownConfig | null;
  private previous: KnownConfig | null;
  private readonly logged = new Set<string>();

  constructor(private readonly o: DeliveryOptions) {
    this.current = o.runningConfig ? { serial: o.running.serial, hash: o.running.hash, config: o.runningConfig } : null;
    this.previous = o.previous ?? null;
  }

  /** The running config (config/get), or null when the node was given none. */
  get running(): KnownConfig | null {
    return this.current;
  }

  private log(level: LogLevel, msg: string) {
    this.o.log?.(level, msg);
  }

  private identity(): Pick<ConfigResult, "running_serial" | "running_hash"> {
    return { running_serial: this.o.running.serial, running_hash: this.o.running.hash };
  }

  /** Logs a refusal once per distinct blob: a replay flood must not flood the log. */
  private logOnce(bytes: Uint8Array, msg: () => string) {
    const id = nodeCrypto().createHash("sha256").update(bytes).digest("hex");
    if (this.logged.has(id)) return;
    this.logged.add(id);
    if (this.logged.size > LOGGED_BLOBS) this.logged.delete(this.logged.values().next().value!);
    this.log("warn", msg());
  }

  async receive(blob: Uint8Array): Promise<ConfigResult> {
    const o = this.o;
    const v = verifyBlob(blob, {
      trust: o.trust, fleet: o.fleet, node: o.node, currentSerial: o.running.floor,
      maxBytes: o.maxBytes, validateConfig: o.validateConfig,
    });
    if (!v.ok) {
      this.logOnce(blob, () => {
        // an unverified serial is named as such: it is what the sender claims, nothing more
        const claimed = v.serial === undefined ? unverifiedPayload(blob)?.serial : undefined;
        const serial = v.serial ?? (claimed !== undefined ? `${claimed} (unverified)` : "-");
        return `fleet: config rejected: ${v.reason}: serial ${serial}, kid ${kidHex(v.kid)}: ${v.message}`;
      });
      return { accepted: false, state: "rejected", reason: v.reason, message: v.message, serial: v.serial, hash: v.hash, ...this.identity() };
    }
    const { serial } = v.payload;
    const kid = kidHex(v.kid);
    const confirmMs = o.confirm?.timeoutMs ?? 0;
    try {
      o.store.commit(blob, serial, v.hash, { pending: confirmMs > 0 });
    } catch (e) {
      this.log("error", `fleet: config serial ${serial} (kid ${kid}) not stored: ${errorText(e)}`);
      return { accepted: false, state: "rejected", reason: "store-failed", message: errorText(e), serial, hash: v.hash, ...this.identity() };
    }
    // Committed: the floor moves even if applying fails, so this blob can never be replayed.
    o.running.floor = Math.max(o.running.floor, serial);
    const before = { serial: o.running.serial, hash: o.running.hash };
    const judge = confirmMs > 0 ? o.confirm!.begin() : null;
    try {
      await o.apply(v.payload, "push");
    } catch (e) {
      const why = errorText(e);
      try {
        o.store.rollback(before.serial, before.hash);
      } catch (re) {
        this.log("error", `fleet: config serial ${serial} (kid ${kid}) failed to apply: ${why}; rollback failed: ${errorText(re)}`);
        return { accepted: false, state: "rejected", reason: "apply-failed", message: `${why}; rollback failed: ${errorText(re)}`, serial, hash: v.hash, ...this.identity() };
      }
      this.log("warn", `fleet: config serial ${serial} (kid ${kid}) rolled back to serial ${before.serial}: apply-failed: ${why}`);
      return { accepted: false, state: "rejected", reason: "apply-failed", message: `${why}; rolled back to serial ${before.serial}`, serial, hash: v.hash, ...this.identity() };
    }
    const pushed: KnownConfig = { serial, hash: v.hash, config: v.payload.config };
    const prior = this.current;
    o.running.serial = serial;
    o.running.hash = v.hash;
    this.current = pushed;
    if (judge) {
      o.onProgress?.({ accepted: true, state: "confirming", serial, hash: v.hash, confirm_ms: confirmMs, ...this.identity() });
      await (o.confirm!.wait ?? ((ms: number) => Bun.sleep(ms)))(confirmMs);
      const reasons = judge();
      if (reasons.length) {
        const why = reasons.join("; ");
        const back = await this.putBack(prior, before);
        this.log("warn", `fleet: config serial ${serial} (kid ${kid}) rolled back to serial ${before.serial}: confirm-failed: ${why}${back ? `; ${back}` : ""}`);
        return { accepted: false, state: "rolled-back", reason: "confirm-failed", message: `${why}; rolled back to serial ${before.serial}${back ? ` (${back})` : ""}`, serial, hash: v.hash, ...this.identity() };
      }
      try {
        o.store.confirm(serial);
      } catch (e) {
        // it runs and proved itself; only a restart would now take it back (still marked pending)
        this.log("error", `fleet: config serial ${serial} (kid ${kid}) confirmed but not marked so in the store: ${errorText(e)}`);
      }
    }
    this.previous = prior;
    return { accepted: true, state: "applied", serial, hash: v.hash, ...(judge ? { confirm_ms: confirmMs } : {}), ...this.identity() };
  }

  /**
   * The config that ran before goes back into effect and into the store. Returns
   * what went wrong on the way (the store is rolled back even if the apply fails:
   * a restart then boots the last known good).
   */
  private async putBack(prior: KnownConfig | null, id: { serial: number; hash: string }): Promise<string> {
    const o = this.o;
    let problem = "";
    if (prior) {
      try {
        await o.apply({ serial: prior.serial, fleet: o.fleet, issuedAt: 0, config: prior.config }, "rollback");
      } catch (e) {
        problem = `re-applying serial ${prior.serial} failed: ${errorText(e)}`;
      }
    } else problem = "the previous config is not known here; it runs again after a restart";
    try {
      o.store.rollback(id.serial, id.hash);
    } catch (e) {
      problem = `${problem ? `${problem}; ` : ""}store rollback failed: ${errorText(e)}`;
    }
    o.running.serial = id.serial;
    o.running.hash = id.hash;
    this.current = prior;
    return problem;
  }

  /** A signed "roll back serial S" request (a rollout undoing its change). */
  async rollback(bytes: Uint8Array): Promise<ConfigResult> {
    const o = this.o;
    const v = verifyRollbackRequest(bytes, { trust: o.trust, fleet: o.fleet, node: o.node });
    const refuse = (reason: string, message: string, serial?: number, kid?: Uint8Array): ConfigResult => {
      this.logOnce(bytes, () => `fleet: rollback request refused: ${reason}: serial ${serial ?? "-"}, kid ${kidHex(kid)}: ${message}`);
      return { accepted: false, state: "rollback-refused", reason, message, serial, ...this.identity() };
    };
    if (!v.ok) return refuse(v.reason, v.message, v.serial, v.kid);
    const { serial } = v.request;
    if (o.running.serial !== serial) return refuse("not-running", `serial ${serial} is not the running config (serial ${o.running.serial} runs)`, serial, v.kid);
    const prev = this.previous;
    if (!prev || !this.current) return refuse("no-last-known-good", `no config before serial ${serial} is kept on this node`, serial, v.kid);
    const hash = o.running.hash;
    const back = await this.putBack(prev, { serial: prev.serial, hash: prev.hash });
    this.previous = null;
    this.log("warn", `fleet: config serial ${serial} (kid ${kidHex(v.kid)}) rolled back to serial ${prev.serial}: rollback-requested${back ? `; ${back}` : ""}`);
    return { accepted: false, state: "rolled-back", reason: "rollback-requested", message: `rolled back to serial ${prev.serial} on request${back ? ` (${back})` : ""}`, serial, hash, ...this.identity() };
  }
}

/** The blob handler alone, for callers that need neither rollbacks nor config/get. */
export function configReceiver(o: DeliveryOptions): (blob: Uint8Array) => Promise<ConfigResult> {
  const d = new ConfigDelivery(o);
  return (blob) => d.receive(blob);
}

/** validateConfig for DeliveryOptions: the config model's own reader and checks, first error wins. */
export function modelValidator(): (config: Uint8Array) => string | null {
  return (config) => {
    const r = readCbor(config, "<pushed config>");
    if (r.config) return null;
    const first = r.errors[0];
    return first ? formatDiagnostic(first, "<pushed config>") : "config rejected by the model checks";
  };
}
