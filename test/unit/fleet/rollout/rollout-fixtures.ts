// Fleet messages as nodes publish them, for the rollout core's unit tests:
// the same topics and CBOR bodies a FleetReporter sends.
import { encodeBody } from "../../../../src/fleet/payload.ts";
import { FleetState } from "../../../../src/fleet/rollout/fleet-state.ts";
import { encodeLevel } from "../../../../src/fleet/topics.ts";

export const FLEET = "edge";
export type Msg = [topic: string, body: Uint8Array];

const t = (node: string, rest: string) => `vigil/v1/${FLEET}/${node}/${rest}`;

export function status(node: string, o: { online?: boolean; site?: string; serial?: number; hash?: string } = {}): Msg {
  return [t(node, "status"), encodeBody({ status: o.online === false ? "offline" : "online", version: "0.1.0", config_serial: o.serial ?? 0, ...(o.hash ? { config_hash: o.hash } : {}), ...(o.site ? { site: o.site } : {}) }, "cbor")];
}

export interface VrrpOpts {
  state?: string;
  vrid?: number;
  lan?: string;
  vips?: string;
  master?: string;
  family?: 4 | 6;
  unicast?: string[];
  reason?: string;
}

export function vrrp(node: string, instance: string, o: VrrpOpts = {}): Msg {
  const family = o.family ?? 4;
  return [t(node, `vrrp/${encodeLevel(instance)}`), encodeBody({
    state: o.state ?? "BACKUP", vrid: o.vrid ?? 51, segment: `v${family}:${o.vips ?? ""}`, priority: 100, effectivePriority: 100, since: 0, family,
    ...(o.lan ? { lan: o.lan } : {}), ...(o.master ? { masterAddress: o.master } : {}), ...(o.unicast ? { unicastPeers: o.unicast } : {}), ...(o.reason ? { reason: o.reason } : {}),
  }, "cbor")];
}

export function lvs(node: string, vs: string, rs: string, up: boolean): Msg {
  return [t(node, `lvs/${encodeLevel(vs)}/${encodeLevel(rs)}`), encodeBody({ up, weight: 1 }, "cbor")];
}

export function configState(node: string, r: Record<string, unknown>): Msg {
  return [t(node, "config/state"), encodeBody({ ...r, at: 0 }, "cbor")];
}

export function fleetOf(msgs: Msg[]): FleetState {
  const f = new FleetState(FLEET);
  for (const [topic, body] of msgs) f.apply(topic, body);
  return f;
}

/**
 * A VRRP pair on one LAN: `a` MASTER, `b` BACKUP hearing it. Addresses from
 * 198.18.<lanNo>.0/24; the VIP set is per pair.
 */
export function pair(a: string, b: string, lanNo: number, vrid = 51, site?: string): Msg[] {
  const lan = `198.18.${lanNo}.0/24`;
  const vips = `198.18.${lanNo}.100/32`;
  return [
    status(a, { site }), status(b, { site }),
    vrrp(a, "VI_1", { state: "MASTER", vrid, lan, vips, master: `198.18.${lanNo}.1` }),
    vrrp(b, "VI_1", { state: "BACKUP", vrid, lan, vips, master: `198.18.${lanNo}.1` }),
  ];
}
