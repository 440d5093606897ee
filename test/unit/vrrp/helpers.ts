// Test helpers for the VRRP core: build an instance from partial params and
// collect (then clear) the actions each event produced.
import { VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { resolveParams, type VrrpParams } from "../../../src/vrrp/params.ts";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import type { Action } from "../../../src/vrrp/actions.ts";

export const BASE: VrrpParams = {
  vrid: 51, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.100"], primary: "198.18.0.2",
};

export function fsm(over: Partial<VrrpParams> = {}): VrrpFsm {
  return new VrrpFsm(resolveParams({ ...BASE, ...over }));
}

/** Runs fn and returns the actions it produced, leaving the list empty. */
export function step(f: VrrpFsm, fn: (f: VrrpFsm) => void): Action[] {
  f.actions.clear();
  fn(f);
  const out = f.actions.toArray();
  f.actions.clear();
  return out;
}

export const ip = (s: string) => parseIPv4(s);

/** Feeds an advert from `src` with priority and interval. */
export function advert(f: VrrpFsm, now: number, priority: number, src = "198.18.0.1", intervalMs = f.p.advertIntMs): Action[] {
  return step(f, (x) => x.advertReceived(now, priority, intervalMs, ip(src)));
}

export const kinds = (a: Action[]) => a.map((x) => x.kind);
