// Raw VRRP sockets against the real kernel: two namespaces joined by a veth pair,
// 198.18.4.0/24 and fd00:4::/64 only. Adverts sent by one VrrpSocket must arrive at
// the other with TTL/hop limit 255, the right source and the ingress ifindex.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Netns } from "../helpers/netns.ts";
import { fold, pseudoSumV6, sum16 } from "../../src/net/checksum.ts";
import { formatIPv4, formatIPv6, isIPv6LinkLocal, parseIPv6 } from "../../src/net/ip-address.ts";
import { monotonicNs, NS_PER_MS } from "../../src/sys/clock.ts";
import { ifNameToIndex } from "../../src/sys/libc.ts";
import { VrrpSocket } from "../../src/sys/vrrp-socket.ts";
import { ReadinessWaiter } from "../../src/sys/readiness-waiter.ts";

// VRRPv3 advert bytes from keepalived's capture (VRID 51, prio 150, 198.18.0.100).
const ADVERT = Uint8Array.of(0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0xcb, 0x4d, 0xc6, 0x12, 0x00, 0x64);

let a: Netns;
let b: Netns;
let linkLocalA = "";

beforeAll(() => {
  a = new Netns("vsa");
  b = new Netns("vsb");
  for (const ns of [a, b]) {
    // No DAD: link-local and ULA addresses are usable the moment the link is up.
    ns.exec(["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"]);
  }
  a.exec(["ip", "link", "add", "vra", "type", "veth", "peer", "name", "vrb", "netns", b.name]);
  a.exec(["ip", "addr", "add", "198.18.4.1/24", "dev", "vra"]);
  a.exec(["ip", "addr", "add", "fd00:4::1/64", "dev", "vra", "nodad"]);
  b.exec(["ip", "addr", "add", "198.18.4.2/24", "dev", "vrb"]);
  b.exec(["ip", "addr", "add", "fd00:4::2/64", "dev", "vrb", "nodad"]);
  a.exec(["ip", "link", "set", "vra", "up"]);
  b.exec(["ip", "link", "set", "vrb", "up"]);
  // veth carrier (and with it IPv6 on the link) comes up through linkwatch, up to
  // ~1 s after "link set up": packets sent before that vanish. Wait, bounded.
  waitPairReady();
  const out = a.exec(["ip", "-6", "-o", "addr", "show", "dev", "vra", "scope", "link"]);
  linkLocalA = /inet6 (fe80::[0-9a-f:]+)\//.exec(out)?.[1] ?? "";
});

function ready(ns: Netns, dev: string): boolean {
  return ns.exec(["ip", "-o", "link", "show", dev]).includes("state UP") &&
    /inet6 fe80::[0-9a-f:]+\/64 scope link\s/.test(ns.exec(["ip", "-6", "-o", "addr", "show", "dev", dev, "scope", "link"]));
}

function waitPairReady(): void {
  for (let i = 0; i < 100 && !(ready(a, "vra") && ready(b, "vrb")); i++) Bun.sleepSync(50);
  if (!(ready(a, "vra") && ready(b, "vrb"))) throw new Error("veth pair not up with link-local addresses after 5 s");
}

afterAll(() => {
  a?.delete();
  b?.delete();
});

/** Waits (bounded: 2 s) for one packet on `rx` and returns its payload length. */
function receiveOne(rx: VrrpSocket): number {
  const w = new ReadinessWaiter([rx.fd]);
  const deadline = monotonicNs() + 2000 * NS_PER_MS;
  for (let i = 0; i < 100 && monotonicNs() < deadline; i++) {
    const r = w.waitUntil(deadline);
    if (r < 0 && r !== -4) throw new Error(`ppoll: errno ${-r}`);
    const n = rx.recv();
    if (n >= 0) return n;
    if (n !== -11) throw new Error(`recv: errno ${-n}`);
  }
  throw new Error("no packet within 2 s");
}

function withPair<T>(txOpts: ConstructorParameters<typeof VrrpSocket>[0], rxOpts: ConstructorParameters<typeof VrrpSocket>[0], fn: (tx: VrrpSocket, rx: VrrpSocket) => T): T {
  const rx = b.run(() => new VrrpSocket(rxOpts));
  try {
    const tx = a.run(() => new VrrpSocket(txOpts));
    try {
      return fn(tx, rx);
    } finally {
      tx.close();
    }
  } finally {
    rx.close();
  }
}

