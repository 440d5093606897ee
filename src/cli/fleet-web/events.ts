// The page's event list: the last N things that happened in the fleet, as one
// line of words each. Nodes' own events (transitions, config results, alarms,
// quorum, conflicts, drops) and what the view saw change itself (a real server
// going down, a node going offline). A ring: memory stays bounded however
// chatty the fleet is.
import type { EventRow } from "./wire.ts";

export const EVENT_CAPACITY = 500;

type Obj = Record<string, unknown>;
const s = (x: unknown) => (x === undefined || x === null ? "" : String(x));

/** One node event (the `events` topic's body) in words, with how loud it is. */
export function describeEvent(v: Obj): { type: string; level: EventRow["level"]; text: string } {
  const type = typeof v.type === "string" ? v.type : "event";
  switch (type) {
    case "transition":
      return { type, level: v.to === "FAULT" ? "warn" : "info", text: `${s(v.instance)} ${s(v.from)} → ${s(v.to)}${v.priority !== undefined ? ` (priority ${s(v.priority)})` : ""}` };
    case "split-brain":
      return { type, level: "alarm", text: `split brain: VRID ${s(v.vrid)} (${s(v.segment)}) also MASTER on ${Array.isArray(v.peers) ? v.peers.join(", ") : "?"}` };
    case "split-brain-cleared":
      return { type, level: "info", text: `split brain cleared: VRID ${s(v.vrid)} (${s(v.segment)})` };
    case "config-accepted":
    case "config-confirmed":
      return { type, level: "info", text: `config serial ${s(v.serial)} ${v.state === "confirming" ? "runs, confirming" : type === "config-confirmed" ? "confirmed" : "applied"}` };
    case "config-rejected":
    case "config-rolled-back":
      return { type, level: "warn", text: `config serial ${s(v.serial)} ${type === "config-rejected" ? "rejected" : "rolled back"}: ${s(v.reason)}${v.message ? ` (${s(v.message)})` : ""}` };
    case "quorum-up":
    case "quorum-down":
      return { type, level: type === "quorum-up" ? "info" : "warn", text: `quorum ${type === "quorum-up" ? "gained" : "lost"}: ${s(v.detail)}` };
    case "events-dropped":
      return { type, level: "warn", text: `${s(v.count)} event(s) dropped while the broker was away` };
    default: {
      const detail = [v.instance, v.detail].filter((x) => x !== undefined && x !== "").map(s).join(": ");
      const level = /conflict|down|fault|fail|lost/i.test(type) ? "warn" : "info";
      return { type, level, text: detail ? `${type}: ${detail}` : type };
    }
  }
}

export class EventRing {
  private readonly rows: EventRow[] = [];
  private seq = 0;
  /** rows added since the last take() */
  private fresh: EventRow[] = [];

  constructor(private readonly capacity = EVENT_CAPACITY) {}

  add(at: number, node: string, e: { type: string; level: EventRow["level"]; text: string }): void {
    const row: EventRow = { seq: ++this.seq, at, node, ...e };
    this.rows.push(row);
    if (this.rows.length > this.capacity) this.rows.shift();
    this.fresh.push(row);
    if (this.fresh.length > this.capacity) this.fresh.shift();
  }

  pending(): boolean {
    return this.fresh.length > 0;
  }

  all(): EventRow[] {
    return [...this.rows];
  }

  take(): EventRow[] {
    const f = this.fresh;
    this.fresh = [];
    return f;
  }
}
