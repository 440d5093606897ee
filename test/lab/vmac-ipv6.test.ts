// use_vmac over IPv6 (VRRPv3): the VIP lives on vrrp.<VRID> with the RFC 5798 §7.3
// IPv6 virtual MAC 00:00:5e:00:02:VRID; adverts (from the parent's link-local address)
// and unsolicited NAs leave from that MAC, and after SIGKILL of the master the
// client's neighbour entry for the VIP keeps it. Tests run in order on one lab.
import { describe, expect, test } from "bun:test";
import { nowMs, sleep, useLab } from "../helpers/lab.ts";
import { adverts, nas } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP6 = "fd00:198:18::64";
const VRID = 52;
const VMAC6 = "00:00:5e:00:02:34";
const DEV = `vrrp.${VRID}`;
const PRIO = [150, 100];

const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: ["vip_lifetime 2"],
  instances: [{ name: "VI6", vrid: VRID, priority: PRIO[r - 1], advertInt: 0.1, vips: [VIP6], extra: ["use_vmac", "garp_master_delay 0"] }],
});

const lab = useLab({ routers: 2, ipv6: true }, 60_000);
const h: VigilHandle[] = [];
const st = (r: number) => instanceStatus(h[r - 1], "VI6");

function addrsOn(r: number, dev: string): string[] {
  const out = lab().exec(r, ["ip", "-j", "addr", "show", "dev", dev], true);
  const j = out.trim() ? (JSON.parse(out) as Array<{ addr_info?: Array<{ local: string }> }>) : [];
  return j.flatMap((l) => l.addr_info ?? []).map((a) => a.local);
}
const macOf = (r: number, dev: string) => lab().exec(r, ["cat", `/sys/class/net/${dev}/address`], true).trim();


describe("use_vmac over IPv6 (VRRPv3, 2 vigil routers, 100 ms)", () => {
  test("RFC 5798 §7.3: the VIP sits on vrrp.52 (00:00:5e:00:02:34) beside the parent's link-local; adverts and NAs leave from the virtual MAC", async () => {
    const cap = await lab().capture();
    h[0] = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER", 5000)).toBe(true);
    h[1] = await startVigil(lab(), 2, conf(2));
    expect(await waitUntil(async () => (await st(2))?.state === "BACKUP", 5000)).toBe(true);
    expect(await waitUntil(() => addrsOn(1, DEV).includes(VIP6), 3000)).toBe(true);
    await sleep(500);
    const frames = await cap.stop();
    for (const r of [1, 2]) expect(macOf(r, DEV)).toBe(VMAC6);
    // RFC 5798 §7.4: no link-local derived from the virtual MAC, only the parent's (the advert source)
    expect(addrsOn(1, DEV).sort()).toEqual([lab().router(1).linkLocal, VIP6].sort());
    expect(addrsOn(2, DEV)).toEqual([lab().router(2).linkLocal]);
    expect(lab().addrs(1)).not.toContain(VIP6);

    const ads = adverts(frames, VRID).filter((a) => a.d.priority === 150);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ads.map((a) => `${a.srcMac} ${a.d.src}>${a.d.dst} hop${a.d.ttl}`))).toEqual(new Set([`${VMAC6} ${lab().router(1).linkLocal}>ff02::12 hop255`]));
    const na = nas(frames, VIP6);
    expect(na.length).toBeGreaterThan(0);
    // RFC 4861 §7.2.6 / RFC 5798 §6.4.1: the target link-layer address is the virtual MAC too
    expect(new Set(na.map((n) => `${n.srcMac} ${n.d.lladdr} ${n.d.dst}`))).toEqual(new Set([`${VMAC6} ${VMAC6} ff02::1`]));
    // no router solicitations from a vmac (a backup's would move the switch's entry for the virtual MAC)
    for (const r of [1, 2]) expect(lab().exec(r, ["cat", `/proc/sys/net/ipv6/conf/${DEV}/accept_ra`]).trim()).toBe("0");
    expect(lab().clientPing(VIP6, 1, 3)).toBe(true);
    expect(lab().clientNeigh(VIP6)?.mac).toBe(VMAC6);
  }, 40_000);

  test("RFC 5798 §7.3: after SIGKILL of the master the backup answers for the VIP and the client's neighbour entry keeps 00:00:5e:00:02:34", async () => {
    const cap = await lab().capture();
    await sleep(300);
    const tKill = nowMs();
    lab().kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => addrsOn(2, DEV).includes(VIP6), 2000)).toBe(true);
    expect(lab().clientPing(VIP6, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP6)?.mac).toBe(VMAC6);
    // split-brain rule 1: the dead master's VIP runs out by its lifetime, vmac or not
    expect(await waitUntil(() => !addrsOn(1, DEV).includes(VIP6), 4000)).toBe(true);
    await sleep(200);
    const frames = await cap.stop();
    const na = nas(frames, VIP6).filter((n) => n.t > tKill);
    expect(na.length).toBeGreaterThan(0);
    expect(na.every((n) => n.srcMac === VMAC6 && n.d.lladdr === VMAC6)).toBe(true);
    const after = adverts(frames, VRID).filter((a) => a.t > na[0].t);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((a) => `${a.srcMac} ${a.d.src} prio${a.d.priority}`))).toEqual(new Set([`${VMAC6} ${lab().router(2).linkLocal} prio100`]));
    expect(lab().clientNeigh(VIP6)?.mac).toBe(VMAC6);
  }, 30_000);
});
