// virtual_routes/virtual_rules and static_ipaddress/static_routes/static_rules
// against the kernel, as keepalived 2.2.7 runs them (measured in a namespace):
// virtual ones follow MASTER like the VIPs (added on MASTER, removed on leaving it
// and on exit); static ones are installed at start, put back when deleted, and
// removed on exit. vigil puts a deleted virtual route back at once while MASTER,
// and gives its IPv6 virtual routes the VIPs' lifetime (RTA_EXPIRES).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Lab } from "../helpers/lab.ts";
import { instanceStatus, startVigil, stopVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.105";
let lab: Lab;
let h1: VigilHandle;
let h2: VigilHandle;
let conf: (id: string, prio: number, statics: boolean) => string;

const VIRTUAL = [
  "virtual_routes {",
  "  198.18.50.0/24 via 198.18.0.254 dev eth0 table 100 metric 10",
  `  198.18.51.0/24 dev eth0 src ${VIP} table 100`,
  "  blackhole 198.18.52.0/24 table 100",
  "  fd00:50::/64 dev eth0",
  "}",
  "virtual_rules {",
  "  from 198.18.50.0/24 table 100 priority 1000",
  "  to 198.18.53.0/24 prohibit priority 1001",
  "}",
];
const STATIC = [
  "static_ipaddress {", "  198.18.60.1/24 dev eth0", "}",
  "static_routes {", "  198.18.61.0/24 via 198.18.60.254 dev eth0 table 101", "}",
  "static_rules {", "  from 198.18.61.0/24 table 101 priority 2000", "}",
];

const routes = (r: number, table: number, v6 = false) => lab.exec(r, ["ip", ...(v6 ? ["-6"] : []), "route", "show", "table", String(table)], true);
const rules = (r: number) => lab.exec(r, ["ip", "rule", "show"], true);
const virtualCount = (r: number) =>
  ["198.18.50.0/24", "198.18.51.0/24", "198.18.52.0/24"].filter((p) => routes(r, 100).includes(p)).length +
  (routes(r, 254, true).includes("fd00:50::/64") ? 1 : 0) +
  ["1000:", "1001:"].filter((p) => rules(r).includes(p)).length;

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  conf = (id: string, prio: number, statics: boolean) => vigilConf({
    routerId: id, global: ["vip_lifetime 3"], blocks: statics ? STATIC : [],
    instances: [{ name: "VI_R", vrid: 75, priority: prio, advertInt: 0.1, vips: [VIP], extra: VIRTUAL }],
  });
  h2 = await startVigil(lab, 2, conf("r2", 100, false));
  h1 = await startVigil(lab, 1, conf("r1", 150, true));
  expect(await waitUntil(async () => (await instanceStatus(h1, "VI_R"))?.state === "MASTER" && (await instanceStatus(h2, "VI_R"))?.state === "BACKUP", 8000)).toBe(true);
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("virtual_routes/virtual_rules and static_* (keepalived 2.2.7 semantics)", () => {
  test("the MASTER holds the virtual routes and rules (proto keepalived), the BACKUP none; the IPv6 route expires unless refreshed", async () => {
    expect(await waitUntil(() => virtualCount(1) === 6, 3000)).toBe(true);
    expect(virtualCount(2)).toBe(0);
    expect(routes(1, 100)).toContain("198.18.50.0/24 via 198.18.0.254 dev eth0 proto keepalived metric 10");
    expect(routes(1, 100)).toContain(`198.18.51.0/24 dev eth0 proto keepalived scope link src ${VIP}`);
    expect(routes(1, 100)).toContain("blackhole 198.18.52.0/24 proto keepalived");
    const v6 = routes(1, 254, true);
    const exp = /fd00:50::\/64 dev eth0 proto keepalived metric 1024 expires (\d+)sec/.exec(v6);
    expect(exp).not.toBeNull();
    expect(Number(exp![1])).toBeLessThanOrEqual(3);
    expect(rules(1)).toContain("1000:\tfrom 198.18.50.0/24 lookup 100 proto keepalived");
    expect(rules(1)).toContain("1001:\tfrom all to 198.18.53.0/24 prohibit proto keepalived");
  });

  test("static address, route and rule are installed; a deleted static route or rule, or a virtual one while MASTER, is put back", async () => {
    expect(lab.exec(1, ["ip", "addr", "show", "dev", "eth0"])).toContain("198.18.60.1/24");
    expect(routes(1, 101)).toContain("198.18.61.0/24 via 198.18.60.254 dev eth0 proto keepalived");
    expect(rules(1)).toContain("2000:\tfrom 198.18.61.0/24 lookup 101 proto keepalived");
    lab.exec(1, ["ip", "route", "del", "198.18.61.0/24", "table", "101"]);
    lab.exec(1, ["ip", "rule", "del", "priority", "2000"]);
    lab.exec(1, ["ip", "route", "del", "198.18.50.0/24", "table", "100", "metric", "10"]);
    lab.exec(1, ["ip", "rule", "del", "priority", "1000"]);
    expect(await waitUntil(() => routes(1, 101).includes("198.18.61.0/24") && rules(1).includes("2000:") && virtualCount(1) === 6, 3000)).toBe(true);
    expect(((await instanceStatus(h1, "VI_R"))?.counters.routeRestores ?? 0)).toBeGreaterThanOrEqual(2);
  });

  test("SIGTERM: the MASTER removes its virtual and static routes, rules and address; the BACKUP takes over and installs its own", async () => {
    await stopVigil(lab, h1);
    expect(virtualCount(1)).toBe(0);
    expect(routes(1, 101)).not.toContain("198.18.61.0/24");
    expect(rules(1)).not.toContain("2000:");
    expect(lab.exec(1, ["ip", "addr", "show", "dev", "eth0"])).not.toContain("198.18.60.1/24");
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_R"))?.state === "MASTER" && virtualCount(2) === 6, 5000)).toBe(true);
  });

  test("SIGKILL: what the kernel removes by itself (the VIP, the IPv6 route) and what it cannot (IPv4 routes, even one whose src was the VIP; rules)", async () => {
    const v6Usable = () => lab.exec(2, ["ip", "-6", "route", "get", "fd00:50::1"], true).includes("dev eth0");
    expect(v6Usable()).toBe(true);
    lab.kill(2, "SIGKILL");
    await lab.reap(2, 4000);
    // vip_lifetime 3: the kernel checks address lifetimes about once a second; an
    // expired IPv6 route is no longer used at once, and listed until the IPv6
    // garbage collector (net.ipv6.route.gc_interval, 30 s) removes it
    expect(await waitUntil(() => lab.holders(VIP).length === 0 && !v6Usable(), 6000)).toBe(true);
    expect(routes(2, 254, true)).toMatch(/fd00:50::\/64 .*expires (-\d+|0)sec|^(?![\s\S]*fd00:50::\/64)/);
    // measured: the kernel keeps an IPv4 route whose preferred source expired with the VIP
    expect(routes(2, 100)).toContain(`198.18.51.0/24 dev eth0 proto keepalived scope link src ${VIP}`);
    expect(routes(2, 100)).toContain("198.18.50.0/24"); // no lifetime for IPv4 routes
    expect(routes(2, 100)).toContain("blackhole 198.18.52.0/24");
    expect(rules(2)).toContain("1000:"); // nor for rules
  });

  test("a restarted vigil that comes up BACKUP removes the virtual routes and rules its killed predecessor left", async () => {
    h1 = await startVigil(lab, 1, conf("r1", 150, true));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_R"))?.state === "MASTER", 5000)).toBe(true);
    expect(routes(2, 100)).toContain("198.18.50.0/24");
    h2 = await startVigil(lab, 2, conf("r2", 100, false));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_R"))?.state === "BACKUP" && virtualCount(2) === 0, 5000)).toBe(true);
    expect(virtualCount(1)).toBe(6);
  });
});
