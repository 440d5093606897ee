// vrrp_sync_group and notify scripts on the wire. Two instances (VRIDs 81 and
// 82 on eth0) form one sync group on each of two routers; r1's VI_A tracks a
// veth without weight, so its fault must drag VI_B along (keepalived's sync
// group rule) and both VIPs move to r2 together. r1's notify scripts append
// their arguments to a file; keepalived's conventions: notify_master/backup/
// fault run as configured, `notify` gets INSTANCE <name> <state> <priority>;
// the sync group's own scripts run per group state with GROUP <name> <state> 0.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP_A = "198.18.0.103";
const VIP_B = "198.18.0.104";
const ADV = 0.1;

let lab: Lab;
let h1: VigilHandle;
let h2: VigilHandle;
let notifyLog: string;

const lines = () => (existsSync(notifyLog) ? readFileSync(notifyLog, "utf8").split("\n").filter(Boolean) : []);
const states = async (h: VigilHandle) => [(await instanceStatus(h, "VI_A"))?.state, (await instanceStatus(h, "VI_B"))?.state].join();
const link = (up: boolean) => lab.exec(1, ["ip", "link", "set", "trk0", up ? "up" : "down"]);

function routerConf(r: 1 | 2, script: string): string {
  const prio = r === 1 ? 150 : 100;
  const notify = r === 1 ? [`notify "${script}"`] : [];
  return vigilConf({
    routerId: `r${r}`,
    global: ["vip_lifetime 2"],
    blocks: ["vrrp_sync_group G1 {", "  group {", "    VI_A", "    VI_B", "  }", ...(r === 1 ? [`  notify "${script}"`, `  notify_master "${script} group-master"`] : []), "}"],
    instances: [
      {
        name: "VI_A", vrid: 81, priority: prio, advertInt: ADV, vips: [VIP_A],
        extra: [...notify, ...(r === 1 ? [`notify_master "${script} specific-master"`, `notify_backup "${script} specific-backup"`, `notify_fault "${script} specific-fault"`, "track_interface {", "  trk0", "}"] : [])],
      },
      { name: "VI_B", vrid: 82, priority: prio, advertInt: ADV, vips: [VIP_B], extra: notify },
    ],
  });
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  lab.exec(1, ["ip", "link", "add", "trk0", "type", "veth", "peer", "name", "trk0p"]);
  lab.exec(1, ["ip", "link", "set", "trk0p", "up"]);
  link(true);
  notifyLog = join(lab.dir, "notify.log");
  const script = join(lab.dir, "notify.sh");
  writeFileSync(script, `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
  chmodSync(script, 0o755);
  h2 = await startVigil(lab, 2, routerConf(2, script));
  h1 = await startVigil(lab, 1, routerConf(1, script));
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil vrrp_sync_group and notify scripts", () => {
  test("keepalived notify: r1 runs notify_backup then notify_master, and `notify` gets INSTANCE <name> <state> <priority> for each instance; the sync group's get GROUP G1 <state> 0 once per group state", async () => {
    expect(await waitUntil(async () => (await states(h1)) === "MASTER,MASTER" && (await states(h2)) === "BACKUP,BACKUP", 6000)).toBe(true);
    // the group's own scripts, as keepalived 2.2.7 runs them: GROUP <name> <state> 0, once per group state
    const want = ["specific-backup", "INSTANCE VI_A BACKUP 150", "INSTANCE VI_B BACKUP 150", "specific-master", "INSTANCE VI_A MASTER 150", "INSTANCE VI_B MASTER 150",
      "GROUP G1 BACKUP 0", "GROUP G1 MASTER 0", "group-master"];
    expect(await waitUntil(() => want.every((w) => lines().includes(w)), 3000)).toBe(true);
    const l = lines();
    // order per instance: BACKUP (startup) before MASTER
    expect(l.indexOf("INSTANCE VI_A BACKUP 150")).toBeLessThan(l.indexOf("INSTANCE VI_A MASTER 150"));
    expect(l.indexOf("specific-backup")).toBeLessThan(l.indexOf("specific-master"));
    expect(l.indexOf("GROUP G1 BACKUP 0")).toBeLessThan(l.indexOf("GROUP G1 MASTER 0"));
    expect(l.filter((x) => !want.includes(x))).toEqual([]);
    expect(l.filter((x) => x.startsWith("GROUP")).length).toBe(2);
    expect(lab.holders(VIP_A)).toEqual([1]);
    expect(lab.holders(VIP_B)).toEqual([1]);
  }, 30_000);

  test("keepalived vrrp_sync_group: VI_A's own fault puts VI_B in FAULT too; both VIPs move to r2 together, and both come back together", async () => {
    const before = lines().length;
    const cap = await lab.capture();
    link(false);
    try {
      expect(await waitUntil(async () => (await states(h1)) === "FAULT,FAULT", 3000)).toBe(true);
      expect(await waitUntil(async () => (await states(h2)) === "MASTER,MASTER" && lab.holders(VIP_A).join() === "2" && lab.holders(VIP_B).join() === "2", 5000)).toBe(true);
      await sleep(300);
      const frames = await cap.stop();
      // after the fault only r2 advertises, on both VRIDs
      const last = (vrid: number) => adverts(frames, vrid).slice(-3).map((a) => a.d.src);
      expect(last(81)).toEqual(["198.18.0.2", "198.18.0.2", "198.18.0.2"]);
      expect(last(82)).toEqual(["198.18.0.2", "198.18.0.2", "198.18.0.2"]);
      const want = ["specific-fault", "INSTANCE VI_A FAULT 150", "INSTANCE VI_B FAULT 150", "GROUP G1 FAULT 0"];
      expect(await waitUntil(() => want.every((w) => lines().slice(before).includes(w)), 3000)).toBe(true);
      expect(lab.clientArping(VIP_A)).toEqual([lab.mac(2)]);
      expect(lab.clientArping(VIP_B)).toEqual([lab.mac(2)]);
    } finally {
      link(true);
    }
    expect(await waitUntil(async () => (await states(h1)) === "MASTER,MASTER" && (await states(h2)) === "BACKUP,BACKUP", 6000)).toBe(true);
    expect(await waitUntil(() => lab.holders(VIP_A).join() === "1" && lab.holders(VIP_B).join() === "1", 3000)).toBe(true);
    expect(await waitUntil(() => ["INSTANCE VI_B MASTER 150", "INSTANCE VI_A MASTER 150", "GROUP G1 MASTER 0"].every((w) => lines().slice(before).includes(w)), 3000)).toBe(true);
    // one FAULT for the group however many members fault
    expect(lines().slice(before).filter((x) => x === "GROUP G1 FAULT 0").length).toBe(1);
  }, 30_000);
});
