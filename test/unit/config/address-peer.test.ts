// keepalived 2.2.7's `peer ADDR` on virtual_ipaddress(_excluded) and static_ipaddress
// entries (vrrp_ipaddress.c parse_ipaddr, measured with keepalived -t and `ip -d addr`
// under keepalived 2.2.7): the peer takes no prefix ("Invalid peer address
// 198.18.77.2/32", the address then added without a peer), a prefix on the address is
// replaced by 32 / 128 ("Cannot specify address prefix when specifying peer address -
// ignoring"), and the kernel shows `inet 198.18.80.1 peer 198.18.80.2/32`.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { read, addressConf, warningLines } from "./read-text.ts";

const conf = addressConf;
const warnings = warningLines;

describe("keepalived peer ADDR on an address", () => {
  const text = conf(["198.18.77.1 peer 198.18.77.2 dev eth0"], ["fd00:77::1 peer fd00:77::2"], ["198.18.78.1 brd 198.18.78.255 peer 198.18.78.2 dev eth0"]);

  test("peer is read into the model on virtual, excluded and static addresses, and the plans carry it", () => {
    const r = read(text);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const inst = r.config!.instances[0]!;
    expect(inst.virtualIpaddress).toEqual([{ address: "198.18.77.1", prefix: 32, dev: "eth0", peer: "198.18.77.2" }]);
    expect(inst.virtualIpaddressExcluded).toEqual([{ address: "fd00:77::1", prefix: 128, peer: "fd00:77::2" }]);
    expect(r.config!.staticIpaddress).toEqual([{ address: "198.18.78.1", prefix: 32, brd: "198.18.78.255", dev: "eth0", peer: "198.18.78.2" }]);
    const plan = configPlans(r.config!).plans[0]!;
    expect(plan.vips.map((v) => [v.address, v.prefix, v.peer])).toEqual([["198.18.77.1", 32, "198.18.77.2"], ["fd00:77::1", 128, "fd00:77::2"]]);
  });

  test("the keepalived writer, JSON and CBOR give the same config back", () => {
    const cfg = read(text).config!;
    expect(writeKeepalived(cfg)).toContain("198.18.77.1 dev eth0 peer 198.18.77.2");
    expect(read(writeKeepalived(cfg)).config).toEqual(cfg);
    expect(readJson(configToJson(cfg)).config).toEqual(cfg);
    expect(readCbor(configToCbor(cfg)).config).toEqual(cfg);
  });

  test("a prefix on the address gives way to the peer's 32 / 128 with a warning, as keepalived 2.2.7 adds it", () => {
    const r = read(conf(["198.18.82.1/24 peer 198.18.82.2"], ["fd00:78::1/64 peer fd00:78::2"]));
    const inst = r.config!.instances[0]!;
    expect([...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded].map((v) => `${v.address}/${v.prefix} ${v.peer}`)).toEqual(["198.18.82.1/32 198.18.82.2", "fd00:78::1/128 fd00:78::2"]);
    expect(warnings(r)).toEqual([
      "5:20 a peer address takes no prefix on the address: 198.18.82.1/24 is added as 198.18.82.1 peer 198.18.82.2/32, as keepalived 2.2.7 adds it",
      "8:19 a peer address takes no prefix on the address: fd00:78::1/64 is added as fd00:78::1 peer fd00:78::2/128, as keepalived 2.2.7 adds it",
    ]);
  });

  test("a peer with a prefix, of the other family, or given twice is ignored with a warning at its word; the address stays, as under keepalived 2.2.7", () => {
    const r = read(conf(["198.18.77.1 peer 198.18.77.2/32", "198.18.77.3 peer fd00::2", "198.18.77.4 peer 198.18.77.5 peer 198.18.77.6"]));
    expect(r.errors).toEqual([]);
    expect(r.config!.instances[0]!.virtualIpaddress).toEqual([
      { address: "198.18.77.1", prefix: 32 }, { address: "198.18.77.3", prefix: 32 }, { address: "198.18.77.4", prefix: 32, peer: "198.18.77.5" },
    ]);
    expect(warnings(r)).toEqual([
      "5:22 '198.18.77.2/32' is not a peer address (an address without /PREFIX): ignored, as keepalived 2.2.7 ignores it (\"Invalid peer address\")",
      "6:22 peer fd00::2 is not of 198.18.77.3's address family: ignored, as keepalived 2.2.7 ignores it",
      "7:39 peer 198.18.77.6: another peer has already been specified, ignored (as keepalived 2.2.7 ignores it)",
    ]);
  });

  test("'peer' without an address is an error at its word", () => {
    const r = read(conf(["198.18.77.1 peer"]));
    expect(r.errors.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`)).toEqual(["5:17 'peer' needs an address"]);
  });

  test("JSON: a peer of the other family, or a prefix other than 32 / 128 beside a peer, is an error at the field", () => {
    const r = readJson(JSON.stringify({
      instances: [{ name: "A", interface: "eth0", virtualRouterId: 1, virtualIpaddress: [{ address: "198.18.77.1", prefix: 32, peer: "fd00::2" }], virtualIpaddressExcluded: [{ address: "fd00::1", prefix: 64, peer: "fd00::2" }] }],
    }));
    expect(r.errors.map((d) => `${d.path?.join(".")}: ${d.message}`)).toEqual([
      "instances.0.virtualIpaddress.0.peer: peer fd00::2 is not of 198.18.77.1's address family (IPv4)",
      "instances.0.virtualIpaddressExcluded.0.prefix: fd00::1/64 has a peer: its prefix must be 128 (the kernel's prefix belongs to the peer; keepalived 2.2.7 replaces any other)",
    ]);
  });
});
