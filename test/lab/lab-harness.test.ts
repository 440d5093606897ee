// The lab harness itself, proven against the real thing: namespaces on a
// bridge, partitions, captures, holder tracking and the split-brain sampler,
// with Debian's keepalived as the router process. The keepalived tests also
// document keepalived's behaviour that vigil must beat (docs/split-brain.md).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { readFileSync } from "node:fs";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { startRouter, type RouterSpec } from "../helpers/keepalived.ts";
import { adverts, garps, nas } from "../helpers/pcap.ts";
import { Sampler } from "../helpers/sampler.ts";

const VIP = "198.18.0.100";
const VRID = 51;
const PRIO = [150, 120, 100];
// VRRPv3 at 100 ms: Master_Down_Interval = 3 × 0.1 + (256 − prio)/256 × 0.1 ≈ 0.34 s (RFC 5798 §6.1).
const spec = (r: number): RouterSpec => ({ routerId: `r${r}`, instances: [{ vrid: VRID, priority: PRIO[r - 1], advertInt: 0.1, version: 3, vips: [VIP], garpMasterDelay: 0 }] });

// Generous per-test bounds: the machine is shared and lab set-up is dozens of processes.
const labs: Lab[] = [];
afterAll(async () => { for (const l of labs) await l.cleanup(); });

