// use_vmac end to end: two vigil routers whose VIP lives on a macvlan carrying the
// RFC 5798 §7.3 virtual router MAC. Proven from the kernels' link/address tables,
// a capture on the bridge and the client's neighbour cache: adverts and gratuitous
// ARPs leave from 00:00:5e:00:01:VRID, and after the master is SIGKILLed the client's
// ARP entry for the VIP keeps that MAC while the backup serves it. The tests run in
// order on one lab.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { nowMs, sleep, useLab } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, stopVigil, vigilConf, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.100";
const VRID = 51;
const VMAC = "00:00:5e:00:01:33";
const DEV = `vrrp.${VRID}`;
const PRIO = [150, 100];
const LIFETIME_S = 2;

const conf = (r: number) => vigilConf({
  routerId: `r${r}`,
  global: [`vip_lifetime ${LIFETIME_S}`],
  instances: [{ name: "VI_1", vrid: VRID, priority: PRIO[r - 1], advertInt: 0.1, vips: [VIP], extra: ["use_vmac", "garp_master_delay 0"] }],
});

const lab = useLab({ routers: 2 }, 60_000);
const h: VigilHandle[] = [];
const st = (r: number) => instanceStatus(h[r - 1], "VI_1");

interface IpLink { ifname: string; address: string; link?: string; flags: string[]; linkinfo?: { info_kind: string; info_data?: { mode?: string } } }
/** `ip -d link show DEV` on a router, or null when the link does not exist */
function link(r: number, dev: string): IpLink | null {
  const out = lab().exec(r, ["ip", "-j", "-d", "link", "show", "dev", dev], true);
  const j = out.trim() ? (JSON.parse(out) as IpLink[]) : [];
  return j[0] ?? null;
}
function addrsOn(r: number, dev: string): string[] {
  const out = lab().exec(r, ["ip", "-j", "addr", "show", "dev", dev], true);
  const j = out.trim() ? (JSON.parse(out) as Array<{ addr_info?: Array<{ local: string }> }>) : [];
  return j.flatMap((l) => l.addr_info ?? []).map((a) => a.local);
}
const sysctl = (r: number, path: string) => lab().exec(r, ["cat", `/proc/sys/${path}`]).trim();

/** r1 starts and becomes master, then r2 joins as its backup, under capture; returns the frames once the VIP sits on r1's vmac. */
async function masterThenBackup(config: (r: number) => string) {
  const cap = await lab().capture();
  h[0] = await startVigil(lab(), 1, config(1));
  expect(await waitUntil(async () => (await st(1))?.state === "MASTER", 5000)).toBe(true);
  h[1] = await startVigil(lab(), 2, config(2));
  expect(await waitUntil(async () => (await st(2))?.state === "BACKUP" && (await st(2))?.masterAddress === "198.18.0.1", 5000)).toBe(true);
  expect(await waitUntil(() => addrsOn(1, DEV).includes(VIP), 3000)).toBe(true);
  await sleep(400);
  return cap.stop();
}

