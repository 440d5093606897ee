// The fleet-wide `report` request (vigil/v1/<fleet>/all/report) and its answers.
// A reader of the fleet (vigil status --broker, fleet rollout) cannot rely on
// retained messages alone: a restarted broker has lost them, and broker clusters
// keep them per cluster node or only eventually (RabbitMQ's MQTT plugin keeps
// them on the node that received the publish). So it subscribes to the retained
// reports *and* asks every node for them; each node answers once, after a random
// delay within the spread the requester allows, with exactly the bodies it keeps
// retained (its birth, every vrrp/<instance>, lvs/<vs> and lvs/<vs>/<rs>,
// config/state, alarm/...). The requester turns an answer back into those (topic, body) pairs
// and folds them like retained messages: one code path for both.
//
// Request: MQTT 5 Response Topic + Correlation Data (MQTT 5 §4.10), and for MQTT
// 3.1.1 (which has neither) the same in the body: { reply, id, spread_ms }. The
// reply topic is vigil/v1/<fleet>/all/reply/<requester>; `all` stands for the
// answering node, which publishes on vigil/v1/<fleet>/<node>/reply/<requester>:
// its own subtree, where a per-node ACL lets it write.
import type { IClientPublishOptions, IPublishPacket } from "mqtt";
import { decodeBody, encodeBody } from "./payload.ts";
import { ALL_NODES, checkId, encodeLevel, fleetReplyTopic, reportRequestTopic, ROOT } from "./topics.ts";

/** A node waits a random 0..spread before answering; the requester picks spread, the node caps it. */
export const MAX_REPORT_SPREAD_MS = 10_000;
export const DEFAULT_REPORT_SPREAD_MS = 1000;

export interface ReportRequest {
  /** the topic this node answers on (under its own reply/) */
  replyTo: string;
  /** 3.1.1: the body's id, echoed in the answer's body */
  id?: string;
  /** MQTT 5: echoed as the answer's Correlation Data */
  correlation?: Buffer;
  spreadMs: number;
}

/**
 * What a node makes of a request it received; an error names what was wrong
 * (a request must never make a node publish outside its own reply/ subtree).
 */
export function parseReportRequest(fleet: string, node: string, body: Uint8Array, packet?: IPublishPacket): ReportRequest | { error: string } {
  const props = packet?.properties;
  let reply = props?.responseTopic;
  let id: string | undefined;
  let spread: unknown;
  if (body.length) {
    const d = decodeBody(body);
    if (!d.ok) return { error: d.error };
    if (typeof d.value === "object" && d.value !== null) {
      const v = d.value as { reply?: unknown; id?: unknown; spread_ms?: unknown };
      if (!reply && typeof v.reply === "string") reply = v.reply;
      if (typeof v.id === "string") id = v.id;
      spread = v.spread_ms;
    }
  }
  const prefix = `${ROOT}/${fleet}/${ALL_NODES}/reply/`;
  const requester = reply?.startsWith(prefix) ? reply.slice(prefix.length) : "";
  if (!requester || /[/+#\u0000]/.test(requester)) return { error: `no reply topic of the form ${prefix}<requester>` };
  const spreadMs = typeof spread === "number" && Number.isFinite(spread) ? Math.min(Math.max(0, spread), MAX_REPORT_SPREAD_MS) : DEFAULT_REPORT_SPREAD_MS;
  return { replyTo: `${ROOT}/${fleet}/${node}/reply/${requester}`, id, correlation: props?.correlationData, spreadMs };
}

/**
 * The answer's body: the node's retained bodies by topic suffix (`status`,
 * `vrrp/VI_1`, ...), decoded, so the answer is itself one readable CBOR or JSON
 * document.
 */
export function reportAnswerBody(node: string, base: string, retained: Iterable<[string, Uint8Array]>, id?: string): Record<string, unknown> {
  const messages: Record<string, unknown> = Object.create(null);
  for (const [topic, body] of retained) {
    if (!topic.startsWith(`${base}/`)) continue;
    const d = decodeBody(body);
    if (d.ok) messages[topic.slice(base.length + 1)] = d.value;
  }
  return { node, report: messages, ...(id !== undefined ? { id } : {}) };
}

/** The request as a requester publishes it. */
export function reportRequest(fleet: string, requester: string, id: string, spreadMs: number, version: 4 | 5): { topic: string; body: string; opts: IClientPublishOptions } {
  const reply = fleetReplyTopic(fleet, requester);
  const opts: IClientPublishOptions = { qos: 1 };
  if (version === 5) opts.properties = { responseTopic: reply, correlationData: Buffer.from(id) };
  return { topic: reportRequestTopic(fleet), body: JSON.stringify({ reply, id, spread_ms: Math.round(spreadMs) }), opts };
}

/** The filter a requester subscribes to for the answers of every node. */
export function reportReplyFilter(fleet: string, requester: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/+/reply/${encodeLevel(requester)}`;
}

/**
 * An answer back into the (topic, body) pairs the node keeps retained, for the
 * same folding as retained messages; null if `topic`/`body` is not an answer to
 * request `id` (an answer names its node by its topic: a node cannot speak for
 * another, its ACL confines it to its own subtree).
 */
export function reportAnswerMessages(fleet: string, topic: string, body: Uint8Array, id: string, correlation?: Buffer): Array<[string, Uint8Array]> | null {
  const p = topic.split("/");
  if (p.length !== 6 || `${p[0]}/${p[1]}` !== ROOT || p[2] !== fleet || p[4] !== "reply") return null;
  const node = p[3]!;
  if (node === ALL_NODES) return null;
  const d = decodeBody(body);
  if (!d.ok || typeof d.value !== "object" || d.value === null) return null;
  const v = d.value as { id?: unknown; report?: unknown };
  const got = typeof v.id === "string" ? v.id : correlation?.toString();
  if (got !== id || typeof v.report !== "object" || v.report === null || Array.isArray(v.report)) return null;
  const out: Array<[string, Uint8Array]> = [];
  for (const [suffix, value] of Object.entries(v.report as Record<string, unknown>)) {
    // only the report topics (no reply/ or config/set smuggled in), each level as a node would encode it
    if (!/^(status|vrrp\/[^/]+|lvs\/[^/]+(\/[^/]+)?|config\/state|alarm\/.+)$/.test(suffix) || suffix.split("/").some((l) => l === "" || /[+#\u0000]/.test(l))) continue;
    out.push([`${ROOT}/${fleet}/${node}/${suffix}`, encodeBody(value, "cbor")]);
  }
  return out;
}
