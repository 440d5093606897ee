// Which routers back each other up, from what they report (vrrp/<instance>).
//
// A "segment" is the L2 network a virtual router lives on. Nodes do not report
// it by name, so it is inferred: two instances (of any two nodes) are on the
// same segment, serving the same virtual router, when they have the same site
// (vigil_fleet `site`, empty when unset), address family and VRID, and share
// at least one of:
//   lan   the subnet of their interface's own address (src/fleet/lan.ts)
//   vips  the same VIP set (the split-brain witness's segment key)
//   addr  an address: the master a BACKUP hears is the MASTER's own address,
//         two BACKUPs hear the same master, or one is in the other's
//         unicast_peer list
// and the relation is transitive. Erring towards "same segment" only costs
// waves, never safety. Sites that reuse addresses and VRIDs (identical branch
// configs) look like one segment unless `site` tells them apart.
//
// Instances are the items of a union-find (path halving, union by size), each
// evidence key points at the first item that had it, so adding an item is
// O(keys · α(n)); every root keeps its members (merged small into large) and a
// count of the MASTERs and of the BACKUPs that hear a master, kept up to date
// as states change, so the gate's "exactly one MASTER" is O(1) per instance.
import type { FleetState, NodeState, VrrpItem } from "./fleet-state.ts";

export interface ItemRef {
  node: string;
  instance: string;
}

export function evidenceKeys(site: string | undefined, v: VrrpItem): string[] {
  const base = `${site ?? ""}|${v.family}|${v.vrid}|`;
  const keys: string[] = [];
  if (v.lan) keys.push(`${base}lan:${v.lan}`);
  // "v4:" alone is an instance without VIPs: no evidence of anything
  if (v.segment && !/^v[46]:$/.test(v.segment)) keys.push(`${base}vips:${v.segment}`);
  if (v.masterAddress) keys.push(`${base}addr:${v.masterAddress}`);
  for (const p of v.unicastPeers ?? []) keys.push(`${base}addr:${p}`);
  return keys;
}

export class SegmentIndex {
  private readonly parent: number[] = [];
  private readonly size: number[] = [];
  private readonly members: number[][] = [];
  private readonly masters: number[] = [];
  private readonly hearing: number[] = [];
  /** per item: what it adds to its root's counters now */
  private readonly isMaster: boolean[] = [];
  private readonly isHearing: boolean[] = [];
  private readonly refs: ItemRef[] = [];
  private readonly ids = new Map<string, number>();
  private readonly keyOwner = new Map<string, number>();

  get count(): number {
    return this.refs.length;
  }

  idOf(node: string, instance: string): number | undefined {
    return this.ids.get(`${node}\u0000${instance}`);
  }

  ref(id: number): ItemRef {
    return this.refs[id]!;
  }

  /** Adds (or finds) the item and joins it to every item sharing one of `keys`. */
  add(node: string, instance: string, keys: string[]): number {
    const k = `${node}\u0000${instance}`;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.refs.length;
      this.ids.set(k, id);
      this.refs.push({ node, instance });
      this.parent.push(id);
      this.size.push(1);
      this.members.push([id]);
      this.masters.push(0);
      this.hearing.push(0);
      this.isMaster.push(false);
      this.isHearing.push(false);
    }
    for (const key of keys) {
      const owner = this.keyOwner.get(key);
      if (owner === undefined) this.keyOwner.set(key, id);
      else this.union(owner, id);
    }
    return id;
  }

  root(id: number): number {
    let x = id;
    while (this.parent[x] !== x) {
      const p = this.parent[x]!;
      this.parent[x] = this.parent[p]!;
      x = p;
    }
    return x;
  }

  private union(a: number, b: number) {
    let ra = this.root(a), rb = this.root(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
    const into = this.members[ra]!;
    for (const m of this.members[rb]!) into.push(m);
    this.members[rb] = [];
    this.masters[ra]! += this.masters[rb]!;
    this.hearing[ra]! += this.hearing[rb]!;
  }

  /** The item's current role: a live MASTER, or a live BACKUP that hears a master. */
  setRole(id: number, master: boolean, hearing: boolean): void {
    const r = this.root(id);
    if (this.isMaster[id] !== master) {
      this.masters[r]! += master ? 1 : -1;
      this.isMaster[id] = master;
    }
    if (this.isHearing[id] !== hearing) {
      this.hearing[r]! += hearing ? 1 : -1;
      this.isHearing[id] = hearing;
    }
  }

  /** MASTERs and hearing BACKUPs of the item's segment. */
  counts(id: number): { masters: number; hearing: number } {
    const r = this.root(id);
    return { masters: this.masters[r]!, hearing: this.hearing[r]! };
  }

  /** Every item of the item's segment (for messages; the counts are O(1)). */
  group(id: number): readonly number[] {
    return this.members[this.root(id)]!;
  }

  isMasterItem(id: number): boolean {
    return this.isMaster[id]!;
  }
}

/** Every instance the fleet reports, indexed, with its current role. */
export function indexFleet(fleet: FleetState): SegmentIndex {
  const seg = new SegmentIndex();
  for (const [node, n] of fleet.nodes) {
    for (const [instance, v] of n.vrrp) refreshItem(seg, node, n, instance, v);
  }
  return seg;
}

/** (Re)adds one instance with its evidence and role; a node known to be offline counts for nothing. */
export function refreshItem(seg: SegmentIndex, node: string, n: NodeState, instance: string, v: VrrpItem | undefined): void {
  if (!v) {
    const id = seg.idOf(node, instance);
    if (id !== undefined) seg.setRole(id, false, false);
    return;
  }
  const id = seg.add(node, instance, evidenceKeys(n.site, v));
  const live = n.online !== false;
  seg.setRole(id, live && v.state === "MASTER", live && v.state === "BACKUP" && !!v.masterAddress);
}
