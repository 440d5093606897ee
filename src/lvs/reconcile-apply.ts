// What a table looks like after ops succeeded: lets the IPVS adapter keep its
// picture of the kernel table current without dumping it again after every
// change (a full dump of 1000 services costs seconds on small boards).
import type { IpvsService } from "./ipvs-model.ts";
import { destKeyString, serviceKeyString } from "./ipvs-model.ts";
import { type IpvsOp, normalizeService } from "./reconcile.ts";

export function tableAfter(table: IpvsService[], ops: IpvsOp[]): IpvsService[] {
  const m = new Map<string, IpvsService>();
  for (const s of table) {
    const n = normalizeService(s);
    m.set(serviceKeyString(n), n);
  }
  for (const o of ops) {
    const k = serviceKeyString(o.service);
    switch (o.op) {
      case "add-service":
        m.set(k, { ...o.service, dests: [] });
        break;
      case "edit-service": {
        const s = m.get(k);
        m.set(k, { ...o.service, dests: s ? s.dests : [] });
        break;
      }
      case "delete-service":
        m.delete(k);
        break;
      default: {
        const s = m.get(k);
        if (!s) break;
        const dk = destKeyString(o.dest);
        const rest = s.dests.filter((d) => destKeyString(d) !== dk);
        m.set(k, { ...s, dests: o.op === "delete-dest" ? rest : [...rest, { ...o.dest }] });
      }
    }
  }
  return [...m.values()];
}
