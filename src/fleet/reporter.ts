// The fleet session: one MQTT connection that reports this node's state and
// receives pushed config blobs. Every public method returns immediately: state
// goes into a latest-per-topic map, events into a bounded queue, and a flush
// scheduled on the event loop publishes whatever the connection allows. The
// VRRP worker never waits on any of it.
import { errorText } from "../error-text.ts";
import type { MqttClient, IClientPublishOptions, IConnackPacket, IPublishPacket } from "mqtt";
import { connectMqtt } from "./mqtt-connect.ts";
import type { FleetConfig } from "../config/model.ts";
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from "./backoff.ts";
import { BoundedQueue } from "./event-queue.ts";
import { contentType, decodeBody, encodeBody, type PayloadFormat } from "./payload.ts";
import { parseReportRequest, reportAnswerBody, type ReportRequest } from "./report.ts";
import { clientOptions } from "./session-options.ts";
import { parseTopic, Topics } from "./topics.ts";
import { snapshotKeyOf, SplitBrainWitness, type AlarmChange } from "./witness.ts";
import type { ConfigResult } from "./config-result.ts";

export type { ConfigResult };

const MAX_PENDING_CONFIGS = 4;
/** MQTT 5 CONNACK reason code "Retain not supported" (MQTT 5 §3.2.2.2) */
const RETAIN_NOT_SUPPORTED = 0x9a;
/** report answers waiting out their jitter at once; a flood of requests beyond that is dropped */
const MAX_PENDING_REPORTS = 4;
/** at most this many report answers per REPORT_WINDOW_MS, however many requesters ask */
const MAX_REPORTS_PER_WINDOW = 8;
const REPORT_WINDOW_MS = 10_000;

export interface VrrpSnapshot {
  state: "INIT" | "BACKUP" | "MASTER" | "FAULT" | string;
  /** what the witness compares: nodes sharing an L2 segment name it alike (e.g. "lan") */
  segment: string;
  vrid: number;
  priority: number;
  effectivePriority: number;
  masterAddress?: string;
  /** ms since the Unix epoch when the state was entered */
  since: number;
  counters?: Record<string, number>;
  [extra: string]: unknown;
}

export interface LvsSnapshot {
  up: boolean;
  weight: number;
  lastCheck?: string;
  latencyMs?: number;
  [extra: string]: unknown;
}

/** A virtual server: whether its live real servers' weight reaches its quorum, and whether the sorry server serves. */
export interface QuorumSnapshot {
  quorumUp: boolean;
  weight: number;
  sorryActive: boolean;
  /** the configured sorry_server, if any */
  sorryServer?: string;
}

export interface FleetEvent {
  type: string;
  [field: string]: unknown;
}

/** config/get's answer: the running config, as the node runs it. */
export interface RunningConfigReply {
  serial: number;
  hash: string;
  /** deterministic CBOR of the config model, secrets redacted */
  config: Uint8Array;
}

export interface ReporterOptions {
  config: FleetConfig;
  node: string;
  version: string;
  /** ms since the Unix epoch */
  bootTime: number;
  /** serial of the running config, for the birth message */
  configSerial: () => number;
  /** Called with each blob from config/set (own node or `all`), one at a time. */
  onConfigBlob?: (blob: Uint8Array) => ConfigResult | Promise<ConfigResult>;
  /** Called with each signed request from config/rollback, in the same queue as blobs. */
  onRollbackRequest?: (request: Uint8Array) => ConfigResult | Promise<ConfigResult>;
  /** The running config for config/get; null = nothing to tell. */
  onConfigGet?: () => RunningConfigReply | null;
  /** hash of the running config, for the birth message */
  configHash?: () => string;
  eventCapacity?: number;
  /** QoS 1 events awaiting PUBACK at once; the rest wait in the bounded queue. */
  maxInflight?: number;
  backoff?: Backoff;
  now?: () => number;
  log?: (msg: string) => void;
  /** how long two MASTERs must persist before the alarm is raised (see witness.ts) */
  splitBrainHoldDownMs?: number;
}

/** Longer than a preemption handover or a restarted peer's birth-before-state, shorter than any real split. */
export const DEFAULT_SPLIT_BRAIN_HOLD_DOWN_MS = 2000;

export interface ReporterStats {
  connected: boolean;
  connects: number;
  queuedEvents: number;
  droppedEvents: number;
  inflightEvents: number;
  publishedStates: number;
  publishedEvents: number;
  activeAlarms: number;
  /** peers whose VRRP states the split-brain witness keeps */
  witnessPeers: number;
}

