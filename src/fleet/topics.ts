// The v1 topic tree (docs/fleet.md "Topic tree"): everything a node says lives
// under vigil/v1/<fleet>/<node>/, so one ACL pattern confines a node to its subtree.
export const ROOT = "vigil/v1";
export const ALL_NODES = "all";
/** vigil/v1/<fleet>/rollout/<id>: the retained record of a rollout (not a node) */
export const ROLLOUTS = "rollout";
/** vigil/v1/<fleet>/site/<site>/<node>/vrrp/<instance>: what the split-brain witness of a site reads (not a node) */
export const SITES = "site";
const RESERVED_NODE_IDS = new Set([ALL_NODES, ROLLOUTS, SITES]);
const RESERVED_WHY: Record<string, string> = { [ALL_NODES]: "fleet-wide pushes", [ROLLOUTS]: "rollout records", [SITES]: "per-site VRRP states" };

/**
 * MQTT forbids wildcards in topic names and '/' would add levels: names from
 * configs are escaped. So is '.': RabbitMQ's MQTT plugin maps topics to AMQP
 * routing keys ('/' becomes '.') and delivers every '.' back as '/', so
 * "lvs/198.18.0.10:80/..." would arrive as eight levels and match no filter.
 */
export function encodeLevel(name: string): string {
  return name.replace(/[%/+#.\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`);
}

export function decodeLevel(level: string): string {
  return level.replace(/%([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** fleet and node ids are topic levels verbatim: refuse what would change the tree. */
export function checkId(kind: "fleet" | "node", id: string): string {
  if (!id) throw new Error(`fleet: ${kind} id is empty`);
  if (/[/+#\u0000]/.test(id)) throw new Error(`fleet: ${kind} id '${id}' must not contain '/', '+', '#' or NUL`);
  if (kind === "node" && RESERVED_NODE_IDS.has(id)) throw new Error(`fleet: node id '${id}' is reserved (${RESERVED_WHY[id]})`);
  return id;
}

export class Topics {
  readonly base: string;
  constructor(readonly fleet: string, readonly node: string) {
    this.base = `${ROOT}/${checkId("fleet", fleet)}/${checkId("node", node)}`;
  }
  get status() { return `${this.base}/status`; }
  vrrp(instance: string) { return `${this.base}/vrrp/${encodeLevel(instance)}`; }
  lvs(vs: string, rs: string) { return `${this.base}/lvs/${encodeLevel(vs)}/${encodeLevel(rs)}`; }
  /** a virtual server's own state (quorum, sorry server): one level above its real servers */
  lvsVirtual(vs: string) { return `${this.base}/lvs/${encodeLevel(vs)}`; }
  get events() { return `${this.base}/events`; }
  get configSet() { return `${this.base}/config/set`; }
  get configSetAll() { return `${ROOT}/${this.fleet}/${ALL_NODES}/config/set`; }
  get configState() { return `${this.base}/config/state`; }
  /** request: the running config (reply on a topic under replyBase) */
  get configGet() { return `${this.base}/config/get`; }
  /** request: a signed "roll back serial S to the last known good" */
  get configRollback() { return `${this.base}/config/rollback`; }
  /** Replies to requests go under the node's own subtree, where a per-node ACL lets it write. */
  get replyBase() { return `${this.base}/reply/`; }
  splitBrainAlarm(segment: string, vrid: number) { return `${this.base}/alarm/split-brain/${encodeLevel(segment)}/${vrid}`; }
  /** What the split-brain witness of a node without a site listens on: every node's VRRP state (N² deliveries as a fleet connects). */
  get fleetVrrp() { return `${ROOT}/${this.fleet}/+/vrrp/+`; }
  /**
   * The copy of an instance's state the witnesses of its site read: routers back
   * each other up only within a site, so a node subscribes to its site's states
   * (siteVrrpFilter), not the fleet's. Outside the node's own subtree: the
   * broker's ACL grants it site/+/<node>/# as well (docs/fleet.md).
   */
  siteVrrp(site: string, instance: string) { return `${ROOT}/${this.fleet}/${SITES}/${encodeLevel(site)}/${this.node}/vrrp/${encodeLevel(instance)}`; }
  siteVrrpFilter(site: string) { return `${ROOT}/${this.fleet}/${SITES}/${encodeLevel(site)}/+/vrrp/+`; }
  /** This node's per-site states in any site: what it left retained under a site it no longer has is cleared on connect. */
  get ownSiteVrrpAnywhere() { return `${ROOT}/${this.fleet}/${SITES}/+/${this.node}/vrrp/+`; }
  /** `node`: the topic level as received */
  peerStatus(node: string) { return `${ROOT}/${this.fleet}/${node}/status`; }
  /** fleet-wide request: every node answers with what it keeps retained (report.ts) */
  get reportRequest() { return reportRequestTopic(this.fleet); }
}

export function configSetTopic(fleet: string, target: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${target === ALL_NODES ? ALL_NODES : checkId("node", target)}/config/set`;
}

export function configGetTopic(fleet: string, node: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${checkId("node", node)}/config/get`;
}

export function configRollbackTopic(fleet: string, node: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${checkId("node", node)}/config/rollback`;
}

/** Where `node` answers a requester that names itself `requester` (one topic level). */
export function replyTopic(fleet: string, node: string, requester: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${checkId("node", node)}/reply/${encodeLevel(requester)}`;
}

/**
 * vigil/v1/<fleet>/all/report: "every node, tell me what you keep retained".
 * Retained messages may be missing or late (a restarted broker, a cluster that
 * keeps them per node), so readers of the fleet ask as well as subscribe.
 */
export function reportRequestTopic(fleet: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${ALL_NODES}/report`;
}

/**
 * The reply topic a fleet-wide request names: `all` stands for "each node's own",
 * so node N answers on replyTopic(fleet, N, requester), in its own subtree.
 */
export function fleetReplyTopic(fleet: string, requester: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${ALL_NODES}/reply/${encodeLevel(requester)}`;
}

export function rolloutTopic(fleet: string, id: string): string {
  return `${ROOT}/${checkId("fleet", fleet)}/${ROLLOUTS}/${encodeLevel(id)}`;
}

/** request to a running rollout: its record, on rolloutTopic/reply/<requester> (MQTT 5 Response Topic or the body's `reply`) */
export function rolloutGetTopic(fleet: string, id: string): string {
  return `${rolloutTopic(fleet, id)}/get`;
}

export type ParsedTopic =
  | { kind: "vrrp"; fleet: string; node: string; instance: string }
  | { kind: "site-vrrp"; fleet: string; site: string; node: string; instance: string }
  | { kind: "status"; fleet: string; node: string }
  | { kind: "config-set"; fleet: string; node: string }
  | { kind: "config-get"; fleet: string; node: string }
  | { kind: "config-rollback"; fleet: string; node: string }
  | { kind: "report"; fleet: string }
  | { kind: "other" };

export function parseTopic(topic: string): ParsedTopic {
  const p = topic.split("/");
  if (p.length < 5 || `${p[0]}/${p[1]}` !== ROOT) return { kind: "other" };
  const [fleet, node] = [p[2], p[3]];
  if (p.length === 8 && node === SITES && p[6] === "vrrp") return { kind: "site-vrrp", fleet, site: decodeLevel(p[4]), node: p[5], instance: decodeLevel(p[7]) };
  if (p.length === 6 && p[4] === "vrrp") return { kind: "vrrp", fleet, node, instance: decodeLevel(p[5]) };
  if (p.length === 5 && p[4] === "report" && node === ALL_NODES) return { kind: "report", fleet };
  if (p.length === 5 && p[4] === "status") return { kind: "status", fleet, node };
  if (p.length === 6 && p[4] === "config" && p[5] === "set") return { kind: "config-set", fleet, node };
  if (p.length === 6 && p[4] === "config" && p[5] === "get") return { kind: "config-get", fleet, node };
  if (p.length === 6 && p[4] === "config" && p[5] === "rollback") return { kind: "config-rollback", fleet, node };
  return { kind: "other" };
}
