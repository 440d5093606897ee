// The local-address watch behind ha_suspend, against the real kernel in a
// namespace of its own: the first dump, RTM_NEWADDR/RTM_DELADDR as `ip addr`
// makes them, the same address on two interfaces, a deleted link, IPv6.
import { afterAll, expect, test } from "bun:test";
import { LocalAddressWatch } from "../../src/sys/rtnetlink/address-watch.ts";
import { Netns } from "../helpers/netns.ts";

let ns: Netns | undefined;
let watch: LocalAddressWatch | undefined;
afterAll(() => {
  watch?.stop();
  ns?.delete();
});

/** Drains until `cond` holds (notifications are queued by the time `ip` returns, but bound the wait anyway). */
async function until(w: LocalAddressWatch, cond: (a: ReadonlySet<string>) => boolean): Promise<ReadonlySet<string>> {
  for (let i = 0; i < 50 && !cond(w.addresses); i++) {
    w.drain();
    if (cond(w.addresses)) break;
    await Bun.sleep(20);
  }
  return w.addresses;
}

test("local addresses follow ip addr add/del; an address on two interfaces stays until both are gone", async () => {
  ns = new Netns("addrw");
  // no dummy module on this kernel: veth pairs serve as interfaces
  ns.exec(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d0p"]);
  ns.exec(["ip", "link", "add", "d1", "type", "veth", "peer", "name", "d1p"]);
  for (const l of ["d0", "d0p", "d1", "d1p"]) ns.exec(["ip", "link", "set", l, "up"]);
  ns.exec(["ip", "addr", "add", "198.18.40.1/24", "dev", "d0"]);
  const changes: string[][] = [];
  watch = new LocalAddressWatch((a) => changes.push([...a].sort()), { netns: ns.name, pollMs: 60_000 });
  watch.start();
  // the first dump: loopback and the address configured before start
  expect(watch.addresses.has("127.0.0.1")).toBe(true);
  expect(watch.addresses.has("198.18.40.1")).toBe(true);
  expect(watch.addresses.has("198.18.40.100")).toBe(false);

  ns.exec(["ip", "addr", "add", "198.18.40.100/32", "dev", "d0"]);
  expect((await until(watch, (a) => a.has("198.18.40.100"))).has("198.18.40.100")).toBe(true);
  expect(changes.at(-1)).toContain("198.18.40.100");

  ns.exec(["ip", "addr", "add", "198.18.40.100/24", "dev", "d1"]);
  ns.exec(["ip", "addr", "del", "198.18.40.100/32", "dev", "d0"]);
  await Bun.sleep(50);
  watch.drain();
  expect(watch.addresses.has("198.18.40.100")).toBe(true); // still on d1

  ns.exec(["ip", "link", "del", "d1"]);
  expect((await until(watch, (a) => !a.has("198.18.40.100"))).has("198.18.40.100")).toBe(false);
  expect(watch.addresses.has("198.18.40.1")).toBe(true);

  ns.exec(["ip", "-6", "addr", "add", "fd00:0:0:40:0::100/64", "dev", "d0", "nodad"]);
  expect((await until(watch, (a) => a.has("fd00:0:0:40::100"))).has("fd00:0:0:40::100")).toBe(true);
  ns.exec(["ip", "-6", "addr", "del", "fd00:0:0:40::100/64", "dev", "d0"]);
  expect((await until(watch, (a) => !a.has("fd00:0:0:40::100"))).has("fd00:0:0:40::100")).toBe(false);
});

test("a change the caller already knows (an address re-added with new lifetimes) does not report a change", async () => {
  ns ??= new Netns("addrw");
  ns.exec(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d0p"], { allowFail: true });
  ns.exec(["ip", "addr", "add", "198.18.40.1/24", "dev", "d0"], { allowFail: true });
  let calls = 0;
  const probe = new LocalAddressWatch(() => calls++, { netns: ns!.name, pollMs: 60_000 });
  probe.start();
  try {
    const base = calls;
    const n = probe.addresses.size;
    expect(probe.addresses.has("198.18.40.1")).toBe(true);
    ns!.exec(["ip", "addr", "replace", "198.18.40.1/24", "dev", "d0", "valid_lft", "100", "preferred_lft", "100"]);
    await Bun.sleep(50);
    probe.drain();
    expect(calls).toBe(base);
    expect(probe.addresses.size).toBe(n);
  } finally {
    probe.stop();
  }
});
