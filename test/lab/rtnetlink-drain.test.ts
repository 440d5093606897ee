// RtMonitor.drain against the real kernel, in a throwaway namespace: the VRRP
// worker's allocation-free read of rtnetlink notifications. Every VIP lease renewal
// comes back to the monitor as an RTM_NEWADDR; drain() drops the ones its reader
// calls no-ops before decoding anything, decodes everything else exactly as read()
// does, and stops dropping once it has decoded something in a call (the reader would
// otherwise judge a later notification in a state that earlier ones change).
// Addresses: 198.18.0.0/15 and fd00::/8 only.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ENGINE_CELL, heapCellsByType } from "../../src/daemon/heap-probe.ts";
import { IFA_F_NODAD } from "../../src/sys/abi.ts";
import type { NetlinkSocket } from "../../src/sys/netlink/socket.ts";
import { addAddress, deleteAddress } from "../../src/sys/rtnetlink/address.ts";
import { AddressLease } from "../../src/sys/rtnetlink/address-lease.ts";
import { formatIP, parseIPv4, parseIPv6 } from "../../src/sys/rtnetlink/inet.ts";
import { getLink } from "../../src/sys/rtnetlink/link.ts";
import { type RtEvent, type RtNoopFilter, RtMonitor } from "../../src/sys/rtnetlink/monitor.ts";
import { openRtnetlink } from "../../src/sys/rtnetlink/socket.ts";
import { Netns } from "../helpers/netns.ts";

let ns: Netns;
let sock: NetlinkSocket;
let mon: RtMonitor;
let d0 = 0;

/** A reader that calls every RTM_NEWADDR for `noop` addresses a no-op, and records what it was asked. */
class Reader implements RtNoopFilter {
  asked: Array<{ index: number; prefixlen: number; address: string }> = [];
  constructor(readonly noop: Set<string>, readonly newRoutesAreNoops = false) {}
  newAddressIsNoop(index: number, prefixlen: number, bytes: Uint8Array, off: number, len: number): boolean {
    const address = formatIP(bytes, off, len);
    this.asked.push({ index, prefixlen, address });
    return this.noop.has(address);
  }
}

const kinds = (evs: RtEvent[], n: number) => evs.slice(0, n).map((e) => `${e.kind}/${"op" in e ? e.op : ""}`);

/** Drains until nothing is left (a few reads at most: the kernel queued everything before the request's ACK). */
function drainAll(reader: RtNoopFilter): RtEvent[] {
  const out: RtEvent[] = [];
  const buf: RtEvent[] = [];
  for (let i = 0; i < 8; i++) {
    const n = mon.drain(buf, reader);
    out.push(...buf.slice(0, n));
    if (n === 0) break;
  }
  return out;
}

