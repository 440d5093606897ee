// keepalived's global_defs switches for the IPVS table as a whole: lvs_flush
// empties it when LVS starts, lvs_timeouts sets the connection timeouts at start
// and on every reload, lvs_flush_on_stop empties it at stop (keepalived 2.2.7
// check_daemon.c; its VS variant removes each of its own virtual servers, which
// is what vigil does anyway). Only with LVS configured: keepalived runs no
// checker process without virtual servers.
import type { GlobalDefs } from "../config/model.ts";
import { errorText } from "../error-text.ts";
import type { IpvsTimeouts } from "../sys/ipvs/client.ts";
import type { IpvsSync } from "../sys/ipvs/ipvs-sync.ts";
import { log } from "./log.ts";

export type LvsTableSwitches = Pick<GlobalDefs, "lvsTimeouts" | "lvsFlush" | "lvsFlushOnStop">;

export const NO_TABLE_SWITCHES: LvsTableSwitches = { lvsFlush: false, lvsFlushOnStop: "off" };

/** lvs_timeouts as the kernel takes them (seconds); undefined when none is set */
export function kernelTimeouts(sw: LvsTableSwitches): Partial<IpvsTimeouts> | undefined {
  const t = sw.lvsTimeouts;
  const out: Partial<IpvsTimeouts> = {};
  if (t?.tcpMs !== undefined) out.tcp = t.tcpMs / 1000;
  if (t?.tcpFinMs !== undefined) out.tcpFin = t.tcpFinMs / 1000;
  if (t?.udpMs !== undefined) out.udp = t.udpMs / 1000;
  return Object.keys(out).length ? out : undefined;
}

/** At start (`start`: lvs_flush first) and on reload: a failure is logged, LVS goes on. */
export function applyTableSwitches(ipvs: IpvsSync, sw: LvsTableSwitches, start: boolean): void {
  if (start && sw.lvsFlush) {
    try {
      ipvs.flushAll();
      log.info("lvs: IPVS table flushed (lvs_flush)");
    } catch (e) {
      log.error(`lvs: lvs_flush: ${errorText(e)}`);
    }
  }
  const t = kernelTimeouts(sw);
  if (t) {
    try {
      ipvs.setTimeouts(t);
    } catch (e) {
      log.error(`lvs: lvs_timeouts: ${errorText(e)}`);
    }
  }
}
