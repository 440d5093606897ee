// PING_CHECK and UDP_CHECK against real hosts in network namespaces: a target
// that answers (echo, a UDP echo server, a silent UDP socket, closed ports), a
// host that ignores ICMP echo, addresses nobody holds (neighbour resolution
// fails: the kernel's own ICMP unreachable ends the check) and one behind a
// neighbour entry that swallows everything (only the timeout ends it).
//
//   chk 198.18.78.1 fd00:78::1 ── veth ── tgt 198.18.78.2 fd00:78::2
//   chk 198.18.79.1 fd00:79::1 ── veth ── mute 198.18.79.2 fd00:79::2 (icmp echo ignored)
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { BUN, Netns, ROOT, sh } from "../helpers/netns.ts";

let chk: Netns;
let tgt: Netns;
let mute: Netns;
let servers: Subprocess | undefined;

beforeAll(async () => {
  chk = new Netns("pchk");
  tgt = new Netns("ptgt");
  mute = new Netns("pmut");
  for (const [peer, net, dev] of [[tgt, 78, "c0"], [mute, 79, "c1"]] as const) {
    chk.exec(["ip", "link", "add", dev, "type", "veth", "peer", "name", "p0", "netns", peer.name]);
    chk.exec(["ip", "addr", "add", `198.18.${net}.1/24`, "dev", dev]);
    chk.exec(["ip", "addr", "add", `fd00:${net}::1/64`, "dev", dev, "nodad"]);
    chk.exec(["ip", "link", "set", dev, "up"]);
    peer.exec(["ip", "addr", "add", `198.18.${net}.2/24`, "dev", "p0"]);
    peer.exec(["ip", "addr", "add", `fd00:${net}::2/64`, "dev", "p0", "nodad"]);
    peer.exec(["ip", "link", "set", "p0", "up"]);
  }
  // ARP gives up after 3 probes 150 ms apart (default: 1 s apart), so the IPv4 "nobody
  // holds the address" cases end sooner (IPv6 keeps its defaults: measured, with 150 ms
  // neighbour discovery towards the live target failed now and then)
  chk.exec(["sysctl", "-qw", "net.ipv4.neigh.c0.retrans_time_ms=150"]);
  mute.exec(["sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1"]);
  mute.exec(["sysctl", "-qw", "net.ipv6.icmp.echo_ignore_all=1"]);
  // a neighbour that takes every frame and answers none (foreign MAC on the peer)
  chk.exec(["ip", "neigh", "add", "198.18.78.200", "lladdr", "02:00:00:00:78:c8", "dev", "c0", "nud", "permanent"]);
  // UDP on the target: echo (7000), silent (7002); 7001 stays closed
  const code = `
    const echo = (s, buf, port, addr) => s.send(buf, port, addr);
    for (const h of ["198.18.78.2", "fd00:78::2"]) await Bun.udpSocket({ hostname: h, port: 7000, socket: { data: echo } });
    await Bun.udpSocket({ hostname: "198.18.78.2", port: 7002, socket: { data() {} } });
    console.log("ready");
    setInterval(() => {}, 1 << 30);`;
  const proc = Bun.spawn([...tgt.prefix(), BUN, "-e", code], { stdout: "pipe", stderr: "inherit" });
  servers = proc;
  const reader = proc.stdout.getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(15_000).then(() => ({ value: undefined }))]);
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).includes("ready")) throw new Error("UDP servers in the target namespace did not start");
});

afterAll(() => {
  if (servers) {
    servers.kill("SIGKILL");
  }
  Netns.cleanupAll();
});

