// The rollout's MQTT side, the adapter around the pure src/fleet/rollout/: one
// connection that reads the fleet's reports (retained and live) and publishes
// blobs, signed rollback requests, the retained rollout record and config/get
// requests. The engine never sees MQTT.
import type { IClientPublishOptions, MqttClient } from "mqtt";
import { connectMqtt } from "./mqtt-connect.ts";
import { decodeBody } from "./payload.ts";
import { connectionOptions } from "./session-options.ts";
import { reportAnswerMessages, reportRequest } from "./report.ts";
import { configGetTopic, ROOT, replyTopic, rolloutGetTopic, rolloutTopic } from "./topics.ts";
import type { ConnectionRecord } from "./rollout/record.ts";

const RECONNECT_MS = 1000;
const PUBACK_MS = 10_000;
/** record answers waiting out their jitter at once (serveRecord) */
const MAX_PENDING_RECORD_ANSWERS = 4;

export type MessageHandler = (topic: string, body: Uint8Array) => void;

export interface RunningReply {
  serial: number;
  hash: string;
  config: Uint8Array;
}

export class FleetSession {
  private handlers: MessageHandler[] = [];
  private replies = new Map<string, (r: RunningReply | { error: string }) => void>();

  /**
   * false when the broker said (MQTT 5 CONNACK Retain Available 0) it keeps no
   * retained messages: a retained publish would cost the connection (MQTT 5 §3.3.1.3).
   */
  retainAvailable: boolean;

  private constructor(private readonly client: MqttClient, readonly fleet: string, readonly requester: string, private readonly version: 4 | 5, retainAvailable: boolean) {
    this.retainAvailable = retainAvailable;
    client.on("connect", (ack) => (this.retainAvailable = ack.properties?.retainAvailable !== false));
    client.on("message", (topic, body, packet) => {
      if (this.record && topic === rolloutGetTopic(fleet, this.record.id)) return this.answerWithRecord(body, packet);
      if (topic.startsWith(`${ROOT}/${fleet}/`) && topic.endsWith(`/reply/${requester}`)) return this.onReply(topic, body, packet.properties?.correlationData);
      for (const h of this.handlers) h(topic, new Uint8Array(body));
    });
  }

