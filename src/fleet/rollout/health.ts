// The gate a changed node must hold for the whole soak: what is wrong with it
// now, or null. Pure, over the fleet state and the segment index.
//
//   offline       its status says offline (Last Will, or a clean stop)
//   fault         one of its instances is FAULT
//   one-master    every VRID it serves (as MASTER or BACKUP) has exactly one
//                 MASTER fleet-wide among the live routers of that segment;
//                 none is fine only when a BACKUP there hears a master from
//                 outside the fleet (e.g. a keepalived router)
//   real-servers  a real server that was up when its wave started is down
//
// Instances in INIT (stopped, or removed by the new config) are not judged.
import type { FleetState } from "./fleet-state.ts";
import type { SegmentIndex } from "./segments.ts";

export function gateViolation(fleet: FleetState, seg: SegmentIndex, node: string, baselineUp: readonly string[] | undefined): string | null {
  const n = fleet.nodes.get(node);
  if (!n) return "nothing reported";
  if (n.online === false) return "offline";
  for (const [name, v] of n.vrrp) {
    if (v.state === "FAULT") return `fault: ${name} is FAULT${v.reason ? ` (${v.reason})` : ""}`;
  }
  for (const [name, v] of n.vrrp) {
    if (v.state !== "MASTER" && v.state !== "BACKUP") continue;
    const id = seg.idOf(node, name);
    if (id === undefined) continue;
    const c = seg.counts(id);
    if (c.masters > 1) {
      const who = seg.group(id).filter((m) => seg.isMasterItem(m)).map((m) => seg.ref(m).node).sort();
      return `one-master: VRID ${v.vrid} (${name}) has ${c.masters} MASTERs: ${who.join(", ")}`;
    }
    if (c.masters === 0 && c.hearing === 0) return `one-master: VRID ${v.vrid} (${name}) has no MASTER`;
  }
  for (const k of baselineUp ?? []) {
    if (n.lvs.get(k) === false) return `real-servers: ${k} is down, was up`;
  }
  return null;
}

/** The real servers of a node that are up now: the baseline its gate compares with. */
export function realServersUp(fleet: FleetState, node: string): string[] {
  const n = fleet.nodes.get(node);
  return n ? [...n.lvs].filter(([, up]) => up).map(([k]) => k).sort() : [];
}
