// Which IPVS services a new desired table reprograms: only those that differ from the table last applied.
import { describe, expect, test } from "bun:test";
import type { IpvsService } from "../../../src/lvs/ipvs-model.ts";
import { appliedTable, changedServices } from "../../../src/lvs/table-changes.ts";

function service(address: string, weights: number[]): IpvsService {
  return {
    family: 4, protocol: "tcp", address, port: 80, fwmark: 0, scheduler: "wlc", persistenceTimeout: 0, persistenceNetmask: "255.255.255.255", flags: [],
    dests: weights.map((weight, i) => ({ address: `198.18.1.${i + 1}`, port: 80, forward: "route", weight, upperThreshold: 0, lowerThreshold: 0 })),
  };
}

describe("changed IPVS services", () => {
  const a = service("198.18.0.10", [1, 1]);
  const b = service("198.18.0.11", [1]);
  test("the first table changes every service in it", () => {
    expect([...changedServices(new Map(), [a, b])]).toEqual(["tcp:198.18.0.10:80", "tcp:198.18.0.11:80"]);
  });
  test("the table as applied changes nothing", () => {
    expect(changedServices(appliedTable([a, b]), [a, b]).size).toBe(0);
  });
  test("a real server's new weight changes its one service", () => {
    expect([...changedServices(appliedTable([a, b]), [service("198.18.0.10", [1, 0]), b])]).toEqual(["tcp:198.18.0.10:80"]);
  });
  test("a service gone from the table is a change (to remove)", () => {
    expect([...changedServices(appliedTable([a, b]), [a])]).toEqual(["tcp:198.18.0.11:80"]);
  });
});
