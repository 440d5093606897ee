// Preemption rules on the wire, two vigil routers: a returning higher-priority
// router with `nopreempt` stays BACKUP under a lower master; with
// `preempt_delay` it tolerates the lower master for that long, then takes over.
import { describe, expect, test } from "bun:test";
import { sleep, useLab } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, stopVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.101";
const VRID = 61;
const ADV = 0.1;
const SLACK_MS = 400;

const conf = (r: number, extra: string[]) => vigilConf({
  routerId: `r${r}`,
  global: ["vip_lifetime 2"],
  instances: [{ name: "VI_P", vrid: VRID, priority: r === 1 ? 150 : 100, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0", ...extra] }],
});

const lab = useLab({ routers: 2 });

async function lowerMasterFirst(): Promise<VigilHandle> {
  const h2 = await startVigil(lab(), 2, conf(2, []));
  expect(await waitUntil(async () => (await instanceStatus(h2, "VI_P"))?.state === "MASTER", 5000)).toBe(true);
  return h2;
}

async function stopAll(hs: VigilHandle[]) {
  for (const h of hs) await stopVigil(lab(), h);
}

describe("vigil preemption (2 routers, VRRPv3 at 100 ms)", () => {
  test("keepalived nopreempt: a returning higher-priority router stays BACKUP under the lower master, and takes over only when it leaves", async () => {
    const h2 = await lowerMasterFirst();
    const cap = await lab().capture();
    const h1 = await startVigil(lab(), 1, conf(1, ["nopreempt"]));
    // Ten advert intervals, three times what preemption would take: nothing may move.
    await sleep(1200);
    const frames = await cap.stop();
    expect((await instanceStatus(h1, "VI_P"))?.state).toBe("BACKUP");
    expect((await instanceStatus(h1, "VI_P"))?.masterAddress).toBe("198.18.0.2");
    expect((await instanceStatus(h2, "VI_P"))?.state).toBe("MASTER");
    const ads = adverts(frames, VRID);
    expect(ads.length).toBeGreaterThan(5);
    expect(new Set(ads.map((a) => `${a.d.src} ${a.d.priority}`))).toEqual(new Set(["198.18.0.2 100"]));
    expect(garps(frames, VIP).some((g) => g.srcMac === lab().mac(1))).toBe(false);
    expect(lab().holders(VIP)).toEqual([2]);
    // The lower master goes away (SIGTERM: priority 0): now the nopreempt router must take over.
    await stopVigil(lab(), h2);
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_P"))?.state === "MASTER" && lab().holders(VIP).join() === "1", 5000)).toBe(true);
    await stopAll([h1]);
  }, 30_000);

  test("keepalived preempt_delay: the higher-priority router tolerates the lower master for the delay, then preempts within Master_Down_Interval of it", async () => {
    const DELAY_S = 1;
    const h2 = await lowerMasterFirst();
    const cap = await lab().capture();
    const h1 = await startVigil(lab(), 1, conf(1, [`preempt_delay ${DELAY_S}`]));
    const s1 = await instanceStatus(h1, "VI_P");
    expect(s1?.state).toBe("BACKUP");
    const backupSince = s1!.since; // wall-clock ms of INIT -> BACKUP: the delay counts from startup
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_P"))?.state === "MASTER", 6000)).toBe(true);
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_P"))?.state === "BACKUP" && lab().holders(VIP).join() === "1", 3000)).toBe(true);
    await sleep(200);
    const frames = await cap.stop();
    const g1 = garps(frames, VIP).find((g) => g.srcMac === lab().mac(1));
    const a1 = adverts(frames, VRID).find((a) => a.d.src === "198.18.0.1");
    expect(g1).toBeDefined();
    expect(a1).toBeDefined();
    const tTake = Math.min(g1!.t, a1!.t); // r1's first frame as master
    const waited = tTake - backupSince;
    expect(waited).toBeGreaterThanOrEqual(DELAY_S * 1000 - 20);
    expect(waited).toBeLessThanOrEqual(DELAY_S * 1000 + masterDownMs(ADV, 150) + SLACK_MS);
    // While it waited, the lower master kept advertising (tolerated, not preempted).
    expect(adverts(frames, VRID).filter((a) => a.t < tTake && a.t >= backupSince + 100).length).toBeGreaterThanOrEqual(5);
    expect(adverts(frames, VRID).filter((a) => a.t > tTake + 50).every((a) => a.d.src === "198.18.0.1" && a.d.priority === 150)).toBe(true);
    await stopAll([h1, h2]);
  }, 30_000);
});
