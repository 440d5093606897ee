import { describe, expect, test } from "bun:test";
import { ARP_FRAME_LEN, ARP_OP_REPLY, ARP_OP_REQUEST, arpShowsConflict, parseArp, writeArpProbe, writeGratuitousArp } from "../../../src/net/arp.ts";
import { formatIPv4, formatMac, parseIPv4, parseMac } from "../../../src/net/ip-address.ts";

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

// test/fixtures/keepalived-2.2.7-wire.md: keepalived's gratuitous ARP on becoming master.
const KEEPALIVED_GARP = hex(`
  ff ff ff ff ff ff ee bf 0b 87 9a a5 08 06 00 01
  08 00 06 04 00 01 ee bf 0b 87 9a a5 c6 12 00 64
  ff ff ff ff ff ff c6 12 00 64`);

describe("gratuitous ARP", () => {
  test("byte-exact with keepalived 2.2.7's capture (request, sender IP = target IP = VIP, target MAC broadcast)", () => {
    const buf = new Uint8Array(64).fill(0xaa);
    const n = writeGratuitousArp(buf, 0, parseMac("ee:bf:0b:87:9a:a5"), parseIPv4("198.18.0.100"));
    expect(n).toBe(ARP_FRAME_LEN);
    expect([...buf.subarray(0, n)]).toEqual([...KEEPALIVED_GARP]);
    expect(buf[n]).toBe(0xaa); // nothing written past the frame
  });

  test("writes at an offset inside a larger preallocated buffer", () => {
    const buf = new Uint8Array(100);
    writeGratuitousArp(buf, 30, parseMac("ee:bf:0b:87:9a:a5"), parseIPv4("198.18.0.100"));
    expect([...buf.subarray(30, 30 + ARP_FRAME_LEN)]).toEqual([...KEEPALIVED_GARP]);
    expect(buf.subarray(0, 30).every((b) => b === 0)).toBe(true);
  });

  test("parses back as a request whose sender and target IP are the VIP", () => {
    const r = parseArp(KEEPALIVED_GARP, KEEPALIVED_GARP.length);
    if (!r.ok) throw new Error(r.reason);
    expect(r.arp.op).toBe(ARP_OP_REQUEST);
    expect(formatIPv4(r.arp.senderIp)).toBe("198.18.0.100");
    expect(formatIPv4(r.arp.targetIp)).toBe("198.18.0.100");
    expect(formatMac(r.arp.senderMac)).toBe("ee:bf:0b:87:9a:a5");
  });
});

describe("ARP probe", () => {
  test("RFC 5227 §2.1.1: probe has sender IP 0.0.0.0, zero target MAC, target IP = address probed, broadcast", () => {
    const buf = new Uint8Array(ARP_FRAME_LEN);
    writeArpProbe(buf, 0, parseMac("02:00:00:00:00:01"), parseIPv4("198.18.0.100"));
    expect([...buf]).toEqual([...hex(`
      ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01
      08 00 06 04 00 01 02 00 00 00 00 01 00 00 00 00
      00 00 00 00 00 00 c6 12 00 64`)]);
  });

  test("RFC 5227 §2.1.1: a reply from another MAC with sender IP = probed address is a conflict; our own is not", () => {
    const reply = hex(`
      02 00 00 00 00 01 02 00 00 00 00 02 08 06 00 01
      08 00 06 04 00 02 02 00 00 00 00 02 c6 12 00 64
      02 00 00 00 00 01 00 00 00 00`);
    const r = parseArp(reply, reply.length);
    if (!r.ok) throw new Error(r.reason);
    expect(r.arp.op).toBe(ARP_OP_REPLY);
    const vip = parseIPv4("198.18.0.100");
    expect(arpShowsConflict(r.arp, vip, parseMac("02:00:00:00:00:01"))).toBe(true);
    expect(arpShowsConflict(r.arp, vip, parseMac("02:00:00:00:00:02"))).toBe(false);
    expect(arpShowsConflict(r.arp, parseIPv4("198.18.0.101"), parseMac("02:00:00:00:00:01"))).toBe(false);
  });
});

describe("ARP parser rejects bad frames with the field named", () => {
  const cases: [string, (f: Uint8Array) => number, RegExp][] = [
    ["short frame", () => 41, /shorter than an ARP frame/],
    ["wrong EtherType", (f) => { f[12] = 0x08; f[13] = 0x00; return 42; }, /EtherType 0x800 is not ARP/],
    ["hardware type", (f) => { f[15] = 6; return 42; }, /hardware type 6/],
    ["protocol type", (f) => { f[16] = 0x86; f[17] = 0xdd; return 42; }, /protocol type 0x86dd/],
    ["address lengths", (f) => { f[18] = 8; return 42; }, /address lengths 8\/4/],
    ["opcode", (f) => { f[21] = 3; return 42; }, /opcode 3/],
  ];
  for (const [name, mutate, re] of cases) {
    test(name, () => {
      const f = KEEPALIVED_GARP.slice();
      const len = mutate(f);
      const r = parseArp(f, len);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(re);
    });
  }
  test("length beyond the buffer", () => {
    const r = parseArp(KEEPALIVED_GARP, 100);
    expect(r.ok).toBe(false);
  });
});