/** Runs `body` (an async expression over the helpers below) in the checker namespace; returns its JSON. */
function inChecker(body: string): Record<string, unknown> {
  const code = `
    import { checkPing } from "${ROOT}/src/lvs/checkers/ping.ts";
    import { checkUdp } from "${ROOT}/src/lvs/checkers/udp.ts";
    import { checkTcp } from "${ROOT}/src/lvs/checkers/tcp.ts";
    import { readdirSync, readlinkSync, readFileSync } from "node:fs";
    const ping = (host, ms, localAddress) => checkPing(localAddress ? { host, localAddress } : { host }, ms, performance.now() + 20000);
    const udp = (host, port, ms, extra = {}) => checkUdp(
      { type: "UDP_CHECK", connectTimeoutMs: ms, retry: 0, delayBeforeRetryMs: 0, requireReply: false, minReplyLength: 0, maxReplyLength: 255, ...extra },
      { host, port }, ms, performance.now() + 20000);
    // which epoll descriptors watch which socket inodes, from /proc/self/fdinfo
    const inodeOf = (fd) => { try { return /^socket:\\[(\\d+)\\]$/.exec(readlinkSync("/proc/self/fd/" + fd))?.[1]; } catch { return undefined; } };
    const watchedBy = () => {
      const out = {};
      for (const fd of readdirSync("/proc/self/fd")) {
        let link = ""; try { link = readlinkSync("/proc/self/fd/" + fd); } catch { continue; }
        if (link !== "anon_inode:[eventpoll]") continue;
        out[fd] = [...readFileSync("/proc/self/fdinfo/" + fd, "utf8").matchAll(/tfd:\\s+(\\d+)/g)].map((m) => inodeOf(m[1])).filter(Boolean);
      }
      return out;
    };
    const rawInodes = (file, proto) => readFileSync(file, "utf8").split("\\n").slice(1).map((l) => l.trim().split(/\\s+/))
      .filter((c) => c.length > 9 && c[1].endsWith(":" + proto)).map((c) => c[9]);
    const r = await (${body});
    console.log(JSON.stringify(r));
    process.exit(0);`;
  const out = sh(["timeout", "60", ...chk.prefix(), BUN, "-e", code]);
  return JSON.parse(out.trim().split("\n").pop()!);
}

test("PING_CHECK: echo replies up, silence and unreachable down with the reason; IPv4 and IPv6", () => {
  const r = inChecker(`(async () => {
    const [up4, up6, mute4, mute6, gone4, gone6, void4, noRoute, bound, badBind] = await Promise.all([
      ping("198.18.78.2", 2000), ping("fd00:78::2", 2000),
      ping("198.18.79.2", 400), ping("fd00:79::2", 400),
      ping("198.18.78.9", 8000), ping("fd00:78::9", 8000),
      ping("198.18.78.200", 400), ping("198.18.99.1", 400),
      ping("198.18.78.2", 2000, "198.18.78.1"), ping("198.18.78.2", 2000, "198.18.0.99"),
    ]);
    return { up4, up6, mute4, mute6, gone4, gone6, void4, noRoute, bound, badBind };
  })()`);
  expect(r.up4).toEqual({ ok: true });
  expect(r.up6).toEqual({ ok: true });
  // a host that ignores echo requests, and a neighbour that swallows them: only the timeout ends it
  expect(r.mute4).toEqual({ ok: false, reason: "no echo reply within 400 ms" });
  expect(r.mute6).toEqual({ ok: false, reason: "no echo reply within 400 ms" });
  expect(r.void4).toEqual({ ok: false, reason: "no echo reply within 400 ms" });
  // nobody holds the address: neighbour resolution fails and the kernel says so (RFC 792 / RFC 4443 §3.1)
  expect(r.gone4).toEqual({ ok: false, reason: "ICMP host unreachable from 198.18.78.1" });
  expect(r.gone6).toEqual({ ok: false, reason: "ICMPv6 address unreachable from fd00:78::1" });
  expect(r.noRoute).toEqual({ ok: false, reason: "send: network is unreachable (ENETUNREACH)" });
  expect(r.bound).toEqual({ ok: true });
  expect(r.badBind).toEqual({ ok: false, reason: "bind to 198.18.0.99: cannot assign the source address (EADDRNOTAVAIL)" });
}, 60_000);

