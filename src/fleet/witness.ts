// Split-brain witness (docs/fleet.md "Split-brain witness"; docs/split-brain.md, defence 8). Pure: reports in,
// alarm changes out. Two MASTERs for one (segment, VRID) in one fleet means two
// hosts answer for the same VIPs. The witness can only see what nodes report,
// so it judges one thing: we are MASTER and a live peer says it is MASTER too.
// A peer whose status is `offline` (its Last Will) is ignored: its VIPs carry a
// kernel lifetime and are gone once it stops refreshing them.
//
// Two MASTERs are normal for an instant: during preemption the old master steps
// down as soon as it hears the new one, and a restarted node's birth can reach a
// peer before its fresh state replaces the old retained one. An alarm is raised
// only when the condition has lasted `holdDownMs`; it clears at once.

export interface VrrpSnapshotKey {
  state: string;
  segment: string;
  vrid: number;
  /**
   * vigil_fleet `site` of the reporting node: routers back each other up only
   * within a site, so identical branch configs (same VIPs and VRID at every
   * site) are not one segment. Absent = no site, as before sites existed.
   */
  site?: string;
}

export interface AlarmChange {
  active: boolean;
  segment: string;
  vrid: number;
  /** peers reporting MASTER while we are MASTER (empty when cleared) */
  peers: string[];
}

const key = (s: VrrpSnapshotKey) => `${s.vrid}\u0000${s.site ?? ""}\u0000${s.segment}`;

export class SplitBrainWitness {
  private own = new Map<string, VrrpSnapshotKey>(); // instance -> our report
  private peers = new Map<string, Map<string, VrrpSnapshotKey>>(); // node -> instance -> report
  private offline = new Set<string>();
  /**
   * key -> live peer -> how many of its instances report MASTER there, kept as
   * reports come: a fleet message costs O(1) and evaluate looks only at our own
   * instances' keys (it scanned every peer's every report per message, O(N) per
   * message and O(N²) per reconnect for N routers).
   */
  private masters = new Map<string, Map<string, number>>();
  /** the same, online or not: whose liveness we must follow (peersToWatch) */
  private masterReports = new Map<string, Map<string, number>>();
  private active = new Map<string, AlarmChange>(); // key -> raised alarm
  private since = new Map<string, number>(); // key -> when the dual MASTER was first seen

  constructor(readonly self: string, private readonly holdDownMs = 0) {}

  ownState(instance: string, s: VrrpSnapshotKey | null, now = 0): AlarmChange[] {
    if (s) this.own.set(instance, s);
    else this.own.delete(instance);
    return this.evaluate(now);
  }

  peerState(node: string, instance: string, s: VrrpSnapshotKey | null, now = 0): AlarmChange[] {
    if (node === this.self) return [];
    let m = this.peers.get(node);
    if (!m) this.peers.set(node, (m = new Map()));
    const old = m.get(instance);
    const live = !this.offline.has(node);
    if (old) this.countMaster(node, old, -1, live);
    if (s) this.countMaster(node, s, 1, live);
    if (s) m.set(instance, s);
    else m.delete(instance);
    return this.evaluate(now);
  }

  peerOnline(node: string, online: boolean, now = 0): AlarmChange[] {
    if (node === this.self) return [];
    const wasOnline = !this.offline.has(node);
    if (online) this.offline.delete(node);
    else this.offline.add(node);
    if (wasOnline !== online) for (const r of this.peers.get(node)?.values() ?? []) if (r.state === "MASTER") count(this.masters, key(r), node, online ? 1 : -1);
    return this.evaluate(now);
  }

  /**
   * The peers whose liveness (status, with its Last Will) can change an alarm of
   * ours: those reporting MASTER where one of our instances is, whatever our
   * state (we may become MASTER). The reporter follows only their status topics:
   * every node's status fanned each birth out to the whole fleet (N² deliveries
   * per fleet-wide rollout; mosquitto spent seconds per loop at 1 000 nodes).
   */
  peersToWatch(): Set<string> {
    const out = new Set<string>();
    for (const o of this.own.values()) for (const n of this.masterReports.get(key(o))?.keys() ?? []) out.add(n);
    return out;
  }

  private countMaster(node: string, s: VrrpSnapshotKey, delta: 1 | -1, live: boolean) {
    if (s.state !== "MASTER") return;
    const k = key(s);
    count(this.masterReports, k, node, delta);
    if (live) count(this.masters, k, node, delta);
  }

  /**
   * Forget every peer (on reconnect: the broker's retained messages rebuild the
   * picture; a peer that died while we were away must not stay MASTER in memory).
   */
  resetPeers(now = 0): AlarmChange[] {
    this.peers.clear();
    this.offline.clear();
    this.masters.clear();
    this.masterReports.clear();
    return this.evaluate(now);
  }

  /** When a pending dual MASTER will have lasted the hold-down (re-evaluate then), or Infinity. */
  nextDeadline(): number {
    let d = Infinity;
    for (const [k, t] of this.since) if (!this.active.has(k)) d = Math.min(d, t + this.holdDownMs);
    return d;
  }

  /** Re-evaluates at `now` (the caller's timer for nextDeadline()). */
  tick(now: number): AlarmChange[] {
    return this.evaluate(now);
  }

  /** How many peers' reports the witness keeps (with a site: its site's routers, not the fleet). */
  peerCount(): number {
    return this.peers.size;
  }

  activeAlarms(): AlarmChange[] {
    return [...this.active.values()];
  }

  private evaluate(now: number): AlarmChange[] {
    const want = new Map<string, AlarmChange>();
    for (const o of this.own.values()) {
      if (o.state !== "MASTER") continue;
      const k = key(o);
      const live = this.masters.get(k);
      if (!live || want.has(k)) continue;
      want.set(k, { active: true, segment: o.segment, vrid: o.vrid, peers: [...live.keys()] });
    }
    for (const k of [...this.since.keys()]) if (!want.has(k)) this.since.delete(k);
    for (const k of want.keys()) if (!this.since.has(k)) this.since.set(k, now);
    // raised: conditions that have lasted the hold-down (or were already raised)
    const raised = new Map<string, AlarmChange>();
    for (const [k, a] of want) if (this.active.has(k) || now - this.since.get(k)! >= this.holdDownMs) raised.set(k, a);
    const changes: AlarmChange[] = [];
    for (const [k, a] of raised) {
      a.peers.sort();
      const was = this.active.get(k);
      if (!was || was.peers.join() !== a.peers.join()) changes.push(a);
    }
    for (const [k, was] of this.active) {
      if (!raised.has(k)) changes.push({ active: false, segment: was.segment, vrid: was.vrid, peers: [] });
    }
    this.active = raised;
    return changes;
  }
}

/** key -> node -> count, entries removed at 0 */
function count(index: Map<string, Map<string, number>>, k: string, node: string, delta: 1 | -1) {
  let m = index.get(k);
  if (!m) index.set(k, (m = new Map()));
  const n = (m.get(node) ?? 0) + delta;
  if (n > 0) m.set(node, n);
  else m.delete(node);
  if (m.size === 0) index.delete(k);
}

/** Reads the fields the witness needs out of a peer's decoded vrrp message. */
export function snapshotKeyOf(v: unknown): VrrpSnapshotKey | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.state !== "string" || typeof o.segment !== "string" || !Number.isInteger(o.vrid)) return null;
  return { state: o.state, segment: o.segment, vrid: o.vrid as number, ...(typeof o.site === "string" && o.site ? { site: o.site } : {}) };
}