describe("IPv4 raw VRRP socket", () => {
  test("RFC 5798 §5.1.1.3: multicast advert to 224.0.0.18 arrives with TTL 255, source and ingress ifindex", () => {
    const vrbIndex = b.run(() => ifNameToIndex("vrb"));
    withPair({ family: 4, ifname: "vra" }, { family: 4, ifname: "vrb" }, (tx, rx) => {
      expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
      const n = receiveOne(rx);
      expect(n).toBe(ADVERT.length);
      expect([...rx.rxBuffer.subarray(rx.rxPayloadOffset, rx.rxPayloadOffset + n)]).toEqual([...ADVERT]);
      expect(rx.rxTtl).toBe(255);
      expect(formatIPv4(rx.rxSource)).toBe("198.18.4.1");
      expect(formatIPv4(rx.rxDestination)).toBe("224.0.0.18");
      expect(rx.rxIfindex).toBe(vrbIndex);
      expect(rx.rxTruncated).toBe(false);
      // keepalived's header: TOS 0xc0, DF clear, protocol 112.
      expect(rx.rxBuffer[1]).toBe(0xc0);
      expect(rx.rxBuffer[6] & 0x40).toBe(0);
      expect(rx.rxBuffer[9]).toBe(112);
    });
  });

  test("RFC 5798 §5.1.1.3: unicast mode sends to the peer with TTL 255 from unicast_src_ip", () => {
    withPair(
      { family: 4, ifname: "vra", source: "198.18.4.1", unicastPeers: ["198.18.4.2"] },
      { family: 4, ifname: "vrb", source: "198.18.4.2", unicastPeers: ["198.18.4.1"] },
      (tx, rx) => {
        expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
        expect(receiveOne(rx)).toBe(ADVERT.length);
        expect(rx.rxTtl).toBe(255);
        expect(formatIPv4(rx.rxSource)).toBe("198.18.4.1");
        expect(formatIPv4(rx.rxDestination)).toBe("198.18.4.2");
      },
    );
  });

  test("RFC 5798 §5.2.8: binding `source` pins the multicast advert's source (the v3 checksum's pseudo-header depends on it)", () => {
    a.exec(["ip", "addr", "add", "198.18.44.1/24", "dev", "vra"]);
    try {
      withPair({ family: 4, ifname: "vra", source: "198.18.44.1" }, { family: 4, ifname: "vrb" }, (tx, rx) => {
        expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
        expect(receiveOne(rx)).toBe(ADVERT.length);
        expect(formatIPv4(rx.rxSource)).toBe("198.18.44.1");
        expect(formatIPv4(rx.rxDestination)).toBe("224.0.0.18");
      });
    } finally {
      a.exec(["ip", "addr", "del", "198.18.44.1/24", "dev", "vra"], { allowFail: true });
    }
  });

  test("IP_HDRINCL: a prebuilt IPv4 header goes out as written (kernel fills length and checksum)", () => {
    const pkt = new Uint8Array(20 + ADVERT.length);
    pkt.set([0x45, 0xc0, 0, 0, 0x12, 0x34, 0, 0, 255, 112, 0, 0, 198, 18, 4, 1, 224, 0, 0, 18]);
    pkt.set(ADVERT, 20);
    withPair({ family: 4, ifname: "vra", headerIncluded: true }, { family: 4, ifname: "vrb" }, (tx, rx) => {
      expect(tx.send(pkt, pkt.length)).toBe(pkt.length);
      expect(receiveOne(rx)).toBe(ADVERT.length);
      const h = rx.rxBuffer;
      expect(rx.rxTtl).toBe(255);
      expect((h[4] << 8) | h[5]).toBe(0x1234);
      expect((h[2] << 8) | h[3]).toBe(pkt.length);
      expect(fold(sum16(h, 0, 20))).toBe(0); // header checksum valid
    });
  });

  test("SO_BINDTODEVICE: a socket on another interface of the receiver never sees the advert", () => {
    b.exec(["ip", "link", "add", "vrc", "type", "veth", "peer", "name", "vrd"]);
    try {
      b.exec(["ip", "link", "set", "vrc", "up"]);
      b.exec(["ip", "link", "set", "vrd", "up"]);
      const other = b.run(() => new VrrpSocket({ family: 4, ifname: "vrc" }));
      try {
        withPair({ family: 4, ifname: "vra" }, { family: 4, ifname: "vrb" }, (tx, rx) => {
          expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
          expect(receiveOne(rx)).toBe(ADVERT.length); // it did arrive in the namespace
          expect(other.recv()).toBe(-11); // but not on the socket bound to vrc
        });
      } finally {
        other.close();
      }
    } finally {
      b.exec(["ip", "link", "del", "vrc"], { allowFail: true });
    }
  });

  test("send on a link that is down returns -errno instead of throwing", () => {
    const tx = a.run(() => new VrrpSocket({ family: 4, ifname: "vra" }));
    try {
      // Keep the IPv6 addresses across the flap so later tests still find them.
      a.exec(["sysctl", "-qw", "net.ipv6.conf.vra.keep_addr_on_down=1"]);
      a.exec(["ip", "link", "set", "vra", "down"]);
      const rc = tx.send(ADVERT, ADVERT.length);
      expect(rc).toBeLessThan(0);
      expect([-100, -101]).toContain(rc); // ENETDOWN or ENETUNREACH
    } finally {
      tx.close();
      a.exec(["ip", "link", "set", "vra", "up"]);
      waitPairReady();
    }
  });

  test("a socket on a missing interface names the operation and the interface (ENODEV)", () => {
    expect(() => a.run(() => new VrrpSocket({ family: 4, ifname: "nosuch0" }))).toThrow(/if_nametoindex nosuch0: ENODEV/);
  });

  test("a bad unicast peer address is refused with the address in the message", () => {
    expect(() => a.run(() => new VrrpSocket({ family: 4, ifname: "vra", unicastPeers: ["198.18.4.300"] }))).toThrow(/198\.18\.4\.300/);
  });

  test("recv on an empty socket returns -EAGAIN without blocking", () => {
    const s = b.run(() => new VrrpSocket({ family: 4, ifname: "vrb" }));
    try {
      expect(s.recv()).toBe(-11);
    } finally {
      s.close();
    }
  });
});