export class FleetReporter {
  readonly topics: Topics;
  private readonly format: PayloadFormat;
  private readonly states = new Map<string, Buffer>(); // retained topic -> latest body
  private readonly dirty = new Set<string>();
  private readonly events: BoundedQueue<Buffer>;
  private readonly witness: SplitBrainWitness;
  private client?: MqttClient;
  private flushScheduled = false;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private witnessTimer?: ReturnType<typeof setTimeout>;
  /** peers whose status topic is subscribed on this connection (watchPeers) */
  private watched = new Set<string>();
  /** report answers waiting out their jitter, by requester id (a repeated request is answered once) */
  private readonly reportTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private reportWindow = { start: 0, count: 0, refusedLogged: false };
  /** QoS 1 events handed to mqtt.js and not yet acknowledged, by id; requeued if the connection dies */
  private inflightBodies = new Map<number, Buffer>();
  private nextEventId = 0;
  /** bumped on every close: completions from a dead connection's publishes are ignored */
  private generation = 0;
  private attempt = 0;
  private stopping = false;
  private inflight = 0;
  private droppedReported = 0;
  private configChain: Promise<void> = Promise.resolve();
  private configPending = 0;
  private busyLogged = false;
  /**
   * false once an MQTT 5 broker said it keeps no retained messages (CONNACK
   * Retain Available 0, or a CONNECT refused with 0x9A for the retained Will):
   * everything is then published without retain (a retained publish would cost
   * the connection, MQTT 5 §3.3.1.3) and readers learn the state from report answers.
   */
  private retainAvailable = true;
  private readonly now: () => number;
  private readonly log: (msg: string) => void;
  private s = { connects: 0, publishedStates: 0, publishedEvents: 0 };

