// Pure parts of the lab harness: the pcap reader (on keepalived's own wire
// bytes, then fuzzed), the keepalived.conf writer, and the split-brain
// interval arithmetic and line parsers of the sampler. No namespaces needed.
import { describe, expect, test } from "bun:test";
import { readPcap, PcapError, adverts, garps, nas, ip6 } from "../helpers/pcap.ts";
import { keepalivedConf, validateSpec } from "../helpers/keepalived.ts";
import { multiHolderIntervals, parseArpingLine, parseMonitorLine } from "../helpers/sampler.ts";

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

// test/fixtures/keepalived-2.2.7-wire.md
const V2_PASS = hex(`01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
 00 28 00 04 00 00 ff 70 14 7c c6 12 00 01 e0 00 00 12 21 33 96 01 01 01 1e f1 c6 12 00 64 31 31 31 31 00 00 00 00`);
const V3_1S = hex(`01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
 00 20 00 04 00 00 ff 70 14 84 c6 12 00 01 e0 00 00 12 31 33 96 01 00 64 cb 4d c6 12 00 64`);
const V3_10MS = hex(`01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
 00 20 00 cf 00 00 ff 70 13 b9 c6 12 00 01 e0 00 00 12 31 33 96 01 00 01 cb b0 c6 12 00 64`);
const GARP = hex(`ff ff ff ff ff ff ee bf 0b 87 9a a5 08 06 00 01
 08 00 06 04 00 01 ee bf 0b 87 9a a5 c6 12 00 64 ff ff ff ff ff ff c6 12 00 64`);
// Unsolicited NA for fd00:198:18::100 from 02:00:00:00:00:01 (override set), built by hand per RFC 4861 §4.4.
const NA = hex(`33 33 00 00 00 01 02 00 00 00 00 01 86 dd 60 00 00 00 00 20 3a ff
 fe 80 00 00 00 00 00 00 00 00 00 ff fe 00 00 01 ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01
 88 00 00 00 20 00 00 00 fd 00 01 98 00 18 00 00 00 00 00 00 00 00 01 00 02 01 02 00 00 00 00 01`);

/** A classic little-endian µs pcap with the given frames, 1 ms apart from t=1000 s. */
function pcapOf(frames: Uint8Array[], opts: { nano?: boolean; bigEndian?: boolean } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le); dv.setUint16(6, 4, le); dv.setUint32(16, 65535, le); dv.setUint32(20, 1, le);
  let o = 24;
  frames.forEach((f, i) => {
    dv.setUint32(o, 1000, le);
    dv.setUint32(o + 4, opts.nano ? i * 1_000_000 : i * 1000, le);
    dv.setUint32(o + 8, f.length, le); dv.setUint32(o + 12, f.length, le);
    b.set(f, o + 16);
    o += 16 + f.length;
  });
  return b;
}

describe("pcap reader on keepalived 2.2.7 wire bytes", () => {
  test("RFC 3768 §5.3: VRRPv2 advert with PASS auth decodes vrid, priority, interval, address, password", () => {
    const [a] = adverts(readPcap(pcapOf([V2_PASS])));
    expect(a.d).toMatchObject({ family: 4, src: "198.18.0.1", dst: "224.0.0.18", ttl: 255, version: 2, type: 1, vrid: 51, priority: 150, count: 1, authType: 1, advertCs: 100, addrs: ["198.18.0.100"], authPass: "1111" });
    expect(a.srcMac).toBe("46:2f:ea:98:d2:3e");
    expect(a.t).toBe(1_000_000);
  });
  test("RFC 5798 §5.2.7: VRRPv3 max advert interval in centiseconds (1 s and 10 ms)", () => {
    const fs = readPcap(pcapOf([V3_1S, V3_10MS], { nano: true }));
    expect(adverts(fs).map((a) => [a.d.version, a.d.advertCs, a.d.priority])).toEqual([[3, 100, 150], [3, 1, 150]]);
    expect(fs[1].t - fs[0].t).toBeCloseTo(1, 6);
  });
  test("RFC 5227 §3: keepalived's gratuitous ARP request is recognised (sender IP = target IP)", () => {
    const [g] = garps(readPcap(pcapOf([GARP])), "198.18.0.100");
    expect(g.d).toMatchObject({ op: 1, senderMac: "ee:bf:0b:87:9a:a5", gratuitous: true });
  });
  test("RFC 4861 §7.2.6: unsolicited Neighbor Advertisement gives target, override flag and lladdr", () => {
    const [n] = nas(readPcap(pcapOf([NA])));
    expect(n.d).toMatchObject({ target: "fd00:198:18::100", override: true, solicited: false, router: false, lladdr: "02:00:00:00:00:01", dst: "ff02::1", src: "fe80::ff:fe00:1" });
  });
  test("big-endian files read the same", () => {
    expect(adverts(readPcap(pcapOf([V3_1S], { bigEndian: true })))[0].d.vrid).toBe(51);
  });
  test("a final record cut short by a killed tcpdump is dropped, earlier ones kept", () => {
    const full = pcapOf([V3_1S, V3_1S]);
    expect(readPcap(full.subarray(0, full.length - 5)).length).toBe(1);
  });
  test("errors say what and where: short header, bad magic, wrong link type, absurd record length", () => {
    expect(() => readPcap(new Uint8Array(10))).toThrow("file too short for the global header (10 bytes) at byte 0");
    expect(() => readPcap(new Uint8Array(24))).toThrow(/bad magic 0x0 .* at byte 0/);
    const lt = pcapOf([]); new DataView(lt.buffer).setUint32(20, 113, true);
    expect(() => readPcap(lt)).toThrow("link type 113 is not Ethernet (1) at byte 20");
    const big = pcapOf([V3_1S]); new DataView(big.buffer).setUint32(32, 0x7fffffff, true);
    expect(() => readPcap(big)).toThrow("record length 2147483647 exceeds 262144 at byte 32");
  });
  test("truncated or lying headers decode as malformed with a reason, never throw", () => {
    const lying = V3_1S.slice(); lying[14 + 23] = 9; // VRRP address count 9 in a 1-address packet
    const short = V3_1S.slice(0, 14 + 20 + 6);
    const fs = readPcap(pcapOf([lying, short, GARP.slice(0, 30)]));
    expect(fs.map((f) => f.d.kind)).toEqual(["malformed", "malformed", "malformed"]);
    expect((fs[0].d as { reason: string }).reason).toBe("VRRP with 9 addresses needs 44 bytes, has 12");
  });
  test("IPv6 text form follows RFC 5952 (longest zero run compressed, lower case)", () => {
    const a = new Uint8Array(16); a[0] = 0xfd; a[15] = 1;
    expect(ip6(a, 0)).toBe("fd00::1");
    const b = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ip6(b, 0)).toBe("2001:db8:0:1::1");
  });
});

