// Daemon lifecycle on the wire: SIGTERM sends a priority-0 advert and removes
// the VIPs, so the backup takes over after Skew_Time instead of
// Master_Down_Interval (RFC 5798 §6.4.3 / §6.4.2); `vigil status` reports what
// the daemon runs; SIGHUP reloads without touching an unchanged instance (no
// advert gap, no new GARP) while a changed one restarts, and a broken config is
// rejected with the running one kept.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { readFileSync, writeFileSync } from "node:fs";
import { nowMs, sleep, useLab } from "../helpers/lab.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, vigilCommand, vigilConf, vigilStatus, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const SLACK_MS = 400;
const lab = useLab({ routers: 2 });

describe("SIGTERM", () => {
  // 0.5 s adverts: Skew_Time (0.3 s for priority 100) and Master_Down_Interval (1.8 s) are far apart.
  const ADV = 0.5;
  const VIP = "198.18.0.110";
  const conf = (r: number) => vigilConf({ routerId: `r${r}`, global: ["vip_lifetime 3"], instances: [{ name: "VI_S", vrid: 111, priority: r === 1 ? 150 : 100, advertInt: ADV, vips: [VIP], extra: ["garp_master_delay 0"] }] });

  test("RFC 5798 §6.4.3: on SIGTERM the master sends priority 0 and drops its VIP; the backup's first GARP follows within Skew_Time, well before Master_Down_Interval", async () => {
    const h1 = await startVigil(lab(), 1, conf(1));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_S"))?.state === "MASTER", 6000)).toBe(true);
    const h2 = await startVigil(lab(), 2, conf(2));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_S"))?.state === "BACKUP", 3000)).toBe(true);
    await sleep(ADV * 1000 + 100); // r2 has heard r1
    const cap = await lab().capture();
    await sleep(200);
    lab().kill(1, "SIGTERM");
    const code = await Promise.race([h1.proc.exited, sleep(5000).then(() => "timeout")]);
    expect(code).toBe(0);
    // the VIP went with the process, not by its lifetime
    expect(lab().addrs(1)).not.toContain(VIP);
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_S"))?.state === "MASTER" && lab().holders(VIP).join() === "2", 4000)).toBe(true);
    await sleep(100);
    const frames = await cap.stop();
    const zero = adverts(frames, 111).find((a) => a.d.src === "198.18.0.1" && a.d.priority === 0);
    expect(zero).toBeDefined();
    expect(zero!.d.ttl).toBe(255);
    const g = garps(frames, VIP).find((x) => x.srcMac === lab().mac(2) && x.t > zero!.t);
    expect(g).toBeDefined();
    const skew = ((256 - 100) * ADV * 1000) / 256;
    const gap = g!.t - zero!.t;
    expect(gap).toBeGreaterThanOrEqual(skew - 30);
    expect(gap).toBeLessThanOrEqual(skew + SLACK_MS);
    expect(gap).toBeLessThan(masterDownMs(ADV, 100));
    // nothing from r1 after its goodbye
    expect(frames.filter((f) => f.srcMac === lab().mac(1) && f.t > zero!.t + 1 && (f.d.kind === "vrrp" || f.d.kind === "arp"))).toEqual([]);
    lab().kill(2, "SIGTERM");
    await lab().reap(2, 4000);
  }, 30_000);
});

