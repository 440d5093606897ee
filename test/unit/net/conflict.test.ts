import { expect, test } from "bun:test";
import { writeArpProbe, writeGratuitousArp } from "../../../src/net/arp.ts";
import { ARP_SENDER_MAC_OFFSET, arpConflict, naClaimantMacOffset, naConflict } from "../../../src/net/conflict.ts";
import { formatMac, parseIPv4, parseIPv6, parseMac } from "../../../src/net/ip-address.ts";
import { writeUnsolicitedNa } from "../../../src/net/ndisc.ts";
import { ETH_HEADER_LEN } from "../../../src/net/ethernet.ts";

const ours = parseMac("02:00:00:00:00:01");
const theirs = parseMac("02:00:00:00:00:02");
const vip4 = parseIPv4("198.18.0.100");
const vip6 = parseIPv6("fd00:198:18::100");

test("RFC 5227 §2.1.1: an ARP packet with our VIP as sender IP from another MAC is a conflict", () => {
  const f = new Uint8Array(64);
  const n = writeGratuitousArp(f, 0, theirs, vip4);
  expect(arpConflict(f, n, [parseIPv4("198.18.0.7"), vip4], ours)).toBe(1);
});

test("our own announcement and other addresses are not conflicts", () => {
  const f = new Uint8Array(64);
  const n = writeGratuitousArp(f, 0, ours, vip4);
  expect(arpConflict(f, n, [vip4], ours)).toBe(-1);
  const g = new Uint8Array(64);
  const m = writeGratuitousArp(g, 0, theirs, parseIPv4("198.18.0.5"));
  expect(arpConflict(g, m, [vip4], ours)).toBe(-1);
});

test("RFC 5227 probes (sender IP 0.0.0.0) from others are not claims", () => {
  const f = new Uint8Array(64);
  const n = writeArpProbe(f, 0, theirs, vip4);
  expect(arpConflict(f, n, [vip4], ours)).toBe(-1);
});

test("truncated frames are ignored", () => {
  const f = new Uint8Array(64);
  const n = writeGratuitousArp(f, 0, theirs, vip4);
  for (let len = 0; len < n; len++) expect(arpConflict(f, len, [vip4], ours)).toBe(-1);
});

test("RFC 4861 §7.2.6: an NA for our VIP with another target link-layer address is a conflict", () => {
  const f = new Uint8Array(128);
  const n = writeUnsolicitedNa(f, 0, theirs, vip6, true);
  expect(naConflict(f, n, [vip6], ours)).toBe(0);
  const g = new Uint8Array(128);
  const m = writeUnsolicitedNa(g, 0, ours, vip6, true);
  expect(naConflict(g, m, [vip6], ours)).toBe(-1);
  expect(naConflict(f, n, [parseIPv6("fd00::1")], ours)).toBe(-1);
});

test("RFC 4861 §4.6.1: the claimant of an NA is its target link-layer address, not the Ethernet source", () => {
  const f = new Uint8Array(128);
  const n = writeUnsolicitedNa(f, 0, theirs, vip6, true);
  f.set(ours, 6); // relayed or forged Ethernet source: the option says who claims the VIP
  const at = naClaimantMacOffset(f, n);
  expect(formatMac(f, at, 6)).toBe("02:00:00:00:00:02");
  expect(naConflict(f, n, [vip6], ours)).toBe(0);
});

/** The same NA without its Target Link-Layer Address option (payload length 24). */
function withoutTlla(src: Uint8Array): { f: Uint8Array; n: number } {
  const f = new Uint8Array(128);
  const n = writeUnsolicitedNa(f, 0, src, vip6, true) - 8;
  f[ETH_HEADER_LEN + 4] = 0;
  f[ETH_HEADER_LEN + 5] = 24;
  return { f, n };
}

test("RFC 4861 §7.2.4: an NA without the option (allowed for a unicast solicitation) is claimed by its Ethernet source", () => {
  const { f, n } = withoutTlla(theirs);
  expect(naClaimantMacOffset(f, n)).toBe(6);
  expect(naConflict(f, n, [vip6], ours)).toBe(0);
  const own = withoutTlla(ours);
  expect(naConflict(own.f, own.n, [vip6], ours)).toBe(-1);
});

test("options past the IPv6 payload length are not read (trailing Ethernet padding is no option)", () => {
  const { f, n } = withoutTlla(theirs);
  // a stale option after the payload, inside the received length
  f.set([2, 1, ...ours], n);
  expect(naClaimantMacOffset(f, n + 8)).toBe(6);
});

test("RFC 4861 §7.1.2: an NA with a hop limit below 255 (forwarded, not on-link) is not a claim", () => {
  const f = new Uint8Array(128);
  const n = writeUnsolicitedNa(f, 0, theirs, vip6, true);
  f[ETH_HEADER_LEN + 7] = 254;
  expect(naConflict(f, n, [vip6], ours)).toBe(-1);
});

test("truncated or non-NA frames are ignored", () => {
  const f = new Uint8Array(128);
  const n = writeUnsolicitedNa(f, 0, theirs, vip6, true);
  for (let len = 0; len < ETH_HEADER_LEN + 40 + 24; len++) expect(naConflict(f, len, [vip6], ours)).toBe(-1);
  const ns = f.slice();
  ns[ETH_HEADER_LEN + 40] = 135;
  expect(naConflict(ns, n, [vip6], ours)).toBe(-1);
  const arp = new Uint8Array(64);
  expect(naConflict(arp, writeGratuitousArp(arp, 0, theirs, vip4), [vip6], ours)).toBe(-1);
});

test("the ARP claimant is the sender hardware address", () => {
  const f = new Uint8Array(64);
  writeGratuitousArp(f, 0, theirs, vip4);
  expect(formatMac(f, ARP_SENDER_MAC_OFFSET, 6)).toBe("02:00:00:00:00:02");
});
