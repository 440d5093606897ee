// From a received blob to a running config: verify (cose.ts) against the trust
// store and the replay floor, persist atomically (store.ts), apply, and roll
// back to last-known-good if applying fails. The result is what config/state
// reports. The daemon supplies `apply`; this module owns the order of steps.
import { verifyBlob, type SignedPayload } from "../config/cose.ts";
import type { ConfigStore } from "../config/store.ts";
import type { TrustStore } from "../config/trust.ts";
import { readCbor } from "../config/config-cbor.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import type { ConfigResult } from "./reporter.ts";

export interface DeliveryOptions {
  trust: TrustStore;
  fleet: string;
  node: string;
  store: ConfigStore;
  /** serial and hash of the running config, and the replay floor (from store.boot()). */
  running: { serial: number; hash: string; floor: number };
  maxBytes?: number;
  validateConfig?: (config: Uint8Array) => string | null;
  /** Puts the config into effect; throws (with a reason) if it cannot. */
  apply: (payload: SignedPayload) => Promise<void>;
}

export function configReceiver(o: DeliveryOptions): (blob: Uint8Array) => Promise<ConfigResult> {
  return async (blob) => {
    const v = verifyBlob(blob, {
      trust: o.trust, fleet: o.fleet, node: o.node, currentSerial: o.running.floor,
      maxBytes: o.maxBytes, validateConfig: o.validateConfig,
    });
    if (!v.ok) return { accepted: false, reason: v.reason, message: v.message, serial: v.serial, hash: v.hash };
    const { serial } = v.payload;
    try {
      o.store.commit(blob, serial, v.hash);
    } catch (e) {
      return { accepted: false, reason: "store-failed", message: (e as Error).message, serial, hash: v.hash };
    }
    // Committed: the floor moves even if applying fails, so this blob can never be replayed.
    o.running.floor = Math.max(o.running.floor, serial);
    try {
      await o.apply(v.payload);
    } catch (e) {
      const why = (e as Error).message;
      try {
        o.store.rollback(o.running.serial, o.running.hash);
      } catch (re) {
        return { accepted: false, reason: "apply-failed", message: `${why}; rollback failed: ${(re as Error).message}`, serial, hash: v.hash };
      }
      return { accepted: false, reason: "apply-failed", message: `${why}; rolled back to serial ${o.running.serial}`, serial, hash: v.hash };
    }
    o.running.serial = serial;
    o.running.hash = v.hash;
    return { accepted: true, serial, hash: v.hash };
  };
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
