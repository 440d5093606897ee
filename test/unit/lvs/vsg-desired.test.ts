// virtual_server group NAME: one IPVS service per member of the group (every
// address of a range, every fwmark) with the same dests, and a reload that adds
// or removes a member changes that member's service only (pure reconcile).
import { describe, expect, test } from "bun:test";
import { defaultVirtualServer, type VirtualServer, type VirtualServerGroup } from "../../../src/config/model.ts";
import { desiredService, desiredServices } from "../../../src/lvs/desired.ts";
import { serviceKeyString } from "../../../src/lvs/ipvs-model.ts";
import { describeOp, reconcile } from "../../../src/lvs/reconcile.ts";
import { tableAfter } from "../../../src/lvs/reconcile-apply.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";

const web = (addresses: VirtualServerGroup["addresses"], fwmarks: VirtualServerGroup["fwmarks"] = []): VirtualServerGroup => ({ name: "web", addresses, fwmarks });
const vs: VirtualServer = {
  ...defaultVirtualServer(), group: "web", lbAlgo: "rr", lbKind: "NAT",
  realServers: [
    { ip: "198.18.1.1", port: 8080, weight: 3, checkers: [] },
    { ip: "198.18.1.2", port: 8080, weight: 1, checkers: [] },
  ],
};
const services = (g: VirtualServerGroup, v: VirtualServer = vs) => desiredServices(v, new VirtualServerState(v), new Map([[g.name, g]]));

describe("a group's services", () => {
  test("every address of a range and every fwmark is a service with the same dests", () => {
    const t = services(web([{ ip: "198.18.0.1", to: "198.18.0.3", port: 80 }], [{ fwmark: 7 }]));
    expect(t.map(serviceKeyString)).toEqual(["tcp:198.18.0.1:80", "tcp:198.18.0.2:80", "tcp:198.18.0.3:80", "fwm:4:7"]);
    for (const s of t) {
      expect(s.dests.map((d) => `${d.address}:${d.port}/${d.weight}/${d.forward}`)).toEqual(["198.18.1.1:8080/3/masq", "198.18.1.2:8080/1/masq"]);
      expect(s.scheduler).toBe("rr");
    }
  });

  test("a member without a port is an all-ports service (port 0); fwmark family from the entry, else the real servers", () => {
    const t = services(web([{ ip: "198.18.0.9" }], [{ fwmark: 8, family: "inet6" }, { fwmark: 9 }]));
    expect(t.map((s) => [serviceKeyString(s), s.port, s.family])).toEqual([["tcp:198.18.0.9:0", 0, 4], ["fwm:6:8", 0, 6], ["fwm:4:9", 0, 4]]);
  });

  test("in a group of both families each service gets the real servers of its family (IPVS forwards across families only by tunnel)", () => {
    const mixed: VirtualServer = { ...vs, realServers: [...vs.realServers, { ip: "fd00::1:1", port: 8080, weight: 1, checkers: [] }] };
    const t = services(web([{ ip: "198.18.0.1", port: 80 }, { ip: "fd00::a", port: 80 }]), mixed);
    expect(t.map((s) => [serviceKeyString(s), s.dests.map((d) => d.address)])).toEqual([
      ["tcp:198.18.0.1:80", ["198.18.1.1", "198.18.1.2"]],
      ["tcp:[fd00::a]:80", ["fd00::1:1"]],
    ]);
    const tun = services(web([{ ip: "fd00::a", port: 80 }]), { ...mixed, lbKind: "TUN" });
    expect(tun[0]!.dests.map((d) => d.address)).toEqual(["198.18.1.1", "198.18.1.2", "fd00::1:1"]);
  });

  test("persistence granularity applies to the members of its family; the others get the host mask", () => {
    const p: VirtualServer = { ...vs, persistenceTimeoutMs: 60_000, persistenceGranularity: "255.255.255.0" };
    const t = services(web([{ ip: "198.18.0.1", port: 80 }, { ip: "fd00::a", port: 80 }]), p);
    expect(t.map((s) => [s.persistenceTimeout, s.persistenceNetmask])).toEqual([[60, "255.255.255.0"], [60, "128"]]);
  });

  test("an unknown group has no services (the config check refuses it); desiredService refuses a group", () => {
    expect(desiredServices(vs, new VirtualServerState(vs), new Map())).toEqual([]);
    expect(() => desiredService(vs, new VirtualServerState(vs))).toThrow(/desiredServices/);
  });
});

