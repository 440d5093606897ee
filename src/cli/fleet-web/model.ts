// The fleet page's state: every message of the fleet's topic tree folded in
// (retained on subscribe, then live), rows out. Pure: the adapter (server.ts)
// hands in topic, body and its clock; `takeDelta()` gives the rows that changed
// since the last call (what goes to the pages), `snapshot()` everything (for a
// page that connects). Work per message is O(size of the node's group), never
// O(fleet): 1 000 nodes stay cheap.
import { decodeBody } from "../../fleet/payload.ts";
import { parseRecord } from "../../fleet/rollout/record.ts";
import { ALL_NODES, decodeLevel, ROLLOUTS, ROOT } from "../../fleet/topics.ts";
import { describeEvent, EventRing } from "./events.ts";
import { deadlineOf, groupKey, groupRow, newGroup, noteMaster, pruneFlips, refreshCondition, statusOf, type GroupState } from "./groups.ts";
import { rolloutRow } from "./rollouts.ts";
import type { Delta, GroupRouter, Meta, NodeRow, RealServerRow, RolloutRow, VirtualServerRow } from "./wire.ts";

type Obj = Record<string, unknown>;
const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
const text = (x: unknown) => (typeof x === "string" && x !== "" ? x : undefined);
/** keys that cannot collide with a name: topic levels never hold NUL (topics.ts checkId / encodeLevel) */
const k2 = (a: string, b: string) => `${a}\u0000${b}`;

interface Instance {
  node: string;
  instance: string;
  group: string;
  router: GroupRouter;
}

export class FleetWebModel {
  private readonly nodes = new Map<string, NodeRow>();
  private readonly instances = new Map<string, Instance>(); // node\0instance
  private readonly byNode = new Map<string, Set<string>>(); // node -> instance keys
  private readonly groups = new Map<string, GroupState>();
  private readonly rs = new Map<string, RealServerRow>();
  private readonly vs = new Map<string, VirtualServerRow>();
  private readonly rollouts = new Map<string, RolloutRow>();
  private readonly events = new EventRing();
  /** group key -> the status last judged (an alarm event is added when it turns bad) */
  private readonly judged = new Map<string, string>();
  private dirty = { nodes: new Set<string>(), groups: new Set<string>(), rs: new Set<string>(), vs: new Set<string>(), rollouts: new Set<string>(), meta: false };
  private meta: Omit<Meta, "now">;

  constructor(readonly fleet: string, broker: string) {
    this.meta = { fleet, broker, connected: false, undecodable: 0 };
  }

  setConnected(connected: boolean): void {
    if (connected === this.meta.connected) return;
    this.meta.connected = connected;
    this.dirty.meta = true;
  }

  /** Folds one message in. Topics outside the fleet's tree, and bodies that do not decode, change nothing but a count. */
  apply(topic: string, body: Uint8Array, now: number): void {
    const p = topic.split("/");
    if (p.length < 5 || `${p[0]}/${p[1]}` !== ROOT || p[2] !== this.fleet) return;
    const who = p[3]!;
    const rest = p.slice(4);
    if (who === ALL_NODES) return;
    let v: Obj | null = null;
    if (body.length > 0) {
      const d = decodeBody(body);
      if (!d.ok || typeof d.value !== "object" || d.value === null || Array.isArray(d.value)) {
        this.meta.undecodable++;
        this.dirty.meta = true;
        return;
      }
      v = d.value as Obj;
    }
    if (who === ROLLOUTS) return this.rollout(decodeLevel(rest[0]!), v, rest.length);
    const kind = rest[0];
    if (kind === "status" && rest.length === 1) this.status(who, v, now);
    else if (kind === "vrrp" && rest.length === 2) this.vrrp(who, decodeLevel(rest[1]!), v, now);
    else if (kind === "lvs" && rest.length === 3) this.realServer(who, decodeLevel(rest[1]!), decodeLevel(rest[2]!), v, now);
    else if (kind === "lvs" && rest.length === 2) this.virtualServer(who, decodeLevel(rest[1]!), v, now);
    else if (kind === "alarm" && rest[1] === "split-brain" && rest.length === 4) this.alarm(who, decodeLevel(rest[2]!), Number(rest[3]), v, now);
    else if (kind === "config" && rest[1] === "state" && rest.length === 2) this.configState(who, v, now);
    else if (kind === "events" && rest.length === 1) this.event(who, v, now);
  }

