import { describe, expect, test } from "bun:test";
import { Attrs, AttrWriter } from "../../../../src/sys/netlink/attr.ts";
import { decodeDest, decodeService, IpvsRequestError, writeDest, writeServiceFull, writeServiceKeyNest } from "../../../../src/sys/ipvs/codec.ts";
import { IPVS_CMD_ATTR, IPVS_SVC_ATTR } from "../../../../src/sys/ipvs/constants.ts";
import type { IpvsDest, IpvsService } from "../../../../src/lvs/ipvs-model.ts";
import { normalizeService } from "../../../../src/lvs/reconcile.ts";
import { mulberry32, randomTable } from "../../lvs/reconcile-model.ts";

function roundTrip(s: IpvsService): IpvsService {
  const w = new AttrWriter();
  writeServiceFull(w, s, "test");
  const top = new Attrs(w.buf.subarray(0, w.len));
  const svc = decodeService(top.nested(IPVS_CMD_ATTR.SERVICE)!);
  svc.dests = s.dests.map((d) => {
    const dw = new AttrWriter();
    writeDest(dw, s, d, true, "test");
    return decodeDest(new Attrs(dw.buf.subarray(0, dw.len)).nested(IPVS_CMD_ATTR.DEST)!, s.family);
  });
  return svc;
}

const base: IpvsService = {
  family: 4, protocol: "tcp", address: "198.18.0.10", port: 80, fwmark: 0, scheduler: "wrr",
  persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests: [],
};
const d1: IpvsDest = { address: "198.18.1.1", port: 80, forward: "masq", weight: 1, upperThreshold: 0, lowerThreshold: 0 };

describe("IPVS attribute codec", () => {
  test("service attributes follow linux/ip_vs.h: port in network byte order, address in a 16-byte nf_inet_addr", () => {
    const w = new AttrWriter();
    writeServiceKeyNest(w, { ...base, port: 0x1f90 }, "test");
    const a = new Attrs(w.buf.subarray(0, w.len)).nested(IPVS_CMD_ATTR.SERVICE)!;
    expect([...a.get(IPVS_SVC_ATTR.PORT)!]).toEqual([0x1f, 0x90]);
    expect([...a.get(IPVS_SVC_ATTR.ADDR)!]).toEqual([198, 18, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(a.u16(IPVS_SVC_ATTR.PROTOCOL)).toBe(6);
  });

  test("IPv4 persistence netmask travels as the mask bytes, IPv6 as a prefix length", () => {
    const w = new AttrWriter();
    writeServiceFull(w, { ...base, persistenceTimeout: 60, persistenceNetmask: "255.255.255.0" }, "test");
    const a = new Attrs(w.buf.subarray(0, w.len)).nested(IPVS_CMD_ATTR.SERVICE)!;
    expect([...a.get(IPVS_SVC_ATTR.NETMASK)!]).toEqual([255, 255, 255, 0]);
    const w6 = new AttrWriter();
    writeServiceFull(w6, { ...base, family: 6, address: "fd00::1", persistenceTimeout: 60, persistenceNetmask: "64" }, "test");
    expect(new Attrs(w6.buf.subarray(0, w6.len)).nested(IPVS_CMD_ATTR.SERVICE)!.u32(IPVS_SVC_ATTR.NETMASK)).toBe(64);
  });

  test("persistence is the PERSISTENT flag: timeout without it decodes as not persistent", () => {
    const s = roundTrip({ ...base, persistenceTimeout: 300 });
    expect(s.persistenceTimeout).toBe(300);
    expect(roundTrip(base).persistenceTimeout).toBe(0);
  });

  test("scheduler flags: sh-port/sh-fallback on sh, flag-N names elsewhere, mismatches rejected", () => {
    expect(roundTrip({ ...base, scheduler: "sh", flags: ["sh-port", "sh-fallback"] }).flags).toEqual(["sh-fallback", "sh-port"]);
    expect(roundTrip({ ...base, scheduler: "mh", flags: ["mh-port", "ops"] }).flags).toEqual(["mh-port", "ops"]);
    expect(() => roundTrip({ ...base, scheduler: "rr", flags: ["sh-port"] })).toThrow('flag "sh-port" does not apply to scheduler rr');
  });

  test("bad requests fail before sending, naming the operation and the field", () => {
    const bad: [Partial<IpvsService>, string][] = [
      [{ address: "198.18.0.300" }, 'invalid address "198.18.0.300": part 4 is not 0-255'],
      [{ address: "fd00::1" }, "is not IPv4"],
      [{ port: 70000 }, "port 70000 is not 0-65535"],
      [{ scheduler: "a-very-long-scheduler" as never }, "must be 1-15 characters"],
      [{ persistenceTimeout: -1 }, "persistence timeout -1"],
      [{ persistenceTimeout: 1, persistenceNetmask: "255.0.x.0" }, "not a dotted mask"],
      [{ family: 6, address: "fd00::1", persistenceNetmask: "129" }, "not a prefix length 1-128"],
      [{ fwmark: -3 }, "fwmark -3"],
      [{ protocol: "icmp" as never }, 'protocol "icmp"'],
    ];
    for (const [over, msg] of bad) {
      const w = new AttrWriter();
      expect(() => writeServiceFull(w, { ...base, ...over }, "add-service X")).toThrow(msg);
      expect(() => writeServiceFull(new AttrWriter(), { ...base, ...over }, "add-service X")).toThrow(IpvsRequestError);
    }
    expect(() => writeDest(new AttrWriter(), base, { ...d1, weight: 2 ** 31 }, true, "add-dest X")).toThrow("weight 2147483648 is not 0-2147483647");
    expect(() => writeDest(new AttrWriter(), base, { ...d1, forward: "nat" as never }, true, "add-dest X")).toThrow('forwarding "nat"');
    // ip_vs_ctl.c: only a tunnel reaches a real server of the other family
    expect(() => writeDest(new AttrWriter(), base, { ...d1, address: "fd00::9", forward: "route" }, true, "add-dest X")).toThrow(
      "add-dest X: an IPv6 real server in an IPv4 service needs tunnel forwarding (lb_kind TUN), not route",
    );
    expect(() => writeDest(new AttrWriter(), base, { ...d1, address: "fd00::9", forward: "tunnel" }, true, "add-dest X")).not.toThrow();
  });

  test("property: every random table survives encode → decode unchanged", () => {
    const rnd = mulberry32(77);
    for (let i = 0; i < 500; i++) {
      for (const s of randomTable(rnd)) {
        const n = normalizeService(s);
        expect(normalizeService(roundTrip(n))).toEqual(n);
      }
    }
  });
});
