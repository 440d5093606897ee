// Unicast VRRP (keepalived unicast_src_ip / unicast_peer) on the wire, three
// vigil routers: the master sends one advert per peer to the peer's own
// address and MAC, nothing to 224.0.0.18; election and failover work as in
// multicast mode.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.105";
const VRID = 91;
const PRIO = [150, 120, 100];
const ADV = 0.1;
const SLACK_MS = 400;
const ip = (r: number) => `198.18.0.${r}`;

const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: ["vip_lifetime 2"],
  instances: [{
    name: "VI_U", vrid: VRID, priority: PRIO[r - 1], advertInt: ADV, vips: [VIP],
    extra: ["garp_master_delay 0", `unicast_src_ip ${ip(r)}`, "unicast_peer {", ...[1, 2, 3].filter((p) => p !== r).map((p) => `  ${ip(p)}`), "}"],
  }],
});

let lab: Lab;
const h: VigilHandle[] = [];
const st = (r: number) => instanceStatus(h[r - 1], "VI_U");

beforeAll(async () => {
  lab = await Lab.create({ routers: 3 });
  for (const r of [3, 2, 1]) h[r - 1] = await startVigil(lab, r, conf(r));
}, 60_000);
afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil unicast VRRP (3 routers, VRRPv3 at 100 ms)", () => {
  test("keepalived unicast_peer: the priority-150 master sends each peer its own advert (peer IP and MAC), none to 224.0.0.18; peers stay BACKUP", async () => {
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP" && (await st(3))?.state === "BACKUP", 6000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP).join() === "1", 3000)).toBe(true);
    const cap = await lab.capture();
    await sleep(600);
    const ads = adverts(await cap.stop(), VRID);
    expect(ads.length).toBeGreaterThanOrEqual(6);
    expect(ads.some((a) => a.d.dst === "224.0.0.18")).toBe(false);
    expect(new Set(ads.map((a) => `${a.d.src}>${a.d.dst} ${a.dstMac} ttl${a.d.ttl} prio${a.d.priority}`)))
      .toEqual(new Set([`${ip(1)}>${ip(2)} ${lab.mac(2)} ttl255 prio150`, `${ip(1)}>${ip(3)} ${lab.mac(3)} ttl255 prio150`]));
    // one advert per peer per interval: the counts to each peer stay within one of each other
    const to2 = ads.filter((a) => a.d.dst === ip(2)).length;
    const to3 = ads.filter((a) => a.d.dst === ip(3)).length;
    expect(Math.abs(to2 - to3)).toBeLessThanOrEqual(1);
    expect((await st(3))?.masterAddress).toBe(ip(1));
    expect((await st(3))!.counters.advertsReceived).toBeGreaterThan(0);
    // RFC 5798 §5.2.8: the checksum covers the destination, so every peer's copy must verify
    for (const r of [2, 3]) expect((await st(r))!.counters.drop_bad_checksum).toBe(0);
    expect(lab.clientArping(VIP)).toEqual([lab.mac(1)]);
  }, 30_000);

  test("RFC 5798 §6.4.2 in unicast mode: SIGKILLed master, r2 takes over within Master_Down_Interval and advertises to r1 and r3 by unicast; r1 returns and preempts", async () => {
    const cap = await lab.capture();
    await sleep(300);
    const tKill = nowMs();
    lab.kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP).join() === "2", 4000)).toBe(true);
    await sleep(1000); // past the settling window below, so the steady state is on the wire
    const frames = await cap.stop();
    const g = garps(frames, VIP).find((x) => x.srcMac === lab.mac(2) && x.t > tKill);
    expect(g).toBeDefined();
    const lastOld = adverts(frames, VRID).filter((a) => a.d.src === ip(1) && a.t < g!.t).at(-1)!;
    expect(g!.t - lastOld.t).toBeLessThanOrEqual(masterDownMs(ADV, PRIO[1]) + SLACK_MS);
    // r3's Master_Down_Interval is only Skew_Time apart from r2's (8 ms at 100 ms adverts):
    // on a loaded host r3 may expire too before r2's first advert lands. RFC 5798 §6.4.3
    // then has r3 step down on hearing the higher priority, within an advert interval or
    // two; from there on r2 alone advertises, to each peer by unicast.
    const settleAt = g!.t + 2 * ADV * 1000 + SLACK_MS;
    const after = adverts(frames, VRID).filter((a) => a.t > g!.t);
    expect(after.filter((a) => a.d.src === ip(3) && a.t > settleAt)).toEqual([]);
    expect(new Set(after.filter((a) => a.t > settleAt).map((a) => `${a.d.src}>${a.d.dst} ${a.dstMac} prio${a.d.priority}`)))
      .toEqual(new Set([`${ip(2)}>${ip(1)} ${lab.mac(1)} prio120`, `${ip(2)}>${ip(3)} ${lab.mac(3)} prio120`]));
    expect((await st(3))?.state).toBe("BACKUP");
    expect(lab.clientArping(VIP)).toEqual([lab.mac(2)]);

    await lab.reap(1, 3000);
    h[0] = await startVigil(lab, 1, conf(1));
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP" && lab.holders(VIP).join() === "1", 6000)).toBe(true);
  }, 30_000);
});

describe("vigil unicast VRRPv3 over IPv6", () => {
  const VIP6 = "fd00:198:18::69";
  const ip6 = (r: number) => `fd00:198:18::${r}`;
  const conf6 = (r: number) => vigilConf({
    routerId: `r${r}`,
    global: ["vip_lifetime 2"],
    instances: [{
      name: "VI_U6", vrid: 93, priority: PRIO[r - 1], advertInt: ADV, vips: [VIP6],
      extra: ["garp_master_delay 0", `unicast_src_ip ${ip6(r)}`, "unicast_peer {", ...[1, 2, 3].filter((p) => p !== r).map((p) => `  ${ip6(p)}`), "}"],
    }],
  });

  test("keepalived unicast_peer over IPv6: each peer gets its own advert from the ULA source with hop limit 255, every copy's checksum verifies, one master", async () => {
    const h6: VigilHandle[] = [];
    for (const r of [3, 2, 1]) h6[r - 1] = await startVigil(lab, r, conf6(r));
    const st6 = (r: number) => instanceStatus(h6[r - 1], "VI_U6");
    expect(await waitUntil(async () => (await st6(1))?.state === "MASTER" && (await st6(2))?.state === "BACKUP" && (await st6(3))?.state === "BACKUP", 6000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP6).join() === "1", 3000)).toBe(true);
    const cap = await lab.capture();
    await sleep(500);
    const ads = adverts(await cap.stop(), 93);
    expect(new Set(ads.map((a) => `${a.d.family} ${a.d.src}>${a.d.dst} ${a.dstMac} hop${a.d.ttl} prio${a.d.priority}`)))
      .toEqual(new Set([`6 ${ip6(1)}>${ip6(2)} ${lab.mac(2)} hop255 prio150`, `6 ${ip6(1)}>${ip6(3)} ${lab.mac(3)} hop255 prio150`]));
    for (const r of [2, 3]) {
      expect((await st6(r))!.counters.drop_bad_checksum).toBe(0);
      expect((await st6(r))!.counters.advertsReceived).toBeGreaterThan(0);
    }
  }, 30_000);
});
