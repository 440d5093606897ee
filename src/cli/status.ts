// `vigil status [--socket PATH] [--json] [--live]`: the running daemon's status, from
// its status file (status-file-doc.ts) when that is current, else over its local socket.
// `vigil status --broker URL --fleet F`: the whole fleet as its broker holds it (status-fleet.ts).
import { errorText } from "../error-text.ts";
import { DEFAULT_STATUS_SOCKET, queryStatus, STATUS_BRIEF } from "../daemon/status-client.ts";
import { ageNote, isStatusFileDoc, statusFilePath, statusFileVerdict } from "../daemon/status-file-doc.ts";
import type { DaemonStatus } from "../daemon/status-types.ts";
import { statusTable } from "./status-table.ts";
import { FLEET_USAGE } from "./status-usage.ts";
import { writeOut, writeErr } from "./out.ts";

export async function run(argv: string[]): Promise<number> {
  // the MQTT client is loaded only for the fleet view (cold start of the local one)
  if (argv.includes("--broker")) return (await import("./status-fleet.ts")).runFleetStatus(argv);
  let socket = process.env.VIGIL_STATUS_SOCKET ?? DEFAULT_STATUS_SOCKET;
  let json = false;
  let live = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--socket") socket = argv[++i];
    else if (argv[i] === "--json") json = true;
    else if (argv[i] === "--live") live = true;
    else {
      writeErr(`vigil status: unknown argument '${argv[i]}'\nusage: vigil status [--socket PATH] [--json] [--live]\n${FLEET_USAGE}`);
      return 2;
    }
  }
  // The table from the daemon's status file when it is the live daemon's and fresh
  // (one read, no round trip through the daemon's event loop); --json and --live ask.
  const file = json || live ? null : readStatusFile(statusFilePath(socket));
  if (isStatusFileDoc(file) && statusFileVerdict(file, Date.now(), processAlive) === "current") {
    writeOut(statusTable(file, ageNote(file.asOf, Date.now())));
    return 0;
  }
  let st: DaemonStatus;
  try {
    st = (await queryStatus(socket, json ? "status" : STATUS_BRIEF)) as DaemonStatus;
    // a daemon older than the brief request (this binary upgraded, the daemon not restarted yet)
    if (!json && isUnknownRequest(st)) st = (await queryStatus(socket)) as DaemonStatus;
  } catch (err) {
    // A daemon alive but not answering (its main thread busy): its last status file, with its age, says more than nothing.
    if (isStatusFileDoc(file) && processAlive(file.pid)) {
      writeErr(`vigil status: ${errorText(err)}; the daemon (pid ${file.pid}) is running but did not answer: its status file as of ${((Date.now() - file.asOf) / 1000).toFixed(1)} s ago follows\n`);
      writeOut(statusTable(file, ageNote(file.asOf, Date.now())));
      return 1;
    }
    writeErr(`vigil status: ${errorText(err)}\n`);
    return 1;
  }
  // The daemon answers {error} when it cannot report (e.g. its VRRP worker does not
  // respond): that is a failed query, not a status document to print or tabulate.
  const err = (st as { error?: unknown } | null)?.error;
  if (err !== undefined || !Array.isArray(st?.instances)) {
    writeErr(`vigil status: the daemon at ${socket} could not report: ${err ?? "malformed answer"}\n`);
    return 1;
  }
  if (json) {
    writeOut(`${JSON.stringify(st, null, 2)}\n`);
    return 0;
  }
  writeOut(statusTable(st, ""));
  return 0;
}

/** The status file's document, or null (none, empty, unreadable, not JSON). Bun.mmap: one synchronous read without loading node:fs. */
function readStatusFile(path: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(Bun.mmap(path)));
  } catch {
    return null;
  }
}

/**
 * The process exists and is not a zombie: /proc/PID/exe resolves only while the
 * process has its memory (a zombie's link is gone), so a daemon killed but not yet
 * reaped counts as dead; a binary an upgrade replaced still resolves (the link is to
 * the running file). A stat, no node:fs.
 */
function processAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && Bun.file(`/proc/${pid}/exe`).size > 0;
}

function isUnknownRequest(answer: unknown): boolean {
  const err = (answer as { error?: unknown } | null)?.error;
  return typeof err === "string" && err.startsWith("unknown request");
}
