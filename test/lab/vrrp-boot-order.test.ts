// Boot order (issue 11, item 5): vigil starts while a board is still bringing its
// interfaces up. Each VRRP instance (v2, v3 IPv4, v3 IPv6, one daemon) whose
// interface does not exist yet, has no carrier yet, or whose IPv6 link-local is
// still in duplicate address detection is FAULT with the reason (in `vigil
// status`, the log and the fleet's vrrp/<instance> state) and starts by itself
// once the interface is usable: MASTER alone, or BACKUP against a running peer,
// with its VIPs on the wire. An interface deleted under running instances and
// created again (a new ifindex) brings them back too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBody } from "../../src/fleet/payload.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { Watcher } from "../helpers/mosquitto.ts";
import { adverts, garps, nas } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, stopVigil, vigilCommand, vigilConf, vigilStatus, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

/** one instance per VRRP flavour, all on eth0 */
const INST = [
  { name: "V2", vrid: 81, vip: "198.18.0.181", version: 2 as const, advertInt: 1 },
  { name: "V3", vrid: 82, vip: "198.18.0.182", version: 3 as const, advertInt: 0.2 },
  { name: "V6", vrid: 83, vip: "fd00:198:18::183", version: 3 as const, advertInt: 0.2 },
];
const NAMES = INST.map((i) => i.name);
const FLEET = "boot";
const LL = (r: number) => `fe80::ff:fe00:${r}`;

let lab: Lab;
beforeAll(async () => {
  lab = await Lab.create({ routers: 2, ipv6: true });
}, 30_000);
afterAll(async () => {
  if (process.env.BOOT_DEBUG) for (const p of lab?.procs ?? []) if (p.host !== "bridge") console.log(`--- ${p.log}\n${lab.logOf(p)}`);
  await lab?.cleanup();
});

function conf(r: number, o: { priority: number; state: "MASTER" | "BACKUP"; fleet?: string }): string {
  return vigilConf({
    routerId: `r${r}`,
    global: ["vip_lifetime 3"],
    blocks: o.fleet ? [o.fleet] : [],
    instances: INST.map((i) => ({ name: i.name, vrid: i.vrid, priority: o.priority, advertInt: i.advertInt, version: i.version, vips: [i.vip], extra: ["garp_master_delay 0"] })),
  }).replaceAll("state BACKUP", `state ${o.state}`);
}

/** Every address on any interface of router r (the lab's holders() reads eth0, which may not exist here). */
function addressesOn(r: number): string[] {
  const j = JSON.parse(lab.exec(r, ["ip", "-j", "addr", "show"]) || "[]") as Array<{ addr_info?: Array<{ local: string }> }>;
  return j.flatMap((l) => l.addr_info ?? []).map((a) => a.local);
}

/** Router r's eth0 removed, whatever state an earlier test left it in. */
function unplugged(r: number): void {
  if (lab.exec(r, ["ip", "link", "show", "dev", "eth0"], true).includes("eth0")) lab.unplug(r);
}

async function states(h: VigilHandle) {
  return Object.fromEntries((await vigilStatus(h))!.instances.map((i) => [i.name, { state: i.state, fault: i.fault ?? "", waiting: !!i.waiting }]));
}

const allIn = (h: VigilHandle, state: "MASTER" | "BACKUP" | "FAULT", ms: number) => waitStates(NAMES.map((n) => [h, n, state]), ms);

/** Every VIP on router r only, and on the wire from it: its adverts (right version), a GARP per IPv4 VIP, an unsolicited NA for the IPv6 one. */
async function heldAndAnnounced(r: number, frames: Awaited<ReturnType<Awaited<ReturnType<Lab["capture"]>>["stop"]>>) {
  for (const i of INST) {
    expect(await waitUntil(() => lab.holders(i.vip).join() === String(r), 3000)).toBe(true);
    const ads = adverts(frames, i.vrid).filter((a) => a.srcMac === lab.mac(r));
    expect(ads.length).toBeGreaterThan(0);
    expect(ads.every((a) => a.d.version === i.version && a.d.src === (i.name === "V6" ? LL(r) : lab.router(r).ipv4))).toBe(true);
  }
  expect(garps(frames, INST[0].vip).some((g) => g.srcMac === lab.mac(r))).toBe(true);
  expect(garps(frames, INST[1].vip).some((g) => g.srcMac === lab.mac(r))).toBe(true);
  expect(nas(frames, INST[2].vip).some((n) => n.srcMac === lab.mac(r))).toBe(true);
}

