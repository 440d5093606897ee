// Split brain on the wire, two vigil routers and the client. (1) A partition
// legitimately gives each side a master; when it heals, the lower master steps
// down on the first higher advert (RFC 5798 §6.4.3) and the higher one
// reasserts with gratuitous ARP, so the client follows at once, and again
// garp_lower_prio_delay later. (2) With
// keepalived's `vip_lifetime permanent` a SIGKILLed master leaves its VIP behind
// (two holders, as with keepalived); the new master's ARP probe reports the
// other claimant, and the restarted router removes the stale VIP at start.
import { describe, expect, test } from "bun:test";
import { nowMs, sleep, useLab } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, stopVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const ADV = 0.1;
const SLACK_MS = 400;
const lab = useLab({ routers: 2 });


describe("vigil across a partition", () => {
  const VIP = "198.18.0.130";
  /** keepalived garp_lower_prio_delay (whole seconds): r1's reassertion burst comes again this much later */
  const LOWER_DELAY_S = 1;
  const conf = (r: number) => vigilConf({ routerId: `r${r}`, global: ["vip_lifetime 2"], instances: [{ name: "VI_H", vrid: 131, priority: r === 1 ? 150 : 120, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0", ...(r === 1 ? [`garp_lower_prio_delay ${LOWER_DELAY_S}`] : [])] }] });
  let h1: VigilHandle;
  let h2: VigilHandle;
  const state = async (h: VigilHandle) => (await instanceStatus(h, "VI_H"))?.state;

  /** Cuts r1 off; each side elects its own master and the client follows r2. */
  async function split() {
    lab().isolate(1);
    try {
      expect(await waitUntil(async () => (await state(h2)) === "MASTER", 5000)).toBe(true);
      expect(await state(h1)).toBe("MASTER");
      expect(lab().holders(VIP)).toEqual([1, 2]);
      // r2's takeover GARP moved the client's entry; traffic flows to r2
      expect(lab().clientPing(VIP)).toBe(true);
      expect(lab().clientNeigh(VIP)?.mac).toBe(lab().mac(2));
    } catch (e) {
      lab().heal();
      throw e;
    }
  }

  test("RFC 5798 §6.4.3: when a partition heals the lower master steps down within an advert interval of hearing the higher one; one master, one holder", async () => {
    h1 = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await state(h1)) === "MASTER", 5000)).toBe(true);
    h2 = await startVigil(lab(), 2, conf(2));
    expect(await waitUntil(async () => (await state(h2)) === "BACKUP", 3000)).toBe(true);
    expect(lab().clientPing(VIP)).toBe(true); // the client's neighbour entry: r1
    expect(lab().clientNeigh(VIP)?.mac).toBe(lab().mac(1));
    await split();
    const cap = await lab().capture(); // br0: r1's frames appear here only once healed
    const tHeal = nowMs();
    lab().heal();
    expect(await waitUntil(async () => (await state(h2)) === "BACKUP" && lab().holders(VIP).join() === "1", 5000)).toBe(true);
    await sleep(300);
    const frames = await cap.stop();
    const first1 = adverts(frames, 131).find((a) => a.d.src === "198.18.0.1" && a.t > tHeal);
    expect(first1).toBeDefined();
    const late2 = adverts(frames, 131).filter((a) => a.d.src === "198.18.0.2" && a.t > first1!.t);
    // r2 may have had one advert in flight when it heard r1, never more than an interval later
    for (const a of late2) expect(a.t - first1!.t).toBeLessThanOrEqual(ADV * 1000 + SLACK_MS);
    // Whichever advert crossed first decides whether r1 ever hears r2: only if it did
    // (an r2 advert on br0 after r1 is back) must it reassert with GARP. The next test
    // forces that order.
    if (late2.length) expect(garps(frames, VIP).some((g) => g.srcMac === lab().mac(1) && g.t > late2[0].t)).toBe(true);
    expect(await state(h1)).toBe("MASTER");
  }, 30_000);

  test("keepalived: a master that hears a lower master after a heal reasserts with GARP, and the client's cache (pointing at r2) follows at once; garp_lower_prio_delay sends that burst again its delay later", async () => {
    await split();
    const cap = await lab().capture();
    // r1 frozen across the heal: r2's adverts queue up in r1's socket before r2 can hear r1
    lab().kill(1, "SIGSTOP");
    try {
      lab().heal();
      await sleep(ADV * 1000 * 3);
    } finally {
      lab().kill(1, "SIGCONT");
    }
    const tCont = nowMs();
    expect(await waitUntil(async () => (await state(h2)) === "BACKUP" && lab().holders(VIP).join() === "1", 5000)).toBe(true);
    await sleep(200);
    const frames = await cap.stop();
    const g = garps(frames, VIP).find((x) => x.srcMac === lab().mac(1) && x.t > tCont - 50);
    expect(g).toBeDefined();
    // the client never asked: the GARP alone moved its entry back to r1
    expect(lab().clientNeigh(VIP)?.mac).toBe(lab().mac(1));
    expect(lab().clientPing(VIP)).toBe(true);
    expect(await state(h1)).toBe("MASTER");
    // garp_lower_prio_delay: the burst again LOWER_DELAY_S after the lower advert (its default, the
    // global vrrp_garp_master_delay, is 5 s: outside this capture). A lower bound only: load delays, never hastens.
    const cap2 = await lab().capture();
    await sleep(LOWER_DELAY_S * 1000 + 500);
    const later = garps(await cap2.stop(), VIP).filter((x) => x.srcMac === lab().mac(1));
    expect(later.length).toBeGreaterThan(0);
    expect(later[0].t - g!.t).toBeGreaterThanOrEqual(LOWER_DELAY_S * 1000 - 5);
    await stopVigil(lab(), h1);
    await stopVigil(lab(), h2);
  }, 30_000);
});

describe("vip_lifetime permanent (keepalived's behaviour) and stale VIPs", () => {
  const VIP = "198.18.0.131";
  const conf = (r: number) => vigilConf({
    routerId: `r${r}`,
    global: ["vip_lifetime permanent"],
    instances: [{ name: "VI_P", vrid: 132, priority: r === 1 ? 150 : 120, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0", ...(r === 1 ? ["nopreempt"] : [])] }],
  });

  test("a SIGKILLed master's permanent VIP stays (two holders); the new master reports the other MAC; the restarted router removes the stale VIP at start", async () => {
    let h1 = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_P"))?.state === "MASTER", 5000)).toBe(true);
    const h2 = await startVigil(lab(), 2, conf(2));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_P"))?.state === "BACKUP", 3000)).toBe(true);
    lab().kill(1, "SIGKILL");
    await lab().reap(1, 3000);
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_P"))?.state === "MASTER", 5000)).toBe(true);
    // no lease: nothing takes the dead router's address away
    await sleep(500);
    expect(lab().holders(VIP)).toEqual([1, 2]);
    // split-brain rule 3: the takeover probe hears r1's kernel still answering for the VIP
    expect(await waitUntil(() => lab().logOf(h2.proc).includes(`${VIP} is also claimed by MAC ${lab().mac(1)}`), 3000)).toBe(true);
    // split-brain rule 2: at start vigil removes VIPs of its instances left on the box
    h1 = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(() => lab().holders(VIP).join() === "2", 3000)).toBe(true);
    expect(lab().logOf(h1.proc)).toContain(`VI_P: removed stale VIP ${VIP}/32 from eth0 at start`);
    // nopreempt keeps it BACKUP, so nothing put the VIP back
    await sleep(500);
    expect((await instanceStatus(h1, "VI_P"))?.state).toBe("BACKUP");
    expect(lab().holders(VIP)).toEqual([2]);
    expect(lab().clientArping(VIP, 2)).toEqual([lab().mac(2)]);
    await stopVigil(lab(), h1);
    await stopVigil(lab(), h2);
  }, 30_000);
});

describe("VIPs changed behind vigil's back", () => {
  const VIP = "198.18.0.132";
  const conf = (r: number) => vigilConf({ routerId: `r${r}`, global: ["vip_lifetime 2"], instances: [{ name: "VI_X", vrid: 133, priority: r === 1 ? 150 : 120, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0"] }] });

  test("a VIP deleted on the master is put back at once (vip-restored); one added by hand on the backup is removed (vip-conflict)", async () => {
    const h1 = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_X"))?.state === "MASTER" && lab().holders(VIP).join() === "1", 5000)).toBe(true);
    const h2 = await startVigil(lab(), 2, conf(2));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_X"))?.state === "BACKUP", 3000)).toBe(true);

    lab().exec(1, ["ip", "addr", "del", `${VIP}/32`, "dev", "eth0"]);
    // event-driven (rtnetlink monitor), so well inside one advert interval; 1 s bounds a loaded machine
    expect(await waitUntil(() => lab().holders(VIP).join() === "1", 1000, 5)).toBe(true);
    expect((await instanceStatus(h1, "VI_X"))!.counters.vipRestores).toBe(1);
    expect(lab().logOf(h1.proc)).toContain(`vip-restored: ${VIP}/32 on eth0 was deleted while master; re-added`);

    lab().exec(2, ["ip", "addr", "add", `${VIP}/32`, "dev", "eth0"]);
    expect(await waitUntil(() => lab().holders(VIP).join() === "1", 1000, 5)).toBe(true);
    expect((await instanceStatus(h2, "VI_X"))!.counters.conflicts).toBeGreaterThanOrEqual(1);
    expect(lab().logOf(h2.proc)).toContain(`vip-conflict: ${VIP}/32 appeared on eth0 while BACKUP; removed`);
    // and the roles did not move
    expect((await instanceStatus(h1, "VI_X"))?.state).toBe("MASTER");
    expect((await instanceStatus(h2, "VI_X"))?.state).toBe("BACKUP");
    await stopVigil(lab(), h1);
    await stopVigil(lab(), h2);
  }, 30_000);
});
