// `vigil fleet web --broker URL --fleet F [--listen 127.0.0.1:8080]`: a live
// page of the fleet, served from this process. One MQTT session (the broker's
// credentials stay here; the browser only ever talks to us) reads every node's
// retained and live reports, the model folds them (fleet-web/model.ts), and
// the pages get the changes by Server-Sent Events (fleet-web/server.ts).
import { errorText } from "../error-text.ts";
import { parseArgs } from "node:util";
import { DEFAULT_REPORT_SPREAD_MS, reportReplyFilter } from "../fleet/report.ts";
import { FleetSession } from "../fleet/rollout-session.ts";
import { checkId, ROLLOUTS, ROOT } from "../fleet/topics.ts";
import { BROKER_OPTIONS, BROKER_USAGE, connectionOf } from "./broker-args.ts";
import { Credentials, isLocal, parseListen } from "./fleet-web/access.ts";
import { FleetWebModel } from "./fleet-web/model.ts";
import { FleetWebServer } from "./fleet-web/server.ts";
import { writeErr, writeOut } from "./out.ts";

export const WEB_USAGE = "usage: vigil fleet web --broker URL --fleet F [--listen 127.0.0.1:8080 | --listen unix:PATH]\n" +
  "         [--auth-file F] [--tls-cert F --tls-key F]\n" +
  `         ${BROKER_USAGE}\n` +
  "  A listen address other than loopback needs --auth-file (lines USER:PASSWORD or 'bearer TOKEN', mode 600).\n";

export const DEFAULT_LISTEN = "127.0.0.1:8080";

export interface WebOptions {
  fleet: string;
  connection: ReturnType<typeof connectionOf>;
  listen: ReturnType<typeof parseListen>;
  credentials: Credentials | null;
  tls?: { cert: string; key: string };
  /** said on stderr before serving */
  warnings: string[];
}

/** The command line, with every refusal named (exit 2). */
export function parseWebArgs(argv: string[]): WebOptions {
  const a = parseArgs({
    args: argv, strict: true,
    options: { ...BROKER_OPTIONS, listen: { type: "string" }, "auth-file": { type: "string" }, "tls-cert": { type: "string" }, "tls-key": { type: "string" } },
  });
  const v = a.values;
  if (!v.fleet) throw new Error("--fleet is required");
  checkId("fleet", v.fleet);
  const connection = connectionOf(v);
  const listen = parseListen(v.listen ?? DEFAULT_LISTEN);
  if (!!v["tls-cert"] !== !!v["tls-key"]) throw new Error("--tls-cert and --tls-key go together");
  const local = isLocal(listen);
  if (!local && !v["auth-file"]) {
    throw new Error(`refusing to serve the fleet on ${v.listen} without --auth-file: anyone who reaches it would see every router (listen on 127.0.0.1 and tunnel, or give --auth-file)`);
  }
  const credentials = v["auth-file"] ? Credentials.fromFile(v["auth-file"]) : null;
  const warnings: string[] = [];
  if (!local && !v["tls-cert"]) warnings.push(`WARNING: serving on ${v.listen} without TLS: passwords, tokens and the fleet's state cross the network in clear text (give --tls-cert and --tls-key)`);
  return {
    fleet: v.fleet, connection, listen, credentials, warnings,
    ...(v["tls-cert"] ? { tls: { cert: v["tls-cert"], key: v["tls-key"]! } } : {}),
  };
}

/** What the page reads: every node report, the nodes' events and alarms, rollout records, and answers to our report requests. */
export function webFilters(fleet: string, requester: string): string[] {
  const b = `${ROOT}/${fleet}/+`;
  return [`${b}/status`, `${b}/vrrp/+`, `${b}/lvs/#`, `${b}/alarm/#`, `${b}/config/state`, `${b}/events`, `${ROOT}/${fleet}/${ROLLOUTS}/+`, reportReplyFilter(fleet, requester)];
}

export async function run(argv: string[]): Promise<number> {
  let o: WebOptions;
  try {
    o = parseWebArgs(argv);
  } catch (e) {
    writeErr(`vigil fleet web: ${errorText(e)}\n${WEB_USAGE}`);
    return 2;
  }
  for (const w of o.warnings) writeErr(`vigil fleet web: ${w}\n`);
  const model = new FleetWebModel(o.fleet, o.connection.broker);
  let session: FleetSession;
  // also the MQTT client id: two pages' servers with one id would take each other's session over, forever
  const requester = `vigil-web-${process.pid}-${Math.floor(Math.random() * 0x10000).toString(16)}`;
  try {
    session = await FleetSession.open(o.connection, o.fleet, requester);
  } catch (e) {
    writeErr(`vigil fleet web: ${o.connection.broker}: ${errorText(e)}\n`);
    return 1;
  }
  const server = new FleetWebServer(model, { listen: o.listen, credentials: o.credentials, ...(o.tls ? { tls: o.tls } : {}) });
  session.onMessage((topic, body) => {
    model.apply(topic, body, Date.now());
    server.schedule();
  });
  session.onConnection((up) => {
    model.setConnected(up);
    server.schedule();
  });
  session.keepAlive(() => {});
  let url: string;
  try {
    await session.subscribeFleet(webFilters(o.fleet, requester), 0);
    // retained state may be missing or late (a restarted broker, a broker cluster): the nodes say it again
    await session.requestReport(DEFAULT_REPORT_SPREAD_MS).catch(() => {});
    model.setConnected(true);
    url = server.start();
  } catch (e) {
    writeErr(`vigil fleet web: ${errorText(e)}\n`);
    await session.close();
    await server.stop();
    return 1;
  }
  writeOut(`vigil fleet web: fleet ${o.fleet} from ${o.connection.broker} on ${url}${o.credentials ? " (authentication required)" : ""}\n`);
  const signal = await new Promise<string>((resolve) => {
    for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => resolve(s));
  });
  writeErr(`vigil fleet web: ${signal}, stopping\n`);
  await server.stop();
  await session.close();
  return 0;
}
