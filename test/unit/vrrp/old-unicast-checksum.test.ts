// keepalived old_unicast_checksum [never] (2.2.7 vrrp.c, _WITH_UNICAST_CHKSUM_COMPAT_):
// keepalived ≤ 1.3.6 computed a VRRPv3 IPv4 unicast advert's checksum over a
// pseudo-header whose destination is the multicast group (224.0.0.18), not the
// peer (RFC 5798 §5.2.8). `old_unicast_checksum` sends and expects that one;
// without the keyword the RFC one is sent and the first unicast advert that
// passes only with the old one switches the instance (sent and expected);
// `never` turns the switch off.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import { Drop } from "../../../src/vrrp/drop-reasons.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";
import { VrrpInstance } from "../../../src/vrrp/instance.ts";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { resolveParams, VrrpParamsError, type VrrpParams } from "../../../src/vrrp/params.ts";

// VRRPv3, VRID 51, priority 100, one address 198.18.0.100, Max Adver Int 100 cs,
// from 198.18.0.1 unicast to 198.18.0.2. As 16-bit words (RFC 5798 §5.2):
//   3133 6401 0064 [cksum] c612 0064                         body sum   0x1_9c0e
// RFC 5798 §5.2.8 pseudo-header: c612 0001 c612 0002 0070 000c  sum 0x1_92a3
//   0x19c0e + 0x192a3 = 0x2e8b1 -> 0xe8b1 + 2 = 0xe8b3 -> checksum ~0xe8b3 = 0x174c
// keepalived ≤ 1.3.6: c612 0001 e000 0012 0070 000c           sum 0x1_66a1
//   0x19c0e + 0x166a1 = 0x302af -> 0x02af + 3 = 0x02b2 -> checksum ~0x02b2 = 0xfd4d
const RFC_CHECKSUM = 0x174c;
const OLD_CHECKSUM = 0xfd4d;
const advertWith = (checksum: number) =>
  new Uint8Array([0x31, 51, 100, 1, 0x00, 0x64, checksum >>> 8, checksum & 0xff, 198, 18, 0, 100]);

const sender: VrrpParams = {
  vrid: 51, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.100"], primary: "198.18.0.1", unicastPeers: ["198.18.0.2"],
};
const receiver: VrrpParams = { ...sender, primary: "198.18.0.2", unicastPeers: ["198.18.0.1"] };

function meta(src = "198.18.0.1", dst = "198.18.0.2"): RxMeta {
  const m = new RxMeta();
  m.src.set(parseIPv4(src));
  m.dst.set(parseIPv4(dst));
  m.ttl = 255;
  return m;
}
const checksumOf = (e: AdvertEncoder, n: number) => (e.buf[n - 6] << 8) | e.buf[n - 5];

