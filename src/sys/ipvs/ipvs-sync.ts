// Keeps the kernel's IPVS table at what vigil wants, for the daemon: remembers
// the last table it knows the kernel holds (so one real-server change costs one
// netlink op, no dump), which services it owns (created or adopted by it; only
// those may be deleted), and turns a kernel without IPVS into a reported fault
// instead of an exception, so VRRP keeps running (keepalived's checker exits
// and takes VRRP down with it). After any failure the next sync re-reads the
// kernel table, since a partly applied batch leaves it unknown.
import type { IpvsService } from "../../lvs/ipvs-model.ts";
import { serviceKeyString } from "../../lvs/ipvs-model.ts";
import { type IpvsOp, normalizeService, reconcile } from "../../lvs/reconcile.ts";
import { tableAfter } from "../../lvs/reconcile-apply.ts";
import { IpvsClient } from "./client.ts";

export interface SyncResult {
  ops: IpvsOp[];
  /** set when the kernel could not be reached or some ops failed; the table is re-read next time */
  error?: Error;
}

export class IpvsSync {
  private client: IpvsClient | undefined;
  private known: IpvsService[] | undefined;
  private readonly owned = new Set<string>();

  constructor(private readonly open: () => IpvsClient = () => IpvsClient.open()) {}

  /** Services vigil manages (serviceKeyString form). */
  get ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }

  /**
   * Makes the kernel hold `desired` for vigil's services. `only` restricts the
   * work to services known to have changed (see reconcile()).
   */
  sync(desired: IpvsService[], only?: ReadonlySet<string>): SyncResult {
    let ops: IpvsOp[] = [];
    try {
      this.client ??= this.open();
      this.known ??= this.client.table();
      ops = reconcile(this.known, desired, this.owned, { only });
      // own what we are about to create or change before applying: a partial
      // failure must not leave a service of ours looking foreign
      for (const s of desired) if (!only || only.has(serviceKeyString(s))) this.owned.add(serviceKeyString(normalizeService(s)));
      this.client.apply(ops);
      this.known = tableAfter(this.known, ops);
      for (const o of ops) if (o.op === "delete-service") this.owned.delete(serviceKeyString(o.service));
      return { ops };
    } catch (e) {
      this.known = undefined;
      return { ops, error: e instanceof Error ? e : new Error(String(e)) };
    }
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

  close(): void {
    this.client?.close();
    this.client = undefined;
    this.known = undefined;
  }
}
