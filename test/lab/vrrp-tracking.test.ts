// Priority tracking on the wire (keepalived's track_interface / track_script
// rules): a weighted item that fails lowers the advertised priority below the
// backup's, so the backup takes over; an item without weight turns the
// instance FAULT (VIP gone at once); interface_up_down_delays hides a bounce
// shorter than its delay. r1 tracks three veth interfaces in its namespace and
// a script whose exit code the test flips through a state file; two more carry
// eVIPs and one a virtual route (keepalived 2.2.7 tracks a VIP's or virtual route's
// other interface unless it says no_track).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.102";
const VRID = 71;
const ADV = 0.1;
/** interface_up_down_delays on trk2: ten times the bounce the test makes */
const TRK2_DOWN_DELAY_S = 3;
const BOUNCE_MS = 300;
/** eVIPs of r1 on interfaces of their own: vip3 tracked (as keepalived tracks it), vip4 no_track */
const EVIP3 = "198.18.43.1";
const EVIP4 = "198.18.44.1";

let lab: Lab;
let h1: VigilHandle;
let h2: VigilHandle;
let stateFile: string;

const setScript = (code: 0 | 1) => writeFileSync(stateFile, `${code}\n`);
const st = (h: VigilHandle) => instanceStatus(h, "VI_T");
const link = (dev: string, up: boolean) => lab.exec(1, ["ip", "link", "set", dev, up ? "up" : "down"]);

async function r1MasterAgain() {
  expect(await waitUntil(async () => (await st(h1))?.state === "MASTER" && (await st(h1))?.effectivePriority === 150 && (await st(h2))?.state === "BACKUP" && lab.holders(VIP).join() === "1", 6000)).toBe(true);
}

