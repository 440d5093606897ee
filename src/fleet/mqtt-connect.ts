// mqtt.js's client on the transports vigil's broker URLs name, without mqtt.js's
// connect layer. `mqtt.connect()` (the package's index) builds its table of
// transports on the first connect and evaluates every one: the TCP and TLS
// builders both import its SOCKS proxy support (the socks package, ip-address,
// smart-buffer, node:dns), and the WebSocket builder its stream adapters, plus
// node:url for the URL string vigil never passes (session-options.ts parses it).
// Measured here, compiled as the Makefile does: a client on mqtt.js's index cost
// 9.8–10.1 MiB RssAnon (JS heap 3.7 MiB after a full collection) against 8.5–9.1
// (2.95 MiB) for the same client built from MqttClient and a node:net stream.
//
// MqttClient with a stream builder is mqtt.js's own extension point: the client
// (MQTT 3.1.1 and 5, keepalive, stores, reconnect()) is unchanged; only the
// socket under it is made here, as mqtt.js's tcp.js / tls.js make it. WebSocket
// brokers (ws://, wss://) still use mqtt.js's own builder, loaded on first use.
// node:net and node:tls load on first connect (src/sys/lazy-builtins.ts): an mqtt://
// broker never loads TLS. What mqtt.js's connect() would also do and vigil does not
// use: SOCKS proxies (MQTTJS_SOCKS_PROXY), unix sockets, URL strings, `servers` lists.
import type tls from "node:tls";
import type { Duplex } from "node:stream";
import type { IClientOptions, IStream, MqttClient as MqttClientType, StreamBuilder } from "mqtt";
import MqttClientModule from "mqtt/lib/client";
import { nodeNet, nodeTls } from "../sys/lazy-builtins.ts";

// build/lib/client.js is CommonJS with `exports.default = MqttClient`
const MqttClient = ((MqttClientModule as unknown as { default?: unknown }).default ?? MqttClientModule) as typeof MqttClientType;

/** mqtt.js's tcp.js without SOCKS: a plain TCP connection to host:port. */
function tcpStream(_client: MqttClientType, opts: IClientOptions): IStream {
  return nodeNet().createConnection({ host: opts.hostname ?? opts.host ?? "localhost", port: opts.port ?? 1883 });
}

/**
 * mqtt.js's tls.js without SOCKS: SNI is the host name (never an address, RFC 6066 §3),
 * certificates are checked unless rejectUnauthorized is false, and a failed handshake
 * or an unauthorized peer reaches the client as an 'error', as mqtt.js reports it.
 */
function tlsStream(client: MqttClientType, opts: IClientOptions): IStream {
  const host = opts.hostname ?? opts.host ?? "localhost";
  const rejectUnauthorized = opts.rejectUnauthorized !== false;
  const servername = opts.servername ?? (nodeNet().isIP(host) === 0 ? host : undefined);
  const { path: _path, ...rest } = opts as IClientOptions & { path?: string };
  const conn = nodeTls().connect({ ...(rest as tls.ConnectionOptions), host, port: opts.port ?? 8883, servername, rejectUnauthorized });
  const onTlsError = (err: Error) => {
    if (rejectUnauthorized) client.emit("error", err);
    conn.end();
  };
  conn.on("secureConnect", () => {
    if (rejectUnauthorized && !conn.authorized) conn.emit("error", new Error("TLS not authorized"));
    else conn.removeListener("error", onTlsError);
  });
  conn.on("error", onTlsError);
  return conn as Duplex as IStream;
}

/** mqtt.js's WebSocket builder, evaluated only when a ws:// or wss:// broker is configured. */
function wsStream(client: MqttClientType, opts: IClientOptions): IStream {
  // a lazy require keeps the module (and its stream adapters) unevaluated until here
  const ws = require("mqtt/lib/connect/ws") as { streamBuilder: StreamBuilder };
  return ws.streamBuilder(client, opts);
}

const BUILDERS: Record<string, (client: MqttClientType, opts: IClientOptions) => IStream> = {
  mqtt: tcpStream, tcp: tcpStream, mqtts: tlsStream, ssl: tlsStream, tls: tlsStream, ws: wsStream, wss: wsStream,
};

/**
 * mqtt.connect(opts) for options with protocol, host and port as fields (clientOptions
 * gives them so). As mqtt.connect: a client certificate makes mqtt:// mqtts:// and
 * ws:// wss://, and an 'error' listener is attached so an error nobody listens for
 * does not throw.
 */
export function connectMqtt(options: IClientOptions): MqttClientType {
  const opts: IClientOptions = { ...options };
  let protocol: string = opts.protocol ?? "mqtt";
  if (opts.cert && opts.key) protocol = protocol === "mqtt" ? "mqtts" : protocol === "ws" ? "wss" : protocol;
  const build = BUILDERS[protocol];
  if (!build) throw new Error(`MQTT: unsupported protocol '${protocol}'`);
  opts.protocol = protocol as IClientOptions["protocol"];
  if (!protocol.startsWith("ws")) delete opts.path;
  const client = new MqttClient((c) => build(c, opts), opts);
  client.on("error", () => {});
  return client;
}