describe("lab layout", () => {
  test("up.sh joins routers and client on one bridge over IPv4 and IPv6; cleanup leaves no namespace", async () => {
    const lab = await Lab.create({ routers: 2, ipv6: true });
    labs.push(lab);
    try {
      expect(lab.namespacesLeft().sort()).toEqual([`${lab.prefix}-br`, `${lab.prefix}-c`, `${lab.prefix}-r1`, `${lab.prefix}-r2`]);
      expect(lab.clientPing("198.18.0.1")).toBe(true);
      expect(lab.clientPing("fd00:198:18::2")).toBe(true);
      expect(lab.addrs(1)).toContain("fe80::ff:fe00:1");
      expect(lab.clientArping("198.18.0.2")).toEqual(["02:00:00:00:00:02"]);
    } finally {
      await lab.cleanup();
    }
    expect(lab.namespacesLeft()).toEqual([]);
  }, 30_000);

  test("partition cuts a router off while it keeps carrier; heal restores it", async () => {
    const lab = await Lab.create({ routers: 2 });
    labs.push(lab);
    try {
      lab.isolate(1);
      expect(lab.clientPing("198.18.0.1", 0.3)).toBe(false);
      expect(lab.clientPing("198.18.0.2")).toBe(true);
      expect(lab.exec(1, ["cat", "/sys/class/net/eth0/carrier"]).trim()).toBe("1");
      lab.partition([1, 2], ["client"]);
      expect(lab.exec(1, ["ping", "-c", "1", "-W", "1", "198.18.0.2"], true)).toContain("1 received");
      expect(lab.clientPing("198.18.0.2", 0.3)).toBe(false);
      lab.heal();
      expect(lab.clientPing("198.18.0.1", 1, 5)).toBe(true);
      expect(lab.clientPing("198.18.0.2", 1, 5)).toBe(true);
    } finally {
      await lab.cleanup();
    }
  }, 30_000);

  test("up.sh that fails half-way tears down what it built", () => {
    const prefix = `vt-half${process.pid}`;
    // A namespace in the way of router 2 makes `ip netns add` fail mid-build.
    spawnSync(["ip", "netns", "add", `${prefix}-r2`]);
    try {
      const r = spawnSync(["bash", `${import.meta.dir}/../../board/lab/up.sh`, prefix, "3"], { stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr.toString()).toContain("tearing down");
      const left = spawnSync(["ip", "netns", "list"]).stdout.toString().split("\n").filter((l) => l.startsWith(`${prefix}-`));
      expect(left).toEqual([]);
    } finally {
      spawnSync(["bash", `${import.meta.dir}/../../board/lab/down.sh`, prefix]);
    }
  }, 30_000);

  test("a process that exits or is SIGTERMed without cleanup() still leaves no namespace or process behind", async () => {
    const script = `${import.meta.dir}/../../test/helpers/lab.ts`;
    for (const ending of ["process.exit(3)", "process.kill(process.pid, 'SIGTERM'); await Bun.sleep(5000)"]) {
      const child = Bun.spawn([process.execPath, "-e", `const { Lab } = await import(${JSON.stringify(script)}); const l = await Lab.create({ routers: 1 }); const p = l.spawn(1, ["sleep", "30"]); console.log(l.prefix + " " + p.pid); ${ending}`], { stdout: "pipe", stderr: "pipe" });
      const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
      const [prefix, sleeper] = out.trim().split(" ");
      expect(prefix).toMatch(/^vt-l\d+x1$/);
      expect(code).not.toBe(0);
      const left = spawnSync(["ip", "netns", "list"]).stdout.toString().split("\n").filter((l) => l.startsWith(`${prefix}-`));
      expect(left).toEqual([]);
      // Gone or a zombie (this container's init does not reap orphans): not running either way.
      let state = "gone";
      try { state = readFileSync(`/proc/${sleeper}/stat`, "utf8").split(") ")[1][0]; } catch { /* gone */ }
      expect(["gone", "Z"]).toContain(state);
    }
  }, 30_000);

  test("up.sh rejects a prefix outside the vt- namespace convention", () => {
    const r = spawnSync(["bash", `${import.meta.dir}/../../board/lab/up.sh`, "../etc", "2"], { stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain("bad prefix");
  }, 30_000);
});

describe("keepalived as the lab router", () => {
  test("RFC 5798 §6.4.3: three routers elect the highest priority; capture, holders and client agree", async () => {
    const lab = await Lab.create({ routers: 3 });
    labs.push(lab);
    try {
      for (const r of [3, 2, 1]) await startRouter(lab, r, "keepalived", spec(r));
      const sampler = await Sampler.start(lab, VIP, { maxSeconds: 30 });
      expect(await sampler.waitFor((h) => h.length === 1 && h[0] === 1, 5000)).toBe(true);
      const cap = await lab.capture();
      await sleep(600);
      const frames = await cap.stop();
      const ads = adverts(frames, VRID);
      expect(ads.length).toBeGreaterThanOrEqual(3);
      // Only the master advertises (RFC 5798 §6.4.2: backups stay silent).
      expect(new Set(ads.map((a) => `${a.d.src} ${a.srcMac} ${a.d.priority} v${a.d.version} ttl${a.d.ttl}`))).toEqual(new Set(["198.18.0.1 02:00:00:00:00:01 150 v3 ttl255"]));
      expect(ads[0].d.addrs).toEqual([VIP]);
      expect(ads[0].d.advertCs).toBe(10);
      expect(lab.holders(VIP)).toEqual([1]);
      expect(lab.clientArping(VIP)).toEqual([lab.mac(1)]);
      await sampler.stop();
    } finally {
      await lab.cleanup();
    }
  }, 30_000);

  test("SIGKILL of keepalived's master: the backup takes over and the sampler records the stale VIP left on the dead master", async () => {
    const lab = await Lab.create({ routers: 3 });
    labs.push(lab);
    try {
      for (const r of [3, 2, 1]) await startRouter(lab, r, "keepalived", spec(r));
      const sampler = await Sampler.start(lab, VIP, { maxSeconds: 30 });
      expect(await sampler.waitFor((h) => h.length === 1 && h[0] === 1, 5000)).toBe(true);
      const cap = await lab.capture();
      await sleep(300);
      const tKill = nowMs();
      const killed = lab.kill(1, "SIGKILL");
      expect(killed.length).toBe(2); // keepalived parent + VRRP child
      expect(await sampler.waitFor((h) => h.includes(2), 5000)).toBe(true);
      await sleep(1000);
      const tEnd = nowMs();
      const frames = await cap.stop();
      await sampler.stop();

      // The new master is the next priority, announced by gratuitous ARP (RFC 5798 §6.4.1).
      const g2 = garps(frames, VIP).filter((g) => g.srcMac === lab.mac(2) && g.t > tKill);
      expect(g2.length).toBeGreaterThan(0);
      const lastOld = adverts(frames, VRID).filter((a) => a.d.src === "198.18.0.1").at(-1)!;
      expect(lastOld.t).toBeLessThan(g2[0].t);
      expect(adverts(frames, VRID).filter((a) => a.t > g2[0].t).every((a) => a.d.src === "198.18.0.2" && a.d.priority === 120)).toBe(true);

      // keepalived's split brain: the killed master's kernel keeps the VIP.
      expect(lab.holders(VIP)).toEqual([1, 2]);
      const iv = sampler.multiHolderIntervals(tKill, tEnd);
      expect(iv.length).toBe(1);
      expect(iv[0].holders).toEqual([1, 2]);
      expect(iv[0].censored).toBe(true);
      // Both kernels answer ARP for the VIP: the client sees two MACs.
      expect(lab.clientArping(VIP, 3).sort()).toEqual([lab.mac(1), lab.mac(2)]);
      // The client was answered by the new master after the takeover.
      const rep = sampler.firstReplyFrom(tKill, () => new Set([lab.mac(2)]));
      expect(rep).toBeDefined();
    } finally {
      await lab.cleanup();
    }
  }, 30_000);
});

describe("keepalived as the lab router, IPv6", () => {
  test("RFC 5798 §5.1.2 / RFC 4861 §7.2.6: IPv6 adverts from the link-local source, and the new master's unsolicited NA after SIGKILL", async () => {
    const VIP6 = "fd00:198:18::100";
    const lab = await Lab.create({ routers: 2, ipv6: true });
    labs.push(lab);
    try {
      for (const r of [2, 1]) await startRouter(lab, r, "keepalived", { routerId: `r${r}`, instances: [{ vrid: 52, priority: PRIO[r - 1], advertInt: 0.1, version: 3, vips: [VIP6], garpMasterDelay: 0 }] });
      const sampler = await Sampler.start(lab, VIP6, { maxSeconds: 30 });
      expect(await sampler.waitFor((h) => h.length === 1 && h[0] === 1, 5000)).toBe(true);
      const cap = await lab.capture();
      await sleep(300);
      const tKill = nowMs();
      lab.kill(1, "SIGKILL");
      expect(await sampler.waitFor((h) => h.includes(2), 5000)).toBe(true);
      await sleep(300);
      const frames = await cap.stop();
      await sampler.stop();
      const before = adverts(frames, 52).filter((a) => a.t < tKill);
      expect(before.length).toBeGreaterThan(0);
      expect(before[0].d).toMatchObject({ family: 6, src: "fe80::ff:fe00:1", dst: "ff02::12", ttl: 255, version: 3, priority: 150, addrs: [VIP6] });
      const na2 = nas(frames, VIP6).filter((n) => n.srcMac === lab.mac(2) && n.t > tKill);
      expect(na2.length).toBeGreaterThan(0);
      expect(na2[0].d.lladdr).toBe(lab.mac(2));
      expect(na2[0].d.override).toBe(true);
      // Same split brain as IPv4: the killed master keeps the address.
      expect(sampler.multiHolderIntervals(tKill, nowMs())[0]?.holders).toEqual([1, 2]);
    } finally {
      await lab.cleanup();
    }
  }, 30_000);
});
