// The lines keepalived 2.2.7 writes to its notify FIFOs, character for character
// (vrrp_notify.c notify_fifo, ipwrapper.c notify_fifo_vs/notify_fifo_rs, names
// formatted as check_data.c format_vs/format_rs and utils.c inet_sockaddrtotrio):
//   INSTANCE "VI_1" MASTER 100      (effective priority)
//   INSTANCE "VI_1" MASTER_PRIORITY 90   (notify_priority_changes; BACKUP_PRIORITY when not master)
//   GROUP "G1" BACKUP 0             (a group's priority is always 0)
//   VS [198.18.0.10]:tcp:80 UP      (quorum up/down; "[GROUP]:PORT" or "FWM N")
//   RS [198.18.0.1]:tcp:80 [198.18.0.10]:tcp:80 DOWN
import { realServerName, type RealServer, virtualServerName, type VirtualServer } from "../config/model.ts";

export type VrrpFifoState = "MASTER" | "BACKUP" | "FAULT" | "STOP";
/** keepalived's INSTANCE events that are not states (vrrp_notify.c notify_fifo); DELETED: a reload removed an instance with notify_deleted */
export type VrrpFifoEvent = "MASTER_PRIORITY" | "BACKUP_PRIORITY" | "MASTER_RX_LOWER_PRI" | "DELETED";

export function instanceLine(name: string, state: VrrpFifoState | VrrpFifoEvent, priority: number): string {
  return `INSTANCE "${name}" ${state} ${priority}\n`;
}

export function groupLine(name: string, state: VrrpFifoState): string {
  return `GROUP "${name}" ${state} 0\n`;
}

/** keepalived inet_sockaddrtotrio: "[address]:proto:port", IPv4 in brackets too */
function trio(address: string, protocol: string, port: number): string {
  return `[${address}]:${protocol.toLowerCase()}:${port}`;
}

/** keepalived format_vs */
export function keepalivedVsName(vs: VirtualServer): string {
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return trio(vs.ip ?? "", vs.protocol, vs.port ?? 0);
}

/** keepalived format_rs: the real server with its virtual server's protocol */
export function keepalivedRsName(rs: RealServer, vs: VirtualServer): string {
  return trio(rs.ip, vs.protocol, rs.port ?? 0);
}

export function vsLine(vs: VirtualServer, up: boolean): string {
  return `VS ${keepalivedVsName(vs)} ${up ? "UP" : "DOWN"}\n`;
}

export function rsLine(rs: RealServer, vs: VirtualServer, up: boolean): string {
  return `RS ${keepalivedRsName(rs, vs)} ${keepalivedVsName(vs)} ${up ? "UP" : "DOWN"}\n`;
}

/** The config's virtual and real servers by the names the checker runner reports them with. */
export class LvsNames {
  private readonly vss = new Map<string, { vs: VirtualServer; rss: Map<string, RealServer> }>();

  constructor(vss: readonly VirtualServer[]) {
    for (const vs of vss) this.vss.set(virtualServerName(vs), { vs, rss: new Map(vs.realServers.map((rs) => [realServerName(rs), rs])) });
  }

  vs(name: string): VirtualServer | undefined {
    return this.vss.get(name)?.vs;
  }

  rs(vsName: string, rsName: string): { vs: VirtualServer; rs: RealServer } | undefined {
    const v = this.vss.get(vsName);
    const rs = v?.rss.get(rsName);
    return v && rs ? { vs: v.vs, rs } : undefined;
  }
}
