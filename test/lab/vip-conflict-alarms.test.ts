// Alarms an operator can trust (issue 12 item 6): a plain preemption, between
// two vigil routers or taking over from keepalived 2.2.7, raises no vip-conflict
// (the previous master's ARP/NA from before it stepped down is the handover, see
// src/vrrp/vip-conflict.ts), while a rogue host claiming the VIP raises one that
// names its MAC, for IPv4 (ARP) and IPv6 (neighbor advertisement). The log line
// asserted here is the same event the fleet link publishes (daemon.ts: one
// "event" message feeds both).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sleep, useLab } from "../helpers/lab.ts";
import { type Impl, keepalivedConf, type RouterSpec, startRouter, stopRouter } from "../helpers/keepalived.ts";
import { instanceStatus, startVigil, stopVigil, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP4 = "198.18.0.77";
const VIP6 = "fd00:198:18::77";
const VRID4 = 71;
const VRID6 = 72;
const ADV = 0.1;
/** past the handover window (one Master_Down_Interval, ~0.34 s here) and the re-probe at its end */
const SETTLE_MS = 1200;
const BUN = join(import.meta.dir, "..", "..", "node_modules", ".bin", "bun");
const CLAIM = join(import.meta.dir, "..", "helpers", "claim-vip.ts");

const spec = (r: number, priority: number): RouterSpec => ({
  routerId: `r${r}`,
  instances: [
    { name: "VI_4", vrid: VRID4, priority, advertInt: ADV, vips: [VIP4], garpMasterDelay: 0 },
    { name: "VI_6", vrid: VRID6, priority, advertInt: ADV, vips: [VIP6], garpMasterDelay: 0 },
  ],
});

const lab = useLab({ routers: 2, ipv6: true });

const states = async (h: VigilHandle) => [(await instanceStatus(h, "VI_4"))?.state, (await instanceStatus(h, "VI_6"))?.state].join();
const conflicts = async (h: VigilHandle) => [(await instanceStatus(h, "VI_4"))?.counters.conflicts, (await instanceStatus(h, "VI_6"))?.counters.conflicts];
const holders = () => [lab().holders(VIP4).join(), lab().holders(VIP6).join()].join(" ");

/** `impl` on r2 at priority 100 holds both VIPs; then vigil on r1 at 150 preempts it. */
async function preempt(impl: Impl): Promise<{ h1: VigilHandle; stopOld: () => Promise<void>; oldLog: () => string }> {
  const old = await startRouter(lab(), 2, impl, spec(2, 100));
  expect(await waitUntil(() => holders() === "2 2", 6000)).toBe(true);
  const h1 = await startVigil(lab(), 1, keepalivedConf(spec(1, 150)));
  expect(await waitUntil(async () => (await states(h1)) === "MASTER,MASTER" && holders() === "1 1", 6000)).toBe(true);
  await sleep(SETTLE_MS);
  return { h1, stopOld: () => stopRouter(lab(), old), oldLog: () => lab().logOf(old.proc) };
}

describe("vip-conflict alarms (2 routers + a rogue client, IPv4 and IPv6, 100 ms adverts)", () => {
  test("a preemption between two vigil routers raises no vip-conflict on either (the old master's claims are the handover)", async () => {
    const { h1, stopOld, oldLog } = await preempt("vigil");
    try {
      expect(lab().logOf(h1.proc)).not.toContain("vip-conflict");
      expect(oldLog()).not.toContain("vip-conflict");
      expect(await conflicts(h1)).toEqual([0, 0]);
    } finally {
      await stopVigil(lab(), h1);
      await stopOld();
    }
  }, 30_000);

  test("taking over from keepalived 2.2.7 raises no vip-conflict", async () => {
    const { h1, stopOld } = await preempt("keepalived");
    try {
      expect(lab().logOf(h1.proc)).not.toContain("vip-conflict");
      expect(await conflicts(h1)).toEqual([0, 0]);
    } finally {
      await stopVigil(lab(), h1);
      await stopOld();
    }
  }, 30_000);

  test("a rogue host claiming the VIPs (arping -U; an unsolicited NA) raises vip-conflict naming its MAC, for IPv4 and IPv6", async () => {
    const h1 = await startVigil(lab(), 1, keepalivedConf(spec(1, 150)));
    try {
      expect(await waitUntil(async () => (await states(h1)) === "MASTER,MASTER" && holders() === "1 1", 6000)).toBe(true);
      const rogue = lab().mac("client");
      lab().exec("client", ["arping", "-U", "-S", VIP4, "-i", "eth0", "-c", "2", "-w", "1", VIP4], true);
      lab().exec("client", [BUN, CLAIM, "eth0", VIP6, "2"]);
      const want = [
        `WARN VI_4: vip-conflict: ${VIP4} is also claimed by MAC ${rogue} (ARP) while we are MASTER`,
        `WARN VI_6: vip-conflict: ${VIP6} is also claimed by MAC ${rogue} (neighbor advertisement) while we are MASTER`,
      ];
      const log = () => lab().logOf(h1.proc);
      expect(await waitUntil(() => want.every((w) => log().includes(w)), 5000)).toBe(true);
      const [c4, c6] = await conflicts(h1);
      expect(c4).toBeGreaterThanOrEqual(1);
      expect(c6).toBeGreaterThanOrEqual(1);
    } finally {
      await stopVigil(lab(), h1);
    }
  }, 30_000);
});
