// Test support for the reconcile tests: applies ops to a table the way the
// kernel does (add fails on an existing key, edit/delete on a missing one), and
// generates random tables from a seeded PRNG so any failure reproduces.
import type { IpvsDest, IpvsScheduler, IpvsService } from "../../../src/lvs/ipvs-model.ts";
import { destKeyString, serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import type { IpvsOp } from "../../../src/lvs/reconcile.ts";
import { normalizeService } from "../../../src/lvs/reconcile.ts";

export function applyOps(table: IpvsService[], ops: IpvsOp[]): IpvsService[] {
  const m = new Map(table.map((s) => [serviceKeyString(s), structuredClone(normalizeService(s))]));
  for (const o of ops) {
    const k = serviceKeyString(o.service);
    const s = m.get(k);
    switch (o.op) {
      case "add-service":
        if (s) throw new Error(`add-service ${k}: EEXIST`);
        m.set(k, structuredClone(o.service));
        break;
      case "edit-service":
        if (!s) throw new Error(`edit-service ${k}: ENOENT`);
        m.set(k, { ...structuredClone(o.service), dests: s.dests });
        break;
      case "delete-service":
        if (!s) throw new Error(`delete-service ${k}: ENOENT`);
        m.delete(k);
        break;
      default: {
        if (!s) throw new Error(`${o.op} ${k}: service ENOENT`);
        const dk = destKeyString(o.dest);
        const i = s.dests.findIndex((d) => destKeyString(d) === dk);
        if (o.op === "add-dest") {
          if (i >= 0) throw new Error(`add-dest ${dk}: EEXIST`);
          s.dests.push({ ...o.dest });
        } else if (i < 0) {
          throw new Error(`${o.op} ${dk}: ENOENT`);
        } else if (o.op === "edit-dest") {
          s.dests[i] = { ...o.dest };
        } else {
          s.dests.splice(i, 1);
        }
      }
    }
  }
  return [...m.values()];
}

/** Order-independent comparable form of a table. */
export function canonicalTable(t: IpvsService[]): string {
  return JSON.stringify(
    t.map(normalizeService)
      .map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => (destKeyString(a) < destKeyString(b) ? -1 : 1)) }))
      .sort((a, b) => (serviceKeyString(a) < serviceKeyString(b) ? -1 : 1)),
  );
}

export { mulberry32 } from "../../../src/lvs/checkers/prng.ts";

const SCHEDULERS: IpvsScheduler[] = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"];

/** A random table drawn from a small key space so that two draws overlap. */
export function randomTable(rnd: () => number, maxServices = 6): IpvsService[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const n = Math.floor(rnd() * (maxServices + 1));
  const out = new Map<string, IpvsService>();
  for (let i = 0; i < n; i++) {
    const v6 = rnd() < 0.3;
    const fw = rnd() < 0.25 ? 1 + Math.floor(rnd() * 3) : 0;
    const s: IpvsService = {
      family: v6 ? 6 : 4,
      protocol: fw ? "tcp" : pick(["tcp", "udp", "sctp"] as const),
      address: fw ? "" : v6 ? `fd00::${1 + Math.floor(rnd() * 3)}` : `198.18.0.${1 + Math.floor(rnd() * 3)}`,
      port: fw ? 0 : pick([80, 443]),
      fwmark: fw,
      scheduler: pick(SCHEDULERS),
      persistenceTimeout: rnd() < 0.3 ? pick([50, 300]) : 0,
      persistenceNetmask: v6 ? pick(["", "128", "64"]) : pick(["", "255.255.255.255", "255.255.255.0"]),
      flags: [],
      dests: [],
    };
    // scheduler flags carry the scheduler's own names (as ipvsadm prints them)
    if (rnd() < 0.4) s.flags = s.scheduler === "sh" || s.scheduler === "mh" ? [`${s.scheduler}-${pick(["port", "fallback"])}`] : rnd() < 0.5 ? ["ops"] : ["flag-3"];
    const nd = Math.floor(rnd() * 5);
    const dests = new Map<string, IpvsDest>();
    for (let j = 0; j < nd; j++) {
      const d: IpvsDest = {
        address: v6 ? `fd00:1::${1 + Math.floor(rnd() * 4)}` : `198.18.1.${1 + Math.floor(rnd() * 4)}`,
        port: fw ? 0 : pick([80, 8080]),
        forward: pick(["masq", "route", "tunnel"] as const),
        weight: Math.floor(rnd() * 4),
        upperThreshold: rnd() < 0.2 ? 100 : 0,
        lowerThreshold: 0,
      };
      dests.set(destKeyString(d), d);
    }
    s.dests = [...dests.values()];
    out.set(serviceKeyString(normalizeService(s)), s);
  }
  return [...out.values()];
}