/** Priorities r1 and r2 advertised during `ms`. */
async function advertisedDuring(ms: number): Promise<Set<string>> {
  const cap = await lab.capture();
  await sleep(ms);
  return new Set(adverts(await cap.stop(), VRID).map((a) => `${a.d.src} ${a.d.priority}`));
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  // veth pairs inside r1's namespace (no dummy module on this kernel); the peer
  // stays up so the tracked end has carrier whenever it is up itself.
  for (const d of ["trk0", "trk1", "trk2", "vip3", "vip4", "rte5"]) {
    lab.exec(1, ["ip", "link", "add", d, "type", "veth", "peer", "name", `${d}p`]);
    link(`${d}p`, true);
    link(d, true);
  }
  stateFile = join(lab.dir, "check.state");
  const script = join(lab.dir, "check.sh");
  writeFileSync(script, `#!/bin/sh\nexit "$(cat ${stateFile})"\n`);
  chmodSync(script, 0o755);
  setScript(0);
  const blocks = ["vrrp_script chk_t {", `  script "${script}"`, "  interval 1", "  weight -60", "  fall 1", "  rise 1", "}"];
  h2 = await startVigil(lab, 2, vigilConf({ routerId: "r2", global: ["vip_lifetime 2"], instances: [{ name: "VI_T", vrid: VRID, priority: 100, advertInt: ADV, vips: [VIP] }] }));
  h1 = await startVigil(lab, 1, vigilConf({
    routerId: "r1", global: ["vip_lifetime 2"], blocks: [...blocks, "interface_up_down_delays {", `  trk2 ${TRK2_DOWN_DELAY_S} 0`, "}"],
    instances: [{
      name: "VI_T", vrid: VRID, priority: 150, advertInt: ADV, vips: [VIP],
      extra: [
        "track_interface {", "  trk0 weight -60", "  trk1", "  trk2", "}", "track_script {", "  chk_t", "}",
        "virtual_ipaddress_excluded {", `  ${EVIP3}/24 dev vip3`, `  ${EVIP4}/24 dev vip4 no_track`, "}",
        "virtual_routes {", "  198.18.45.0/24 dev rte5", "  198.18.46.0/24 dev vip4 no_track", "}",
      ],
    }],
  }));
  await r1MasterAgain();
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil priority tracking (keepalived track_interface / track_script)", () => {
  test("track_interface with weight -60: tracked link down advertises 150-60=90, the priority-100 backup takes over; link up and r1 preempts back", async () => {
    const cap = await lab.capture();
    link("trk0", false);
    try {
      expect(await waitUntil(async () => (await st(h2))?.state === "MASTER" && (await st(h1))?.state === "BACKUP", 5000)).toBe(true);
      // the master announces its lowered priority before it loses the election
      const ads = adverts(await cap.stop(), VRID);
      const lowered = ads.findIndex((a) => a.d.src === "198.18.0.1" && a.d.priority === 90);
      const takeover = ads.findIndex((a) => a.d.src === "198.18.0.2");
      expect(lowered).toBeGreaterThanOrEqual(0);
      expect(takeover).toBeGreaterThan(lowered);
      expect(await st(h1)).toMatchObject({ priority: 150, effectivePriority: 90, masterAddress: "198.18.0.2" });
      expect(await waitUntil(() => lab.holders(VIP).join() === "2", 3000)).toBe(true);
      // RFC 5798 §6.4.2: the backup (r1 at 90) is silent, the master advertises 100.
      expect(await advertisedDuring(500)).toEqual(new Set(["198.18.0.2 100"]));
    } finally {
      link("trk0", true);
    }
    await r1MasterAgain();
    expect(await advertisedDuring(400)).toEqual(new Set(["198.18.0.1 150"]));
  }, 30_000);

  test("track_script weight -60: the failing script lowers r1 to 90 and r2 takes over; when it succeeds again r1 preempts", async () => {
    setScript(1);
    try {
      expect(await waitUntil(async () => (await st(h1))?.effectivePriority === 90, 5000)).toBe(true);
      expect(await waitUntil(async () => (await st(h2))?.state === "MASTER" && (await st(h1))?.state === "BACKUP" && lab.holders(VIP).join() === "2", 5000)).toBe(true);
      expect(await advertisedDuring(400)).toEqual(new Set(["198.18.0.2 100"]));
      // weights add up: tracked link down as well gives 150-60-60=30
      link("trk0", false);
      expect(await waitUntil(async () => (await st(h1))?.effectivePriority === 30, 3000)).toBe(true);
      link("trk0", true);
    } finally {
      setScript(0);
    }
    await r1MasterAgain();
  }, 30_000);

  test("track_interface without weight: tracked link down is FAULT, r1's VIP goes at once and r2 takes over; link up and r1 recovers", async () => {
    link("trk1", false);
    try {
      expect(await waitUntil(async () => (await st(h1))?.state === "FAULT", 3000)).toBe(true);
      // FAULT removes the VIP itself; it does not wait for the 2 s lifetime
      expect(await waitUntil(() => !lab.addrs(1).includes(VIP), 300, 10)).toBe(true);
      expect(await waitUntil(async () => (await st(h2))?.state === "MASTER" && lab.holders(VIP).join() === "2", 3000)).toBe(true);
      // a FAULT router does not advertise
      expect(await advertisedDuring(400)).toEqual(new Set(["198.18.0.2 100"]));
      expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(2)]);
    } finally {
      link("trk1", true);
    }
    await r1MasterAgain();
    expect(lab.clientArping(VIP, 2)).toEqual([lab.mac(1)]);
  }, 30_000);

  test("interface_up_down_delays: a tracked link down for less than its down delay changes nothing (r1 stays MASTER, no FAULT); down for longer is FAULT once the delay ran out", async () => {
    const cap = await lab.capture();
    link("trk2", false);
    try {
      await sleep(BOUNCE_MS);
    } finally {
      link("trk2", true);
    }
    await sleep(400);
    expect(adverts(await cap.stop(), VRID).every((a) => a.d.src === "198.18.0.1" && a.d.priority === 150)).toBe(true);
    expect(await st(h1)).toMatchObject({ state: "MASTER" });
    expect(await st(h2)).toMatchObject({ state: "BACKUP" });
    link("trk2", false);
    try {
      expect(await waitUntil(async () => (await st(h1))?.state === "FAULT", TRK2_DOWN_DELAY_S * 1000 + 3000)).toBe(true);
    } finally {
      link("trk2", true);
    }
    await r1MasterAgain();
  }, 30_000);

  test("a VIP on another interface (dev vip3) makes r1 track it as keepalived does: its link down is FAULT, r2 takes over; link up and r1 is MASTER again", async () => {
    expect(lab.exec(1, ["ip", "-br", "addr", "show", "vip3"])).toContain(`${EVIP3}/24`);
    link("vip3", false);
    try {
      expect(await waitUntil(async () => (await st(h1))?.state === "FAULT", 3000)).toBe(true);
      expect(await waitUntil(async () => (await st(h2))?.state === "MASTER" && lab.holders(VIP).join() === "2", 3000)).toBe(true);
      expect(lab.exec(1, ["ip", "-br", "addr", "show", "vip3"])).not.toContain(EVIP3);
    } finally {
      link("vip3", true);
    }
    await r1MasterAgain();
    expect(await waitUntil(() => lab.exec(1, ["ip", "-br", "addr", "show", "vip3"]).includes(`${EVIP3}/24`), 3000)).toBe(true);
  }, 30_000);

  test("a virtual route on another interface (dev rte5) is tracked the same way: its link down is FAULT; up and r1 is MASTER again", async () => {
    expect(lab.exec(1, ["ip", "route", "show", "dev", "rte5"])).toContain("198.18.45.0/24");
    link("rte5", false);
    try {
      expect(await waitUntil(async () => (await st(h1))?.state === "FAULT", 3000)).toBe(true);
      expect(await waitUntil(async () => (await st(h2))?.state === "MASTER" && lab.holders(VIP).join() === "2", 3000)).toBe(true);
    } finally {
      link("rte5", true);
    }
    await r1MasterAgain();
  }, 30_000);

  test("no_track: the link of a no_track VIP and route (dev vip4) going down changes nothing: r1 stays MASTER at 150 and keeps its VIPs", async () => {
    const cap = await lab.capture();
    link("vip4", false);
    try {
      // ten advert intervals: a tracked link would have been FAULT within one (the test above)
      await sleep(1000);
      expect(adverts(await cap.stop(), VRID).every((a) => a.d.src === "198.18.0.1" && a.d.priority === 150)).toBe(true);
      expect(await st(h1)).toMatchObject({ state: "MASTER", effectivePriority: 150 });
      expect(lab.holders(VIP).join()).toBe("1");
      expect(lab.exec(1, ["ip", "-br", "addr", "show", "vip4"])).toContain(`${EVIP4}/24`);
    } finally {
      link("vip4", true);
    }
  }, 30_000);
});