beforeAll(() => {
  ns = new Netns("drain");
  ns.exec(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
  ns.exec(["ip", "link", "set", "d0", "up"]);
  ns.exec(["ip", "link", "set", "d1", "up"]);
  sock = openRtnetlink({ netns: ns.name });
  mon = new RtMonitor({ netns: ns.name, routes: true });
  d0 = getLink(sock, "d0").index;
  mon.read(); // the links going up
});

afterAll(() => {
  sock?.close();
  mon?.close();
  ns?.delete();
});

describe("RtMonitor.drain", () => {
  test("a lease renewal's echo the reader calls a no-op is dropped; the same echo otherwise decodes as read() decodes it", () => {
    const lease = new AddressLease({ index: d0, address: "198.18.5.1", prefixlen: 32, validLft: 30 });
    lease.renew(sock, 30);
    mon.read();
    const quiet = new Reader(new Set(["198.18.5.1"]));
    lease.renew(sock, 30);
    expect(drainAll(quiet)).toEqual([]);
    expect(quiet.asked).toEqual([{ index: d0, prefixlen: 32, address: "198.18.5.1" }]);

    const other = new Reader(new Set(["198.18.5.2"]));
    lease.renew(sock, 30);
    const drained = drainAll(other);
    lease.renew(sock, 30);
    const read = mon.read();
    expect(drained).toHaveLength(1);
    expect(drained[0]).toMatchObject({ kind: "address", op: "new", address: { index: d0, address: "198.18.5.1", prefixlen: 32 } });
    expect(drained).toEqual(read);
    deleteAddress(sock, { index: d0, address: "198.18.5.1", prefixlen: 32 });
    mon.read();
  });

  test("an IPv6 address reaches the reader as its 16 bytes (IFA_ADDRESS: IPv6 has no IFA_LOCAL)", () => {
    const lease = new AddressLease({ index: d0, address: "fd00::5", prefixlen: 128, validLft: 30, flags: IFA_F_NODAD });
    lease.renew(sock, 30);
    mon.read();
    const r = new Reader(new Set(["fd00::5"]));
    lease.renew(sock, 30);
    expect(drainAll(r)).toEqual([]);
    expect(r.asked).toEqual([{ index: d0, prefixlen: 128, address: formatIP(parseIPv6("fd00::5")) }]);
    deleteAddress(sock, { index: d0, address: "fd00::5", prefixlen: 128 });
    mon.read();
  });

  test("a deletion is never dropped, and after it a no-op renewal in the same call is decoded too, in order", () => {
    const lease = new AddressLease({ index: d0, address: "198.18.5.3", prefixlen: 32, validLft: 30 });
    lease.renew(sock, 30);
    addAddress(sock, { index: d0, address: "198.18.5.4", prefixlen: 32 });
    mon.read();
    deleteAddress(sock, { index: d0, address: "198.18.5.4", prefixlen: 32 });
    lease.renew(sock, 30);
    const r = new Reader(new Set(["198.18.5.3"]));
    const evs = drainAll(r);
    // (deleting an address also deletes its local route: the kernel's route/del comes between)
    const addrs = evs.filter((e) => e.kind === "address");
    expect(kinds(addrs, addrs.length)).toEqual(["address/del", "address/new"]);
    expect(addrs.map((e) => (e.kind === "address" ? e.address.address : ""))).toEqual(["198.18.5.4", "198.18.5.3"]);
    deleteAddress(sock, { index: d0, address: "198.18.5.3", prefixlen: 32 });
    mon.read();
  });

  test("route and rule additions are dropped only for a reader that acts on deletions alone; deletions always decode", () => {
    ns.exec(["ip", "route", "add", "198.18.77.0/24", "dev", "d0"]);
    expect(drainAll(new Reader(new Set(), true))).toEqual([]);
    ns.exec(["ip", "route", "del", "198.18.77.0/24", "dev", "d0"]);
    const del = drainAll(new Reader(new Set(), true));
    expect(kinds(del, del.length)).toContain("route/del");
    ns.exec(["ip", "route", "add", "198.18.77.0/24", "dev", "d0"]);
    const add = drainAll(new Reader(new Set(), false));
    expect(kinds(add, add.length)).toContain("route/new");
    ns.exec(["ip", "rule", "add", "from", "198.18.77.1", "table", "100", "priority", "3000"]);
    expect(drainAll(new Reader(new Set(), true))).toEqual([]);
    ns.exec(["ip", "rule", "del", "from", "198.18.77.1", "table", "100", "priority", "3000"]);
    expect(kinds(drainAll(new Reader(new Set(), true)), 8)).toContain("rule/del");
    ns.exec(["ip", "route", "del", "198.18.77.0/24", "dev", "d0"]);
    mon.read();
  });

  test("renewing a lease and draining its no-op echo allocates no program cell (heapStats per cell type)", () => {
    const lease = new AddressLease({ index: d0, address: "198.18.5.9", prefixlen: 32, validLft: 30 });
    const vip = parseIPv4("198.18.5.9");
    // the VRRP worker's kind of reader: compares bytes, allocates nothing
    const reader: RtNoopFilter = {
      newRoutesAreNoops: true,
      newAddressIsNoop(index, prefixlen, bytes, off, len) {
        if (index !== d0 || prefixlen !== 32 || len !== 4) return false;
        for (let k = 0; k < 4; k++) if (bytes[off + k] !== vip[k]) return false;
        return true;
      },
    };
    const buf: RtEvent[] = [];
    let decoded = 0;
    const cycle = (n: number) => {
      for (let i = 0; i < n; i++) {
        lease.renew(sock, 30);
        decoded += mon.drain(buf, reader);
      }
    };
    cycle(3000); // warm-up: JIT tiers
    // Program cells allocated by fn, beyond what heapStats' own answer adds (it is built
    // after the count, so the first reading's answer shows in the second); null when a
    // collection in between made counts drop.
    const programCells = (fn: () => void): number | null => {
      const a = heapCellsByType();
      fn();
      const b = heapCellsByType();
      let sum = 0;
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const d = (b[k] ?? 0) - (a[k] ?? 0);
        if (d < 0) return null;
        if (!ENGINE_CELL.test(k)) sum += d;
      }
      return sum;
    };
    // 1000 renewals per round: anything allocated per renewal shows as ≥ 1000. The first
    // round may still hold a one-off cell of code run for the first time (measured: one
    // string); the rounds after it hold none.
    const rounds: number[] = [];
    for (let attempt = 0; attempt < 12 && rounds.length < 5; attempt++) {
      const answer = programCells(() => {});
      const renewals = programCells(() => cycle(1000));
      if (answer !== null && renewals !== null) rounds.push(renewals - answer);
    }
    expect(decoded).toBe(0);
    expect(rounds).toHaveLength(5);
    expect(rounds[0]).toBeLessThan(10);
    expect(rounds.slice(1)).toEqual([0, 0, 0, 0]);
    deleteAddress(sock, { index: d0, address: "198.18.5.9", prefixlen: 32 });
  });
});
