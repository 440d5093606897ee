// AF_PACKET frames against the real kernel: two namespaces on a veth pair
// (198.18.5.0/24, fd00:5::/64). What PacketSocket sends is captured by tcpdump in the
// peer namespace and compared byte for byte with the builders' output, and the
// peer's kernel must act on it (neighbour entries follow GARP / unsolicited NA).
// Probes must draw a reply from the namespace that holds the address.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Netns } from "../helpers/netns.ts";
import { ARP_FRAME_LEN, arpShowsConflict, parseArp, writeArpProbe, writeGratuitousArp } from "../../src/net/arp.ts";
import { ETHERTYPE_ARP, ETHERTYPE_IPV6 } from "../../src/net/ethernet.ts";
import { formatMac, parseIPv4, parseIPv6 } from "../../src/net/ip-address.ts";
import { ICMPV6_NA, ndShowsConflict, parseNdisc, UNSOLICITED_NA_LEN, writeNeighborSolicitation, writeUnsolicitedNa } from "../../src/net/ndisc.ts";
import { monotonicNs, NS_PER_MS } from "../../src/sys/clock.ts";
import { PACKET_OUTGOING, PacketSocket } from "../../src/sys/packet-socket.ts";
import { ReadinessWaiter } from "../../src/sys/readiness-waiter.ts";

let a: Netns;
let b: Netns;
let macB = "";
let tmp = "";

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "vigil-pkt-"));
  a = new Netns("psa");
  b = new Netns("psb");
  for (const ns of [a, b]) ns.exec(["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"]);
  a.exec(["ip", "link", "add", "pka", "type", "veth", "peer", "name", "pkb", "netns", b.name]);
  a.exec(["ip", "addr", "add", "198.18.5.1/24", "dev", "pka"]);
  a.exec(["ip", "addr", "add", "fd00:5::1/64", "dev", "pka", "nodad"]);
  b.exec(["ip", "addr", "add", "198.18.5.2/24", "dev", "pkb"]);
  b.exec(["ip", "addr", "add", "fd00:5::2/64", "dev", "pkb", "nodad"]);
  // A GARP may replace an entry younger than locktime (1 s default) only with locktime 0.
  b.exec(["sysctl", "-qw", "net.ipv4.neigh.pkb.locktime=0"]);
  a.exec(["ip", "link", "set", "pka", "up"]);
  b.exec(["ip", "link", "set", "pkb", "up"]);
  const ready = (ns: Netns, dev: string) =>
    ns.exec(["ip", "-o", "link", "show", dev]).includes("state UP") &&
    /inet6 fe80::[0-9a-f:]+\/64 scope link\s/.test(ns.exec(["ip", "-6", "-o", "addr", "show", "dev", dev, "scope", "link"]));
  for (let i = 0; i < 100 && !(ready(a, "pka") && ready(b, "pkb")); i++) Bun.sleepSync(50);
  if (!(ready(a, "pka") && ready(b, "pkb"))) throw new Error("veth pair not up with link-local addresses after 5 s");
  macB = /link\/ether ([0-9a-f:]{17})/.exec(b.exec(["ip", "-o", "link", "show", "pkb"]))?.[1] ?? "";
});

