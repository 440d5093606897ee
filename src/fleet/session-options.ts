// mqtt.js client options from the `vigil_fleet` block. The broker URL is parsed
// here with WHATWG URL and handed to mqtt.js as fields: mqtt.connect(string)
// goes through Node's deprecated url.parse(), which makes Bun print DEP0169.
// Not calling it is the precise way to silence exactly that warning.
import { errorText } from "../error-text.ts";
import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import { defaultFleet, type FleetConfig } from "../config/model.ts";
import type { ConnectionRecord } from "./rollout/record.ts";

export const MAX_INBOUND_PACKET = 4 << 20;

const SCHEMES = new Map([["mqtt:", 1883], ["tcp:", 1883], ["mqtts:", 8883], ["ssl:", 8883], ["tls:", 8883], ["ws:", 80], ["wss:", 443]]);

export interface BrokerAddress {
  protocol: "mqtt" | "mqtts" | "ws" | "wss";
  host: string;
  port: number;
  path?: string;
}

export function parseBrokerUrl(url: string): BrokerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`fleet broker '${url}': not a URL (expected mqtt://host[:port], mqtts://, ws://, wss://)`);
  }
  const port = SCHEMES.get(u.protocol);
  if (port === undefined) throw new Error(`fleet broker '${url}': unsupported scheme '${u.protocol}'`);
  if (!u.hostname) throw new Error(`fleet broker '${url}': no host`);
  if (u.username || u.password) throw new Error(`fleet broker '${url}': put credentials in username/password_file, not the URL`);
  const scheme = u.protocol.slice(0, -1);
  const protocol = scheme === "tcp" ? "mqtt" : scheme === "ssl" || scheme === "tls" ? "mqtts" : (scheme as BrokerAddress["protocol"]);
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  const addr: BrokerAddress = { protocol, host, port: u.port ? Number(u.port) : port };
  if (protocol === "ws" || protocol === "wss") addr.path = u.pathname || "/mqtt";
  return addr;
}

function readFile(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`fleet ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
}

export interface SessionIdentity {
  clientId: string;
  will?: IClientOptions["will"];
}

/** Throws with the offending setting named; never touches the network. */
export function clientOptions(cfg: FleetConfig, id: SessionIdentity): IClientOptions {
  const addr = parseBrokerUrl(cfg.broker);
  const o: IClientOptions = {
    protocol: addr.protocol,
    host: addr.host,
    hostname: addr.host,
    port: addr.port,
    path: addr.path,
    protocolVersion: cfg.protocolVersion,
    clientId: id.clientId,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    // Reconnects are scheduled by the session with backoff; mqtt.js's own fixed-period timer is off.
    reconnectPeriod: 0,
    resubscribe: false,
    will: id.will,
    // mqtt-packet otherwise builds, on the first packet it writes, a cache of a 2-byte
    // Buffer for every 16-bit number (message ids, lengths): 65 536 objects that stay
    // for the life of the process, 4.9 MiB of JS heap and 6.6–7.6 MiB of anonymous
    // memory measured here, a third of a gateway's. Writing the two bytes per packet
    // instead costs nothing at our publish rates.
    writeCache: false,
  };
  // MQTT 5 §3.1.2.11.4: the broker must not send us larger packets, so a huge
  // config/set or peer message is never buffered here. Above the blob limit
  // (cose.ts MAX_BLOB_BYTES) so oversized blobs still get a reasoned rejection.
  if (cfg.protocolVersion === 5) o.properties = { maximumPacketSize: MAX_INBOUND_PACKET };
  if (cfg.caFile) o.ca = readFile("ca_file", cfg.caFile);
  if (cfg.certFile || cfg.keyFile) {
    if (!cfg.certFile || !cfg.keyFile) throw new Error("fleet: cert_file and key_file go together");
    o.cert = readFile("cert_file", cfg.certFile);
    o.key = readFile("key_file", cfg.keyFile);
  }
  if (addr.protocol === "mqtts" || addr.protocol === "wss") o.rejectUnauthorized = true;
  if (cfg.username) o.username = cfg.username;
  if (cfg.passwordFile) {
    // One line; a trailing newline from `echo secret > file` is not part of the password.
    o.password = readFile("password_file", cfg.passwordFile).toString("utf8").replace(/\r?\n$/, "");
    if (!cfg.username) throw new Error("fleet: password_file needs username");
  }
  return o;
}

/** The options of a connection given on a command line (cli/broker-args.ts) to `fleet`'s topics. */
export function connectionOptions(conn: ConnectionRecord, fleet: string, id: SessionIdentity): IClientOptions {
  return clientOptions(
    { ...defaultFleet(), broker: conn.broker, fleet, caFile: conn.caFile, certFile: conn.certFile, keyFile: conn.keyFile,
      username: conn.username, passwordFile: conn.passwordFile, protocolVersion: conn.mqttVersion },
    id,
  );
}
