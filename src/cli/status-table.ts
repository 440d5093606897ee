// The text of `vigil status`'s table view: the daemon's header line, one row per
// instance, why each FAULT instance is FAULT, where else the daemon reports, and
// the virtual servers. The same view for a socket answer and for the status file.
import { droppedTotal, type StatusFileDoc } from "../daemon/status-file-doc.ts";
import type { DaemonStatus } from "../daemon/status-types.ts";
import { textTable } from "./text-table.ts";

interface LvsRow {
  service: string;
  scheduler: string;
  dests: { address: string; port: number; weight: number }[];
  suspended?: boolean;
  fault?: string;
}

/** `age`: appended to the header line (", as of 3.2 s ago" for a status file that old; "" for a live answer). */
export function statusTable(st: DaemonStatus | StatusFileDoc, age: string, now = Date.now()): string {
  // one write for the whole view (each write is a system call and a flush)
  const out: string[] = [];
  out.push(`vigil ${st.version} pid ${st.pid} up ${Math.round((now - st.startedAt) / 1000)} s, config ${st.configFile}${st.configSerial !== undefined ? ` serial ${st.configSerial}` : ""}${age}\n`);
  const rows = [["INSTANCE", "IFACE", "VRID", "V", "STATE", "PRIO", "EFF", "MASTER", "SINCE", "SENT", "RECV", "DROPPED"]];
  for (const i of st.instances) {
    const dropped = droppedTotal(i.counters);
    rows.push([
      i.name, i.interface, String(i.vrid), `${i.version}/${i.family === 6 ? "v6" : "v4"}`, i.state,
      String(i.priority), String(i.effectivePriority), i.masterAddress || "-",
      `${Math.round((now - i.since) / 1000)}s`, String(i.counters.advertsSent ?? 0),
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
  return out.join("");
}