afterAll(() => {
  a?.delete();
  b?.delete();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Minimal classic-pcap reader: the captured bytes of each record. */
function pcapFrames(file: string): Uint8Array[] {
  const buf = new Uint8Array(readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 24) return [];
  const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
  const out: Uint8Array[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = dv.getUint32(off + 8, le);
    if (off + 16 + incl > buf.length) break;
    out.push(buf.slice(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return out;
}

/** tcpdump on `dev` in `ns`, writing a pcap; resolves once it is listening (bounded: 10 s). */
async function startCapture(ns: Netns, dev: string, filter: string, file: string): Promise<Subprocess> {
  const p = spawn([...ns.prefix(), "tcpdump", "-U", "-nni", dev, "-w", file, filter], { stdout: "ignore", stderr: "pipe" });
  const reader = p.stderr.getReader();
  let err = "";
  const until = Date.now() + 10_000;
  while (!err.includes("listening on") && Date.now() < until) {
    const r = await Promise.race([reader.read(), Bun.sleep(500).then(() => null)]);
    if (r === null) continue;
    if (r.done) break;
    err += new TextDecoder().decode(r.value);
  }
  reader.releaseLock();
  if (!err.includes("listening on")) {
    p.kill();
    throw new Error(`tcpdump did not start: ${err}`);
  }
  return p;
}

/** Stops tcpdump (SIGINT flushes the file) and returns the frames it wrote. */
async function stopCapture(p: Subprocess, file: string, want: number): Promise<Uint8Array[]> {
  for (let i = 0; i < 40 && pcapFrames(file).length < want; i++) await Bun.sleep(50);
  p.kill("SIGINT");
  await Promise.race([p.exited, Bun.sleep(5000)]);
  if (p.exitCode === null) p.kill("SIGKILL");
  return pcapFrames(file);
}

/** Receives frames on `s` (bounded: `ms`) until `accept` returns true for one of them. */
function receiveUntil(s: PacketSocket, ms: number, accept: (frame: Uint8Array, len: number) => boolean): boolean {
  const w = new ReadinessWaiter([s.fd]);
  const deadline = monotonicNs() + ms * NS_PER_MS;
  for (let i = 0; i < 1000 && monotonicNs() < deadline; i++) {
    w.waitUntil(deadline);
    for (let k = 0; k < 100; k++) {
      const n = s.recv();
      if (n < 0) break;
      if (s.rxPacketType === PACKET_OUTGOING) continue;
      if (accept(s.rxBuffer, n)) return true;
    }
  }
  return false;
}

const neighMac = (ns: Netns, ip: string, dev: string) => /lladdr ([0-9a-f:]{17})/.exec(ns.exec(["ip", "neigh", "show", ip, "dev", dev]))?.[1] ?? "";

describe("gratuitous ARP over AF_PACKET", () => {
  test("the frame on the wire is byte-exact with the builder and the peer's ARP entry moves to our MAC", async () => {
    const s = a.run(() => new PacketSocket("pka", ETHERTYPE_ARP));
    const file = join(tmp, "garp.pcap");
    try {
      b.exec(["ip", "neigh", "replace", "198.18.5.100", "lladdr", "02:00:00:00:00:99", "dev", "pkb", "nud", "stale"]);
      const frame = new Uint8Array(64);
      const len = writeGratuitousArp(frame, 0, s.mac, parseIPv4("198.18.5.100"));
      const cap = await startCapture(b, "pkb", "arp", file);
      expect(s.send(frame, len)).toBe(ARP_FRAME_LEN);
      const got = await stopCapture(cap, file, 1);
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect([...got[0]]).toEqual([...frame.subarray(0, len)]);
      expect(neighMac(b, "198.18.5.100", "pkb")).toBe(formatMac(s.mac));
    } finally {
      s.close();
    }
  });
});

describe("unsolicited NA over AF_PACKET", () => {
  test("RFC 4861 §7.2.6: the NA on the wire is byte-exact and the peer's neighbour entry takes our MAC (Override)", async () => {
    const s = a.run(() => new PacketSocket("pka", ETHERTYPE_IPV6));
    const file = join(tmp, "na.pcap");
    try {
      b.exec(["ip", "-6", "neigh", "replace", "fd00:5::100", "lladdr", "02:00:00:00:00:99", "dev", "pkb", "nud", "stale"]);
      const frame = new Uint8Array(UNSOLICITED_NA_LEN);
      const len = writeUnsolicitedNa(frame, 0, s.mac, parseIPv6("fd00:5::100"), false);
      const cap = await startCapture(b, "pkb", "icmp6 and ip6[40] == 136", file);
      expect(s.send(frame, len)).toBe(UNSOLICITED_NA_LEN);
      const got = await stopCapture(cap, file, 1);
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect([...got[0]]).toEqual([...frame]);
      // The kernel validates hop limit and checksum (RFC 4861 §7.1.2) before updating.
      let mac = "";
      for (let i = 0; i < 40 && mac !== formatMac(s.mac); i++) {
        mac = neighMac(b, "fd00:5::100", "pkb");
        if (mac !== formatMac(s.mac)) await Bun.sleep(25);
      }
      expect(mac).toBe(formatMac(s.mac));
    } finally {
      s.close();
    }
  });
});

describe("duplicate-address probes", () => {
  test("RFC 5227 §2.1.1: an ARP probe for an address the peer holds draws a reply from the peer's MAC", () => {
    const s = a.run(() => new PacketSocket("pka", ETHERTYPE_ARP));
    try {
      const target = parseIPv4("198.18.5.2");
      const frame = new Uint8Array(ARP_FRAME_LEN);
      writeArpProbe(frame, 0, s.mac, target);
      expect(s.send(frame, ARP_FRAME_LEN)).toBe(ARP_FRAME_LEN);
      let replyMac = "";
      const found = receiveUntil(s, 2000, (f, n) => {
        const r = parseArp(f, n);
        if (!r.ok || !arpShowsConflict(r.arp, target, s.mac)) return false;
        replyMac = formatMac(r.arp.senderMac);
        return true;
      });
      expect(found).toBe(true);
      expect(replyMac).toBe(macB);
    } finally {
      s.close();
    }
  });

  test("RFC 5227 §2.1.1: a probe for an address nobody holds draws no conflict", () => {
    const s = a.run(() => new PacketSocket("pka", ETHERTYPE_ARP));
    try {
      const target = parseIPv4("198.18.5.77");
      const frame = new Uint8Array(ARP_FRAME_LEN);
      writeArpProbe(frame, 0, s.mac, target);
      expect(s.send(frame, ARP_FRAME_LEN)).toBe(ARP_FRAME_LEN);
      expect(receiveUntil(s, 300, (f, n) => { const r = parseArp(f, n); return r.ok && arpShowsConflict(r.arp, target, s.mac); })).toBe(false);
    } finally {
      s.close();
    }
  });

  test("RFC 4862 §5.4.3: a DAD-style NS for the peer's address draws an NA to all-nodes from the holder", () => {
    const s = a.run(() => new PacketSocket("pka", ETHERTYPE_IPV6));
    try {
      const target = parseIPv6("fd00:5::2");
      const frame = new Uint8Array(100);
      const len = writeNeighborSolicitation(frame, 0, s.mac, target, null);
      expect(s.send(frame, len)).toBe(len);
      let holder = "";
      const found = receiveUntil(s, 2000, (f, n) => {
        const r = parseNdisc(f, n);
        if (!r.ok || r.nd.type !== ICMPV6_NA || !ndShowsConflict(r.nd, target, s.mac)) return false;
        holder = formatMac(r.nd.lladdr ?? r.nd.srcMac);
        return true;
      });
      expect(found).toBe(true);
      expect(holder).toBe(macB);
    } finally {
      s.close();
    }
  });

  test("the socket learns the interface MAC from the kernel", () => {
    const s = b.run(() => new PacketSocket("pkb", ETHERTYPE_ARP));
    try {
      expect(formatMac(s.mac)).toBe(macB);
    } finally {
      s.close();
    }
  });

  test("a missing interface is named in the error (ENODEV)", () => {
    expect(() => a.run(() => new PacketSocket("nosuch0", ETHERTYPE_ARP))).toThrow(/if_nametoindex nosuch0: ENODEV/);
  });
});