  private node(name: string, now: number): NodeRow {
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = { name, online: null, lastSeen: now, drops: 0, vrrp: [] }));
    n.lastSeen = now;
    this.dirty.nodes.add(name);
    return n;
  }

  private status(name: string, v: Obj | null, now: number) {
    const n = this.node(name, now);
    const was = n.online;
    // An empty retained status was cleared: nothing is known any more.
    n.online = v ? v.status === "online" : null;
    if (v && n.online) {
      n.version = text(v.version) ?? n.version;
      n.bootTime = num(v.boot_time) ?? n.bootTime;
      n.serial = num(v.config_serial) ?? n.serial;
      n.hash = text(v.config_hash) ?? n.hash;
      n.site = text(v.site);
    }
    if (was !== null && was !== n.online) {
      this.events.add(now, name, n.online ? { type: "online", level: "info", text: "online" } : { type: "offline", level: "warn", text: "offline (stopped, or its Last Will: the connection was lost)" });
    }
    // Its routers' MASTER counts only while it is online.
    for (const ik of this.byNode.get(name) ?? []) {
      const inst = this.instances.get(ik)!;
      inst.router.online = n.online !== false;
      this.touchGroup(inst.group, now);
    }
  }

  private vrrp(name: string, instance: string, v: Obj | null, now: number) {
    const n = this.node(name, now);
    const ik = k2(name, instance);
    const old = this.instances.get(ik);
    const state = v ? text(v.state) : undefined;
    const vrid = v ? num(v.vrid) : undefined;
    const segment = v ? text(v.segment) ?? "" : "";
    if (old && (!state || vrid === undefined || old.group !== groupKey(segment, vrid))) {
      // cleared, unreadable, or moved to another group: leave the old one
      const g = this.groups.get(old.group);
      g?.routers.delete(ik);
      this.instances.delete(ik);
      this.byNode.get(name)?.delete(ik);
      this.touchGroup(old.group, now);
    }
    if (state && vrid !== undefined) {
      const gk = groupKey(segment, vrid);
      let g = this.groups.get(gk);
      if (!g) this.groups.set(gk, (g = newGroup(segment, vrid)));
      const since = num(v!.since);
      const router: GroupRouter = {
        node: name, instance, state, online: n.online !== false,
        ...(num(v!.priority) !== undefined ? { priority: num(v!.priority) } : {}),
        ...(num(v!.effectivePriority) !== undefined ? { effectivePriority: num(v!.effectivePriority) } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(text(v!.masterAddress) ? { masterAddress: text(v!.masterAddress) } : {}),
        ...(text(v!.reason) ? { reason: text(v!.reason) } : {}),
      };
      g.routers.set(ik, router);
      this.instances.set(ik, { node: name, instance, group: gk, router });
      let mine = this.byNode.get(name);
      if (!mine) this.byNode.set(name, (mine = new Set()));
      mine.add(ik);
      if (state === "MASTER") noteMaster(g, ik, since, now);
      this.touchGroup(gk, now);
    }
    n.vrrp = [...(this.byNode.get(name) ?? [])].map((k) => this.instances.get(k)!).map((i) => ({ instance: i.instance, state: i.router.state })).sort((a, b) => (a.instance < b.instance ? -1 : 1));
  }

  private touchGroup(gk: string, now: number) {
    const g = this.groups.get(gk);
    if (!g) return;
    if (g.routers.size === 0 && g.witness.size === 0) {
      this.groups.delete(gk);
      this.judged.delete(gk);
      this.dirty.groups.add(gk);
      return;
    }
    refreshCondition(g, now);
    pruneFlips(g, now);
    this.judge(g, now);
    this.dirty.groups.add(gk);
  }

  /** Marks the group changed when its status did; a status turning bad is an event. */
  private judge(g: GroupState, now: number): boolean {
    const status = statusOf(g, now);
    if (status === (this.judged.get(g.key) ?? "ok")) return false;
    this.judged.set(g.key, status);
    if (status !== "ok") this.raised(g, status, now);
    this.dirty.groups.add(g.key);
    return true;
  }

  private raised(g: GroupState, status: string, now: number) {
    const who = [...g.routers.values()].filter((r) => r.online && r.state === "MASTER").map((r) => r.node);
    // the group's event, under every MASTER's name (the node filter finds it under each)
    this.events.add(now, who.join(", "), {
      type: status, level: "alarm",
      text: status === "split-brain" ? `SPLIT BRAIN on VRID ${g.vrid} (${g.segment}): MASTER on ${who.join(", ") || "?"}` : `NO MASTER on VRID ${g.vrid} (${g.segment})`,
    });
  }

  private realServer(name: string, vs: string, rs: string, v: Obj | null, now: number) {
    this.node(name, now);
    const key = `${name}\u0000${vs}\u0000${rs}`;
    const old = this.rs.get(key);
    if (!v || typeof v.up !== "boolean") {
      if (this.rs.delete(key)) this.dirty.rs.add(key);
      return;
    }
    const row: RealServerRow = {
      key, node: name, vs, rs, up: v.up, at: now,
      ...(num(v.weight) !== undefined ? { weight: num(v.weight) } : {}),
      ...(text(v.lastCheck) ? { lastCheck: text(v.lastCheck) } : {}),
      ...(num(v.latencyMs) !== undefined ? { latencyMs: num(v.latencyMs) } : {}),
    };
    this.rs.set(key, row);
    this.dirty.rs.add(key);
    // A check result the view saw change (retained replays of an unchanged state say nothing).
    if (old && old.up !== row.up) {
      this.events.add(now, name, { type: row.up ? "real-server-up" : "real-server-down", level: row.up ? "info" : "warn", text: `real server ${rs} of ${vs} ${row.up ? "up" : "down"}${row.lastCheck ? ` (${row.lastCheck})` : ""}` });
    }
  }

  private virtualServer(name: string, vs: string, v: Obj | null, now: number) {
    this.node(name, now);
    const key = k2(name, vs);
    if (!v || typeof v.quorumUp !== "boolean") {
      if (this.vs.delete(key)) this.dirty.vs.add(key);
      return;
    }
    this.vs.set(key, {
      key, node: name, vs, quorumUp: v.quorumUp, sorryActive: v.sorryActive === true,
      ...(num(v.weight) !== undefined ? { weight: num(v.weight) } : {}),
      ...(text(v.sorryServer) ? { sorryServer: text(v.sorryServer) } : {}),
    });
    this.dirty.vs.add(key);
  }

  private alarm(name: string, segment: string, vrid: number, v: Obj | null, now: number) {
    this.node(name, now);
    if (!Number.isInteger(vrid)) return;
    const gk = groupKey(segment, vrid);
    let g = this.groups.get(gk);
    const active = v?.active === true;
    if (!g) {
      if (!active) return;
      this.groups.set(gk, (g = newGroup(segment, vrid)));
    }
    const had = g.witness.size > 0;
    if (active) g.witness.set(name, Array.isArray(v!.peers) ? v!.peers.filter((x): x is string => typeof x === "string") : []);
    else g.witness.delete(name);
    if (!had && g.witness.size > 0) g.witnessSince = now;
    this.touchGroup(gk, now);
  }

  private configState(name: string, v: Obj | null, now: number) {
    const n = this.node(name, now);
    if (!v) return void delete n.config;
    n.config = {
      ...(text(v.state) ? { state: text(v.state) } : { state: v.accepted === true ? "applied" : "rejected" }),
      ...(num(v.serial) !== undefined ? { serial: num(v.serial) } : {}),
      ...(text(v.reason) ? { reason: text(v.reason) } : {}),
      ...(text(v.message) ? { message: text(v.message) } : {}),
    };
    n.serial = num(v.running_serial) ?? n.serial;
    n.hash = text(v.running_hash) ?? n.hash;
  }

  private event(name: string, v: Obj | null, now: number) {
    const n = this.node(name, now);
    if (!v) return;
    const e = describeEvent(v);
    if (e.type === "events-dropped") n.drops += num(v.count) ?? 0;
    this.events.add(num(v.at) ?? now, name, e);
  }

  private rollout(id: string, v: Obj | null, levels: number) {
    if (levels !== 1) return;
    if (!v) {
      if (this.rollouts.delete(id)) this.dirty.rollouts.add(id);
      return;
    }
    try {
      this.rollouts.set(id, rolloutRow(parseRecord(v, id).engine));
      this.dirty.rollouts.add(id);
    } catch {
      this.meta.undecodable++;
      this.dirty.meta = true;
    }
  }

  /** Re-judges groups whose condition may have outlasted the hold-down; the adapter calls it at nextDeadline(). */
  tick(now: number): void {
    for (const g of this.groups.values()) {
      if (pruneFlips(g, now)) this.dirty.groups.add(g.key);
      this.judge(g, now);
    }
  }

  /** The earliest moment tick() has something to do, or Infinity. */
  nextDeadline(now: number): number {
    let d = Infinity;
    for (const g of this.groups.values()) d = Math.min(d, deadlineOf(g, now));
    return d;
  }

  hasChanges(): boolean {
    const d = this.dirty;
    return d.meta || d.nodes.size > 0 || d.groups.size > 0 || d.rs.size > 0 || d.vs.size > 0 || d.rollouts.size > 0 || this.events.pending();
  }

  /** The rows that changed since the last call (null: gone), and the new events. */
  takeDelta(now: number): Delta {
    const d = this.dirty;
    const out: Delta = {};
    if (d.meta) out.meta = this.metaRow(now);
    if (d.nodes.size) out.nodes = Object.fromEntries([...d.nodes].map((k) => [k, this.nodes.get(k) ?? null]));
    if (d.groups.size) out.groups = Object.fromEntries([...d.groups].map((k) => [k, this.groupOut(k, now)]));
    if (d.rs.size) out.rs = Object.fromEntries([...d.rs].map((k) => [k, this.rs.get(k) ?? null]));
    if (d.vs.size) out.vs = Object.fromEntries([...d.vs].map((k) => [k, this.vs.get(k) ?? null]));
    if (d.rollouts.size) out.rollouts = Object.fromEntries([...d.rollouts].map((k) => [k, this.rollouts.get(k) ?? null]));
    const ev = this.events.take();
    if (ev.length) out.events = ev;
    this.dirty = { nodes: new Set(), groups: new Set(), rs: new Set(), vs: new Set(), rollouts: new Set(), meta: false };
    return out;
  }

  /** Everything, for a page that just connected. */
  snapshot(now: number): Required<Delta> {
    return {
      meta: this.metaRow(now),
      nodes: Object.fromEntries(this.nodes),
      groups: Object.fromEntries([...this.groups.keys()].map((k) => [k, this.groupOut(k, now)])),
      rs: Object.fromEntries(this.rs),
      vs: Object.fromEntries(this.vs),
      rollouts: Object.fromEntries(this.rollouts),
      events: this.events.all(),
    };
  }

  private groupOut(gk: string, now: number) {
    const g = this.groups.get(gk);
    return g ? groupRow(g, now) : null;
  }

  private metaRow(now: number): Meta {
    return { ...this.meta, now };
  }
}
