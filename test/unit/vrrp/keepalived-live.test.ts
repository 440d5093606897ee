// Interop of the codec with a live keepalived 2.2.7: keepalived runs three
// instances (v2 PASS, v3 IPv4 with two VIPs, v3 IPv6) on a veth inside a
// throwaway namespace (198.18.9.0/24, fd00:9::/64), tcpdump captures the other
// end. Every captured advert must pass our validator, and our encoder must
// produce the same bytes (IPv4 header included) for the same instance — the
// IPv6 pseudo-header checksum has no static vector, this proves it.
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Netns } from "../../helpers/netns.ts";
import { AdvertEncoder, AdvertValidator, Drop, RxMeta, resolveParams, type VrrpParams } from "../../../src/vrrp/index.ts";

const dir = mkdtempSync("/tmp/vigil-vrrp-ka-");
const procs: Subprocess[] = [];
let ns: Netns | null = null;

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

const KA_CONF = `
global_defs { router_id vigil-test }
vrrp_instance V2 {
  interface ka0
  virtual_router_id 61
  priority 255
  state MASTER
  advert_int 1
  version 2
  authentication {
    auth_type PASS
    auth_pass abc
  }
  virtual_ipaddress { 198.18.9.100 }
}
vrrp_instance V3 {
  interface ka0
  virtual_router_id 62
  priority 200
  state MASTER
  advert_int 0.1
  version 3
  virtual_ipaddress {
    198.18.9.101
    198.18.9.102
  }
}
vrrp_instance V6 {
  interface ka0
  virtual_router_id 63
  priority 180
  state MASTER
  advert_int 0.05
  version 3
  native_ipv6
  virtual_ipaddress {
    fd00:9::100
    fd00:9::101
  }
}
`;

/** keepalived's instances as core parameters (primary filled from the capture). */
const PEERS: Record<number, Omit<VrrpParams, "primary">> = {
  61: { vrid: 61, version: 2, family: 4, priority: 255, advertIntMs: 1000, preempt: true, preemptDelayMs: 0, accept: true, authPass: "abc", vips: ["198.18.9.100"] },
  62: { vrid: 62, version: 3, family: 4, priority: 200, advertIntMs: 100, preempt: true, preemptDelayMs: 0, accept: true, vips: ["198.18.9.101", "198.18.9.102"] },
  63: { vrid: 63, version: 3, family: 6, priority: 180, advertIntMs: 50, preempt: true, preemptDelayMs: 0, accept: true, vips: ["fd00:9::100", "fd00:9::101"] },
};

interface Captured {
  family: 4 | 6;
  ip: Uint8Array; // IP header + VRRP
  ipHeaderLen: number;
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
}

/** Reads a classic little-endian pcap of Ethernet frames; keeps IPv4/IPv6 protocol 112. */
function readPcap(buf: Uint8Array): Captured[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 24 || dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error("not a little-endian usec pcap");
  if (dv.getUint32(20, true) !== 1) throw new Error(`pcap link type ${dv.getUint32(20, true)} is not Ethernet`);
  const out: Captured[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = dv.getUint32(off + 8, true);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const et = (frame[12] << 8) | frame[13];
    const ip = frame.subarray(14);
    if (et === 0x0800 && ip[9] === 112) {
      const ihl = (ip[0] & 0x0f) * 4;
      const total = (ip[2] << 8) | ip[3];
      out.push({ family: 4, ip: ip.subarray(0, total), ipHeaderLen: ihl, src: ip.slice(12, 16), dst: ip.slice(16, 20), ttl: ip[8] });
    } else if (et === 0x86dd && ip[6] === 112) {
      const plen = (ip[4] << 8) | ip[5];
      out.push({ family: 6, ip: ip.subarray(0, 40 + plen), ipHeaderLen: 40, src: ip.slice(8, 24), dst: ip.slice(24, 40), ttl: ip[7] });
    }
  }
  return out;
}