describe("pcap reader fuzz", () => {
  // Seeded xorshift so a failure reproduces from the printed iteration.
  function rng(seed: number) { let x = seed >>> 0 || 1; return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; }; }
  test("20 000 mutated captures: only PcapError is ever thrown, and every frame decodes to a known kind", () => {
    const r = rng(0x5eed);
    const seeds = [pcapOf([V2_PASS, V3_1S, GARP, NA]), pcapOf([V3_10MS, NA], { nano: true, bigEndian: true })];
    const kinds = new Set(["vrrp", "arp", "na", "other", "malformed"]);
    for (let i = 0; i < 20_000; i++) {
      const b = seeds[i & 1].slice(0, 24 + Math.floor(r() * (seeds[i & 1].length - 24 + 8)));
      const flips = 1 + Math.floor(r() * 8);
      for (let k = 0; k < flips; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        for (const f of readPcap(b)) if (!kinds.has(f.d.kind)) throw new Error(`iteration ${i}: kind ${f.d.kind}`);
      } catch (e) {
        if (!(e instanceof PcapError)) throw new Error(`iteration ${i}: ${(e as Error).stack}`);
      }
    }
  });
});

describe("keepalived.conf writer", () => {
  test("writes one vrrp_instance per spec instance with keepalived's keywords", () => {
    const c = keepalivedConf({ routerId: "r1", rtPriority: 50, instances: [
      { vrid: 51, priority: 150, advertInt: 1, version: 2, authPass: "1111", vips: ["198.18.0.100"], nopreempt: true, unicastSrc: "198.18.0.1", unicastPeers: ["198.18.0.2"] },
      { vrid: 52, priority: 100, advertInt: 0.01, vips: ["fd00:198:18::100"], preemptDelay: 2, garpMasterDelay: 0 },
    ] });
    expect(c).toContain("router_id r1\n  vrrp_rt_priority 50\n}");
    expect(c).toContain("vrrp_instance VI_51 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  version 2\n  nopreempt\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }\n  unicast_src_ip 198.18.0.1\n  unicast_peer {\n    198.18.0.2\n  }\n  virtual_ipaddress {\n    198.18.0.100/32 dev eth0\n  }\n}");
    expect(c).toContain("vrrp_instance VI6_52 {");
    expect(c).toContain("advert_int 0.01\n  version 3\n  garp_master_delay 0\n  preempt_delay 2");
    expect(c).toContain("fd00:198:18::100/128 dev eth0");
  });
  test("rejects specs keepalived would refuse, naming the router and vrid", () => {
    const base = { vrid: 1, priority: 100, advertInt: 1, vips: ["198.18.0.100"] };
    expect(() => validateSpec({ routerId: "r1", instances: [{ ...base, vrid: 256 }] })).toThrow("router r1 vrid 256: vrid must be 1..255");
    expect(() => validateSpec({ routerId: "r1", instances: [{ ...base, vips: ["198.18.0.100", "fd00::1"] }] })).toThrow("mix IPv4 and IPv6");
    expect(() => validateSpec({ routerId: "r1", instances: [{ ...base, authPass: "x" }] })).toThrow("RFC 5798 §9");
    expect(() => validateSpec({ routerId: "r1", instances: [{ ...base, version: 2, authPass: "123456789" }] })).toThrow("1..8 non-space");
    expect(() => validateSpec({ routerId: "r 1", instances: [base] })).toThrow("bad routerId");
    expect(() => validateSpec({ routerId: "r1", instances: [{ ...base, advertInt: 0.001 }] })).toThrow("advertInt must be 0.01..255 s");
  });
});