describe("old_unicast_checksum", () => {
  test("RFC 5798 §5.2.8 by default; keepalived ≤ 1.3.6's over the multicast group with old_unicast_checksum (hand-computed packet)", () => {
    const rfc = new AdvertEncoder(resolveParams(sender));
    expect(Array.from(rfc.buf.subarray(0, rfc.encode(100)))).toEqual(Array.from(advertWith(RFC_CHECKSUM)));
    const old = new AdvertEncoder(resolveParams({ ...sender, oldUnicastChecksum: "always" }));
    expect(Array.from(old.buf.subarray(0, old.encode(100)))).toEqual(Array.from(advertWith(OLD_CHECKSUM)));
    // the priority is patched into the precomputed sum: still the old checksum at another priority
    const n = old.encode(200);
    expect(checksumOf(old, n)).toBe(OLD_CHECKSUM - 100 * 256);
  });

  test("old_unicast_checksum accepts only the old checksum; never accepts only RFC 5798's", () => {
    const always = new VrrpInstance({ ...receiver, oldUnicastChecksum: "always" });
    expect(always.validator.check(advertWith(OLD_CHECKSUM), 0, 12, meta())).toBe(Drop.None);
    expect(always.validator.check(advertWith(RFC_CHECKSUM), 0, 12, meta())).toBe(Drop.BadChecksum);
    const never = new VrrpInstance({ ...receiver, oldUnicastChecksum: "never" });
    expect(never.validator.check(advertWith(RFC_CHECKSUM), 0, 12, meta())).toBe(Drop.None);
    expect(never.validator.check(advertWith(OLD_CHECKSUM), 0, 12, meta())).toBe(Drop.BadChecksum);
    expect(never.validator.compat.old).toBe(false);
  });

  test("keepalived's auto-detection: the first advert with the old checksum switches what is accepted and what is sent", () => {
    const inst = new VrrpInstance(receiver);
    expect(inst.validator.check(advertWith(RFC_CHECKSUM), 0, 12, meta())).toBe(Drop.None);
    const before = checksumOf(inst.encoder, inst.encoder.encode(100));
    expect(inst.validator.compat.switched).toBe(0);
    // a wrong checksum that is not the old one either switches nothing
    expect(inst.validator.check(advertWith(OLD_CHECKSUM ^ 0x0100), 0, 12, meta())).toBe(Drop.BadChecksum);
    expect(inst.validator.compat.old).toBe(false);
    expect(inst.validator.check(advertWith(OLD_CHECKSUM), 0, 12, meta())).toBe(Drop.None);
    expect(inst.validator.compat).toMatchObject({ old: true, switched: 1 });
    // from now on RFC 5798's checksum is the wrong one, and our adverts carry the old one
    expect(inst.validator.check(advertWith(RFC_CHECKSUM), 0, 12, meta())).toBe(Drop.BadChecksum);
    const after = checksumOf(inst.encoder, inst.encoder.encode(100));
    expect(after).not.toBe(before);
    const peerOld = new AdvertEncoder(resolveParams({ ...receiver, oldUnicastChecksum: "always" }));
    expect(after).toBe(checksumOf(peerOld, peerOld.encode(100)));
  });

  test("only VRRPv3 IPv4 unicast adverts are concerned: multicast and v2 keep their one checksum", () => {
    const mc = new VrrpInstance({ ...receiver, unicastPeers: [], oldUnicastChecksum: "always" });
    const m = new AdvertEncoder(resolveParams({ ...sender, unicastPeers: [] }));
    expect(mc.validator.check(m.buf, 0, m.encode(100), meta("198.18.0.1", "224.0.0.18"))).toBe(Drop.None);
    expect(mc.validator.compat.applies).toBe(false);
    const v2 = new AdvertEncoder(resolveParams({ ...sender, version: 2, oldUnicastChecksum: "always" }));
    const v2rfc = new AdvertEncoder(resolveParams({ ...sender, version: 2 }));
    expect(checksumOf(v2, v2.encode(100) - 8)).toBe(checksumOf(v2rfc, v2rfc.encode(100) - 8));
    expect(() => resolveParams({ ...sender, oldUnicastChecksum: "sometimes" as never })).toThrow(VrrpParamsError);
  });

  const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
  const conf = (line: string, peers = "  unicast_peer {\n    198.18.0.1\n  }\n") =>
    `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  ${line}\n${peers}  virtual_ipaddress {\n    198.18.0.100\n  }\n}\n`;

  test("read, written back, through JSON and CBOR, to the core; a bad word refused with its line; no effect warned", () => {
    for (const [line, want] of [["old_unicast_checksum", "always"], ["old_unicast_checksum never", "never"]] as const) {
      const c = read(conf(line)).config!;
      expect(c.instances[0]!.oldUnicastChecksum).toBe(want);
      expect(writeKeepalived(c)).toContain(`    ${line}\n`);
      expect(read(writeKeepalived(c)).config).toEqual(c);
      expect(readJson(configToJson(c)).config).toEqual(c);
      expect(readCbor(configToCbor(c)).config).toEqual(c);
      expect(resolveParams(paramsFromConfig(c, c.instances[0]!, { primary: "198.18.0.2" })).oldUnicastChecksum).toBe(want);
    }
    const plain = read(conf("priority 100")).config!;
    expect(plain.instances[0]!.oldUnicastChecksum).toBeUndefined();
    expect(resolveParams(paramsFromConfig(plain, plain.instances[0]!, { primary: "198.18.0.2" })).oldUnicastChecksum).toBe("auto");
    const bad = read(conf("old_unicast_checksum always"));
    expect({ refused: bad.config === undefined, line: bad.errors[0]?.loc?.line, col: bad.errors[0]?.loc?.col }).toEqual({ refused: true, line: 4, col: 24 });
    const multicast = read(conf("old_unicast_checksum", ""));
    expect(multicast.warnings.map((w) => [w.loc?.line, w.message])).toContainEqual([4, expect.stringContaining("it has no unicast_peer, so it has no effect")]);
  });
});
