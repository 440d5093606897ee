import { describe, expect, test } from "bun:test";
import type { VirtualServerConfig } from "../../../src/lvs/desired-config.ts";
import { VirtualServerState } from "../../../src/lvs/rs-state.ts";
import { desiredService, desiredTable, forwardOf } from "../../../src/lvs/desired.ts";

const base: VirtualServerConfig = {
  protocol: "tcp", address: "198.18.0.10", port: 443, delayLoopMs: 6000, lbAlgo: "wlc", lbKind: "DR",
  persistenceTimeoutMs: 50_000, persistenceGranularity: "255.255.255.0",
  realServers: [
    { address: "198.18.1.1", port: 443, weight: 2, upperThreshold: 100, lowerThreshold: 10, checkers: [] },
    { address: "198.18.1.2", port: 443, weight: 1, lbKind: "TUN", checkers: [] },
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
        { address: "198.18.1.2", port: 443, forward: "tunnel", weight: 1, upperThreshold: 0, lowerThreshold: 0 },
      ],
    });
  });

  test("persistence timeout rounds up to whole seconds; none means 0", () => {
    expect(desiredService({ ...base, persistenceTimeoutMs: 1500 }, new VirtualServerState(base)).persistenceTimeout).toBe(2);
    expect(desiredService({ ...base, persistenceTimeoutMs: undefined }, new VirtualServerState(base)).persistenceTimeout).toBe(0);
  });

  test("fwmark services carry no address/port; IPv6 services get family 6 and a /128 default granularity", () => {
    const fw = desiredService({ ...base, fwmark: 7 }, new VirtualServerState(base));
    expect([fw.fwmark, fw.address, fw.port]).toEqual([7, "", 0]);
    const v6: VirtualServerConfig = { ...base, address: "fd00::10", persistenceGranularity: undefined, realServers: [] };
    const s6 = desiredService(v6, new VirtualServerState(v6));
    expect([s6.family, s6.persistenceNetmask]).toEqual([6, "128"]);
  });

  test("desiredTable keeps the order of the virtual servers", () => {
    const b = { ...base, port: 80 };
    const t = desiredTable([{ vs: base, state: new VirtualServerState(base) }, { vs: b, state: new VirtualServerState(b) }]);
    expect(t.map((s) => s.port)).toEqual([443, 80]);
  });
});
