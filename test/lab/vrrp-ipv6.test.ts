// VRRPv3 over IPv6 on the wire (RFC 5798 §5.1.2): adverts to ff02::12 from the
// link-local address with hop limit 255; a new master announces the VIP with an
// unsolicited Neighbor Advertisement (RFC 5798 §6.4.1 / RFC 4861 §7.2.6).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, nas } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP6 = "fd00:198:18::64";
const VRID = 52;
const PRIO = [150, 120];
const ADV = 0.1;
const SLACK_MS = 400;

const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: ["vip_lifetime 2"],
  instances: [{ name: "VI6", vrid: VRID, priority: PRIO[r - 1], advertInt: ADV, vips: [VIP6], extra: ["garp_master_delay 0"] }],
});

let lab: Lab;
const h: VigilHandle[] = [];
const st = (r: number) => instanceStatus(h[r - 1], "VI6");

beforeAll(async () => {
  lab = await Lab.create({ routers: 2, ipv6: true });
  for (const r of [2, 1]) h[r - 1] = await startVigil(lab, r, conf(r));
}, 60_000);
afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil VRRPv3 over IPv6 (2 routers, 100 ms)", () => {
  test("RFC 5798 §5.1.2: the master advertises to ff02::12 from its link-local address with hop limit 255 and holds the VIP", async () => {
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP", 6000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP6).join() === "1", 3000)).toBe(true);
    const cap = await lab.capture();
    await sleep(500);
    const ads = adverts(await cap.stop(), VRID);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ads.map((a) => `${a.d.family} ${a.d.src}>${a.d.dst} ${a.dstMac} hop${a.d.ttl} v${a.d.version} prio${a.d.priority} int${a.d.advertCs}`)))
      .toEqual(new Set([`6 ${lab.router(1).linkLocal}>ff02::12 33:33:00:00:00:12 hop255 v3 prio150 int10`]));
    expect(ads[0].d.addrs).toEqual([VIP6]);
    expect(await st(1)).toMatchObject({ family: 6, version: 3, vips: [`${VIP6}/128`] });
    expect((await st(2))?.masterAddress).toBe(lab.router(1).linkLocal);
    expect(lab.clientPing(VIP6)).toBe(true);
  }, 30_000);

  test("RFC 5798 §6.4.1 (IPv6): after SIGKILL of the master the backup's first unsolicited NA for the VIP comes within Master_Down_Interval; the client reaches the VIP at the new MAC", async () => {
    const cap = await lab.capture();
    await sleep(300);
    const tKill = nowMs();
    lab.kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
    // the dead master's IPv6 VIP goes by its kernel lifetime as well
    expect(await waitUntil(() => lab.holders(VIP6).join() === "2", 4000)).toBe(true);
    await sleep(200);
    const frames = await cap.stop();
    const na = nas(frames, VIP6).find((n) => n.srcMac === lab.mac(2) && n.t > tKill);
    if (!na) {
      const seen = frames.filter((f) => f.t > tKill - 500).map((f) => `${(f.t - tKill).toFixed(1)} ${f.srcMac} ${f.d.kind} ${JSON.stringify(f.d)}`);
      throw new Error(`no unsolicited NA from r2 after the kill; r2 ${JSON.stringify((await st(2))?.counters)}; frames:\n${seen.join("\n")}\n${lab.logOf(h[1].proc)}`);
    }
    // RFC 5798 §6.4.1: R set, S unset, O set, target the VIP, target link-layer address ours
    expect(na!.d).toMatchObject({ dst: "ff02::1", router: true, override: true, solicited: false, target: VIP6, lladdr: lab.mac(2) });
    const lastOld = adverts(frames, VRID).filter((a) => a.d.src === lab.router(1).linkLocal && a.t < na!.t).at(-1)!;
    const mdi = masterDownMs(ADV, PRIO[1]);
    expect(na!.t - lastOld.t).toBeGreaterThanOrEqual(mdi - 30);
    expect(na!.t - lastOld.t).toBeLessThanOrEqual(mdi + SLACK_MS);
    expect(adverts(frames, VRID).filter((a) => a.t > na!.t).every((a) => a.d.src === lab.router(2).linkLocal && a.d.priority === 120)).toBe(true);
    // The new master's conflict probe must not make the dead master's kernel (VIP
    // still leased) announce itself to all nodes: that would undo the takeover NA.
    expect(nas(frames, VIP6).filter((n) => n.srcMac === lab.mac(1) && n.t > na!.t && n.d.dst === "ff02::1")).toEqual([]);
    expect(lab.clientPing(VIP6)).toBe(true);
    expect(lab.clientNeigh(VIP6)?.mac).toBe(lab.mac(2));
  }, 30_000);
});