describe("reload of a group: only the member that changed", () => {
  const before = web([{ ip: "198.18.0.1", to: "198.18.0.2", port: 80 }], [{ fwmark: 7 }]);
  const current = tableAfter([], reconcile([], services(before), new Set()));

  test("the first apply creates every member with its dests", () => {
    expect(reconcile([], services(before), new Set()).map(describeOp)).toEqual([
      "add-service fwm:4:7", "add-dest fwm:4:7 -> 198.18.1.1:8080", "add-dest fwm:4:7 -> 198.18.1.2:8080",
      "add-service tcp:198.18.0.1:80", "add-dest tcp:198.18.0.1:80 -> 198.18.1.1:8080", "add-dest tcp:198.18.0.1:80 -> 198.18.1.2:8080",
      "add-service tcp:198.18.0.2:80", "add-dest tcp:198.18.0.2:80 -> 198.18.1.1:8080", "add-dest tcp:198.18.0.2:80 -> 198.18.1.2:8080",
    ]);
  });

  test("a member added by widening the range: that service and its dests, nothing else", () => {
    const after = web([{ ip: "198.18.0.1", to: "198.18.0.3", port: 80 }], [{ fwmark: 7 }]);
    const owned = new Set(current.map(serviceKeyString));
    expect(reconcile(current, services(after), owned).map(describeOp)).toEqual([
      "add-service tcp:198.18.0.3:80", "add-dest tcp:198.18.0.3:80 -> 198.18.1.1:8080", "add-dest tcp:198.18.0.3:80 -> 198.18.1.2:8080",
    ]);
  });

  test("a member removed: that service is deleted, the others are left alone", () => {
    const after = web([{ ip: "198.18.0.1", port: 80 }], [{ fwmark: 7 }]);
    const owned = new Set(current.map(serviceKeyString));
    expect(reconcile(current, services(after), owned).map(describeOp)).toEqual(["delete-service tcp:198.18.0.2:80"]);
  });

  test("a fwmark member swapped for another: one delete, one add with its dests", () => {
    const after = web([{ ip: "198.18.0.1", to: "198.18.0.2", port: 80 }], [{ fwmark: 9 }]);
    const owned = new Set(current.map(serviceKeyString));
    expect(reconcile(current, services(after), owned).map(describeOp)).toEqual([
      "delete-service fwm:4:7", "add-service fwm:4:9", "add-dest fwm:4:9 -> 198.18.1.1:8080", "add-dest fwm:4:9 -> 198.18.1.2:8080",
    ]);
  });

  test("the same group again is no operation at all", () => {
    expect(reconcile(current, services(before), new Set(current.map(serviceKeyString)))).toEqual([]);
  });

  test("a real server failing is one dest op per member", () => {
    const state = new VirtualServerState({ ...vs, realServers: vs.realServers.map((r) => ({ ...r, checkers: [{ type: "TCP_CHECK", connectTimeoutMs: 1000, retry: 0, delayBeforeRetryMs: 0 }] })) });
    state.checker(1, 0, false);
    const t = desiredServices(vs, state, new Map([["web", before]]));
    expect(reconcile(current, t, new Set()).map(describeOp)).toEqual([
      "delete-dest fwm:4:7 -> 198.18.1.2:8080", "delete-dest tcp:198.18.0.1:80 -> 198.18.1.2:8080", "delete-dest tcp:198.18.0.2:80 -> 198.18.1.2:8080",
    ]);
  });
});
