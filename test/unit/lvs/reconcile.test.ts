import { describe, expect, test } from "bun:test";
import type { IpvsDest, IpvsService } from "../../../src/lvs/ipvs-model.ts";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { describeOp, normalizeService, reconcile } from "../../../src/lvs/reconcile.ts";
import { applyOps, canonicalTable, mulberry32, randomTable } from "./reconcile-model.ts";

const dest = (address: string, weight = 1, forward: IpvsDest["forward"] = "masq"): IpvsDest => ({
  address, port: 80, forward, weight, upperThreshold: 0, lowerThreshold: 0,
});
const svc = (address: string, dests: IpvsDest[], over: Partial<IpvsService> = {}): IpvsService => ({
  family: address.includes(":") ? 6 : 4, protocol: "tcp", address, port: 80, fwmark: 0,
  scheduler: "wrr", persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests, ...over,
});
const keys = (t: IpvsService[]) => new Set(t.map((s) => serviceKeyString(normalizeService(s))));

describe("IPVS reconcile", () => {
  test("equal tables need no op", () => {
    const t = [svc("198.18.0.1", [dest("198.18.1.1"), dest("198.18.1.2")])];
    expect(reconcile(t, structuredClone(t), keys(t))).toEqual([]);
  });

  test("empty kernel: service added, then its dests", () => {
    const ops = reconcile([], [svc("198.18.0.1", [dest("198.18.1.2"), dest("198.18.1.1")])], new Set());
    expect(ops.map(describeOp)).toEqual([
      "add-service tcp:198.18.0.1:80",
      "add-dest tcp:198.18.0.1:80 -> 198.18.1.1:80",
      "add-dest tcp:198.18.0.1:80 -> 198.18.1.2:80",
    ]);
  });

  test("a weight change is one edit-dest, nothing else", () => {
    const cur = [svc("198.18.0.1", [dest("198.18.1.1"), dest("198.18.1.2")])];
    const want = [svc("198.18.0.1", [dest("198.18.1.1"), dest("198.18.1.2", 0)])];
    const ops = reconcile(cur, want, keys(cur));
    expect(ops).toEqual([{ op: "edit-dest", service: expect.anything(), dest: dest("198.18.1.2", 0) }]);
  });

  test("a forwarding change (NAT → DR) edits the dest in place", () => {
    const cur = [svc("198.18.0.1", [dest("198.18.1.1", 1, "masq")])];
    const want = [svc("198.18.0.1", [dest("198.18.1.1", 1, "route")])];
    expect(reconcile(cur, want, keys(cur)).map((o) => o.op)).toEqual(["edit-dest"]);
  });

  test("a scheduler or persistence change is edit-service; dests untouched", () => {
    const cur = [svc("198.18.0.1", [dest("198.18.1.1")])];
    const want = [svc("198.18.0.1", [dest("198.18.1.1")], { scheduler: "lc", persistenceTimeout: 300 })];
    const ops = reconcile(cur, want, keys(cur));
    expect(ops.map((o) => o.op)).toEqual(["edit-service"]);
    expect(ops[0]!.op === "edit-service" && ops[0]!.service.scheduler).toBe("lc");
  });

  test("services vigil does not own are left alone", () => {
    const foreign = svc("198.18.0.99", [dest("198.18.1.9")]);
    const mine = svc("198.18.0.1", [dest("198.18.1.1")]);
    expect(reconcile([foreign, mine], [], new Set([serviceKeyString(mine)])).map(describeOp)).toEqual([
      "delete-service tcp:198.18.0.1:80",
    ]);
  });

  test("a desired service that already exists unowned is adopted, not re-added", () => {
    const cur = [svc("198.18.0.1", [dest("198.18.1.1")])];
    const want = [svc("198.18.0.1", [dest("198.18.1.1"), dest("198.18.1.2")])];
    expect(reconcile(cur, want, new Set()).map((o) => o.op)).toEqual(["add-dest"]);
  });

  test("owned service removed from the config: deleted before anything is added", () => {
    const old = svc("198.18.0.1", [dest("198.18.1.1")]);
    const neu = svc("198.18.0.2", [dest("198.18.1.1")]);
    expect(reconcile([old], [neu], keys([old])).map((o) => o.op)).toEqual(["delete-service", "add-service", "add-dest"]);
  });

  test("IPv6 spellings and default netmasks compare equal", () => {
    const cur = [svc("fd00::1", [dest("fd00:1::1")], { persistenceTimeout: 60, persistenceNetmask: "128" })];
    const want = [svc("FD00:0:0::1", [dest("fd00:1:0:0::1")], { persistenceTimeout: 60, persistenceNetmask: "" })];
    expect(reconcile(cur, want, keys(cur))).toEqual([]);
  });

  test("fwmark services are keyed by mark and family only", () => {
    const cur = [svc("", [dest("198.18.1.1")], { fwmark: 7, port: 0, protocol: "tcp" })];
    const want = [svc("", [dest("198.18.1.1")], { fwmark: 7, port: 0, protocol: "udp" })];
    expect(reconcile(cur, want, keys(cur))).toEqual([]);
  });

  test("duplicate keys in a table are rejected with the key named", () => {
    const t = [svc("198.18.0.1", []), svc("198.18.0.1", [])];
    expect(() => reconcile([], t, new Set())).toThrow("duplicate IPVS entry tcp:198.18.0.1:80");
  });

  test("property: applying the ops to current yields desired; reconciling again yields nothing", () => {
    const rnd = mulberry32(0x5eed6);
    for (let i = 0; i < 2000; i++) {
      const current = randomTable(rnd);
      const desired = randomTable(rnd);
      const owned = keys(current);
      const ops = reconcile(current, desired, owned);
      const after = applyOps(current, ops);
      expect(canonicalTable(after)).toBe(canonicalTable(desired));
      expect(reconcile(after, desired, owned)).toEqual([]);
    }
  });

  test("property: unowned services survive byte for byte; ops never name them unless desired", () => {
    const rnd = mulberry32(0xf0e1);
    for (let i = 0; i < 1000; i++) {
      const current = randomTable(rnd);
      const desired = randomTable(rnd);
      const owned = new Set([...keys(current)].filter(() => rnd() < 0.5));
      const wanted = keys(desired);
      const ops = reconcile(current, desired, owned);
      for (const o of ops) {
        const k = serviceKeyString(o.service);
        expect(owned.has(k) || wanted.has(k)).toBe(true);
      }
      const after = applyOps(current, ops);
      const untouched = current.filter((s) => { const k = serviceKeyString(normalizeService(s)); return !owned.has(k) && !wanted.has(k); });
      const afterKeys = new Map(after.map((s) => [serviceKeyString(s), s]));
      for (const s of untouched) expect(canonicalTable([afterKeys.get(serviceKeyString(normalizeService(s)))!])).toBe(canonicalTable([s]));
    }
  });

  test("property: ops are minimal — one op per differing dest, at most one edit per service", () => {
    const rnd = mulberry32(0xabc);
    for (let i = 0; i < 500; i++) {
      const base = randomTable(rnd);
      const changed = structuredClone(base);
      let edits = 0;
      for (const s of changed) for (const d of s.dests) if (rnd() < 0.3) { d.weight += 1; edits++; }
      const ops = reconcile(base, changed, keys(base));
      expect(ops.length).toBe(edits);
      expect(ops.every((o) => o.op === "edit-dest")).toBe(true);
    }
  });
});