describe("sampler arithmetic", () => {
  const ev = (t: number, router: number, present: boolean) => ({ t, router, present });
  test("one interval per stretch of two or more holders, merged across holder changes", () => {
    const iv = multiHolderIntervals([ev(0, 1, true), ev(0, 2, false), ev(10, 2, true), ev(15, 3, true), ev(20, 1, false), ev(30, 2, false), ev(35, 3, false), ev(40, 1, true)], 0, 100);
    expect(iv).toEqual([{ start: 10, end: 30, holders: [1, 2, 3], censored: false }]);
  });
  test("an interval still open when the window closes is censored at the window end", () => {
    expect(multiHolderIntervals([ev(0, 1, true), ev(50, 2, true)], 0, 80)).toEqual([{ start: 50, end: 80, holders: [1, 2], censored: true }]);
  });
  test("intervals are clipped to the window", () => {
    expect(multiHolderIntervals([ev(0, 1, true), ev(5, 2, true), ev(60, 2, false)], 20, 100)).toEqual([{ start: 20, end: 60, holders: [1, 2], censored: false }]);
    expect(multiHolderIntervals([ev(0, 1, true), ev(5, 2, true), ev(10, 2, false)], 20, 100)).toEqual([]);
  });
  test("ip -ts monitor lines: adds, deletes, tentative IPv6, other addresses ignored", () => {
    const add = parseMonitorLine("[2026-11-26T09:04:42.425531] 2: eth0    inet 198.18.0.100/32 scope global eth0\\       valid_lft forever preferred_lft forever", "198.18.0.100");
    expect(add?.present).toBe(true);
    expect(add!.t).toBe(new Date(2026, 10, 26, 9, 4, 42).getTime() + 425.531);
    expect(parseMonitorLine("[2026-11-26T09:04:42.440934] Deleted 2: eth0    inet 198.18.0.100/32 scope global eth0", "198.18.0.100")?.present).toBe(false);
    expect(parseMonitorLine("[2026-11-26T09:04:42.434012] 2: eth0    inet6 fd00::5/128 scope global tentative \\  valid_lft forever", "fd00::5")?.present).toBe(false);
    expect(parseMonitorLine("[2026-11-26T09:04:42.434012] 2: eth0    inet 198.18.0.1/24 scope global eth0", "198.18.0.100")).toBeNull();
    expect(parseMonitorLine("garbage", "198.18.0.100")).toBeNull();
  });
  test("arping lines give the answering MAC for the VIP only", () => {
    expect(parseArpingLine("42 bytes from 02:00:00:00:00:02 (198.18.0.100): index=0 time=21.701 usec", "198.18.0.100")).toBe("02:00:00:00:00:02");
    expect(parseArpingLine("42 bytes from 02:00:00:00:00:02 (198.18.0.1): index=0 time=21.701 usec", "198.18.0.100")).toBeNull();
    expect(parseArpingLine("Timeout", "198.18.0.100")).toBeNull();
  });
});

describe("sampler line parsers fuzz", () => {
  test("20 000 mutated monitor and arping lines: never throw; any result is for the VIP with a finite time", () => {
    let x = 0xc0ffee;
    const r = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
    const seeds = ["[2026-11-26T09:04:42.425531] 2: eth0    inet 198.18.0.100/32 scope global eth0\\       valid_lft forever", "[2026-11-26T09:04:42.440934] Deleted 2: eth0    inet6 fd00::100/128 scope global", "42 bytes from 02:00:00:00:00:02 (198.18.0.100): index=0 time=21.701 usec"];
    const alphabet = "0123456789abcdef:./[]-T() \\Deletinet6";
    for (let i = 0; i < 20_000; i++) {
      const c = seeds[i % 3].split("");
      for (let k = 1 + Math.floor(r() * 6); k > 0; k--) {
        const at = Math.floor(r() * c.length);
        const op = r();
        if (op < 0.4) c[at] = alphabet[Math.floor(r() * alphabet.length)];
        else if (op < 0.7) c.splice(at, 1);
        else c.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]);
      }
      const line = c.join("");
      for (const vip of ["198.18.0.100", "fd00::100"]) {
        const m = parseMonitorLine(line, vip);
        if (m && !Number.isFinite(m.t)) throw new Error(`iteration ${i}: non-finite time from ${JSON.stringify(line)}`);
        const a = parseArpingLine(line, vip);
        if (a !== null && !/^[0-9a-f:]{17}$/.test(a)) throw new Error(`iteration ${i}: bad MAC from ${JSON.stringify(line)}`);
      }
    }
  });
});
