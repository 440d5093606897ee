// vigil on the wire, three routers on one segment: election by priority, then
// the master fails three ways (SIGKILL, SIGSTOP/SIGCONT, link down) and comes
// back (preemption). Every claim is proven from a capture on the bridge, the
// client's ARP/ping view, the kernels' address lists or vigil's status JSON.
// One lab and one set of daemons carry the whole file: the tests run in order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, type Frame, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, vigilConf, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.100";
const VRID = 51;
const PRIO = [150, 120, 100];
const ADV = 0.1;
const LIFETIME_S = 2;
/** scheduling slack on a shared 2-core machine, on top of the protocol's own bound */
const SLACK_MS = 400;

const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: [`vip_lifetime ${LIFETIME_S}`],
  instances: [{ name: "VI_1", vrid: VRID, priority: PRIO[r - 1], advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0"] }],
});

let lab: Lab;
const h: VigilHandle[] = [];

async function restart(r: number) {
  await lab.reap(r, 3000);
  h[r - 1] = await startVigil(lab, r, conf(r));
}

const st = (r: number) => instanceStatus(h[r - 1], "VI_1");

/**
 * Takeover timing from a capture: the new master's first gratuitous ARP for the
 * VIP after `since`, measured from the last advert the old master sent before it.
 */
