// Pure IPVS reconcile: (current kernel table, desired table, owned keys) → the
// minimal ordered list of operations that turns current into desired for the
// services vigil manages. No I/O: the netlink adapter (src/sys/ipvs) applies
// the ops. Services that are neither desired nor owned are someone else's
// (an operator's ipvsadm rules, another daemon) and are never touched.
import { LvsStateError } from "./errors.ts";
import type { IpvsDest, IpvsService, IpvsServiceKey } from "./ipvs-model.ts";
import { destKeyString, serviceKeyString } from "./ipvs-model.ts";
import { canonicalAddress } from "./reconcile-address.ts";

export type IpvsOp =
  | { op: "add-service"; service: IpvsService }
  | { op: "edit-service"; service: IpvsService }
  | { op: "delete-service"; service: IpvsServiceKey }
  | { op: "add-dest"; service: IpvsServiceKey; dest: IpvsDest }
  | { op: "edit-dest"; service: IpvsServiceKey; dest: IpvsDest }
  | { op: "delete-dest"; service: IpvsServiceKey; dest: IpvsDest };

export function defaultNetmask(family: 4 | 6): string {
  return family === 6 ? "128" : "255.255.255.255";
}

/**
 * One spelling per service: canonical addresses, the kernel's defaults filled
 * in (protocol/address/port of fwmark services are not part of the key, the
 * netmask defaults to a host mask), flags sorted. Dests keep their order.
 */
export function normalizeService(s: IpvsService): IpvsService {
  const fw = s.fwmark !== 0;
  return {
    family: s.family,
    protocol: fw ? "tcp" : s.protocol,
    address: fw ? "" : canonicalAddress(s.address),
    port: fw ? 0 : s.port,
    fwmark: s.fwmark,
    scheduler: s.scheduler,
    persistenceTimeout: s.persistenceTimeout,
    persistenceNetmask: s.persistenceNetmask === "" ? defaultNetmask(s.family) : s.persistenceNetmask,
    flags: [...new Set(s.flags)].sort(),
    dests: s.dests.map((d) => ({ ...d, address: canonicalAddress(d.address) })),
  };
}

function keyOf(s: IpvsServiceKey): IpvsServiceKey {
  return { family: s.family, protocol: s.protocol, address: s.address, port: s.port, fwmark: s.fwmark };
}

function sameServiceSettings(a: IpvsService, b: IpvsService): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.persistenceTimeout === b.persistenceTimeout &&
    a.persistenceNetmask === b.persistenceNetmask &&
    a.flags.join(",") === b.flags.join(",")
  );
}

function sameDest(a: IpvsDest, b: IpvsDest): boolean {
  return a.forward === b.forward && a.weight === b.weight && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;
}

function byKey<T>(items: T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    if (m.has(k)) throw new LvsStateError(`duplicate IPVS entry ${k}`);
    m.set(k, it);
  }
  return m;
}

/**
 * Ops in an order the kernel accepts and that never drops traffic needlessly:
 * unwanted services go first (frees their dests), then per wanted service its
 * settings, removed dests, changed dests, new dests. A new service is added
 * with its dests right after it. Output order is deterministic (sorted keys).
 */
export function reconcile(
  current: IpvsService[],
  desired: IpvsService[],
  owned: ReadonlySet<string>,
  opts: { only?: ReadonlySet<string> } = {},
): IpvsOp[] {
  // `only`: the caller knows which services changed (a checker flipped one real
  // server); everything else is skipped without being normalized or compared.
  const only = opts.only;
  const pick = only ? (s: IpvsService) => only.has(serviceKeyString(s)) : () => true;
  const cur = byKey(current.filter(pick).map(normalizeService), serviceKeyString);
  const want = byKey(desired.filter(pick).map(normalizeService), serviceKeyString);
  const ops: IpvsOp[] = [];

  for (const k of [...cur.keys()].sort()) {
    if (!want.has(k) && owned.has(k)) ops.push({ op: "delete-service", service: keyOf(cur.get(k)!) });
  }
  for (const k of [...want.keys()].sort()) {
    const w = want.get(k)!;
    const c = cur.get(k);
    const key = keyOf(w);
    if (!c) {
      const { dests, ...settings } = w;
      ops.push({ op: "add-service", service: { ...settings, dests: [] } });
      for (const d of sortedDests(dests)) ops.push({ op: "add-dest", service: key, dest: d });
      continue;
    }
    if (!sameServiceSettings(c, w)) {
      const { dests: _d, ...settings } = w;
      ops.push({ op: "edit-service", service: { ...settings, dests: [] } });
    }
    const cd = byKey(c.dests, destKeyString);
    const wd = byKey(w.dests, destKeyString);
    for (const dk of [...cd.keys()].sort()) if (!wd.has(dk)) ops.push({ op: "delete-dest", service: key, dest: cd.get(dk)! });
    for (const dk of [...wd.keys()].sort()) {
      const want1 = wd.get(dk)!;
      const have = cd.get(dk);
      if (have && !sameDest(have, want1)) ops.push({ op: "edit-dest", service: key, dest: want1 });
    }
    for (const dk of [...wd.keys()].sort()) if (!cd.has(dk)) ops.push({ op: "add-dest", service: key, dest: wd.get(dk)! });
  }
  return ops;
}

function sortedDests(ds: IpvsDest[]): IpvsDest[] {
  const keyed = ds.map((d) => [destKeyString(d), d] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
}

/** Human-readable op for logs and error messages: "add-dest tcp:198.18.0.10:80 -> 198.18.1.1:80". */
export function describeOp(o: IpvsOp): string {
  const svc = serviceKeyString(o.service);
  return "dest" in o ? `${o.op} ${svc} -> ${destKeyString(o.dest)}` : `${o.op} ${svc}`;
}