describe("use_vmac (macvlan with the virtual router MAC), 2 vigil routers, VRRPv3 at 100 ms", () => {
  test("RFC 5798 §7.3: the master's VIP sits on vrrp.51 (private macvlan, 00:00:5e:00:01:33); adverts and GARPs leave from the virtual MAC", async () => {
    const cap = await lab().capture();
    h[0] = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER", 5000)).toBe(true);
    h[1] = await startVigil(lab(), 2, conf(2));
    expect(await waitStates([[h[0], "VI_1", "MASTER"], [h[1], "VI_1", "BACKUP"]], 10_000)).toEqual(["MASTER", "BACKUP"]);
    expect(await waitUntil(() => addrsOn(1, DEV).includes(VIP), 3000)).toBe(true);
    await sleep(500);
    const frames = await cap.stop();

    for (const r of [1, 2]) {
      // both routers keep their vmac up, as keepalived does; only the master holds the VIP
      const l = link(r, DEV);
      expect(l).toMatchObject({ ifname: DEV, address: VMAC, link: "eth0", linkinfo: { info_kind: "macvlan", info_data: { mode: "private" } } });
      expect(l!.flags).toContain("UP");
      // keepalived vrrp_if_config.c: the vmac answers ARP only for its own VIPs and hears adverts without an address
      expect([`ipv4/conf/${DEV}/arp_ignore`, `ipv4/conf/${DEV}/accept_local`, `ipv4/conf/${DEV}/rp_filter`, `ipv6/conf/${DEV}/disable_ipv6`].map((p) => sysctl(r, `net/${p}`))).toEqual(["1", "1", "0", "1"]);
      expect(["arp_ignore", "arp_filter", "arp_announce"].map((k) => sysctl(r, `net/ipv4/conf/eth0/${k}`))).toEqual(["1", "1", "2"]);
    }
    expect(addrsOn(1, DEV)).toEqual([VIP]);
    expect(addrsOn(2, DEV)).toEqual([]);
    expect(lab().addrs(1)).not.toContain(VIP);

    const ads = adverts(frames, VRID);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ads.map((a) => `${a.srcMac} ${a.d.src} prio${a.d.priority}`))).toEqual(new Set([`${VMAC} 198.18.0.1 prio150`]));
    const g = garps(frames, VIP);
    expect(g.length).toBeGreaterThan(0);
    expect(new Set(g.map((x) => `${x.srcMac} ${x.d.senderMac}`))).toEqual(new Set([`${VMAC} ${VMAC}`]));
    // Nothing else carries the virtual MAC: no MLD or router solicitations (IPv6 is off on
    // an IPv4 vmac), and the IGMP reports for the vmacs' 224.0.0.18 joins leave from each
    // router's eth0 (nf_tables dup + drop, as keepalived does) — from both routers.
    const IGMP = 2;
    expect(frames.filter((f) => f.srcMac === VMAC && f.d.kind !== "vrrp" && f.d.kind !== "arp").map((f) => f.d)).toEqual([]);
    const igmpFrom = new Set(frames.filter((f) => f.d.kind === "other" && f.d.proto === IGMP).map((f) => f.srcMac));
    expect(igmpFrom.has(lab().mac(1)) && igmpFrom.has(lab().mac(2))).toBe(true);

    expect(lab().clientArping(VIP)).toEqual([VMAC]);
    expect(lab().clientPing(VIP, 1, 3)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    expect((await st(1))?.vips).toEqual([`${VIP}/32`]);
  }, 40_000);

  test("SIGHUP: an unchanged use_vmac instance keeps its vmac and state; dropping use_vmac moves the VIP onto eth0 and removes the vmac; adding it back restores it", async () => {
    const ifindex = () => lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`], true).trim();
    const idx = ifindex();
    const before = (await st(1))!;
    const reloads = () => (lab().logOf(h[0].proc).match(/reload: /g) ?? []).length;
    lab().kill(1, "SIGHUP");
    expect(await waitUntil(() => reloads() === 1, 3000)).toBe(true);
    expect(lab().logOf(h[0].proc)).toMatch(/reload: 1 instance\(s\) kept running.*, 0 \(re\)started/);
    expect(ifindex()).toBe(idx);
    expect(await st(1)).toMatchObject({ state: "MASTER", since: before.since, counters: { transitions: before.counters.transitions } });
    expect(addrsOn(1, DEV)).toEqual([VIP]);

    writeFileSync(h[0].conf, conf(1).replace("  use_vmac\n", ""));
    lab().kill(1, "SIGHUP");
    expect(await waitUntil(async () => link(1, DEV) === null && lab().addrs(1).includes(VIP) && (await st(1))?.state === "MASTER", 5000)).toBe(true);
    // this run raised the parent's sysctls from the lab's defaults, so they go back
    expect(["arp_ignore", "arp_filter", "arp_announce"].map((k) => sysctl(1, `net/ipv4/conf/eth0/${k}`))).toEqual(["0", "0", "0"]);
    expect(lab().clientArping(VIP, 2)).toEqual([lab().mac(1)]);

    writeFileSync(h[0].conf, conf(1));
    lab().kill(1, "SIGHUP");
    expect(await waitUntil(async () => addrsOn(1, DEV).includes(VIP) && !lab().addrs(1).includes(VIP) && (await st(1))?.state === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => lab().clientNeigh(VIP)?.mac === VMAC, 3000)).toBe(true);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
  }, 40_000);

  test("RFC 5798 §7.3: SIGKILLed master — the backup takes the VIP onto its own vmac and the client's ARP entry keeps 00:00:5e:00:01:33", async () => {
    const before = lab().clientNeigh(VIP);
    expect(before?.mac).toBe(VMAC);
    const cap = await lab().capture();
    await sleep(300);
    const tKill = nowMs();
    lab().kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => addrsOn(2, DEV).includes(VIP), 2000)).toBe(true);
    // the client never re-resolves: same entry, same MAC, and the VIP answers from the new master
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    // split-brain rule 1 still holds on a vmac: the dead router's VIP runs out by its lifetime
    expect(await waitUntil(() => !addrsOn(1, DEV).includes(VIP), LIFETIME_S * 1000 + 2000)).toBe(true);
    await sleep(200);
    const frames = await cap.stop();
    const g = garps(frames, VIP).filter((x) => x.t > tKill);
    expect(g.length).toBeGreaterThan(0);
    expect(g.every((x) => x.srcMac === VMAC && x.d.senderMac === VMAC)).toBe(true);
    const after = adverts(frames, VRID).filter((a) => a.t > g[0].t);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((a) => `${a.srcMac} ${a.d.src} prio${a.d.priority}`))).toEqual(new Set([`${VMAC} 198.18.0.2 prio100`]));
    expect(lab().clientArping(VIP, 2)).toEqual([VMAC]);
  }, 30_000);

  test("a restarted router adopts the vmac its dead predecessor left, removes the stale state and preempts with the same MAC", async () => {
    await lab().reap(1, 3000);
    const left = link(1, DEV);
    expect(left?.address).toBe(VMAC); // SIGKILL: nobody removed it
    const index = lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`]).trim();
    h[0] = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP", 5000)).toBe(true);
    expect(await waitUntil(() => addrsOn(1, DEV).includes(VIP) && !addrsOn(2, DEV).includes(VIP), 3000)).toBe(true);
    // adopted, not recreated: same ifindex
    expect(lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`]).trim()).toBe(index);
    expect(lab().logOf(h[0].proc)).toContain(`adopted existing vmac ${DEV}`);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
  }, 30_000);

  test("a vmac deleted by hand under the master is recreated (as keepalived does) and the master takes the VIP back onto it", async () => {
    const old = lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`]).trim();
    lab().exec(1, ["ip", "link", "del", DEV]);
    expect(await waitUntil(() => link(1, DEV) !== null && lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`], true).trim() !== old, 3000)).toBe(true);
    expect(link(1, DEV)).toMatchObject({ address: VMAC, linkinfo: { info_kind: "macvlan", info_data: { mode: "private" } } });
    expect(await waitUntil(async () => (await st(1))?.state === "MASTER" && (await st(2))?.state === "BACKUP" && addrsOn(1, DEV).includes(VIP), 5000)).toBe(true);
    expect(lab().logOf(h[0].proc)).toContain(`${DEV} was deleted outside vigil`);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
  }, 30_000);

  test("SIGTERM removes the vmac and puts back the parent sysctls this run changed; the backup takes over with the same MAC", async () => {
    await stopVigil(lab(), h[0]);
    expect(link(1, DEV)).toBeNull();
    // r1's first run was SIGKILLed with them raised, so this run found nothing to change
    expect(["arp_ignore", "arp_filter", "arp_announce"].map((k) => sysctl(1, `net/ipv4/conf/eth0/${k}`))).toEqual(["1", "1", "2"]);
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER" && addrsOn(2, DEV).includes(VIP), 3000)).toBe(true);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    await stopVigil(lab(), h[1]);
    expect(link(2, DEV)).toBeNull();
    // r2 ran once, from the lab's defaults
    expect(["arp_ignore", "arp_filter", "arp_announce"].map((k) => sysctl(2, `net/ipv4/conf/eth0/${k}`))).toEqual(["0", "0", "0"]);
  }, 30_000);

  test("vmac_xmit_base: adverts leave from the parent with its own MAC, while the VIP and its GARPs stay on the virtual MAC", async () => {
    const xconf = (r: number) => conf(r).replace("  use_vmac\n", "  use_vmac\n  vmac_xmit_base\n");
    expect(xconf(1)).toContain("vmac_xmit_base");
    const frames = await masterThenBackup(xconf);
    const ads = adverts(frames, VRID).filter((a) => a.d.priority === 150);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ads.map((a) => `${a.srcMac} ${a.d.src}`))).toEqual(new Set([`${lab().mac(1)} 198.18.0.1`]));
    const g = garps(frames, VIP);
    expect(g.length).toBeGreaterThan(0);
    expect(new Set(g.map((x) => x.srcMac))).toEqual(new Set([VMAC]));
    expect(lab().clientPing(VIP, 1, 3)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    await stopVigil(lab(), h[0]);
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER", 3000)).toBe(true);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    await stopVigil(lab(), h[1]);
  }, 40_000);

  test("unicast peers with use_vmac: adverts go unicast from the parent's MAC (as keepalived sends them), the VIP and GARPs keep the virtual MAC across SIGKILL failover", async () => {
    const uconf = (r: number) => vigilConf({
      routerId: `r${r}`,
      global: [`vip_lifetime ${LIFETIME_S}`],
      instances: [{ name: "VI_1", vrid: VRID, priority: PRIO[r - 1], advertInt: 0.1, vips: [VIP],
        extra: ["use_vmac", "garp_master_delay 0", `unicast_src_ip 198.18.0.${r}`, "unicast_peer {", `  198.18.0.${3 - r}`, "}"] }],
    });
    const frames = await masterThenBackup(uconf);
    const ads = adverts(frames, VRID).filter((a) => a.d.priority === 150);
    expect(ads.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ads.map((a) => `${a.srcMac}>${a.dstMac} ${a.d.src}>${a.d.dst}`))).toEqual(new Set([`${lab().mac(1)}>${lab().mac(2)} 198.18.0.1>198.18.0.2`]));
    expect(new Set(garps(frames, VIP).map((x) => x.srcMac))).toEqual(new Set([VMAC]));
    expect(lab().clientPing(VIP, 1, 3)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    lab().kill(1, "SIGKILL");
    expect(await waitUntil(async () => (await st(2))?.state === "MASTER" && addrsOn(2, DEV).includes(VIP), 5000)).toBe(true);
    expect(lab().clientPing(VIP, 1, 5)).toBe(true);
    expect(lab().clientNeigh(VIP)?.mac).toBe(VMAC);
    await stopVigil(lab(), h[1]);
    await lab().reap(1, 3000);
  }, 40_000);

  test("vrrp_sync_group of two use_vmac instances: a vmac deleted by hand is recreated and the group is whole again (both MASTER, both VIPs)", async () => {
    const VIP2 = "198.18.0.101";
    const gconf = vigilConf({
      routerId: "r1",
      global: [`vip_lifetime ${LIFETIME_S}`],
      blocks: ["vrrp_sync_group G1 {", "  group {", "    VI_1", "    VI_2", "  }", "}"],
      instances: [
        { name: "VI_1", vrid: VRID, priority: 150, advertInt: 0.1, vips: [VIP], extra: ["use_vmac", "garp_master_delay 0"] },
        { name: "VI_2", vrid: 61, priority: 150, advertInt: 0.1, vips: [VIP2], extra: ["use_vmac", "garp_master_delay 0"] },
      ],
    });
    h[0] = await startVigil(lab(), 1, gconf);
    const both = async () => (await st(1))?.state === "MASTER" && (await instanceStatus(h[0], "VI_2"))?.state === "MASTER";
    expect(await waitUntil(async () => (await both()) && addrsOn(1, DEV).includes(VIP) && addrsOn(1, "vrrp.61").includes(VIP2), 5000)).toBe(true);
    const old = lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`]).trim();
    lab().exec(1, ["ip", "link", "del", DEV]);
    expect(await waitUntil(() => lab().exec(1, ["cat", `/sys/class/net/${DEV}/ifindex`], true).trim() !== old && link(1, DEV) !== null, 3000)).toBe(true);
    expect(await waitUntil(async () => (await both()) && addrsOn(1, DEV).includes(VIP) && addrsOn(1, "vrrp.61").includes(VIP2), 5000)).toBe(true);
    expect(lab().logOf(h[0].proc)).not.toContain("cannot start");
    await stopVigil(lab(), h[0]);
    expect([link(1, DEV), link(1, "vrrp.61")]).toEqual([null, null]);
  }, 30_000);
});