async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  for (let i = 0; i < ms / 50; i++) {
    if (ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("codec interop with a live keepalived 2.2.7", () => {
  test("every keepalived advert validates, and our encoder reproduces it byte for byte (v2 PASS, v3 IPv4, v3 IPv6, priority 0)", async () => {
    ns = new Netns("vka");
    ns.exec(["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
    ns.exec(["ip", "link", "add", "ka0", "type", "veth", "peer", "name", "cap0"]);
    ns.exec(["ip", "addr", "add", "198.18.9.1/24", "dev", "ka0"]);
    ns.exec(["ip", "link", "set", "ka0", "up"]);
    ns.exec(["ip", "link", "set", "cap0", "up"]);
    writeFileSync(`${dir}/k.conf`, KA_CONF);
    const pcap = `${dir}/cap.pcap`;
    const td = spawn([...ns.prefix(), "tcpdump", "-i", "cap0", "-U", "-w", pcap, "ip proto 112 or ip6 proto 112"], { stdout: "ignore", stderr: "pipe" });
    procs.push(td);
    let tdLog = "";
    (async () => { for await (const c of td.stderr) tdLog += new TextDecoder().decode(c); })();
    await waitFor("tcpdump to listen", () => tdLog.includes("listening on"), 10000);
    // own pid files so no other keepalived on the machine is disturbed
    const ka = spawn([...ns.prefix(), "keepalived", "-n", "-l", "-D", "-P", "-f", `${dir}/k.conf`,
      "-p", `${dir}/k.pid`, "-r", `${dir}/v.pid`, "-c", `${dir}/c.pid`], { stdout: "ignore", stderr: "ignore" });
    procs.push(ka);
    // V2 is the owner (master at once, 1 s adverts); V3 and V6 win after their Master_Down_Interval
    await waitFor("adverts from all three instances", () => {
      try {
        const got = new Set(readPcap(readFileSync(pcap)).map((c) => c.ip[c.ipHeaderLen + 1]));
        return got.has(61) && got.has(62) && got.has(63);
      } catch { return false; }
    }, 15000);
    await Bun.sleep(1200); // a few more adverts each
    ka.kill("SIGTERM"); // RFC 5798 §6.4.3: each master sends priority 0 on shutdown
    await Promise.race([ka.exited, Bun.sleep(10000)]);
    await Bun.sleep(300);
    td.kill("SIGTERM");
    await Promise.race([td.exited, Bun.sleep(5000)]);

    const caps = readPcap(readFileSync(pcap));
    const perVrid = new Map<number, { n: number; zero: number }>();
    const meta = new RxMeta();
    for (const c of caps) {
      const vrrp = c.ip.subarray(c.ipHeaderLen);
      const vrid = vrrp[1];
      const peer = PEERS[vrid];
      expect(peer).toBeDefined();
      // receive side: a backup configured like keepalived's instance
      const ours = resolveParams({ ...peer, priority: 100, primary: c.family === 4 ? "198.18.9.2" : "fe80::2" });
      const v = new AdvertValidator(ours);
      meta.src.set(c.src);
      meta.dst.set(c.dst);
      meta.ttl = c.ttl;
      expect(v.check(vrrp, 0, vrrp.length, meta)).toBe(Drop.None);
      // send side: our encoder as keepalived's instance, same source address
      const enc = new AdvertEncoder(resolveParams({ ...peer, primary: c.src }), { ipHeader: c.family === 4 });
      const ipId = c.family === 4 ? (c.ip[4] << 8) | c.ip[5] : 0;
      const n = enc.encode(vrrp[2], 0, ipId);
      expect(Buffer.from(enc.buf.subarray(0, n)).toString("hex"))
        .toBe(Buffer.from(c.family === 4 ? c.ip : vrrp).toString("hex"));
      const s = perVrid.get(vrid) ?? { n: 0, zero: 0 };
      s.n++;
      if (vrrp[2] === 0) s.zero++;
      perVrid.set(vrid, s);
    }
    for (const vrid of [61, 62, 63]) {
      expect(perVrid.get(vrid)?.n ?? 0).toBeGreaterThanOrEqual(2);
      expect(perVrid.get(vrid)?.zero ?? 0).toBeGreaterThanOrEqual(1);
    }
  }, 60000);
});
