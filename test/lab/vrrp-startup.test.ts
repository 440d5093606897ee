// Startup without the Master_Down_Interval wait, on the wire: keepalived's
// `state MASTER` takes over at once when nobody better speaks, and the address
// owner (priority 255) goes straight from Initialize to Master (RFC 5798
// §6.4.1), preempting a running master. 1 s adverts make Master_Down_Interval
// (≈ 3.6 s) far longer than a start. And keepalived's vrrp_startup_delay holding
// even the owner back after the daemon's start.
import { describe, expect, test } from "bun:test";
import { type Lab, sleep, useLab } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, stopVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.150";
const VRID = 151;
const ADV = 1;
/** from the instance's start (its INIT transition) to its first advert: generous, still far below Master_Down_Interval */
const START_BOUND_MS = 1500;

/** Wall-clock ms of the instance's first transition out of INIT, from the daemon's log line. */
function initLeftAt(h: VigilHandle, lab: Lab): number {
  const m = /^(\S+) vigil\[\d+\] INFO VI_O: INIT -> /m.exec(lab.logOf(h.proc));
  if (!m) throw new Error(`no INIT transition in the log of router ${h.router}`);
  return Date.parse(m[1]);
}

const lab = useLab({ routers: 2 });
let owner: VigilHandle | undefined;

const conf = (r: number, prio: number, state: "MASTER" | "BACKUP") => vigilConf({
  routerId: `r${r}`,
  global: ["vip_lifetime 3"],
  instances: [{ name: "VI_O", vrid: VRID, priority: prio, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0"] }],
}).replace("state BACKUP", `state ${state}`);

describe("vigil startup", () => {
  test("keepalived `state MASTER`, then the RFC 5798 §6.4.1 address owner: each advertises right after its start, not after Master_Down_Interval; the owner preempts at once", async () => {
    const cap = await lab().capture();
    const h2 = await startVigil(lab(), 2, conf(2, 100, "MASTER"));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_O"))?.state === "MASTER", 3000)).toBe(true);
    const started2 = initLeftAt(h2, lab());
    const h1 = await startVigil(lab(), 1, conf(1, 255, "BACKUP"));
    owner = h1;
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_O"))?.state === "MASTER" && (await instanceStatus(h2, "VI_O"))?.state === "BACKUP", 3000)).toBe(true);
    const started1 = initLeftAt(h1, lab());
    await sleep(300);
    const frames = await cap.stop();
    // START_BOUND_MS (1.5 s) < Master_Down_Interval (3.61 s): the bounds below exclude the wait
    if (START_BOUND_MS >= masterDownMs(ADV, 100)) throw new Error("test constants: START_BOUND_MS must stay below Master_Down_Interval");
    const first2 = adverts(frames, VRID).find((a) => a.d.src === "198.18.0.2");
    const first1 = adverts(frames, VRID).find((a) => a.d.src === "198.18.0.1");
    expect(first2).toBeDefined();
    expect(first1).toBeDefined();
    expect(first2!.t - started2).toBeLessThan(START_BOUND_MS);
    expect(first1!.t - started1).toBeLessThan(START_BOUND_MS);
    expect(first1!.d.priority).toBe(255);
    // Initialize -> Master directly: one transition, no Backup in between
    expect((await instanceStatus(h1, "VI_O"))!.counters.transitions).toBe(1);
    expect(garps(frames, VIP).some((g) => g.srcMac === lab().mac(1))).toBe(true);
    // after the owner's first advert only the owner advertises
    expect(adverts(frames, VRID).filter((a) => a.t > first1!.t + 100).every((a) => a.d.src === "198.18.0.1")).toBe(true);
    expect(await waitUntil(() => lab().holders(VIP).join() === "1", 2000)).toBe(true);
    expect(lab().logOf(h1.proc)).toContain("address owner");
  }, 30_000);

  test("keepalived vrrp_startup_delay: even the address owner stays BACKUP and silent until the delay after the daemon's start ran out, then takes over", async () => {
    const DELAY_S = 2;
    const VRID_D = 152;
    const cap = await lab().capture();
    const spawnedAt = Date.now(); // before the spawn: the delay counts from a later instant still
    const h = await startVigil(lab(), 2, vigilConf({
      routerId: "r2d",
      global: ["vip_lifetime 3", `vrrp_startup_delay ${DELAY_S}`],
      instances: [{ name: "VI_D", vrid: VRID_D, priority: 255, advertInt: 0.1, vips: ["198.18.0.152"], extra: ["garp_master_delay 0"] }],
    }));
    expect(await waitUntil(async () => (await instanceStatus(h, "VI_D"))?.state === "MASTER", 10_000)).toBe(true);
    const frames = await cap.stop();
    const first = adverts(frames, VRID_D)[0];
    expect(first).toBeDefined();
    // a lower bound only: a loaded machine can make the takeover later, never earlier
    expect(first!.t - spawnedAt).toBeGreaterThanOrEqual(DELAY_S * 1000);
    expect(garps(frames, "198.18.0.152").every((g) => g.t >= first!.t - 5)).toBe(true);
    // INIT -> BACKUP (held) -> MASTER: the owner did not go straight to MASTER as in the first test
    expect((await instanceStatus(h, "VI_D"))!.counters.transitions).toBe(2);
    expect(lab().logOf(h.proc)).toContain("Delaying startup for 2 seconds");
    await stopVigil(lab(), h);
  }, 30_000);

  test("a second vigil for the same instance in the same namespace fails fast, naming the holder's PID, and disturbs nothing", async () => {
    if (!owner) throw new Error("needs the running owner from the previous test");
    const running = owner;
    await expect(startVigil(lab(), 1, conf(1, 255, "BACKUP"))).rejects.toThrow(`VRRP instance eth0/vrid ${VRID}/IPv4 is already run by pid ${running.proc.pid}`);
    await sleep(300);
    expect(running.proc.proc.exitCode).toBeNull();
    expect((await instanceStatus(running, "VI_O"))?.state).toBe("MASTER");
    expect(lab().holders(VIP)).toEqual([1]);
  }, 30_000);
});