/** mosquitto inside router 1's namespace (so vigil reaches it with eth0 absent), read by the test through a unix-socket listener. */
async function brokerInRouter1(): Promise<{ watcher: Watcher; stop(): Promise<void> }> {
  const sock = join(lab.dir, "mq.sock");
  writeFileSync(join(lab.dir, "mosquitto.conf"), ["listener 1883 127.0.0.1", `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root", "log_dest stderr", "log_type error"].join("\n") + "\n");
  const proc: Subprocess = spawn(["ip", "netns", "exec", lab.router(1).ns, "mosquitto", "-c", join(lab.dir, "mosquitto.conf")], { stdout: "ignore", stderr: Bun.file(join(lab.dir, "mosquitto.log")) });
  const stop = async () => {
    proc.kill("SIGKILL");
    await proc.exited;
  };
  try {
    if (!(await waitUntil(() => existsSync(sock), 5000, 50))) throw new Error(`mosquitto did not start: ${readFileSync(join(lab.dir, "mosquitto.log"), "utf8")}`);
    const watcher = await Watcher.open({ protocol: "mqtt", unixSocket: true, path: sock } as import("mqtt").IClientOptions, [`vigil/v1/${FLEET}/#`]);
    return { watcher, stop: async () => { await watcher.close().catch(() => {}); await stop(); } };
  } catch (e) {
    await stop();
    throw e;
  }
}

function fleetState(w: Watcher, instance: string, pred: (b: Record<string, unknown>) => boolean, from = 0) {
  return w.waitFor((m) => {
    if (m.topic !== `vigil/v1/${FLEET}/gw1/vrrp/${instance}` || m.body.length === 0) return false;
    const d = decodeBody(m.body);
    return d.ok && pred(d.value as Record<string, unknown>);
  }, 15_000, from).then((m) => (decodeBody(m.body) as { value: Record<string, unknown> }).value);
}

describe("vigil started before its interface is usable", () => {
  let h1: VigilHandle | undefined;

  test("interface absent: FAULT 'does not exist' in vigil status, the log and the fleet; created: MASTER alone, VIPs on the wire", async () => {
    unplugged(1);
    const broker = await brokerInRouter1();
    try {
      const fleet = `vigil_fleet {\n  broker mqtt://127.0.0.1:1883\n  fleet ${FLEET}\n  node gw1\n  payload json\n  state_dir ${lab.dir}/state-r1\n}`;
      h1 = await startVigil(lab, 1, conf(1, { priority: 100, state: "MASTER", fleet }));
      const s = await states(h1);
      for (const n of NAMES) expect(s[n]).toEqual({ state: "FAULT", fault: "interface eth0 does not exist", waiting: true });
      const log = lab.logOf(h1.proc);
      expect(log).toContain("running 0 VRRP instance(s), 3 waiting for their interfaces");
      for (const n of NAMES) expect(log).toMatch(new RegExp(`WARN ${n}: waiting: interface eth0 does not exist; FAULT until it can start`));
      const text = spawnSync([...vigilCommand(), "status", "--socket", h1.socket], { stdout: "pipe", stderr: "pipe" });
      expect(text.stdout.toString()).toContain("V6: FAULT: interface eth0 does not exist (not started yet; starts by itself when it can)");
      for (const n of NAMES) expect(await fleetState(broker.watcher, n, (b) => b.state === "FAULT")).toMatchObject({ reason: "interface eth0 does not exist" });
      // SIGHUP while waiting: they keep waiting, FAULT is not reported twice
      lab.kill(1, "SIGHUP");
      expect(await waitUntil(() => lab.logOf(h1!.proc).includes("reload: 0 instance(s) kept running (0 with a new priority), 0 (re)started, 3 waiting for their interface"), 5000)).toBe(true);
      for (const n of NAMES) expect(lab.logOf(h1.proc).split(`${n}: INIT -> FAULT`).length - 1).toBe(1);

      const from = broker.watcher.msgs.length;
      const cap = await lab.capture();
      lab.plug(1);
      expect(await allIn(h1, "MASTER", 8000)).toEqual(["MASTER", "MASTER", "MASTER"]);
      await sleep(600);
      await heldAndAnnounced(1, await cap.stop());
      for (const n of NAMES) await fleetState(broker.watcher, n, (b) => b.state === "MASTER", from);
      const after = lab.logOf(h1.proc);
      for (const n of NAMES) expect(after).toContain(`INFO ${n}: FAULT -> `);
      expect(after).not.toContain("INIT -> BACKUP");
      expect(after).not.toContain("cannot start");
    } finally {
      await broker.stop();
    }
  }, 60_000);

  test("running instances whose interface is deleted go FAULT with their VIPs gone, and come back when it is created again with a new ifindex", async () => {
    if (!h1) throw new Error("needs the daemon from the previous test");
    const before = Number(lab.exec(1, ["cat", "/sys/class/net/eth0/ifindex"]).trim());
    lab.unplug(1);
    expect(await allIn(h1, "FAULT", 5000)).toEqual(["FAULT", "FAULT", "FAULT"]);
    expect(await waitUntil(async () => Object.values(await states(h1!)).every((i) => i.waiting && i.fault === "interface eth0 does not exist"), 3000)).toBe(true);
    for (const i of INST) expect(addressesOn(1)).not.toContain(i.vip);
    expect(lab.logOf(h1.proc)).toContain(`vrrp_instance V3: interface eth0 (ifindex ${before}) was deleted; waiting for it to come back`);
    const cap = await lab.capture();
    lab.plug(1);
    expect(Number(lab.exec(1, ["cat", "/sys/class/net/eth0/ifindex"]).trim())).not.toBe(before);
    expect(await allIn(h1, "MASTER", 8000)).toEqual(["MASTER", "MASTER", "MASTER"]);
    await sleep(600);
    await heldAndAnnounced(1, await cap.stop());
    await stopVigil(lab, h1);
    for (const i of INST) expect(lab.holders(i.vip)).toEqual([]);
  }, 60_000);

  test("no carrier: FAULT 'no carrier' (IPv4 instances run on the dead link, the IPv6 one waits for its link-local); carrier: BACKUP to the running peer, which keeps the VIPs", async () => {
    const h2 = await startVigil(lab, 2, conf(2, { priority: 200, state: "MASTER" }));
    let h: VigilHandle | undefined;
    try {
      expect(await allIn(h2, "MASTER", 8000)).toEqual(["MASTER", "MASTER", "MASTER"]);
      unplugged(1);
      lab.plug(1, { carrier: false });
      h = await startVigil(lab, 1, conf(1, { priority: 100, state: "BACKUP" }));
      const s = await states(h);
      expect(s.V2).toEqual({ state: "FAULT", fault: "interface eth0 has no carrier", waiting: false });
      expect(s.V3).toEqual({ state: "FAULT", fault: "interface eth0 has no carrier", waiting: false });
      expect(s.V6).toEqual({ state: "FAULT", fault: "interface eth0 has no carrier (and no IPv6 link-local address to send adverts from)", waiting: true });
      expect(lab.logOf(h.proc)).toContain("running 0 VRRP instance(s), 3 waiting for their interfaces");
      const cap = await lab.capture();
      lab.carrier(1, true);
      expect(await allIn(h, "BACKUP", 8000)).toEqual(["BACKUP", "BACKUP", "BACKUP"]);
      // each backup hears the peer's adverts (the v2 one every second)
      for (const i of INST) {
        const master = i.name === "V6" ? LL(2) : lab.router(2).ipv4;
        expect(await waitUntil(async () => (await instanceStatus(h!, i.name))?.masterAddress === master, 3000)).toBe(true);
      }
      const frames = await cap.stop();
      expect(await allIn(h2, "MASTER", 1000)).toEqual(["MASTER", "MASTER", "MASTER"]);
      for (const i of INST) {
        expect(lab.holders(i.vip)).toEqual([2]);
        expect(adverts(frames, i.vrid).some((a) => a.srcMac === lab.mac(2))).toBe(true);
        // a backup stays silent
        expect(adverts(frames, i.vrid).filter((a) => a.srcMac === lab.mac(1))).toEqual([]);
      }
    } finally {
      if (h) await stopVigil(lab, h);
      await stopVigil(lab, h2);
    }
  }, 60_000);

  test("IPv6 link-local still in DAD: the IPv6 instance waits, FAULT 'tentative', while the IPv4 ones take over; DAD done: MASTER, VIP announced", async () => {
    unplugged(1);
    // DAD only once eth0 is up: 3 probes 1.5 s apart keep its link-local tentative for about 4.5 s
    lab.plug(1, { up: false, dad: { transmits: 3, retransMs: 1500 } });
    const h = await startVigil(lab, 1, conf(1, { priority: 100, state: "MASTER" }));
    try {
      const s = await states(h);
      expect(s.V2).toEqual({ state: "FAULT", fault: "interface eth0 is down", waiting: false });
      expect(s.V6).toEqual({ state: "FAULT", fault: "interface eth0 is down (and no IPv6 link-local address to send adverts from)", waiting: true });
      const cap = await lab.capture();
      lab.linkUp(1);
      expect(lab.tentative(1)).toContain(LL(1));
      expect(await waitUntil(async () => (await instanceStatus(h, "V6"))?.fault === `${LL(1)} on eth0 is tentative (duplicate address detection in progress)`, 4000)).toBe(true);
      // the IPv4 instances do not wait for IPv6 DAD
      expect(await waitStates([[h, "V2", "MASTER"], [h, "V3", "MASTER"]], 4000)).toEqual(["MASTER", "MASTER"]);
      expect(await waitUntil(() => lab.tentative(1).length === 0, 10_000)).toBe(true);
      expect(await allIn(h, "MASTER", 5000)).toEqual(["MASTER", "MASTER", "MASTER"]);
      await sleep(600);
      await heldAndAnnounced(1, await cap.stop());
      expect(lab.logOf(h.proc)).toContain(`WARN V6: waiting: ${LL(1)} on eth0 is tentative (duplicate address detection in progress)`);
      expect(lab.logOf(h.proc)).not.toContain("EADDRNOTAVAIL");
    } finally {
      await stopVigil(lab, h);
    }
  }, 60_000);

  test("the kernel refuses what the plan allowed (use_vmac's name taken by another interface): FAULT with the kernel's reason, started once that interface goes", async () => {
    unplugged(1);
    lab.plug(1);
    lab.exec(1, ["ip", "link", "add", "vrrp.85", "type", "veth", "peer", "name", "x85"]);
    const text = vigilConf({
      routerId: "r1",
      global: ["vip_lifetime 3"],
      instances: [{ name: "VM", vrid: 85, priority: 100, advertInt: 0.2, vips: ["198.18.0.185"], extra: ["use_vmac", "garp_master_delay 0"] }],
    }).replace("state BACKUP", "state MASTER");
    const h = await startVigil(lab, 1, text);
    try {
      const why = "cannot start yet: use_vmac vrrp.85: an interface of that name exists and is not a macvlan (veth); vigil will not take it over";
      expect(await states(h)).toEqual({ VM: { state: "FAULT", fault: why, waiting: true } });
      expect(lab.logOf(h.proc)).toContain(`WARN VM: waiting: ${why}; FAULT until it can start (retried when eth0, vrrp.85 change)`);
      lab.exec(1, ["ip", "link", "del", "vrrp.85"]);
      expect(await waitStates([[h, "VM", "MASTER"]], 8000)).toEqual(["MASTER"]);
      expect(lab.exec(1, ["ip", "-d", "link", "show", "vrrp.85"])).toContain("macvlan");
      expect(lab.exec(1, ["ip", "addr", "show", "dev", "vrrp.85"])).toContain("198.18.0.185/32");
    } finally {
      await stopVigil(lab, h);
    }
  }, 60_000);
});
