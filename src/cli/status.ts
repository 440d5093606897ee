// `vigil status [--socket PATH] [--json]`: asks the running daemon over its local socket.
// `vigil status --broker URL --fleet F`: the whole fleet as its broker holds it (status-fleet.ts).
import { errorText } from "../error-text.ts";
import { DEFAULT_STATUS_SOCKET, queryStatus, STATUS_BRIEF } from "../daemon/status-client.ts";
import type { DaemonStatus } from "../daemon/status-types.ts";
import { FLEET_USAGE } from "./status-usage.ts";
import { textTable } from "./text-table.ts";
import { writeOut, writeErr } from "./out.ts";

export async function run(argv: string[]): Promise<number> {
  // the MQTT client is loaded only for the fleet view (cold start of the local one)
  if (argv.includes("--broker")) return (await import("./status-fleet.ts")).runFleetStatus(argv);
  let socket = process.env.VIGIL_STATUS_SOCKET ?? DEFAULT_STATUS_SOCKET;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--socket") socket = argv[++i];
    else if (argv[i] === "--json") json = true;
    else {
      writeErr(`vigil status: unknown argument '${argv[i]}'\nusage: vigil status [--socket PATH] [--json]\n${FLEET_USAGE}`);
      return 2;
    }
  }
  let st: DaemonStatus;
  try {
    st = (await queryStatus(socket, json ? "status" : STATUS_BRIEF)) as DaemonStatus;
    // a daemon older than the brief request (this binary upgraded, the daemon not restarted yet)
    if (!json && isUnknownRequest(st)) st = (await queryStatus(socket)) as DaemonStatus;
  } catch (err) {
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
  // one write for the whole view (each write is a system call and a flush)
  const out: string[] = [];
  out.push(`vigil ${st.version} pid ${st.pid} up ${Math.round((Date.now() - st.startedAt) / 1000)} s, config ${st.configFile}${st.configSerial !== undefined ? ` serial ${st.configSerial}` : ""}\n`);
  const rows = [["INSTANCE", "IFACE", "VRID", "V", "STATE", "PRIO", "EFF", "MASTER", "SINCE", "SENT", "RECV", "DROPPED"]];
  for (const i of st.instances) {
    const dropped = Object.entries(i.counters).filter(([k]) => k.startsWith("drop")).reduce((a, [, v]) => a + v, 0);
    rows.push([
      i.name, i.interface, String(i.vrid), `${i.version}/${i.family === 6 ? "v6" : "v4"}`, i.state,
      String(i.priority), String(i.effectivePriority), i.masterAddress || "-",
      `${Math.round((Date.now() - i.since) / 1000)}s`, String(i.counters.advertsSent ?? 0),
      String(i.counters.advertsReceived ?? 0), String(dropped),
    ]);
  }
  out.push(textTable(rows));
  // why each FAULT instance is FAULT (a waiting one has not started: its interface is not usable yet)
  for (const i of st.instances) {
    if (i.state === "FAULT" && i.fault) out.push(`${i.name}: FAULT: ${i.fault}${i.waiting ? " (not started yet; starts by itself when it can)" : ""}\n`);
  }
  // where else the daemon reports (docs/metrics.md)
  if (st.metricsListen) out.push(`metrics: http://${st.metricsListen}/metrics\n`);
  for (const f of st.notifyFifos ?? []) {
    out.push(`notify fifo ${f.path}: ${f.written} line(s) written${f.queued ? `, ${f.queued} waiting for a reader` : ""}${f.dropped ? `, ${f.dropped} dropped (nobody read it)` : ""}${f.scriptPid ? `, read by pid ${f.scriptPid}` : ""}\n`);
  }
  if (Array.isArray(st.lvs) && st.lvs.length > 0) {
    // virtual servers: the desired table, and why it may not be in the kernel
    const lvs = [["SERVICE", "SCHED", "REAL SERVERS (weight)", "NOTE"]];
    for (const v of st.lvs as LvsRow[]) {
      const dests = v.dests.map((d) => `${d.address}:${d.port}(${d.weight})`).join(" ") || "-";
      const note = [v.suspended ? "checks suspended (ha_suspend: address not local)" : "", v.fault ? `IPVS fault: ${v.fault}` : ""].filter(Boolean).join("; ");
      lvs.push([v.service, v.scheduler, dests, note || "-"]);
    }
    out.push("\n");
    out.push(textTable(lvs));
  }
  writeOut(out.join(""));
  return 0;
}

function isUnknownRequest(answer: unknown): boolean {
  const err = (answer as { error?: unknown } | null)?.error;
  return typeof err === "string" && err.startsWith("unknown request");
}

interface LvsRow {
  service: string;
  scheduler: string;
  dests: { address: string; port: number; weight: number }[];
  suspended?: boolean;
  fault?: string;
}

