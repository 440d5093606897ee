// The status file: `vigil status`'s table as of a moment, kept by the daemon next to
// its status socket (status-file.ts writes it) so the command reads one file instead
// of a round trip through the daemon's event loop (cold start, issue 14). What it
// holds, where it lives and when a reader may trust it. Pure: no I/O, no node:fs
// (`vigil status` loads this).
import type { DaemonStatus, InstanceStatus } from "./status-types.ts";

/** How often the daemon rewrites the file even when nothing changed: its heartbeat, and the counters' refresh. */
export const STATUS_FILE_INTERVAL_MS = 1000;
/**
 * A file older than this is not taken as current: the daemon's main thread has not
 * rewritten it for more than two heartbeats (busy, stopped or dead). The reader asks
 * the socket instead.
 */
export const STATUS_FILE_FRESH_MS = 2500;
/** The table shows the file's age beyond this. */
export const STATUS_FILE_AGE_SHOWN_MS = 1000;

/** /run/vigil/vigil.sock -> /run/vigil/vigil.status.json */
export function statusFilePath(socket: string): string {
  return `${socket.endsWith(".sock") ? socket.slice(0, -5) : socket}.status.json`;
}

/** The file's document: the table's fields of the brief status, and when they were true. */
export interface StatusFileDoc extends Pick<DaemonStatus, "version" | "pid" | "startedAt" | "configFile" | "configSerial" | "metricsListen" | "notifyFifos" | "lvs"> {
  /** wall-clock ms the document describes */
  asOf: number;
  instances: Array<Pick<InstanceStatus, "name" | "interface" | "vrid" | "family" | "version" | "state" | "priority" | "effectivePriority" | "masterAddress" | "since" | "counters" | "fault" | "waiting">>;
}

/** Written out field by field: the daemon builds it once a second (a generic pick cost 0.23 ms of 0.55 for 200 instances). */
export function statusFileDoc(st: DaemonStatus, asOf: number): StatusFileDoc {
  const d: StatusFileDoc = { asOf, version: st.version, pid: st.pid, startedAt: st.startedAt, configFile: st.configFile, instances: st.instances.map(fileInstance) };
  if (st.configSerial !== undefined) d.configSerial = st.configSerial;
  if (st.metricsListen !== undefined) d.metricsListen = st.metricsListen;
  if (st.notifyFifos !== undefined) d.notifyFifos = st.notifyFifos;
  if (st.lvs !== undefined) d.lvs = st.lvs;
  return d;
}

function fileInstance(i: InstanceStatus): StatusFileDoc["instances"][number] {
  const o: StatusFileDoc["instances"][number] = {
    name: i.name, interface: i.interface, vrid: i.vrid, family: i.family, version: i.version, state: i.state, priority: i.priority,
    effectivePriority: i.effectivePriority, masterAddress: i.masterAddress, since: i.since, counters: tableCounters(i.counters),
  };
  if (i.fault !== undefined) o.fault = i.fault;
  if (i.waiting !== undefined) o.waiting = i.waiting;
  return o;
}

/** The counters the table shows, and no other: the rest of them are not refreshed between the worker's answers. */
function tableCounters(c: Record<string, number>): Record<string, number> {
  return { advertsSent: c.advertsSent ?? 0, advertsReceived: c.advertsReceived ?? 0, dropped: droppedTotal(c) };
}

/** The table's DROPPED column: every drop* counter summed (the file keeps the sum as `dropped`). */
export function droppedTotal(c: Record<string, number>): number {
  let dropped = 0;
  for (const k in c) if (k.startsWith("drop")) dropped += c[k]!;
  return dropped;
}

/** Has the fields a reader needs (its pid, its time, its instances); not yet whether it is current. */
export function isStatusFileDoc(doc: unknown): doc is StatusFileDoc {
  const d = doc as Partial<StatusFileDoc> | null;
  return !!d && typeof d.asOf === "number" && typeof d.pid === "number" && Array.isArray(d.instances);
}

/**
 * Whether a reader may show the file as the daemon's current status: it names a
 * daemon that is alive (not gone, not a zombie: `alive`), is well formed, and the
 * daemon rewrote it within STATUS_FILE_FRESH_MS. Anything else is "ask": the
 * socket decides (a daemon that is gone refuses the connection).
 */
export function statusFileVerdict(doc: unknown, now: number, alive: (pid: number) => boolean): "current" | "ask" {
  if (!isStatusFileDoc(doc)) return "ask";
  const age = now - doc.asOf;
  // a clock stepped back makes the age negative: not trusted either
  if (age < -STATUS_FILE_AGE_SHOWN_MS || age > STATUS_FILE_FRESH_MS) return "ask";
  if (typeof doc.startedAt === "number" && doc.startedAt > doc.asOf) return "ask";
  return alive(doc.pid) ? "current" : "ask";
}

/** ", as of 3.2 s ago" beyond STATUS_FILE_AGE_SHOWN_MS; "" otherwise. */
export function ageNote(asOf: number, now: number): string {
  const age = now - asOf;
  return age > STATUS_FILE_AGE_SHOWN_MS ? `, as of ${(age / 1000).toFixed(1)} s ago` : "";
}
