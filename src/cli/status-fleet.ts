// `vigil status --broker URL --fleet F`: the fleet as the broker holds it.
// Every node's retained messages (status, vrrp, lvs, alarms, config/state) come
// in right after subscribing; we listen for a short window, then print one table
// and exit. Reading retained state needs no cooperation from the nodes, so this
// also shows dead ones (their Last Will says `offline`). Retained state may be
// missing or late (a restarted broker, a cluster keeping it per node), so we
// also ask every live node for it (a fleet-wide `report` request, report.ts)
// and fold the answers in exactly like retained messages.
import { errorText } from "../error-text.ts";
import { parseArgs } from "node:util";
import { connectMqtt } from "../fleet/mqtt-connect.ts";
import { decodeBody } from "../fleet/payload.ts";
import { reportAnswerMessages, reportReplyFilter, reportRequest } from "../fleet/report.ts";
import { connectionOptions } from "../fleet/session-options.ts";
import { checkId, decodeLevel, ROOT } from "../fleet/topics.ts";
import { BROKER_OPTIONS, connectionOf } from "./broker-args.ts";
import { textTable } from "./text-table.ts";
import { writeOut, writeErr } from "./out.ts";

import { FLEET_USAGE } from "./status-usage.ts";

type Obj = Record<string, unknown>;
const MAX_UNDECODABLE = 100;
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;
/** An empty fleet view to fold messages into. */
export function emptyView(fleet: string): FleetView {
  return { fleet, nodes: dict(), undecodable: [] };
}

export interface NodeView {
  status?: Obj;
  vrrp: Record<string, Obj>;
  lvs: Record<string, Obj>;
  alarms: Record<string, Obj>;
  config?: Obj;
}

export interface FleetView {
  fleet: string;
  nodes: Record<string, NodeView>;
  /** topics whose body could not be decoded, with the reason */
  undecodable: string[];
}

/** Folds one retained message into the view. Pure, so the table is a function of what the broker held. */
export function addMessage(view: FleetView, topic: string, body: Uint8Array): void {
  const p = topic.split("/");
  if (p.length < 5 || `${p[0]}/${p[1]}` !== ROOT || p[2] !== view.fleet) return;
  const node = p[3];
  const rest = p.slice(4);
  // Names come from topic levels anyone may publish: null-prototype maps, so '__proto__' is just a name.
  const n = (view.nodes[node] ??= { vrrp: dict(), lvs: dict(), alarms: dict() });
  const key = rest.slice(1).map(decodeLevel).join("/");
  // An empty retained body clears the topic (MQTT 3.3.1.3).
  if (body.length === 0) {
    if (rest[0] === "vrrp") delete n.vrrp[key];
    else if (rest[0] === "lvs") delete n.lvs[key];
    else if (rest[0] === "alarm") delete n.alarms[key];
    return;
  }
  const d = decodeBody(body);
  if (!d.ok || typeof d.value !== "object" || d.value === null) {
    if (view.undecodable.length < MAX_UNDECODABLE) view.undecodable.push(`${topic}: ${d.ok ? "not a map" : d.error}`);
    return;
  }
  const v = d.value as Obj;
  if (rest.length === 1 && rest[0] === "status") n.status = v;
  else if (rest[0] === "vrrp" && rest.length === 2) n.vrrp[key] = v;
  else if (rest[0] === "lvs" && rest.length >= 3) n.lvs[key] = v;
  else if (rest[0] === "alarm" && rest.length >= 2) n.alarms[key] = v;
  else if (rest.join("/") === "config/state") n.config = v;
}