describe("IPv6 raw VRRP socket", () => {
  test("RFC 5798 §5.1.2.3: multicast advert to ff02::12 arrives with hop limit 255, link-local source, ingress ifindex", () => {
    const vrbIndex = b.run(() => ifNameToIndex("vrb"));
    withPair({ family: 6, ifname: "vra" }, { family: 6, ifname: "vrb" }, (tx, rx) => {
      expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
      const n = receiveOne(rx);
      expect(n).toBe(ADVERT.length);
      expect(rx.rxPayloadOffset).toBe(0);
      expect(rx.rxTtl).toBe(255);
      expect(isIPv6LinkLocal(rx.rxSource)).toBe(true);
      expect(formatIPv6(rx.rxSource)).toBe(linkLocalA);
      expect(formatIPv6(rx.rxDestination)).toBe("ff02::12");
      expect(rx.rxIfindex).toBe(vrbIndex);
    });
  });

  test("RFC 5798 §5.2.8: with IPV6_CHECKSUM the kernel writes the checksum over the IPv6 pseudo-header", () => {
    const pkt = ADVERT.slice();
    pkt[6] = 0; pkt[7] = 0;
    withPair({ family: 6, ifname: "vra", kernelChecksum: true }, { family: 6, ifname: "vrb" }, (tx, rx) => {
      expect(tx.send(pkt, pkt.length)).toBe(pkt.length);
      const n = receiveOne(rx);
      const got = rx.rxBuffer.subarray(0, n);
      const ff0212 = parseIPv6("ff02::12");
      expect(fold(sum16(got, 0, n, pseudoSumV6(rx.rxSource, 0, ff0212, 0, 112, n)))).toBe(0);
      expect((got[6] << 8) | got[7]).not.toBe(0);
    });
  });

  test("unicast mode to a ULA peer keeps hop limit 255", () => {
    withPair(
      { family: 6, ifname: "vra", source: "fd00:4::1", unicastPeers: ["fd00:4::2"] },
      { family: 6, ifname: "vrb", source: "fd00:4::2", unicastPeers: ["fd00:4::1"] },
      (tx, rx) => {
        expect(tx.send(ADVERT, ADVERT.length)).toBe(ADVERT.length);
        expect(receiveOne(rx)).toBe(ADVERT.length);
        expect(rx.rxTtl).toBe(255);
        expect(formatIPv6(rx.rxSource)).toBe("fd00:4::1");
        expect(formatIPv6(rx.rxDestination)).toBe("fd00:4::2");
      },
    );
  });

  test("binding to an address the interface lacks names bind, the address and the interface", () => {
    expect(() => a.run(() => new VrrpSocket({ family: 6, ifname: "vra", source: "fd00:4::99" }))).toThrow(/bind fd00:4::99 on vra: EADDRNOTAVAIL/);
  });
});