  constructor(private readonly o: ReporterOptions) {
    this.topics = new Topics(o.config.fleet, o.node);
    this.format = o.config.payload;
    this.events = new BoundedQueue(o.eventCapacity ?? 1000);
    this.witness = new SplitBrainWitness(o.node, o.splitBrainHoldDownMs ?? DEFAULT_SPLIT_BRAIN_HOLD_DOWN_MS);
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => {});
  }

  /** Starts connecting; returns at once. Option errors (unreadable ca_file...) throw here. */
  start(): void {
    const will = { topic: this.topics.status, payload: encodeBody({ status: "offline" }, this.format), qos: 1 as const, retain: true };
    const opts = clientOptions(this.o.config, { clientId: `vigil-${this.o.config.fleet}-${this.o.node}`, will });
    this.client = connectMqtt(opts);
    this.client.on("connect", (connack) => this.onConnect(connack));
    this.client.on("close", () => this.onClose());
    this.client.on("error", (e) => {
      this.log(`fleet: ${e.message}`);
      if ((e as { code?: unknown }).code === RETAIN_NOT_SUPPORTED) this.noRetain();
    });
    this.client.on("message", (topic, body, packet) => this.onMessage(topic, body, packet));
  }

  /** Graceful: status `offline` (retained), then disconnect. The LWT covers the ungraceful case. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.witnessTimer);
    for (const t of this.reportTimers.values()) clearTimeout(t);
    this.reportTimers.clear();
    const c = this.client;
    if (!c) return;
    // Bounded: a dead link must not hold up shutdown; the Last Will covers that case.
    const within = (p: Promise<void>) => Promise.race([p, Bun.sleep(timeoutMs)]);
    if (c.connected) {
      await within(new Promise<void>((res) => c.publish(this.topics.status, encodeBody({ status: "offline" }, this.format), this.pubOpts(true), () => res())));
    }
    await within(new Promise<void>((res) => c.end(!c.connected, {}, () => res())));
    if (!c.disconnected) c.end(true);
  }

  vrrpState(instance: string, snap: VrrpSnapshot): void {
    // the site goes with the state: peers' witnesses compare within a site (witness.ts)
    const site = this.o.config.site;
    this.setState(this.topics.vrrp(instance), site ? { ...snap, site } : snap);
    const key = { state: snap.state, segment: snap.segment, vrid: snap.vrid, ...(site ? { site } : {}) };
    // and, for the site's witnesses, only what they compare (the fleet view reads the full one above)
    if (site) this.setState(this.topics.siteVrrp(site, instance), { ...key, since: snap.since });
    this.applyAlarms(this.witness.ownState(instance, key, this.now()));
  }

  lvsState(vs: string, rs: string, snap: LvsSnapshot): void {
    this.setState(this.topics.lvs(vs, rs), snap);
  }

  quorumState(vs: string, snap: QuorumSnapshot): void {
    this.setState(this.topics.lvsVirtual(vs), snap);
  }

  configState(r: ConfigResult): void {
    this.setState(this.topics.configState, { ...r, at: this.now() });
  }

  /**
   * A pushed config runs and starts its probation (commit-confirm): config/state
   * says `confirming`, the event is `config-accepted` as for a config accepted at
   * once, and the birth names the serial that runs now. The result that ends the
   * probation follows as usual (`config-confirmed` or `config-rolled-back`).
   */
  configProgress(r: ConfigResult): void {
    this.configState(r);
    this.event({ type: "config-accepted", ...r });
    this.publishBirth();
  }

  event(ev: FleetEvent): void {
    this.events.push(encodeBody({ ...ev, node: this.o.node, at: this.now() }, this.format));
    this.schedule();
  }

  stats(): ReporterStats {
    return {
      connected: this.client?.connected ?? false,
      connects: this.s.connects,
      queuedEvents: this.events.size,
      droppedEvents: this.events.dropped + this.droppedReported,
      inflightEvents: this.inflight,
      publishedStates: this.s.publishedStates,
      publishedEvents: this.s.publishedEvents,
      activeAlarms: this.witness.activeAlarms().length,
      witnessPeers: this.witness.peerCount(),
    };
  }

  private setState(topic: string, value: unknown) {
    this.states.set(topic, encodeBody(value, this.format));
    this.dirty.add(topic);
    this.schedule();
  }

  /**
   * Follows the status (birth and Last Will) of exactly the peers the witness
   * needs: subscribing to every node's status fanned each birth out to the whole
   * fleet, N² deliveries for a fleet-wide rollout.
   */
  private watchPeers() {
    const c = this.client;
    if (!c?.connected) return;
    const want = this.witness.peersToWatch();
    const add: string[] = [], drop: string[] = [];
    for (const n of want) if (!this.watched.has(n)) add.push(this.topics.peerStatus(n));
    for (const n of this.watched) if (!want.has(n)) drop.push(this.topics.peerStatus(n));
    this.watched = want;
    const failed = (err?: Error | null) => { if (err) this.log(`fleet: peer status subscription failed: ${err.message}`); };
    if (add.length) c.subscribe(add, { qos: 0 }, failed);
    if (drop.length) c.unsubscribe(drop, failed);
  }

  private applyAlarms(changes: AlarmChange[]) {
    this.watchPeers();
    for (const a of changes) {
      this.setState(this.topics.splitBrainAlarm(a.segment, a.vrid), { ...a, at: this.now() });
      this.event({ type: a.active ? "split-brain" : "split-brain-cleared", segment: a.segment, vrid: a.vrid, peers: a.peers });
    }
    // a dual MASTER still inside its hold-down: look again when it would have lasted long enough
    clearTimeout(this.witnessTimer);
    const at = this.witness.nextDeadline();
    if (at !== Infinity && !this.stopping) {
      this.witnessTimer = setTimeout(() => this.applyAlarms(this.witness.tick(this.now())), Math.max(0, at - this.now()) + 1);
    }
  }

  private schedule() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.flush();
    }, 0);
  }

  private pubOpts(retain: boolean): IClientPublishOptions {
    const o: IClientPublishOptions = { qos: 1, retain: retain && this.retainAvailable };
    if (this.o.config.protocolVersion === 5) o.properties = { contentType: contentType(this.format) };
    return o;
  }

  private flush() {
    const c = this.client;
    // Closing: mqtt.js still says connected but fails every publish at once, and
    // synchronously — requeueing and retrying here would spin forever.
    if (!c || !c.connected || c.disconnecting) return;
    for (const topic of this.dirty) {
      c.publish(topic, this.states.get(topic)!, this.pubOpts(true));
      this.s.publishedStates++;
    }
    this.dirty.clear();
    const dropped = this.events.takeDropped();
    if (dropped > 0) {
      // Sent ahead of the queue (which is full when drops happened), so the notice itself is never dropped.
      this.droppedReported += dropped;
      c.publish(this.topics.events, encodeBody({ type: "events-dropped", count: dropped, node: this.o.node, at: this.now() }, this.format), this.pubOpts(false));
    }
    const max = this.o.maxInflight ?? 32;
    while (this.inflight < max && this.events.size > 0) {
      const body = this.events.shift()!;
      const id = this.nextEventId++;
      const gen = this.generation;
      this.inflight++;
      this.inflightBodies.set(id, body);
      c.publish(this.topics.events, body, this.pubOpts(false), (err) => {
        if (gen !== this.generation) return; // already requeued by onClose
        this.inflight--;
        this.inflightBodies.delete(id);
        if (err) {
          // Kept for the next flush (the next report, or the reconnect), not retried in a loop.
          this.events.unshift(body);
          return;
        }
        this.s.publishedEvents++;
        if (this.events.size > 0) this.schedule();
      });
      if (c.disconnecting) break;
    }
  }

  /** The broker keeps no retained messages: from now on neither the Will nor any state is retained. */
  private noRetain() {
    if (!this.retainAvailable) return;
    this.retainAvailable = false;
    // mqtt.js reconnects with these options: the next CONNECT's Will is not retained
    const will = this.client?.options.will;
    if (will) will.retain = false;
    this.log("fleet: the broker keeps no retained messages (MQTT 5 Retain Available 0): reporting without retain; readers ask the nodes (report request)");
  }

  private onConnect(connack?: IConnackPacket) {
    if (connack?.properties?.retainAvailable === false) this.noRetain();
    this.attempt = 0;
    this.s.connects++;
    const c = this.client!;
    this.publishBirth();
    const requests = [this.topics.configGet, ...(this.o.onRollbackRequest ? [this.topics.configRollback] : [])];
    c.subscribe([this.topics.configSet, this.topics.configSetAll, ...requests, this.topics.reportRequest], { qos: 1 }, (err) => {
      if (err) this.log(`fleet: subscribe failed: ${err.message}`);
    });
    // The witness reads every node's state: at QoS 1 a broker queues only so many
    // per client (mosquitto: 20 in flight + 1 000) and dropped most of a 1 000-node
    // fleet's retained reports on each connect (the witness went blind), with a
    // PUBACK per delivery. At QoS 0 they stream in order over TCP; a reconnect
    // resets the witness and brings the retained ones again. Peers' liveness:
    // only those the witness needs (watchPeers), subscribed as they appear.
    // With a site, only the site's states (site/<site>/+/vrrp/+): a node's
    // deliveries and memory scale with its site, not the fleet. Without one, every
    // node's (N² deliveries as a fleet connects; docs/fleet.md "Split-brain witness").
    // Our own per-site states in any site come too, so that what an earlier run
    // left under another site (or under a site we no longer have) is cleared.
    this.watched = new Set(); // a clean session starts with no subscription
    const site = this.o.config.site;
    c.subscribe([site ? this.topics.siteVrrpFilter(site) : this.topics.fleetVrrp, this.topics.ownSiteVrrpAnywhere], { qos: 0 }, (err) => {
      if (err) this.log(`fleet: subscribe failed: ${err.message}`);
    });
    // What we knew of peers may be stale (one may have died while we were away):
    // start over from the retained messages the subscription brings.
    this.applyAlarms(this.witness.resetPeers(this.now()));
    // A restarted broker may have lost every retained message: republish them all.
    for (const t of this.states.keys()) this.dirty.add(t);
    this.flush();
  }

  /** The birth: the node's status and the serial (and hash) of the config it runs now. */
  private birthBody(): Buffer {
    const hash = this.o.configHash?.();
    return encodeBody({
      status: "online", version: this.o.version, boot_time: this.o.bootTime, config_serial: this.o.configSerial(),
      ...(hash ? { config_hash: hash } : {}), ...(this.o.config.site ? { site: this.o.config.site } : {}),
    }, this.format);
  }

  /** The retained birth, on every connect (a reconnect too: the broker may have lost it) and whenever what runs changes. */
  private publishBirth() {
    const c = this.client;
    if (!c?.connected) return; // onConnect publishes it, with the serial of that moment
    c.publish(this.topics.status, this.birthBody(), this.pubOpts(true));
  }

  private onClose() {
    // reconnect() starts with a fresh outgoing store, so mqtt.js never completes the
    // publishes of the dead connection: put their events back at the head of the
    // queue, in order (QoS 1 is at-least-once; a duplicate is allowed, a loss is not).
    if (this.inflightBodies.size > 0) {
      const bodies = [...this.inflightBodies.values()];
      for (let i = bodies.length - 1; i >= 0; i--) this.events.unshift(bodies[i]!);
      this.inflightBodies.clear();
    }
    this.inflight = 0;
    this.generation++;
    if (this.stopping || this.reconnectTimer) return;
    const delay = backoffDelay(this.attempt++, this.o.backoff ?? DEFAULT_BACKOFF, Math.random());
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  private onMessage(topic: string, body: Buffer, packet?: IPublishPacket) {
    const t = parseTopic(topic);
    if (t.kind === "config-set") {
      if (t.fleet === this.o.config.fleet) this.receiveConfig(new Uint8Array(body));
      return;
    }
    if (t.kind === "config-rollback") {
      const h = this.o.onRollbackRequest;
      if (h && t.fleet === this.o.config.fleet && t.node === this.o.node) this.enqueue("rollback request", () => h(new Uint8Array(body)));
      return;
    }
    if (t.kind === "config-get") {
      if (t.fleet === this.o.config.fleet && t.node === this.o.node) this.answerConfigGet(body, packet);
      return;
    }
    if (t.kind === "report") {
      if (t.fleet === this.o.config.fleet) this.scheduleReport(body, packet);
      return;
    }
    if (t.kind === "other" || t.fleet !== this.o.config.fleet) return;
    if (t.kind === "site-vrrp" && t.node === this.o.node) {
      this.clearStaleSiteState(topic, t.site, body);
      return;
    }
    if (t.node === this.o.node) return;
    const site = this.o.config.site;
    // the witness reads the site's copies when we have a site, the node-scoped states when we have none
    if (t.kind === "site-vrrp" ? t.site !== site : t.kind === "vrrp" && site) return;
    if (t.kind === "status") {
      const d = body.length ? decodeBody(body) : { ok: true as const, value: { status: "offline" } };
      if (d.ok) this.applyAlarms(this.witness.peerOnline(t.node, (d.value as { status?: unknown })?.status === "online", this.now()));
      return;
    }
    // A peer's vrrp report; an empty retained body means the topic was cleared.
    const d = body.length ? decodeBody(body) : null;
    if (d && !d.ok) {
      this.log(`fleet: ignoring ${topic}: ${d.error}`);
      return;
    }
    this.applyAlarms(this.witness.peerState(t.node, t.instance, d ? snapshotKeyOf(d.value) : null, this.now()));
  }

  /**
   * A retained per-site state of ours under a site that is not ours (the site
   * changed, or was removed, between runs): peers there would go on reading it,
   * MASTER perhaps, for as long as we are online. An empty retained message clears it.
   */
  private clearStaleSiteState(topic: string, site: string, body: Buffer) {
    if (!body.length || site === this.o.config.site || !this.retainAvailable) return;
    this.client?.publish(topic, Buffer.alloc(0), this.pubOpts(true));
    this.log(`fleet: cleared our retained VRRP state under site '${site}' (${topic})`);
  }

  private receiveConfig(blob: Uint8Array) {
    const handler = this.o.onConfigBlob;
    if (handler) this.enqueue("config blobs", () => handler(blob));
  }

  /**
   * One at a time: serial checks compare against the result of the previous blob,
   * and a rollback request must see what the blob before it left running.
   */
  private enqueue(what: string, handle: () => ConfigResult | Promise<ConfigResult>) {
    // Anyone allowed to publish on config/set could flood us: a few wait, the rest are refused.
    if (this.configPending >= MAX_PENDING_CONFIGS) {
      const r: ConfigResult = { accepted: false, state: "rejected", reason: "busy", message: `${this.configPending} ${what} already waiting` };
      // the node's log gets one line per flood (when the queue fills), not one per refused blob
      if (!this.busyLogged) this.log(`config refused: busy: ${r.message}; more are refused until the queue drains`);
      this.busyLogged = true;
      this.configState(r);
      this.event({ type: "config-rejected", ...r });
      return;
    }
    this.busyLogged = false;
    this.configPending++;
    this.configChain = this.configChain.then(async () => {
      this.configPending--;
      let r: ConfigResult;
      try {
        r = await handle();
      } catch (e) {
        r = { accepted: false, state: "rejected", reason: "internal", message: errorText(e) };
      }
      this.configState(r);
      // confirm_ms on an accepted result: it was already announced when its probation began
      const type = r.accepted ? (r.confirm_ms ? "config-confirmed" : "config-accepted") : r.state === "rolled-back" ? "config-rolled-back" : "config-rejected";
      this.event({ type, ...r });
      // What runs may have changed: the retained birth names its serial and hash
      // (the fleet view's SERIAL column showed 0 beside CONFIG "ok 1" until a reconnect).
      if (r.accepted || r.state === "rolled-back") this.publishBirth();
    });
  }

  /**
   * A fleet-wide `report` request (report.ts): answered once, after a random
   * delay within the requester's spread, so a thousand nodes do not answer in
   * the same millisecond; bounded in pending answers and in answers per window,
   * so a flood of requests costs the node (and the broker) a fixed amount.
   */
  private scheduleReport(body: Buffer, packet?: IPublishPacket) {
    const req = parseReportRequest(this.o.config.fleet, this.o.node, body, packet);
    if ("error" in req) {
      this.log(`fleet: report request ignored: ${req.error}`);
      return;
    }
    const key = req.replyTo + "\u0000" + (req.id ?? req.correlation?.toString("hex") ?? "");
    if (this.reportTimers.has(key) || this.stopping) return;
    const now = this.now();
    const w = this.reportWindow;
    if (now - w.start >= REPORT_WINDOW_MS) Object.assign(w, { start: now, count: 0, refusedLogged: false });
    if (this.reportTimers.size >= MAX_PENDING_REPORTS || w.count >= MAX_REPORTS_PER_WINDOW) {
      if (!w.refusedLogged) this.log(`fleet: report requests beyond ${MAX_REPORTS_PER_WINDOW} per ${REPORT_WINDOW_MS / 1000} s (or ${MAX_PENDING_REPORTS} pending) are dropped`);
      w.refusedLogged = true;
      return;
    }
    w.count++;
    this.reportTimers.set(key, setTimeout(() => {
      this.reportTimers.delete(key);
      this.answerReport(req);
    }, Math.floor(Math.random() * req.spreadMs)));
  }

  /** The answer: the birth and every retained state this node keeps, as it keeps them. */
  private answerReport(req: ReportRequest) {
    const c = this.client;
    if (!c?.connected || c.disconnecting || this.stopping) return;
    const retained: Array<[string, Uint8Array]> = [[this.topics.status, this.birthBody()], ...this.states];
    const opts = this.pubOpts(false);
    if (this.o.config.protocolVersion === 5 && req.correlation) opts.properties = { ...opts.properties, correlationData: req.correlation };
    c.publish(req.replyTo, encodeBody(reportAnswerBody(this.o.node, this.topics.base, retained, req.id), this.format), opts);
  }

  /**
   * config/get: the running config to whoever asked. The answer goes to the
   * MQTT 5 Response Topic with its Correlation Data, or (MQTT 3.1.1, which has
   * neither) to the body's `reply` topic with its `id` — only under this node's
   * own reply/ subtree, so a request cannot make the node publish anywhere else.
   */
  private answerConfigGet(body: Buffer, packet?: IPublishPacket) {
    const c = this.client;
    if (!c?.connected || !this.o.onConfigGet) return;
    const props = packet?.properties;
    let reply = props?.responseTopic;
    let id: unknown;
    if (body.length) {
      const d = decodeBody(body);
      if (d.ok && typeof d.value === "object" && d.value !== null) {
        const v = d.value as { reply?: unknown; id?: unknown };
        if (!reply && typeof v.reply === "string") reply = v.reply;
        id = typeof v.id === "string" ? v.id : undefined;
      }
    }
    if (!reply || !reply.startsWith(this.topics.replyBase) || reply.length === this.topics.replyBase.length || /[+#]/.test(reply)) {
      this.log(`fleet: config/get without a reply topic under ${this.topics.replyBase}; ignored`);
      return;
    }
    const running = this.o.onConfigGet();
    const answer = running
      ? { node: this.o.node, serial: running.serial, hash: running.hash, ...(this.format === "json" ? { config_base64: Buffer.from(running.config).toString("base64") } : { config: running.config }) }
      : { node: this.o.node, error: "no running config to report" };
    const opts = this.pubOpts(false);
    if (this.o.config.protocolVersion === 5 && props?.correlationData) opts.properties = { ...opts.properties, correlationData: props.correlationData };
    c.publish(reply, encodeBody({ ...answer, ...(id !== undefined ? { id } : {}) }, this.format), opts);
  }
}