describe("IPVS reconcile restricted to changed services", () => {
  test("only: services outside the set are neither compared nor touched", () => {
    const a = svc("198.18.0.1", [dest("198.18.1.1")]);
    const b = svc("198.18.0.2", [dest("198.18.1.1")]);
    const want = [svc("198.18.0.1", [dest("198.18.1.1", 5)]), svc("198.18.0.2", [dest("198.18.1.1", 7)])];
    const ops = reconcile([a, b], want, keys([a, b]), { only: new Set([serviceKeyString(a)]) });
    expect(ops.map(describeOp)).toEqual(["edit-dest tcp:198.18.0.1:80 -> 198.18.1.1:80"]);
  });

  test("property: the union of per-service reconciles equals the full reconcile", () => {
    const rnd = mulberry32(0x0417);
    for (let i = 0; i < 300; i++) {
      const current = randomTable(rnd);
      const desired = randomTable(rnd);
      const owned = keys(current);
      const full = reconcile(current, desired, owned);
      const all = new Set([...owned, ...keys(desired)]);
      const parts = [...all].flatMap((k) => reconcile(current, desired, owned, { only: new Set([k]) }));
      expect(canonicalTable(applyOps(current, parts))).toBe(canonicalTable(applyOps(current, full)));
      expect(parts.length).toBe(full.length);
    }
  });
});
