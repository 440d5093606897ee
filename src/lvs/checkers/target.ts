// Where a checker connects: connect_ip/connect_port override the real server,
// bindto/bind_port set the source.
import type { CheckerCommon, RealServer, VirtualServer } from "../../config/model.ts";

export interface Target {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
}

export function targetOf(vs: Pick<VirtualServer, "port">, rs: Pick<RealServer, "ip" | "port">, c: Pick<CheckerCommon, "connectIp" | "connectPort" | "bindto" | "bindPort">): Target {
  // fwmark real servers may have no port of their own: fall back to the service's
  const port = c.connectPort ?? rs.port ?? vs.port;
  if (port === undefined) throw new Error(`real server ${rs.ip} has no port to check: set connect_port`);
  const t: Target = { host: c.connectIp ?? rs.ip, port };
  if (c.bindto !== undefined) t.localAddress = c.bindto;
  if (c.bindPort !== undefined) t.localPort = c.bindPort;
  return t;
}
