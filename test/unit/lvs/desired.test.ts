import { describe, expect, test } from "bun:test";
import { defaultVirtualServer, type VirtualServer } from "../../../src/config/model.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { desiredService, desiredTable, forwardOf } from "../../../src/lvs/desired.ts";

const base: VirtualServer = {
  ...defaultVirtualServer(), ip: "198.18.0.10", port: 443, delayLoopMs: 6000, lbAlgo: "wlc", lbKind: "DR",
  persistenceTimeoutMs: 50_000, persistenceGranularity: "255.255.255.0",
  realServers: [
    { ip: "198.18.1.1", port: 443, weight: 2, uthreshold: 100, lthreshold: 10, checkers: [] },
    { ip: "198.18.1.2", port: 443, weight: 1, checkers: [] },
  ],
};

describe("desired IPVS service", () => {
  test("lb_kind maps to the forwarding method: NAT→masq, DR→route, TUN→tunnel", () => {
    expect(forwardOf("NAT")).toBe("masq");
    expect(forwardOf("DR")).toBe("route");
    expect(forwardOf("TUN")).toBe("tunnel");
    expect(() => forwardOf("XX" as never)).toThrow(/unknown lb_kind 'XX'/);
  });

  test("lb_algo, persistence (seconds, netmask) and thresholds carry into the service", () => {
    const svc = desiredService(base, new VirtualServerState(base));
    expect(svc).toEqual({
      family: 4, protocol: "tcp", address: "198.18.0.10", port: 443, fwmark: 0,
      scheduler: "wlc", persistenceTimeout: 50, persistenceNetmask: "255.255.255.0", flags: [],
      dests: [
        { address: "198.18.1.1", port: 443, forward: "route", weight: 2, upperThreshold: 100, lowerThreshold: 10 },
        { address: "198.18.1.2", port: 443, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0 },
      ],
    });
  });

  test("persistence timeout rounds up to whole seconds; none means 0", () => {
    expect(desiredService({ ...base, persistenceTimeoutMs: 1500 }, new VirtualServerState(base)).persistenceTimeout).toBe(2);
    expect(desiredService({ ...base, persistenceTimeoutMs: undefined }, new VirtualServerState(base)).persistenceTimeout).toBe(0);
  });

  test("fwmark services carry no address/port; real servers without a port keep the client's (0)", () => {
    const fwvs: VirtualServer = { ...base, ip: undefined, port: undefined, fwmark: 7, realServers: [{ ip: "198.18.1.1", weight: 1, checkers: [] }] };
    const fw = desiredService(fwvs, new VirtualServerState(fwvs));
    expect([fw.fwmark, fw.address, fw.port, fw.family]).toEqual([7, "", 0, 4]);
    expect(fw.dests.map((d) => d.port)).toEqual([0]);
  });

  test("protocol maps to IPVS's lowercase names", () => {
    expect(desiredService({ ...base, protocol: "UDP" }, new VirtualServerState(base)).protocol).toBe("udp");
    expect(desiredService({ ...base, protocol: "SCTP" }, new VirtualServerState(base)).protocol).toBe("sctp");
  });

  test("IPv6 services get family 6 and a /128 default granularity", () => {
    const v6: VirtualServer = { ...base, ip: "fd00::10", persistenceGranularity: undefined, realServers: [] };
    const s6 = desiredService(v6, new VirtualServerState(v6));
    expect([s6.family, s6.persistenceNetmask]).toEqual([6, "128"]);
  });

  test("desiredTable keeps the order of the virtual servers", () => {
    const b = { ...base, port: 80 };
    const t = desiredTable([{ vs: base, state: new VirtualServerState(base) }, { vs: b, state: new VirtualServerState(b) }]);
    expect(t.map((s) => s.port)).toEqual([443, 80]);
  });
});