// Control characters from a hostile topic or body must not drive the terminal.
const str = (x: unknown) => (x === undefined || x === null || x === "" ? "-" : String(x).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?"));
const byKey = <T>(o: Record<string, T>) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const ago = (ms: unknown, now: number) => (typeof ms === "number" ? `${Math.max(0, Math.round((now - ms) / 1000))}s` : "-");

export function renderFleet(view: FleetView, now: number): string {
  const names = Object.keys(view.nodes).sort();
  const out: string[] = [`fleet ${view.fleet}: ${names.length} node(s)\n`];
  const rows = [["NODE", "STATUS", "VERSION", "SERIAL", "CONFIG", "INSTANCE", "STATE", "PRIO", "EFF", "MASTER", "SINCE"]];
  for (const name of names) {
    const n = view.nodes[name];
    const cfg = n.config ? (n.config.accepted ? `ok ${str(n.config.serial)}` : `rejected ${str(n.config.reason)}`) : "-";
    const head = [str(name), str(n.status?.status), str(n.status?.version), str(n.status?.config_serial), cfg];
    const inst = Object.keys(n.vrrp).sort();
    if (inst.length === 0) rows.push([...head, "-", "-", "-", "-", "-", "-"]);
    for (const i of inst) {
      const s = n.vrrp[i];
      rows.push([...head, str(i), str(s.state), str(s.priority), str(s.effectivePriority), str(s.masterAddress), ago(s.since, now)]);
    }
  }
  out.push(textTable(rows));
  const lvs = [["NODE", "VIRTUAL/REAL", "UP", "WEIGHT", "LAST CHECK"]];
  for (const name of names) {
    for (const [k, s] of byKey(view.nodes[name].lvs)) lvs.push([str(name), str(k), s.up ? "up" : "down", str(s.weight), str(s.lastCheck)]);
  }
  if (lvs.length > 1) out.push(`\n${textTable(lvs)}`);
  const alarms: string[] = [];
  for (const name of names) {
    for (const [k, a] of byKey(view.nodes[name].alarms)) {
      if (a.active === true) alarms.push(`ALARM ${str(name)} ${str(k)}: also MASTER on ${Array.isArray(a.peers) ? str(a.peers.join(",")) : "?"}`);
    }
  }
  if (alarms.length) out.push(`\n${alarms.join("\n")}\n`);
  for (const u of view.undecodable) out.push(`undecodable: ${str(u)}\n`);
  return out.join("");
}

export async function runFleetStatus(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv, strict: true,
      options: {
        ...BROKER_OPTIONS, json: { type: "boolean" }, "wait-ms": { type: "string" },
      },
    });
  } catch (e) {
    writeErr(`vigil status: ${errorText(e)}\n${FLEET_USAGE}`);
    return 2;
  }
  const v = a.values;
  const waitMs = Number(v["wait-ms"] ?? 1500);
  if (!v.broker || !v.fleet || !(Number.isInteger(waitMs) && waitMs >= 0 && waitMs <= 60_000)) {
    writeErr(`vigil status: --broker and --fleet are required, --wait-ms is 0..60000\n${FLEET_USAGE}`);
    return 2;
  }
  let opts;
  try {
    checkId("fleet", v.fleet);
    opts = connectionOptions(connectionOf(v), v.fleet, { clientId: `vigil-status-${process.pid}` });
  } catch (e) {
    writeErr(`vigil status: ${errorText(e)}\n`);
    return 2;
  }
  const view = emptyView(v.fleet);
  const base = `${ROOT}/${v.fleet}/+`;
  const requester = String(opts.clientId);
  const reportId = `${requester}:report`;
  const client = connectMqtt(opts);
  client.on("message", (topic, body, packet) => {
    if (!topic.endsWith(`/reply/${requester}`)) return addMessage(view, topic, body);
    for (const [t, b] of reportAnswerMessages(v.fleet!, topic, body, reportId, packet.properties?.correlationData) ?? []) addMessage(view, t, b);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${v.broker} within ${opts.connectTimeout} ms`)), opts.connectTimeout);
      client.once("error", (e) => { clearTimeout(timer); reject(e); });
      client.once("connect", () => {
        const filters = [`${base}/status`, `${base}/vrrp/#`, `${base}/lvs/#`, `${base}/alarm/#`, `${base}/config/state`, reportReplyFilter(v.fleet!, requester)];
        // QoS 0: a broker queues only so many QoS 1 messages per client (mosquitto: 1 000)
        // and dropped most of a 1 000-node fleet's retained reports (the view showed 20 nodes)
        client.subscribe(filters, { qos: 0 }, (err) => {
          clearTimeout(timer);
          if (err) return reject(err);
          // answers spread over two thirds of the window, so the last ones land inside it
          const r = reportRequest(v.fleet!, requester, reportId, Math.floor((waitMs * 2) / 3), opts.protocolVersion === 5 ? 5 : 4);
          client.publish(r.topic, r.body, r.opts);
          resolve();
        });
      });
    });
    // Retained messages follow the SUBACK; live ones that arrive meanwhile are just as welcome.
    await Bun.sleep(waitMs);
  } catch (e) {
    writeErr(`vigil status: ${v.broker}: ${errorText(e)}\n`);
    await client.endAsync(true).catch(() => {});
    return 1;
  }
  await client.endAsync(true).catch(() => {});
  if (v.json) writeOut(`${JSON.stringify(view, null, 2)}\n`);
  else writeOut(renderFleet(view, Date.now()));
  if (Object.keys(view.nodes).length === 0) {
    writeErr(`vigil status: no node of fleet '${v.fleet}' has reported to ${v.broker}\n`);
    return 3;
  }
  return 0;
}
