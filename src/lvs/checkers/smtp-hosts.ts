// SMTP_CHECK host { } blocks (deprecated in keepalived, still read by 2.2.7):
// keepalived's check_smtp.c smtp_check_end_handler makes one checker of each
// host, so the real server is up only while every host answers. The SMTP_CHECK
// itself is checked too when it has connection options of its own (or no
// hosts); otherwise its first host takes its place. Hosts share the checker's
// helo_name, retry and timing; a host without connect_timeout uses the
// checker's. Pure: a real server in, the real server as the runner checks it out.
import { defaultCheckerCommon, type Checker, type RealServer, type SmtpCheck } from "../../config/model.ts";

/** The checkers of a real server with every SMTP_CHECK split into one checker per host. */
export function expandSmtpHosts(rs: RealServer): RealServer {
  if (!rs.checkers.some((c) => c.type === "SMTP_CHECK" && c.host.length > 0)) return rs;
  return { ...rs, checkers: rs.checkers.flatMap((c) => (c.type === "SMTP_CHECK" ? smtpChecks(c) : [c])) };
}

function smtpChecks(c: SmtpCheck): Checker[] {
  if (c.host.length === 0) return [c];
  // keepalived: connection options written in the SMTP_CHECK itself (a connect_timeout
  // other than the default is one, as vigil writes only those) make it a host as well
  const own =
    c.connectIp !== undefined || c.connectPort !== undefined || c.bindto !== undefined || c.bindPort !== undefined ||
    c.connectTimeoutMs !== defaultCheckerCommon().connectTimeoutMs;
  const { connectIp: _a, connectPort: _b, bindto: _c, bindPort: _d, host: _h, ...shared } = c;
  const hosts = c.host.map((h): SmtpCheck => ({ ...shared, ...h, connectTimeoutMs: h.connectTimeoutMs ?? c.connectTimeoutMs, host: [] }));
  return own ? [{ ...c, host: [] }, ...hosts] : hosts;
}
