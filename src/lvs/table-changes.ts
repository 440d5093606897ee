// Which IPVS services a new desired table changes, against the table last
// applied: each service is compared whole (its JSON) under its service key, so a
// real server's new weight reprograms its one service, a service gone from the
// table is one to remove, and an unchanged table costs nothing. Pure.
import { type IpvsService, serviceKeyString } from "./ipvs-model.ts";

/** Per service key, the JSON of the service as applied. */
export type AppliedTable = ReadonlyMap<string, string>;

/** What `table` looks like once applied, for the next comparison. */
export function appliedTable(table: readonly IpvsService[]): Map<string, string> {
  return new Map(table.map((s) => [serviceKeyString(s), JSON.stringify(s)]));
}

/** The keys of the services that differ between `applied` and `table`: new, changed, or no longer in it. */
export function changedServices(applied: AppliedTable, table: readonly IpvsService[]): Set<string> {
  const changed = new Set<string>();
  const now = new Map<string, string>();
  for (const s of table) {
    const k = serviceKeyString(s);
    const j = JSON.stringify(s);
    now.set(k, j);
    if (applied.get(k) !== j) changed.add(k);
  }
  for (const k of applied.keys()) if (!now.has(k)) changed.add(k);
  return changed;
}