describe("vigil status and SIGHUP reload", () => {
  const ADV = 0.2;
  const VIP_K = "198.18.0.111";
  const VIP_C = "198.18.0.112";
  const conf = (r: number, prioC: number) => vigilConf({
    routerId: `r${r}`,
    global: ["vip_lifetime 3"],
    instances: [
      { name: "VI_KEEP", vrid: 112, priority: r === 1 ? 150 : 100, advertInt: ADV, vips: [VIP_K], extra: ["garp_master_delay 0"] },
      { name: "VI_CHANGE", vrid: 113, priority: r === 1 ? prioC : 100, advertInt: ADV, vips: [VIP_C], extra: ["garp_master_delay 0"] },
    ],
  });
  let h1: VigilHandle;
  let h2: VigilHandle;
  /** Rewrites r1's config to VI_KEEP (as before) plus VI_NEW holding `vipNew`, sends SIGHUP; returns when it was sent. */
  const reloadR1KeepAndNew = (vipNew: string) => {
    writeFileSync(h1.conf, vigilConf({
      routerId: "r1",
      global: ["vip_lifetime 3"],
      instances: [
        { name: "VI_KEEP", vrid: 112, priority: 150, advertInt: ADV, vips: [VIP_K], extra: ["garp_master_delay 0"] },
        { name: "VI_NEW", vrid: 114, priority: 150, advertInt: ADV, vips: [vipNew], extra: ["garp_master_delay 0"] },
      ],
    }));
    const tHup = nowMs();
    lab().kill(1, "SIGHUP");
    return tHup;
  };

  test("`vigil status` (text and --json) shows version, pid, every instance with state, priorities, master and counters", async () => {
    h1 = await startVigil(lab(), 1, conf(1, 150));
    h2 = await startVigil(lab(), 2, conf(2, 150));
    expect(await waitUntil(async () => (await vigilStatus(h1))?.instances.every((i) => i.state === "MASTER") === true && (await vigilStatus(h2))?.instances.every((i) => i.state === "BACKUP") === true, 6000)).toBe(true);
    const cli = (args: string[]) => spawnSync([...vigilCommand(), "status", "--socket", h1.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    const j = cli(["--json"]);
    expect(j.exitCode).toBe(0);
    const doc = JSON.parse(j.stdout.toString());
    expect(doc.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.pid).toBe(h1.proc.pid);
    expect(doc.configFile).toBe(h1.conf);
    expect(doc.instances.map((i: { name: string; state: string; vrid: number; priority: number; masterAddress: string }) => [i.name, i.state, i.vrid, i.priority, i.masterAddress]))
      .toEqual([["VI_KEEP", "MASTER", 112, 150, "198.18.0.1"], ["VI_CHANGE", "MASTER", 113, 150, "198.18.0.1"]]);
    expect(doc.instances[0].counters.advertsSent).toBeGreaterThan(0);
    const t = cli([]);
    expect(t.exitCode).toBe(0);
    const rows = t.stdout.toString().trim().split("\n");
    expect(rows[0]).toContain(`pid ${h1.proc.pid}`);
    expect(rows[1].split(/\s+/)).toEqual(["INSTANCE", "IFACE", "VRID", "V", "STATE", "PRIO", "EFF", "MASTER", "SINCE", "SENT", "RECV", "DROPPED"]);
    expect(rows[2].split(/\s+/).slice(0, 8)).toEqual(["VI_KEEP", "eth0", "112", "3/v4", "MASTER", "150", "150", "198.18.0.1"]);
    expect(rows[3].split(/\s+/).slice(0, 8)).toEqual(["VI_CHANGE", "eth0", "113", "3/v4", "MASTER", "150", "150", "198.18.0.1"]);
    // a daemon that is not there: clear error, non-zero exit
    const gone = spawnSync([...vigilCommand(), "status", "--socket", `${lab().dir}/nobody.sock`], { stdout: "pipe", stderr: "pipe" });
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr.toString()).toContain("nobody.sock");
  }, 30_000);

  test("SIGHUP: the unchanged instance keeps advertising without a gap and sends no new GARP; the one whose priority changed advertises it from its next advert without a restart (no priority 0, no VIP move)", async () => {
    const before = (await instanceStatus(h1, "VI_KEEP"))!;
    const beforeC = (await instanceStatus(h1, "VI_CHANGE"))!;
    const cap = await lab().capture();
    await sleep(500);
    writeFileSync(h1.conf, conf(1, 140));
    const tHup = nowMs();
    lab().kill(1, "SIGHUP");
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_CHANGE"))?.priority === 140, 3000)).toBe(true);
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_CHANGE"))?.state === "MASTER" && lab().holders(VIP_C).join() === "1", 5000)).toBe(true);
    await sleep(2500); // several advert intervals after the reload on the wire
    const frames = await cap.stop();
    const keep = adverts(frames, 112).filter((a) => a.d.src === "198.18.0.1");
    expect(keep.length).toBeGreaterThan(5);
    let maxGap = 0;
    for (let i = 1; i < keep.length; i++) maxGap = Math.max(maxGap, keep[i].t - keep[i - 1].t);
    expect(maxGap).toBeLessThanOrEqual(ADV * 1000 + 100);
    expect(keep.every((a) => a.d.priority === 150)).toBe(true);
    expect(garps(frames, VIP_K).filter((g) => g.t > tHup)).toEqual([]);
    expect(lab().holders(VIP_K)).toEqual([1]);
    const after = (await instanceStatus(h1, "VI_KEEP"))!;
    expect(after.since).toBe(before.since);
    expect(after.counters.transitions).toBe(before.counters.transitions);
    // the retuned instance: same state since before, advertises 140 with no gap, never 0, no new GARP
    const changed = adverts(frames, 113).filter((a) => a.d.src === "198.18.0.1");
    expect(changed.at(-1)?.d.priority).toBe(140);
    expect(changed.some((a) => a.d.priority === 0)).toBe(false);
    let gapC = 0;
    for (let i = 1; i < changed.length; i++) gapC = Math.max(gapC, changed[i].t - changed[i - 1].t);
    expect(gapC).toBeLessThanOrEqual(ADV * 1000 + 100);
    expect(garps(frames, VIP_C).filter((g) => g.t > tHup)).toEqual([]);
    expect((await instanceStatus(h1, "VI_CHANGE"))!.since).toBe(beforeC.since);
    expect(lab().logOf(h1.proc)).toContain("2 instance(s) kept running (1 with a new priority), 0 (re)started");
  }, 30_000);

  test("SIGHUP with a broken config: reload rejected with the file's error, everything keeps running untouched", async () => {
    const good = readFileSync(h1.conf, "utf8");
    const before = await vigilStatus(h1);
    const cap = await lab().capture();
    writeFileSync(h1.conf, `${good}\nvrrp_instance BROKEN {\n  virtual_router_id 999\n}\n`);
    try {
      lab().kill(1, "SIGHUP");
      expect(await waitUntil(() => lab().logOf(h1.proc).includes("reload rejected"), 3000)).toBe(true);
      await sleep(600);
    } finally {
      writeFileSync(h1.conf, good);
    }
    const frames = await cap.stop();
    expect(lab().logOf(h1.proc)).toMatch(/reload rejected.*\n?.*conf:\d+:\d+/);
    const after = await vigilStatus(h1);
    expect(after!.instances.map((i) => [i.name, i.state, i.since])).toEqual(before!.instances.map((i) => [i.name, i.state, i.since]));
    expect(adverts(frames, 112).filter((a) => a.d.src === "198.18.0.1").length).toBeGreaterThanOrEqual(2);
    expect(garps(frames).filter((g) => g.srcMac === lab().mac(1))).toEqual([]);
    expect(h1.proc.proc.exitCode).toBeNull();
  }, 30_000);

  test("SIGHUP removing one instance and adding another: the removed one says goodbye (priority 0, VIP gone, r2 takes over), the new one starts, the kept one is untouched", async () => {
    const VIP_N = "198.18.0.113";
    const before = (await instanceStatus(h1, "VI_KEEP"))!;
    const cap = await lab().capture();
    const tHup = reloadR1KeepAndNew(VIP_N);
    expect(await waitUntil(async () => (await vigilStatus(h1))?.instances.map((i) => i.name).join() === "VI_KEEP,VI_NEW", 3000)).toBe(true);
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_NEW"))?.state === "MASTER" && lab().holders(VIP_N).join() === "1", 5000)).toBe(true);
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_CHANGE"))?.state === "MASTER" && lab().holders(VIP_C).join() === "2", 5000)).toBe(true);
    await sleep(300);
    const frames = await cap.stop();
    // RFC 5798 §6.4.3: the removed instance leaves like a shutdown, with priority 0
    // (ordinary adverts may still leave between the signal and the reload taking effect)
    const bye = adverts(frames, 113).find((a) => a.d.src === "198.18.0.1" && a.t > tHup && a.d.priority === 0);
    expect(bye).toBeDefined();
    expect(adverts(frames, 113).filter((a) => a.d.src === "198.18.0.1" && a.t > bye!.t)).toEqual([]);
    expect(adverts(frames, 114).filter((a) => a.d.src === "198.18.0.1").length).toBeGreaterThan(0);
    const keep = adverts(frames, 112).filter((a) => a.d.src === "198.18.0.1");
    let maxGap = 0;
    for (let i = 1; i < keep.length; i++) maxGap = Math.max(maxGap, keep[i].t - keep[i - 1].t);
    expect(maxGap).toBeLessThanOrEqual(ADV * 1000 + 100);
    expect((await instanceStatus(h1, "VI_KEEP"))!.since).toBe(before.since);
    expect(garps(frames, VIP_K).filter((g) => g.t > tHup)).toEqual([]);
  }, 30_000);

  test("SIGHUP changing an instance beyond its priority (its VIP) restarts it: old VIP gone, new VIP announced; the kept one untouched", async () => {
    const VIP_N = "198.18.0.113";
    const VIP_N2 = "198.18.0.114";
    const before = (await instanceStatus(h1, "VI_KEEP"))!;
    const cap = await lab().capture();
    const tHup = reloadR1KeepAndNew(VIP_N2);
    expect(await waitUntil(() => lab().holders(VIP_N2).join() === "1" && lab().holders(VIP_N).length === 0, 5000)).toBe(true);
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_NEW"))?.state === "MASTER", 3000)).toBe(true);
    await sleep(300);
    const frames = await cap.stop();
    expect(garps(frames, VIP_N2).some((g) => g.srcMac === lab().mac(1) && g.t > tHup)).toBe(true);
    expect(adverts(frames, 114).filter((a) => a.d.src === "198.18.0.1").at(-1)?.d.addrs).toEqual([VIP_N2]);
    const lastReload = lab().logOf(h1.proc).split("\n").filter((l) => l.includes("reload: ")).at(-1);
    expect(lastReload).toMatch(/reload: 1 instance\(s\) kept running \(0 with a new priority\), 1 \(re\)started/);
    expect((await instanceStatus(h1, "VI_KEEP"))!.since).toBe(before.since);
    expect(garps(frames, VIP_K).filter((g) => g.t > tHup)).toEqual([]);
  }, 30_000);
});
