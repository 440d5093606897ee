import { expect, test } from "bun:test";
import { writeArpProbe, writeGratuitousArp } from "../../../src/net/arp.ts";
import { arpConflict, naConflict } from "../../../src/net/conflict.ts";
import { parseIPv4, parseIPv6, parseMac } from "../../../src/net/ip-address.ts";
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
  const icmp = f.subarray(ETH_HEADER_LEN + 40, n);
  expect(naConflict(icmp, icmp.length, [vip6], ours)).toBe(0);
  const g = new Uint8Array(128);
  const m = writeUnsolicitedNa(g, 0, ours, vip6, true);
  const own = g.subarray(ETH_HEADER_LEN + 40, m);
  expect(naConflict(own, own.length, [vip6], ours)).toBe(-1);
  expect(naConflict(icmp, icmp.length, [parseIPv6("fd00::1")], ours)).toBe(-1);
});
