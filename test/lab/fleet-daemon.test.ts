// The fleet end to end through running daemons (issue 7): two `vigil run`
// routers in lab namespaces report to a real mosquitto, take signed configs
// pushed with `vigil config push`, reject bad ones with the running config
// untouched, come back from a restart with the pushed config, and witness a
// split brain.
//
// Topology: the VRRP segment is the lab bridge (198.18.0.0/24, eth0). The
// broker lives in a namespace of its own on a second "fleet backbone" bridge
// (198.19.0.0/24, each router's `fb` interface), so a partition of the VRRP
// segment leaves every router talking to the broker — the situation the
// split-brain witness exists for. The test process reads the broker through a
// unix-socket listener of the same mosquitto (no route from the host needed).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBody } from "../../src/fleet/payload.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { Watcher } from "../helpers/mosquitto.ts";
import { Netns } from "../helpers/netns.ts";
import { adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, stopVigil, vigilCommand, vigilConf, vigilStatus, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

const FLEET = "lab";
const BROKER_IP = "198.19.0.250";
const BROKER = `mqtt://${BROKER_IP}:1883`;
const ADV = 0.2;
const VIP = { A: "198.18.0.161", B: "198.18.0.162", C: "198.18.0.163" };
const VRID = { A: 61, B: 62, C: 63 };

let lab: Lab;
let backbone: Netns;
let broker: Subprocess | undefined;
let watcher: Watcher;
let dir: string;
const routers = new Map<number, VigilHandle>();

type Msg = { topic: string; body: Buffer; retain: boolean };
const body = (m: Msg) => {
  const d = decodeBody(m.body);
  if (!d.ok) throw new Error(`${m.topic}: ${d.error}`);
  return d.value as Record<string, unknown>;
};
const topic = (node: string, rest: string) => `vigil/v1/${FLEET}/${node}/${rest}`;

/** The next message on `t` after index `from` whose decoded body matches `pred`. */
async function next(t: string, pred: (b: Record<string, unknown>) => boolean, from = 0, ms = 15_000) {
  return body(await watcher.waitFor((m) => m.topic === t && m.body.length > 0 && pred(body(m)), ms, from));
}

function vigil(argv: string[], ns?: string) {
  const r = spawnSync([...(ns ? ["ip", "netns", "exec", ns] : []), ...vigilCommand(), ...argv], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

function fleetBlock(r: number): string {
  // confirm_timeout 0: these pushes are accepted at once (commit-confirm has its own lab test, fleet-rollout)
  return `vigil_fleet {\n  broker ${BROKER}\n  fleet ${FLEET}\n  node gw${r}\n  trust_key ${dir}/fleet.pub\n  state_dir ${dir}/state-r${r}\n  confirm_timeout 0\n}`;
}

/** The factory config; `change` is what a later push does to router 1 (B's priority, instance C). */
function routerConf(r: number, o: { fleet?: boolean; prioB?: number; withC?: boolean; cIface?: string } = {}): string {
  const prio = r === 1 ? 150 : 100;
  const inst = (name: keyof typeof VIP, p: number, iface = "eth0") =>
    ({ name: `VI_${name}`, vrid: VRID[name], priority: p, advertInt: ADV, vips: [VIP[name]], iface, extra: ["garp_master_delay 0"] });
  return vigilConf({
    routerId: `gw${r}`,
    global: ["vip_lifetime 3"],
    blocks: o.fleet === false ? [] : [fleetBlock(r)],
    instances: [inst("A", prio), inst("B", o.prioB ?? prio), ...(o.withC ? [inst("C", prio, o.cIface)] : [])],
  });
}

/** router -> the -f file of its first start: every restart boots from that same file */
const bootstrap = new Map<number, string>();

async function start(r: number): Promise<VigilHandle> {
  const first = bootstrap.get(r);
  // startVigil writes a fresh file per start; a later -f wins over the one it passes.
  const h = await startVigil(lab, r, routerConf(r), first ? { args: ["-f", first] } : {});
  if (!first) bootstrap.set(r, h.conf);
  routers.set(r, h);
  return h;
}

/** A signed blob for router 1 from a keepalived.conf text; returns its path. */
function sign(name: string, text: string, serial: number, extra: string[] = [], key = "fleet"): string {
  writeFileSync(join(dir, `${name}.conf`), text);
  const out = join(dir, `${name}.cose`);
  const r = vigil(["config", "sign", join(dir, `${name}.conf`), "--key", join(dir, `${key}.key`), "--serial", String(serial), ...extra, "--out", out]);
  if (r.code !== 0) throw new Error(`sign ${name}: ${r.err}`);
  return out;
}

/** `vigil config push` from inside the broker's namespace, as an operator on the backbone would. */
function push(blob: string, target: string[] = ["--node", "gw1"], fleet = FLEET) {
  const r = vigil(["config", "push", blob, "--broker", BROKER, "--fleet", fleet, ...target], backbone.name);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
}

async function pushAndResult(blob: string, target?: string[], fleet?: string) {
  const from = watcher.msgs.length;
  push(blob, target, fleet);
  return next(topic("gw1", "config/state"), () => true, from);
}

function startBackbone() {
  backbone = new Netns("fbk");
  backbone.exec(["ip", "link", "add", "fb0", "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
  backbone.exec(["ip", "addr", "add", `${BROKER_IP}/24`, "dev", "fb0"]);
  backbone.exec(["ip", "link", "set", "fb0", "up"]);
  for (const r of lab.routers) {
    lab.exec(r.index, ["ip", "link", "add", "fb", "type", "veth", "peer", "name", `fb${r.index}`, "netns", backbone.name]);
    backbone.exec(["ip", "link", "set", `fb${r.index}`, "master", "fb0", "up"]);
    lab.exec(r.index, ["ip", "addr", "add", `198.19.0.${r.index}/24`, "dev", "fb"]);
    lab.exec(r.index, ["ip", "link", "set", "fb", "up"]);
  }
}

async function startBroker() {
  const sock = join(dir, "mq.sock");
  rmSync(sock, { force: true });
  writeFileSync(join(dir, "mosquitto.conf"), [
    `listener 1883 ${BROKER_IP}`, `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root", "log_dest stderr", "log_type error", "log_type warning",
  ].join("\n") + "\n");
  broker = spawn([...backbone.prefix(), "mosquitto", "-c", join(dir, "mosquitto.conf")], { stdout: "ignore", stderr: Bun.file(join(dir, "mosquitto.log")) });
  if (!(await waitUntil(() => existsSync(sock), 5000, 50))) throw new Error(`mosquitto did not start: ${readFileSync(join(dir, "mosquitto.log"), "utf8")}`);
  await watcher?.close().catch(() => {});
  watcher = await Watcher.open({ protocol: "mqtt", unixSocket: true, path: sock } as import("mqtt").IClientOptions, [`vigil/v1/${FLEET}/#`]);
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  dir = lab.dir;
  startBackbone();
  await startBroker();
  for (const k of ["fleet", "rogue"]) {
    const r = vigil(["config", "keygen", "--out", join(dir, k)]);
    if (r.code !== 0) throw new Error(`keygen: ${r.err}`);
  }
}, 60_000);

afterAll(async () => {
  if (process.env.FLEET_DEBUG) for (const m of watcher?.msgs ?? []) console.log(m.topic, JSON.stringify(m.body.length ? decodeBody(m.body) : "<empty>"));
  if (process.env.FLEET_DEBUG) for (const p of lab?.procs ?? []) if (p.host !== "bridge") console.log(p.log, lab.logOf(p).slice(-3000));
  await watcher?.close().catch(() => {});
  await lab?.cleanup();
  if (broker) {
    broker.kill("SIGKILL");
    await broker.exited;
  }
  backbone?.delete();
}, 30_000);

describe("fleet through running daemons", () => {
  test("birth: retained status `online` and vrrp/<instance> per node; SIGKILL → Last Will `offline`, the backup reports MASTER and a transition event", async () => {
    const h1 = await start(1);
    expect(await waitStates([[h1, "VI_A", "MASTER"], [h1, "VI_B", "MASTER"]], 6000)).toEqual(["MASTER", "MASTER"]);
    const h2 = await start(2);
    expect(await waitStates([[h2, "VI_A", "BACKUP"]], 6000)).toEqual(["BACKUP"]);
    for (const n of ["gw1", "gw2"]) {
      const s = await next(topic(n, "status"), (b) => b.status === "online");
      expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(s.config_serial).toBe(0);
    }
    const a1 = await next(topic("gw1", "vrrp/VI_A"), (b) => b.state === "MASTER");
    expect(a1).toMatchObject({ vrid: VRID.A, priority: 150 });
    const a2 = await next(topic("gw2", "vrrp/VI_A"), (b) => b.state === "BACKUP");
    expect(a2).toMatchObject({ vrid: VRID.A, priority: 100 });
    // Same VIPs, same segment, whatever the interface is called: that is what the witness compares.
    expect(a2.segment).toBe(a1.segment);

    // The operator's fleet view, read from the broker alone.
    const v = vigil(["status", "--broker", BROKER, "--fleet", FLEET, "--json", "--wait-ms", "800"], backbone.name);
    expect(v.err).toBe("");
    const view = JSON.parse(v.out);
    expect(view.nodes.gw1.status.status).toBe("online");
    expect(view.nodes.gw1.vrrp.VI_A.state).toBe("MASTER");
    expect(view.nodes.gw2.vrrp.VI_A.state).toBe("BACKUP");
    const t = vigil(["status", "--broker", BROKER, "--fleet", FLEET, "--wait-ms", "800"], backbone.name);
    expect(t.code).toBe(0);
    const rows = t.out.split("\n").map((l) => l.split(/\s+/));
    expect(rows.find((r) => r[0] === "gw1" && r[5] === "VI_A")?.slice(0, 9)).toEqual(["gw1", "online", view.nodes.gw1.status.version, "0", "-", "VI_A", "MASTER", "150", "150"]);
    expect(rows.find((r) => r[0] === "gw2" && r[5] === "VI_B")?.[6]).toBe("BACKUP");

    const from = watcher.msgs.length;
    lab.kill(1, "SIGKILL");
    await lab.reap(1);
    routers.delete(1);
    expect(await next(topic("gw1", "status"), (b) => b.status === "offline", from)).toEqual({ status: "offline" });
    expect(await next(topic("gw2", "vrrp/VI_A"), (b) => b.state === "MASTER", from)).toMatchObject({ vrid: VRID.A });
    expect(await next(topic("gw2", "events"), (b) => b.type === "transition" && b.instance === "VI_A" && b.to === "MASTER", from)).toMatchObject({ from: "BACKUP", node: "gw2" });

    // Router 1 comes back and preempts (higher priority): the fleet sees it online and MASTER again.
    const back = watcher.msgs.length;
    await start(1);
    await next(topic("gw1", "status"), (b) => b.status === "online", back);
    await next(topic("gw1", "vrrp/VI_A"), (b) => b.state === "MASTER", back);
    await next(topic("gw2", "vrrp/VI_A"), (b) => b.state === "BACKUP", back);
  }, 60_000);

  test("push: serial 1 changes B's priority and adds C, A untouched — accepted on config/state, shown by `vigil status --json`, and A's adverts run on without a gap or a new GARP (hitless)", async () => {
    const h1 = routers.get(1)!;
    const beforeA = (await instanceStatus(h1, "VI_A"))!;
    // The pushed config carries no vigil_fleet block: the node keeps the one it booted with.
    const blob = sign("push1", routerConf(1, { fleet: false, prioB: 140, withC: true }), 1, ["--fleet", FLEET, "--node", "gw1"]);
    const cap = await lab.capture();
    await sleep(500);
    const tPush = nowMs();
    const s = await pushAndResult(blob);
    expect(s).toMatchObject({ accepted: true, serial: 1 });
    expect(String(s.hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(await waitStates([[h1, "VI_C", "MASTER"], [h1, "VI_B", "MASTER"]], 6000)).toEqual(["MASTER", "MASTER"]);
    await sleep(500);
    const frames = await cap.stop();

    const st = vigil(["status", "--socket", h1.socket, "--json"]);
    expect(st.code).toBe(0);
    const doc = JSON.parse(st.out) as { instances: Array<{ name: string; priority: number; state: string }> };
    expect(doc.instances.map((i) => [i.name, i.priority])).toEqual([["VI_A", 150], ["VI_B", 140], ["VI_C", 150]]);

    const a = adverts(frames, VRID.A).filter((x) => x.d.src === "198.18.0.1");
    expect(a.length).toBeGreaterThan(5);
    expect(a[0].t).toBeLessThan(tPush);
    let maxGap = 0;
    for (let i = 1; i < a.length; i++) maxGap = Math.max(maxGap, a[i].t - a[i - 1].t);
    expect(maxGap).toBeLessThanOrEqual(ADV * 1000 + 100);
    expect(a.every((x) => x.d.priority === 150)).toBe(true);
    expect(garps(frames, VIP.A).filter((g) => g.t > tPush)).toEqual([]);
    const afterA = (await instanceStatus(h1, "VI_A"))!;
    expect([afterA.state, afterA.since, afterA.counters.transitions]).toEqual([beforeA.state, beforeA.since, beforeA.counters.transitions]);
    // The changed and the new instance do go on the wire.
    expect(adverts(frames, VRID.B).filter((x) => x.d.src === "198.18.0.1").at(-1)?.d.priority).toBe(140);
    expect(garps(frames, VIP.C).some((g) => g.srcMac === lab.mac(1))).toBe(true);
    expect(lab.holders(VIP.C)).toEqual([1]);
    await next(topic("gw1", "vrrp/VI_C"), (b) => b.state === "MASTER");
    await next(topic("gw1", "events"), (b) => b.type === "config-accepted" && b.serial === 1);
  }, 60_000);

  describe("rejections leave the running config untouched and name the reason on config/state", () => {
    async function unchanged() {
      const s = await vigilStatus(routers.get(1)!);
      expect(s?.instances.map((i) => [i.name, i.priority, i.state])).toEqual([["VI_A", 150, "MASTER"], ["VI_B", 140, "MASTER"], ["VI_C", 150, "MASTER"]]);
    }
    const next2 = () => routerConf(1, { fleet: false, prioB: 130, withC: true });

    test("replayed blob (same serial): stale-serial", async () => {
      expect(await pushAndResult(join(dir, "push1.cose"))).toMatchObject({ accepted: false, reason: "stale-serial", serial: 1 });
      await unchanged();
    }, 30_000);

    test("another fleet's blob: foreign-fleet", async () => {
      const blob = sign("foreign", next2(), 2, ["--fleet", "elsewhere"]);
      // Sent to this node's config/set in our fleet: the topic is ours, the signed payload is not.
      expect(await pushAndResult(blob)).toMatchObject({ accepted: false, reason: "foreign-fleet", serial: 2 });
      await unchanged();
    }, 30_000);

    test("a fleet-wide push that names only other nodes: not-for-node", async () => {
      // gw2's own factory instances: accepted there as a no-op push
      const blob = sign("other-node", routerConf(2, { fleet: false }), 2, ["--fleet", FLEET, "--node", "gw2"]);
      const from = watcher.msgs.length;
      push(blob, ["--all"]);
      expect(await next(topic("gw1", "config/state"), () => true, from)).toMatchObject({ accepted: false, reason: "not-for-node", serial: 2 });
      // gw2 accepts it in the same breath: the blob was for gw2.
      expect(await next(topic("gw2", "config/state"), () => true, from)).toMatchObject({ accepted: true, serial: 2 });
      await unchanged();
    }, 30_000);

    test("signed by a key outside the trust store: unknown-key; a trusted blob with a damaged signature: bad-signature", async () => {
      expect(await pushAndResult(sign("rogue", next2(), 2, ["--fleet", FLEET], "rogue"))).toMatchObject({ accepted: false, reason: "unknown-key" });
      const t = new Uint8Array(readFileSync(sign("tamper", next2(), 2, ["--fleet", FLEET])));
      t[t.length - 1] ^= 0x01;
      writeFileSync(join(dir, "tampered.cose"), t);
      expect(await pushAndResult(join(dir, "tampered.cose"))).toMatchObject({ accepted: false, reason: "bad-signature" });
      await unchanged();
    }, 30_000);

    test("a config naming a missing interface: apply-failed, rolled back to serial 1", async () => {
      const blob = sign("noiface", routerConf(1, { fleet: false, prioB: 130, withC: true, cIface: "nosuch0" }), 3, ["--fleet", FLEET]);
      const s = await pushAndResult(blob);
      expect(s).toMatchObject({ accepted: false, reason: "apply-failed", serial: 3 });
      expect(String(s.message)).toContain("nosuch0");
      expect(String(s.message)).toContain("rolled back to serial 1");
      await unchanged();
    }, 30_000);

    test("a lower serial than one already committed: stale-serial", async () => {
      // serial 3 was committed before its apply failed, so 2 can never come in after it
      expect(await pushAndResult(sign("stale", next2(), 2, ["--fleet", FLEET]))).toMatchObject({ accepted: false, reason: "stale-serial", serial: 2 });
      await unchanged();
    }, 30_000);
  });

  test("reboot: the same bootstrap file boots the pushed config (serial 1 in the birth message, instance C, B at 140)", async () => {
    const stopping = watcher.msgs.length;
    await stopVigil(lab, routers.get(1)!);
    routers.delete(1);
    // Graceful: the final INIT states go out, then one retained `offline`.
    await next(topic("gw1", "status"), (b) => b.status === "offline", stopping);
    await next(topic("gw1", "vrrp/VI_A"), (b) => b.state === "INIT", stopping);
    const from = watcher.msgs.length;
    const h1 = await start(1);
    expect(await next(topic("gw1", "status"), (b) => b.status === "online", from)).toMatchObject({ config_serial: 1 });
    const gone = watcher.msgs.slice(stopping, from);
    expect(gone.filter((m) => m.topic === topic("gw1", "status")).map((m) => body(m).status)).toEqual(["offline"]);
    expect(gone.findIndex((m) => m.topic === topic("gw1", "status"))).toBeGreaterThan(gone.findIndex((m) => m.topic === topic("gw1", "vrrp/VI_A")));
    expect(await waitStates([[h1, "VI_A", "MASTER"], [h1, "VI_C", "MASTER"]], 6000)).toEqual(["MASTER", "MASTER"]);
    const s = await vigilStatus(h1);
    expect(s?.configFile).toBe(bootstrap.get(1));
    expect(s?.instances.map((i) => [i.name, i.priority])).toEqual([["VI_A", 150], ["VI_B", 140], ["VI_C", 150]]);
    expect(lab.logOf(h1.proc)).toContain(`booting pushed config serial 1 (current) from ${dir}/state-r1 instead of ${bootstrap.get(1)}`);
    // The replay floor survived the restart: serial 3 was committed (then rolled back), so 1 and 2 stay refused.
    expect(await pushAndResult(join(dir, "push1.cose"))).toMatchObject({ accepted: false, reason: "stale-serial", serial: 1 });
    expect(await pushAndResult(join(dir, "stale.cose"))).toMatchObject({ accepted: false, reason: "stale-serial", serial: 2 });
  }, 30_000);

  test("split brain: with the VRRP segment partitioned both routers are MASTER and still reach the broker → retained alarm; it clears after the heal", async () => {
    const h1 = routers.get(1)!;
    const h2 = routers.get(2)!;
    expect(await waitStates([[h1, "VI_A", "MASTER"], [h2, "VI_A", "BACKUP"]], 6000)).toEqual(["MASTER", "BACKUP"]);
    const from = watcher.msgs.length;
    const alarm = (b: Record<string, unknown>) => b.vrid === VRID.A;
    const alarmTopic = (n: string) => watcher.msgs.slice(from).find((m) => m.topic.startsWith(topic(n, "alarm/split-brain/")) && m.topic.endsWith(`/${VRID.A}`))?.topic;
    try {
      lab.partition([1], [2]);
      expect(await waitStates([[h2, "VI_A", "MASTER"]], 6000)).toEqual(["MASTER"]);
      await watcher.waitFor((m) => m.topic.startsWith(topic("gw1", "alarm/split-brain/")) && alarm(body(m)) && body(m).active === true, 15_000, from);
      const t1 = alarmTopic("gw1")!;
      expect(await next(t1, (b) => b.active === true, from)).toMatchObject({ peers: ["gw2"] });
      await next(topic("gw1", "events"), (b) => b.type === "split-brain" && b.vrid === VRID.A, from);
      // The fleet view shows it too.
      const v = vigil(["status", "--broker", BROKER, "--fleet", FLEET, "--wait-ms", "800"], backbone.name);
      expect(v.out).toMatch(new RegExp(`ALARM gw1 split-brain/\\S+/${VRID.A}: also MASTER on gw2`));
    } finally {
      lab.heal();
    }
    const healed = watcher.msgs.length;
    expect(await waitStates([[h1, "VI_A", "MASTER"], [h2, "VI_A", "BACKUP"]], 6000)).toEqual(["MASTER", "BACKUP"]);
    expect(await next(alarmTopic("gw1")!, (b) => b.active === false, healed)).toMatchObject({ vrid: VRID.A, peers: [] });
    // Retained: a late subscriber sees the cleared state, not the old alarm.
    const v = vigil(["status", "--broker", BROKER, "--fleet", FLEET, "--json", "--wait-ms", "800"], backbone.name);
    const alarms = Object.values(JSON.parse(v.out).nodes.gw1.alarms) as Array<{ active: boolean }>;
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((a) => !a.active)).toBe(true);
  }, 60_000);

  test("push removing instance C: its VIP goes and its retained vrrp state leaves MASTER (no stale MASTER for the witness); A stays untouched", async () => {
    const h1 = routers.get(1)!;
    const beforeA = (await instanceStatus(h1, "VI_A"))!;
    const from = watcher.msgs.length;
    const s = await pushAndResult(sign("push4", routerConf(1, { fleet: false, prioB: 140 }), 4, ["--fleet", FLEET]));
    expect(s).toMatchObject({ accepted: true, serial: 4 });
    expect((await vigilStatus(h1))?.instances.map((i) => i.name)).toEqual(["VI_A", "VI_B"]);
    expect(await waitUntil(() => lab.holders(VIP.C).length === 0, 3000)).toBe(true);
    const c = await next(topic("gw1", "vrrp/VI_C"), () => true, from);
    expect(c.state).not.toBe("MASTER");
    expect(c).toMatchObject({ vrid: VRID.C });
    const afterA = (await instanceStatus(h1, "VI_A"))!;
    expect([afterA.state, afterA.since]).toEqual([beforeA.state, beforeA.since]);
  }, 30_000);

  test("broker outage: VRRP fails over while the broker is unreachable and restarted empty; on reconnect the survivor republishes its birth and current state, retained again", async () => {
    const h2 = routers.get(2)!;
    expect(await waitStates([[routers.get(1)!, "VI_A", "MASTER"], [h2, "VI_A", "BACKUP"]], 6000)).toEqual(["MASTER", "BACKUP"]);
    const ports = lab.routers.map((r) => `fb${r.index}`);
    // The backbone goes dark first, so the routers' sessions die silently (no RST reaches them) as in a real outage.
    for (const p of ports) backbone.exec(["ip", "link", "set", p, "down"]);
    try {
      broker!.kill("SIGKILL");
      await broker!.exited;
      lab.kill(1, "SIGKILL");
      await lab.reap(1);
      routers.delete(1);
      // Nothing on the VRRP path waits for MQTT.
      expect(await waitStates([[h2, "VI_A", "MASTER"], [h2, "VI_B", "MASTER"]], 6000)).toEqual(["MASTER", "MASTER"]);
      // A fresh broker without a single retained message; our subscriber is on before any router is back.
      await startBroker();
    } finally {
      for (const p of ports) backbone.exec(["ip", "link", "set", p, "up"]);
    }
    // gw2 runs the no-op serial 2 it accepted in the not-for-node test
    expect(await next(topic("gw2", "status"), (b) => b.status === "online", 0, 30_000)).toMatchObject({ config_serial: 2 });
    expect(await next(topic("gw2", "vrrp/VI_A"), (b) => b.state === "MASTER", 0, 15_000)).toMatchObject({ vrid: VRID.A, priority: 100 });
    // The republished state is retained at the new broker: the fleet view shows it.
    const v = JSON.parse(vigil(["status", "--broker", BROKER, "--fleet", FLEET, "--json", "--wait-ms", "800"], backbone.name).out);
    expect(v.nodes.gw2.vrrp.VI_A.state).toBe("MASTER");
  }, 60_000);
});