  /** Connects (bounded by the client's connect timeout); throws with the broker's or the socket's reason. */
  static async open(conn: ConnectionRecord, fleet: string, requester: string): Promise<FleetSession> {
    const opts = connectionOptions(conn, fleet, { clientId: requester });
    const client = connectMqtt(opts);
    let retainAvailable = true;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${conn.broker} within ${opts.connectTimeout} ms`)), opts.connectTimeout);
      client.once("error", (e) => { clearTimeout(timer); reject(e); });
      client.once("connect", (ack) => { clearTimeout(timer); retainAvailable = ack.properties?.retainAvailable !== false; resolve(); });
    }).catch(async (e) => {
      await client.endAsync(true).catch(() => {});
      throw e;
    });
    client.on("error", () => {}); // later errors surface as failed publishes; the engine times nodes out
    return new FleetSession(client, fleet, requester, conn.mqttVersion, retainAvailable);
  }

  /**
   * Keeps the session up: a lost connection is retried every RECONNECT_MS
   * (clientOptions turns mqtt.js's own timer off), and once back the fleet is
   * subscribed again (its retained reports come again) and `onBack` runs.
   */
  keepAlive(onBack: () => void): void {
    this.client.on("close", () => {
      if (this.closed || this.reconnectTimer) return;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.closed && !this.client.connected) this.client.reconnect();
      }, RECONNECT_MS);
    });
    this.client.on("connect", () => {
      if (this.closed) return;
      // what the broker kept may be gone (a restarted broker) or another cluster node's: ask too
      this.subscribeFleet(this.filters, this.qos).then(() => { this.requestReport(RECONNECT_MS).catch(() => {}); onBack(); }, () => {});
    });
  }

  onMessage(h: MessageHandler): void {
    this.handlers.push(h);
  }

  /**
   * Every node report the rollout reads, plus this requester's replies; or the
   * filters given (another reader of the fleet), subscribed again after a reconnect.
   * A pure reader may take QoS 0: a broker queues only so many QoS 1 messages
   * per client (mosquitto's max_queued_messages, 1000 by default) and drops the
   * rest of a large fleet's retained reports on subscribe; QoS 0 ones are
   * written out as they come (TCP still delivers them; a reconnect brings the
   * retained ones again).
   */
  async subscribeFleet(filters?: string[], qos: 0 | 1 = 1): Promise<void> {
    const b = `${ROOT}/${this.fleet}/+`;
    this.filters = filters;
    this.qos = qos;
    const serving = this.record ? [rolloutGetTopic(this.fleet, this.record.id)] : [];
    await this.client.subscribeAsync([...(filters ?? [`${b}/status`, `${b}/vrrp/+`, `${b}/lvs/+/+`, `${b}/config/state`, `${b}/reply/${this.requester}`]), ...serving], { qos });
  }

  /** Called with true/false as the connection comes and goes (after keepAlive's resubscribe on the way up). */
  onConnection(h: (up: boolean) => void): void {
    this.client.on("close", () => h(false));
    this.client.on("connect", () => h(true));
  }

  private record?: { id: string; body: () => unknown };
  private pendingRecordAnswers = 0;

  /**
   * While the rollout runs it answers requests on vigil/v1/<fleet>/rollout/<id>/get
   * with its record (on .../rollout/<id>/reply/<requester>), so `vigil fleet show
   * ID --broker` finds it where the broker did not keep (or share) the retained
   * record (RabbitMQ keeps it on the cluster node that received it).
   */
  serveRecord(id: string, body: () => unknown): void {
    this.record = { id, body };
    this.client.subscribe(rolloutGetTopic(this.fleet, id), { qos: 1 });
  }

  private answerWithRecord(body: Buffer, packet: import("mqtt").IPublishPacket) {
    const rec = this.record!;
    // one answer at a time per burst: requests beyond that are dropped, the asker retries
    if (this.pendingRecordAnswers >= MAX_PENDING_RECORD_ANSWERS) return;
    const d = body.length ? decodeBody(body) : null;
    const v = (d?.ok && typeof d.value === "object" && d.value !== null ? d.value : {}) as { reply?: unknown; id?: unknown };
    const reply = packet.properties?.responseTopic ?? (typeof v.reply === "string" ? v.reply : "");
    const prefix = `${rolloutTopic(this.fleet, rec.id)}/reply/`;
    const who = reply.startsWith(prefix) ? reply.slice(prefix.length) : "";
    if (!who || /[/+#\u0000]/.test(who)) return;
    this.pendingRecordAnswers++;
    const o: IClientPublishOptions = this.version === 5 && packet.properties?.correlationData ? { properties: { correlationData: packet.properties.correlationData } } : {};
    this.publish(reply, JSON.stringify({ rollout: rec.body(), ...(typeof v.id === "string" ? { id: v.id } : {}) }), o)
      .catch(() => {}).finally(() => this.pendingRecordAnswers--);
  }

  /** one id for the session's report requests: an answer to an earlier one is as good a snapshot */
  private get reportId(): string {
    return `${this.requester}:report`;
  }

  /**
   * Asks every node for what it keeps retained (report.ts): the answers, within
   * `spreadMs`, reach the message handlers as the retained reports would, so the
   * fleet is known when the broker lost or never shared them. Call it after
   * subscribeFleet (the answers come on the reply filter).
   */
  requestReport(spreadMs: number): Promise<void> {
    const r = reportRequest(this.fleet, this.requester, this.reportId, spreadMs, this.version);
    return this.publish(r.topic, r.body, r.opts);
  }

  /**
   * QoS 1; resolves at the PUBACK, rejects when the broker refuses (MQTT 5 reason
   * code >= 0x80), when there is no connection (what was lost is sent again once
   * it is back: see keepAlive), or when no PUBACK came within PUBACK_MS.
   */
  publish(topic: string, body: Uint8Array | string, o: IClientPublishOptions = {}): Promise<void> {
    if (!this.client.connected) return Promise.reject(new Error("not connected to the broker"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no PUBACK for ${topic} within ${PUBACK_MS} ms`)), PUBACK_MS);
      this.client.publish(topic, Buffer.from(body), { qos: 1, ...o }, (err, packet) => {
        clearTimeout(timer);
        const rc = (packet as { reasonCode?: number } | undefined)?.reasonCode;
        if (err) reject(err);
        else if (rc !== undefined && rc >= 0x80) reject(new Error(`broker refused the publish to ${topic} (reason code 0x${rc.toString(16)})`));
        else resolve();
      });
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * config/get to each node; resolves with what answered within `timeoutMs`.
   * The reply topic lies under each node's own subtree (its ACL lets it write
   * there); MQTT 5 carries it as Response Topic and Correlation Data, the body
   * repeats both for nodes on MQTT 3.1.1.
   */
  async fetchRunning(nodes: string[], timeoutMs: number): Promise<Map<string, RunningReply | { error: string }>> {
    const got = new Map<string, RunningReply | { error: string }>();
    const done = Promise.all(nodes.map((node) => new Promise<void>((resolve) => {
      const id = `${this.requester}:${node}`;
      const timer = setTimeout(() => { this.replies.delete(id); resolve(); }, timeoutMs);
      this.replies.set(id, (r) => { clearTimeout(timer); this.replies.delete(id); got.set(node, r); resolve(); });
      const reply = replyTopic(this.fleet, node, this.requester);
      const props: IClientPublishOptions = this.version === 5 ? { properties: { responseTopic: reply, correlationData: Buffer.from(id) } } : {};
      this.publish(configGetTopic(this.fleet, node), JSON.stringify({ reply, id }), props).catch(() => {});
    })));
    await done;
    return got;
  }

  private onReply(topic: string, body: Buffer, correlation?: Buffer) {
    const reported = reportAnswerMessages(this.fleet, topic, body, this.reportId, correlation);
    if (reported) {
      for (const [t, b] of reported) for (const h of this.handlers) h(t, b);
      return;
    }
    const d = decodeBody(body);
    if (!d.ok || typeof d.value !== "object" || d.value === null) return;
    const v = d.value as Record<string, unknown>;
    const id = typeof v.id === "string" ? v.id : correlation?.toString();
    const node = topic.split("/")[3];
    const cb = id ? this.replies.get(id) : undefined;
    if (!cb || id !== `${this.requester}:${node}`) return; // not ours, or a node answering for another
    if (typeof v.error === "string") return cb({ error: v.error });
    const config = v.config instanceof Uint8Array ? v.config : typeof v.config_base64 === "string" ? new Uint8Array(Buffer.from(v.config_base64, "base64")) : null;
    if (!config || typeof v.serial !== "number" || typeof v.hash !== "string") return cb({ error: "malformed reply" });
    cb({ serial: v.serial, hash: v.hash, config });
  }

  private closed = false;
  private filters?: string[];
  private qos: 0 | 1 = 1;
  private reconnectTimer?: ReturnType<typeof setTimeout>;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await Promise.race([this.client.endAsync(), Bun.sleep(2000)]).catch(() => {});
    if (!this.client.disconnected) await this.client.endAsync(true).catch(() => {});
  }
}