test("PING_CHECK: 60 pings at once are told apart by sequence; the raw sockets are in the TCP checks' epoll set", () => {
  const r = inChecker(`(async () => {
    // a TCP check in flight (SYN into the void) so the checkers' epoll set holds a connection too
    const tcp = checkTcp({ host: "198.18.78.200", port: 80 }, 1000, performance.now() + 5000);
    const pings = await Promise.all(Array.from({ length: 60 }, (_, i) => ping(i % 2 ? "198.18.78.2" : "fd00:78::2", 3000)));
    const raw = [...rawInodes("/proc/self/net/raw", "0001"), ...rawInodes("/proc/self/net/raw6", "003A")];
    const sets = watchedBy();
    const tcpInodes = readFileSync("/proc/self/net/tcp", "utf8").split("\\n").slice(1).map((l) => l.trim().split(/\\s+/))
      .filter((c) => c.length > 9 && c[2] === "C84E12C6:0050").map((c) => c[9]);
    const holding = Object.entries(sets).filter(([, inodes]) => raw.every((i) => inodes.includes(i))).map(([fd, inodes]) => ({ fd, tcp: tcpInodes.every((i) => inodes.includes(i)) }));
    await tcp;
    return { ok: pings.filter((p) => p.ok).length, raw: raw.length, tcpInodes: tcpInodes.length, holding };
  })()`);
  expect(r.ok).toBe(60);
  // one raw socket per family, shared by all 60
  expect(r.raw).toBe(2);
  expect(r.tcpInodes).toBe(1);
  expect(r.holding).toEqual([{ fd: expect.any(String), tcp: true }]);
}, 60_000);

test("UDP_CHECK: closed ports and unknown hosts are down with the ICMP error; silence is up unless a reply is required", () => {
  const r = inChecker(`(async () => {
    const keepalivedFiller = Buffer.from("keepalived check - keepalived ch").toString("hex");
    const [echo, closed4, closed6, silent, silentRequired, pattern, mismatch, tooLong, gone, echo6, filler] = await Promise.all([
      udp("198.18.78.2", 7000, 2000),
      udp("198.18.78.2", 7001, 2000),
      udp("fd00:78::2", 7001, 2000),
      udp("198.18.78.2", 7002, 300),
      udp("198.18.78.2", 7002, 300, { requireReply: true }),
      udp("198.18.78.2", 7000, 2000, { payload: "0a0b0c", requireReply: true, replyData: "0a0bxx" }),
      udp("198.18.78.2", 7000, 2000, { payload: "0a0b0c", requireReply: true, replyData: "0a0c" }),
      udp("198.18.78.2", 7000, 2000, { payload: "00112233445566778899", requireReply: true, replyData: "00", maxReplyLength: 5 }),
      udp("198.18.78.9", 7000, 8000),
      udp("fd00:78::2", 7000, 2000, { requireReply: true }),
      udp("198.18.78.2", 7000, 2000, { requireReply: true, replyData: keepalivedFiller }),
    ]);
    return { echo, closed4, closed6, silent, silentRequired, pattern, mismatch, tooLong, gone, echo6, filler };
  })()`);
  expect(r.echo).toEqual({ ok: true });
  expect(r.closed4).toEqual({ ok: false, reason: "ICMP port unreachable from 198.18.78.2" });
  expect(r.closed6).toEqual({ ok: false, reason: "ICMPv6 port unreachable from fd00:78::2" });
  expect(r.silent).toEqual({ ok: true });
  expect(r.silentRequired).toEqual({ ok: false, reason: "no UDP reply within 300 ms" });
  expect(r.pattern).toEqual({ ok: true });
  expect(r.mismatch).toEqual({ ok: false, reason: "UDP reply differs from require_reply at byte 1" });
  expect(r.tooLong).toEqual({ ok: false, reason: "UDP reply of 6 bytes, expected 0..5" });
  expect(r.gone).toEqual({ ok: false, reason: "ICMP host unreachable from 198.18.78.1" });
  expect(r.echo6).toEqual({ ok: true });
  // without payload, keepalived's 32-byte filler goes out (the echo brings it back)
  expect(r.filler).toEqual({ ok: true });
}, 60_000);