function takeover(frames: Frame[], oldSrc: string, newMac: string, since: number) {
  const g = garps(frames, VIP).find((x) => x.srcMac === newMac && x.t > since);
  if (!g) throw new Error(`no gratuitous ARP for ${VIP} from ${newMac} after the fault`);
  const last = adverts(frames, VRID).filter((a) => a.d.src === oldSrc && a.t < g.t).at(-1);
  if (!last) throw new Error(`no advert from ${oldSrc} before the takeover`);
  return { gap: g.t - last.t, garp: g, last };
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 3 });
  for (const r of [3, 2, 1]) h[r - 1] = await startVigil(lab, r, conf(r));
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil VRRP election and failover (3 routers, VRRPv3 at 100 ms)", () => {
  test("RFC 5798 §6.4.3: the highest priority becomes master, holds the VIP and alone advertises its priority", async () => {
    const states = await waitStates([[h[0], "VI_1", "MASTER"], [h[1], "VI_1", "BACKUP"], [h[2], "VI_1", "BACKUP"]], 10_000);
    expect(states).toEqual(["MASTER", "BACKUP", "BACKUP"]);
    expect(await waitUntil(() => lab.holders(VIP).join() === "1", 5000)).toBe(true);
    const cap = await lab.capture();
    await sleep(700);
    const ads = adverts(await cap.stop(), VRID);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    // RFC 5798 §6.4.2: backups stay silent; §5.1.1.3 TTL 255; §5.1.1.2 224.0.0.18.
    expect(new Set(ads.map((a) => `${a.d.src} ${a.srcMac} ${a.d.dst} prio${a.d.priority} v${a.d.version} ttl${a.d.ttl} int${a.d.advertCs}`)))
      .toEqual(new Set([`198.18.0.1 ${lab.mac(1)} 224.0.0.18 prio150 v3 ttl255 int10`]));
    expect(ads[0].d.addrs).toEqual([VIP]);
    const [s1, s2, s3] = [await st(1), await st(2), await st(3)];
    expect(s1).toMatchObject({ state: "MASTER", priority: 150, effectivePriority: 150, vrid: VRID, version: 3, family: 4, masterAddress: "198.18.0.1", vips: [`${VIP}/32`] });
    expect(s2).toMatchObject({ state: "BACKUP", priority: 120, masterAddress: "198.18.0.1" });
    expect(s3).toMatchObject({ state: "BACKUP", priority: 100, masterAddress: "198.18.0.1" });
    expect(s2!.counters.advertsReceived).toBeGreaterThan(0);
    expect(lab.clientArping(VIP)).toEqual([lab.mac(1)]);
    expect(lab.clientPing(VIP)).toBe(true);
  }, 30_000);

  test("RFC 5798 §6.4.2: SIGKILLed master — next priority sends its first GARP within Master_Down_Interval; the dead master's VIP expires by its lifetime", async () => {
    const cap = await lab.capture();
    await sleep(300);
    const tKill = nowMs();
    lab.kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
    // split-brain rule 1: nobody removes the dead router's VIP but its kernel lifetime
    expect(await waitUntil(() => lab.holders(VIP).join() === "2", LIFETIME_S * 1000 + 2000)).toBe(true);
    const tGone = nowMs();
    await sleep(200);
    const frames = await cap.stop();
    const t = takeover(frames, "198.18.0.1", lab.mac(2), tKill);
    // RFC 5798 §6.4.1: a broadcast gratuitous ARP request carrying the new owner's MAC for the VIP
    expect(t.garp.dstMac).toBe("ff:ff:ff:ff:ff:ff");
    expect(t.garp.d).toMatchObject({ op: 1, senderMac: lab.mac(2), senderIp: VIP, targetIp: VIP });
    const mdi = masterDownMs(ADV, PRIO[1]);
    expect(t.gap).toBeGreaterThanOrEqual(mdi - 30);
    expect(t.gap).toBeLessThanOrEqual(mdi + SLACK_MS);
    expect(tGone - tKill).toBeLessThanOrEqual(LIFETIME_S * 1000 + 1500);
    // Only r2 took over: r3's longer Master_Down_Interval was reset by r2's adverts.
    expect(adverts(frames, VRID).filter((a) => a.t > t.garp.t).every((a) => a.d.src === "198.18.0.2" && a.d.priority === 120)).toBe(true);
    expect(garps(frames, VIP).some((g) => g.srcMac === lab.mac(3))).toBe(false);
    expect((await st(3))?.state).toBe("BACKUP");
    expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(2)]);
    expect(lab.clientPing(VIP)).toBe(true);
  }, 30_000);

  test("RFC 5798 §6.4.2: the returning higher-priority router preempts (adverts 150, GARP from its MAC, old master back to BACKUP)", async () => {
    const cap = await lab.capture();
    await restart(1);
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP", 5000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP).join() === "1", 3000)).toBe(true);
    await sleep(300);
    const frames = await cap.stop();
    const g1 = garps(frames, VIP).find((g) => g.srcMac === lab.mac(1));
    expect(g1).toBeDefined();
    const after = adverts(frames, VRID).filter((a) => a.t > g1!.t + 50);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((a) => a.d.src === "198.18.0.1" && a.d.priority === 150)).toBe(true);
    expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(1)]);
  }, 30_000);

  test("SIGSTOPped master: backup takes over, the frozen master's VIP expires (no duplicate); after SIGCONT it rejoins with one holder", async () => {
    const cap = await lab.capture();
    await sleep(300);
    const tStop = nowMs();
    lab.kill(1, "SIGSTOP");
    try {
      expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
      // frozen, not dead: only the kernel lifetime can take the VIP away
      expect(await waitUntil(() => lab.holders(VIP).join() === "2", LIFETIME_S * 1000 + 2000)).toBe(true);
      expect(nowMs() - tStop).toBeLessThanOrEqual(LIFETIME_S * 1000 + 1500);
      expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(2)]);
    } finally {
      lab.kill(1, "SIGCONT");
    }
    const frames = await cap.stop();
    const t = takeover(frames, "198.18.0.1", lab.mac(2), tStop);
    expect(t.gap).toBeLessThanOrEqual(masterDownMs(ADV, PRIO[1]) + SLACK_MS);
    // Rejoin: r1 (150) preempts r2 again, and the segment settles on one holder and one master.
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP" && lab.holders(VIP).join() === "1", 5000)).toBe(true);
    expect((await st(3))?.state).toBe("BACKUP");
    await sleep(300);
    expect(lab.holders(VIP)).toEqual([1]);
    expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(1)]);
  }, 30_000);

  test("link down on the master: it goes FAULT and drops the VIP; the backup's first GARP comes within Master_Down_Interval; link up and it preempts back", async () => {
    const cap = await lab.capture();
    await sleep(300);
    const tDown = nowMs();
    lab.linkDown(1);
    try {
      expect(await waitUntil(async () => (await st(1))?.state === "FAULT" && (await st(2))?.state === "MASTER", 5000)).toBe(true);
      // a FAULT router removes its VIP at once (no waiting for the lifetime)
      expect(lab.addrs(1)).not.toContain(VIP);
      expect(lab.holders(VIP)).toEqual([2]);
      expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(2)]);
      expect(lab.clientPing(VIP)).toBe(true);
    } finally {
      lab.linkUp(1);
    }
    const frames = await cap.stop();
    const t = takeover(frames, "198.18.0.1", lab.mac(2), tDown);
    const mdi = masterDownMs(ADV, PRIO[1]);
    expect(t.gap).toBeGreaterThanOrEqual(mdi - 30);
    expect(t.gap).toBeLessThanOrEqual(mdi + SLACK_MS);
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP" && lab.holders(VIP).join() === "1", 5000)).toBe(true);
  }, 30_000);
});
