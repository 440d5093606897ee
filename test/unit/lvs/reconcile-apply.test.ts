import { describe, expect, test } from "bun:test";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { normalizeService, reconcile } from "../../../src/lvs/reconcile.ts";
import { tableAfter } from "../../../src/lvs/reconcile-apply.ts";
import { applyOps, canonicalTable, mulberry32, randomTable } from "./reconcile-model.ts";

describe("table after ops (the IPVS adapter's cached kernel table)", () => {
  test("property: agrees with the kernel model on every reconcile of random tables", () => {
    const rnd = mulberry32(0xa991);
    for (let i = 0; i < 1500; i++) {
      const current = randomTable(rnd);
      const desired = randomTable(rnd);
      const owned = new Set(current.filter(() => rnd() < 0.7).map((s) => serviceKeyString(normalizeService(s))));
      const ops = reconcile(current, desired, owned);
      expect(canonicalTable(tableAfter(current, ops))).toBe(canonicalTable(applyOps(current, ops)));
    }
  });

  test("no ops: same table", () => {
    const t = randomTable(mulberry32(1), 5);
    expect(canonicalTable(tableAfter(t, []))).toBe(canonicalTable(t));
  });
});
