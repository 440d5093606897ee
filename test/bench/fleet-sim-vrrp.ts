// The fleet simulator's stand-in for the VRRP worker and the wire: which
// instances share one L2 segment, and the state each settles in. Everything
// above it (fleet link, reporter, delivery, store, plan) is the daemon's own
// code; this is the only simulated part, and it keeps no timers. The election
// is RFC 5798's outcome without its timing: on a segment the instance with the
// highest priority is MASTER, equal priorities go to the higher primary
// address (§6.4.3, "the primary IP address of the sender is greater"); every
// other instance is BACKUP and hears the MASTER. An instance alone on its
// segment is MASTER (§6.4.2: no advert within Master_Down_Interval).
import { parseIP } from "../../src/net/ip-address.ts";

export interface SimInstance {
  /** unique within the segment: node + instance */
  id: string;
  priority: number;
  /** primary address of the interface, the adverts' source */
  address: string;
  /** told every state it settles in (not called when nothing changed) */
  settle(state: "MASTER" | "BACKUP", master: string): void;
}

interface Member extends SimInstance {
  state?: "MASTER" | "BACKUP";
  master?: string;
}

/** A > B by RFC 5798 §6.4.3's rule: priority first, then the primary address as an unsigned number. */
function wins(a: SimInstance, b: SimInstance): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  const x = parseIP(a.address).bytes, y = parseIP(b.address).bytes;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return x.length > y.length;
}

/** The segments of one simulator process (a pair's members always live in the same process). */
export class SimSegments {
  private readonly segments = new Map<string, Map<string, Member>>();

  /** Puts the instance on `segment` (a string naming the L2 network + family + VRID) and re-elects. */
  join(segment: string, inst: SimInstance): void {
    let seg = this.segments.get(segment);
    if (!seg) this.segments.set(segment, (seg = new Map()));
    seg.set(inst.id, { ...inst });
    this.elect(seg);
  }

  /** Takes the instance off `segment` (stopped, moved, FAULT); the rest re-elect. */
  leave(segment: string, id: string): void {
    const seg = this.segments.get(segment);
    if (!seg?.delete(id)) return;
    if (seg.size === 0) this.segments.delete(segment);
    else this.elect(seg);
  }

  private elect(seg: Map<string, Member>) {
    let best: Member | undefined;
    for (const m of seg.values()) if (!best || wins(m, best)) best = m;
    if (!best) return;
    for (const m of seg.values()) {
      const state = m === best ? "MASTER" : "BACKUP";
      // a MASTER names its own address, as the daemon's transitions do
      const master = best.address;
      if (m.state === state && m.master === master) continue;
      m.state = state;
      m.master = master;
      m.settle(state, master);
    }
  }
}
