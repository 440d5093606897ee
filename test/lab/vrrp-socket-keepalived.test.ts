// Interop on the receive side: Debian's keepalived 2.2.7, started by this test as
// master in one namespace, sends real VRRPv3 adverts (IPv4 and IPv6); VrrpSocket in
// the peer namespace must deliver them with TTL/hop limit 255, the sender's
// address and checksums that verify over the right pseudo-header.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Netns } from "../helpers/netns.ts";
import { fold, pseudoSumV4, pseudoSumV6, sum16 } from "../../src/net/checksum.ts";
import { formatIPv4, formatIPv6, isIPv6LinkLocal } from "../../src/net/ip-address.ts";
import { monotonicNs, NS_PER_MS } from "../../src/sys/clock.ts";
import { VRRP_GROUP_V4, VRRP_GROUP_V6, VrrpSocket } from "../../src/sys/vrrp-socket.ts";
import { ReadinessWaiter } from "../../src/sys/readiness-waiter.ts";

let a: Netns;
let b: Netns;
let tmp = "";
let keepalived: Subprocess | undefined;

const CONF = `
global_defs {
  router_id vt-ka
}
vrrp_instance V4 {
  state MASTER
  interface kva
  virtual_router_id 51
  priority 150
  advert_int 0.1
  version 3
  virtual_ipaddress {
    198.18.8.100/32
  }
}
vrrp_instance V6 {
  state MASTER
  interface kva
  virtual_router_id 52
  priority 150
  advert_int 0.1
  version 3
  virtual_ipaddress {
    fd00:8::100/128
  }
}
`;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "vigil-ka-"));
  a = new Netns("kaa");
  b = new Netns("kab");
  for (const ns of [a, b]) ns.exec(["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"]);
  a.exec(["ip", "link", "add", "kva", "type", "veth", "peer", "name", "kvb", "netns", b.name]);
  a.exec(["ip", "addr", "add", "198.18.8.1/24", "dev", "kva"]);
  b.exec(["ip", "addr", "add", "198.18.8.2/24", "dev", "kvb"]);
  a.exec(["ip", "link", "set", "kva", "up"]);
  b.exec(["ip", "link", "set", "kvb", "up"]);
  const ready = (ns: Netns, dev: string) =>
    ns.exec(["ip", "-o", "link", "show", dev]).includes("state UP") &&
    /inet6 fe80::[0-9a-f:]+\/64 scope link\s/.test(ns.exec(["ip", "-6", "-o", "addr", "show", "dev", dev, "scope", "link"]));
  for (let i = 0; i < 100 && !(ready(a, "kva") && ready(b, "kvb")); i++) Bun.sleepSync(50);
  if (!(ready(a, "kva") && ready(b, "kvb"))) throw new Error("veth pair not up with link-local addresses after 5 s");
  writeFileSync(join(tmp, "keepalived.conf"), CONF);
  keepalived = spawn(
    [...a.prefix(), "keepalived", "-n", "-l", "-G", "-P", "-f", join(tmp, "keepalived.conf"), "-p", join(tmp, "ka.pid"), "-r", join(tmp, "vrrp.pid")],
    { stdout: "ignore", stderr: "ignore" },
  );
});

afterAll(async () => {
  if (keepalived) {
    keepalived.kill("SIGTERM");
    await Promise.race([keepalived.exited, Bun.sleep(5000)]);
    if (keepalived.exitCode === null) keepalived.kill("SIGKILL");
  }
  // The VRRP child normally exits with its parent; make sure, by its own PID.
  const childPidFile = join(tmp, "vrrp.pid");
  if (existsSync(childPidFile)) {
    const pid = Number(readFileSync(childPidFile, "utf8").trim());
    if (pid > 1) { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } }
  }
  a?.delete();
  b?.delete();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Receives (bounded: 10 s) until a packet whose VRID is `vrid` arrives; returns its payload length. */
function receiveVrid(rx: VrrpSocket, vrid: number): number {
  const w = new ReadinessWaiter([rx.fd]);
  const deadline = monotonicNs() + 10_000 * NS_PER_MS;
  for (let i = 0; i < 10_000 && monotonicNs() < deadline; i++) {
    w.waitUntil(deadline);
    for (let k = 0; k < 100; k++) {
      const n = rx.recv();
      if (n < 0) break;
      if (n >= 8 && rx.rxBuffer[rx.rxPayloadOffset + 1] === vrid) return n;
    }
  }
  throw new Error(`no advert for VRID ${vrid} from keepalived within 10 s`);
}

test("RFC 5798 §5.1.1: keepalived's IPv4 VRRPv3 advert arrives with TTL 255, its source, and a checksum valid over the IPv4 pseudo-header (§5.2.8)", () => {
  const rx = b.run(() => new VrrpSocket({ family: 4, ifname: "kvb" }));
  try {
    const n = receiveVrid(rx, 51);
    const p = rx.rxPayloadOffset;
    const v = rx.rxBuffer;
    expect(rx.rxTtl).toBe(255);
    expect(formatIPv4(rx.rxSource)).toBe("198.18.8.1");
    expect(formatIPv4(rx.rxDestination)).toBe("224.0.0.18");
    expect(v[1]).toBe(0xc0); // keepalived's TOS
    expect(v[p]).toBe(0x31); // version 3, type 1 (advertisement)
    expect(v[p + 2]).toBe(150);
    expect(n).toBe(12);
    expect(fold(sum16(v, p, n, pseudoSumV4(rx.rxSource, 0, VRRP_GROUP_V4, 0, 112, n)))).toBe(0);
  } finally {
    rx.close();
  }
});

test("RFC 5798 §5.1.2: keepalived's IPv6 advert arrives with hop limit 255 from its link-local address, checksum valid over the IPv6 pseudo-header", () => {
  const rx = b.run(() => new VrrpSocket({ family: 6, ifname: "kvb" }));
  try {
    const n = receiveVrid(rx, 52);
    const v = rx.rxBuffer;
    expect(rx.rxTtl).toBe(255);
    expect(isIPv6LinkLocal(rx.rxSource)).toBe(true);
    expect(formatIPv6(rx.rxDestination)).toBe("ff02::12");
    expect(v[0]).toBe(0x31);
    expect(n).toBe(8 + 16);
    expect(formatIPv6(v, 8)).toBe("fd00:8::100");
    expect(fold(sum16(v, 0, n, pseudoSumV6(rx.rxSource, 0, VRRP_GROUP_V6, 0, 112, n)))).toBe(0);
  } finally {
    rx.close();
  }
});
