// Keeps the kernel's IPVS table at what vigil wants, for the daemon: remembers
// the last table it knows the kernel holds (so one real-server change costs one
// netlink op, no dump), which services it owns (created or adopted by it; only
// those may be deleted), and turns a kernel without IPVS into a reported fault
// instead of an exception, so VRRP keeps running (keepalived's checker exits
// and takes VRRP down with it). After any failure the next sync re-reads the
// kernel table, since a partly applied batch leaves it unknown.
//
// With a store (OwnedStateFile) the owned set outlives the process: it is
// loaded at construction and saved whenever it changes, write-ahead (before
// the ops that create a service are applied), so a SIGKILL at any point leaves
// every service of ours on record. The first successful sync after loading a
// non-empty set looks at the whole table, whatever `only` says: services a
// previous run owned and the current config dropped are deleted there.
import type { IpvsService } from "../../lvs/ipvs-model.ts";
import { serviceKeyString } from "../../lvs/ipvs-model.ts";
import { type IpvsOp, normalizeService, reconcile } from "../../lvs/reconcile.ts";
import { tableAfter } from "../../lvs/reconcile-apply.ts";
import { IpvsClient, type IpvsTimeouts } from "./client.ts";
import type { OwnedStore } from "./owned-state-file.ts";

export interface SyncResult {
  ops: IpvsOp[];
  /** set when the kernel could not be reached or some ops failed; the table is re-read next time */
  error?: Error;
}

export class IpvsSync {
  private client: IpvsClient | undefined;
  private known: IpvsService[] | undefined;
  private readonly owned: Set<string>;
  /** the owned set came from a previous run and no full sync has confirmed it yet */
  private inherited: boolean;
  /** the owned set changed since it was last saved */
  private dirty = false;

  constructor(private readonly open: () => IpvsClient = () => IpvsClient.open(), private readonly store?: OwnedStore) {
    this.owned = store?.load() ?? new Set();
    this.inherited = this.owned.size > 0;
  }

  /** Services vigil manages (serviceKeyString form). */
  get ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }

  /**
   * Makes the kernel hold `desired` for vigil's services. `only` restricts the
   * work to services known to have changed (see reconcile()).
   */
  sync(desired: IpvsService[], only?: ReadonlySet<string>): SyncResult {
    // nothing wanted, nothing of ours: no reason to reach IPVS (a VRRP-only
    // router may have no ip_vs module at all)
    if (desired.length === 0 && this.owned.size === 0) return { ops: [] };
    let ops: IpvsOp[] = [];
    const scope = this.inherited ? undefined : only;
    try {
      this.client ??= this.open();
      this.known ??= this.client.table();
      ops = reconcile(this.known, desired, this.owned, { only: scope });
      // own what we are about to create or change before applying (and record
      // it): neither a partial failure nor a crash may leave a service of ours
      // looking foreign
      for (const s of desired) if (!scope || scope.has(serviceKeyString(s))) this.own(serviceKeyString(normalizeService(s)));
      this.persist();
      this.client.apply(ops);
      this.known = tableAfter(this.known, ops);
      for (const o of ops) if (o.op === "delete-service") this.disown(serviceKeyString(o.service));
      if (!scope) this.forgetAbsent();
      this.inherited = false;
      this.persist();
      return { ops };
    } catch (e) {
      this.known = undefined;
      return { ops, error: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /**
   * After a full sync the table is known: an owned key the kernel does not hold
   * (deleted by an operator, or by us just before a crash that kept the record)
   * is nothing left to clean up, and keeping it would let vigil later delete a
   * service someone else creates under that key.
   */
  private forgetAbsent(): void {
    // tableAfter() returns normalized services: their keys are already the owned spelling
    const present = new Set(this.known!.map(serviceKeyString));
    for (const k of this.owned) if (!present.has(k)) this.disown(k);
  }

  private own(k: string): void {
    if (this.owned.has(k)) return;
    this.owned.add(k);
    this.dirty = true;
  }

  private disown(k: string): void {
    if (this.owned.delete(k)) this.dirty = true;
  }

  private persist(): void {
    if (!this.dirty || !this.store) return;
    this.store.save(this.owned);
    this.dirty = false;
  }

  /**
   * Forgets the cached table so the next sync dumps the kernel again: repairs
   * changes made behind vigil's back (an operator's ipvsadm), at the cost of a
   * full dump. The daemon calls it on a slow period and on reload.
   */
  refresh(): void {
    this.known = undefined;
  }

  /** Removes every service vigil owns (shutdown without lvs_flush_on_stop semantics for foreign ones). */
  removeOwned(): SyncResult {
    return this.sync([]);
  }

  /**
   * Empties the whole IPVS table, services vigil does not own included (keepalived
   * lvs_flush / lvs_flush_on_stop): nothing is owned after it. Throws IpvsError.
   */
  flushAll(): void {
    this.client ??= this.open();
    this.client.flush();
    this.known = [];
    for (const k of [...this.owned]) this.disown(k);
    this.persist();
  }

  /** Sets the IPVS connection timeouts given, in seconds (keepalived lvs_timeouts). Throws IpvsError. */
  setTimeouts(t: Partial<IpvsTimeouts>): void {
    this.client ??= this.open();
    this.client.setTimeouts(t);
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
    this.known = undefined;
  }
}
