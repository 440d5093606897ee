// Where a checker connects: connect_ip/connect_port override the real server,
// bindto/bind_port set the source.
import type { CheckerCommon, RealServerConfig } from "../desired-config.ts";

export interface Target {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
}

export function targetOf(rs: Pick<RealServerConfig, "address" | "port">, c: CheckerCommon): Target {
  const t: Target = { host: c.connectIp ?? rs.address, port: c.connectPort ?? rs.port };
  if (c.bindto !== undefined) t.localAddress = c.bindto;
  if (c.bindPort !== undefined) t.localPort = c.bindPort;
  return t;
}
