// `vigil fleet rollout` against real daemons: four `vigil run` routers in lab
// namespaces (pair A: gw1 MASTER / gw2 BACKUP on VRID 71; pair B: gw3 / gw4 on
// VRID 72, gw3 also a director with two real servers on the client), a
// mosquitto on the client's address, the CLI run from the client namespace.
//   - a pair selected with --where never lands in one wave, and both apply;
//   - commit-confirm on the node: a config that binds VI_A to an interface
//     where it hears nobody (gw2 takes MASTER: lost-peer) and one that points
//     every real server at a closed port (checkers-down) are rolled back by the
//     node itself within confirm_timeout, said on config/state and in its log,
//     and the rollout counts them failed.
// This kernel has no IP_VS: the director reports an LVS fault and its checkers
// run, which is all commit-confirm looks at.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBody } from "../../src/fleet/payload.ts";
import { Lab } from "../helpers/lab.ts";
import { Watcher } from "../helpers/mosquitto.ts";
import { instanceStatus, startVigil, vigilCommand, vigilConf, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

const FLEET = "lab";
const BROKER = "mqtt://198.18.0.250:1883";
const ADV = 0.2;
const CONFIRM_S = 3;
let lab: Lab;
let broker: Subprocess | undefined;
let watcher: Watcher;
const routers = new Map<number, VigilHandle>();

const pairOf = (r: number) => (r <= 2 ? { name: "VI_A", vrid: 71, vip: "198.18.0.171" } : { name: "VI_B", vrid: 72, vip: "198.18.0.172" });

/** The config of router r; `o` is what a push changes. */
function routerConf(r: number, o: { fleet?: boolean; prio?: number; iface?: string; rsPorts?: [number, number] } = {}): string {
  const p = pairOf(r);
  const fleet = `vigil_fleet {\n  broker ${BROKER}\n  fleet ${FLEET}\n  node gw${r}\n  trust_key ${lab.dir}/fleet.pub\n  state_dir ${lab.dir}/state-r${r}\n  confirm_timeout ${CONFIRM_S}\n}`;
  const [a, b] = o.rsPorts ?? [8080, 8081];
  const director = r === 3
    ? [`virtual_server ${p.vip} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n` +
      [a, b].map((port) => `  real_server 198.18.0.250 ${port} {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n`).join("") + "}"]
    : [];
  return vigilConf({
    routerId: `gw${r}`, global: ["vip_lifetime 3"], blocks: [...(o.fleet === false ? [] : [fleet]), ...director],
    instances: [{ name: p.name, vrid: p.vrid, priority: o.prio ?? (r % 2 ? 150 : 100), advertInt: ADV, vips: [p.vip], iface: o.iface, extra: ["garp_master_delay 0"] }],
  });
}

function vigilIn(ns: string | null, args: string[]) {
  const r = Bun.spawnSync([...(ns ? ["ip", "netns", "exec", ns] : []), ...vigilCommand(), ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** A signed blob from a keepalived.conf text; the pushed config carries no vigil_fleet block (each node keeps its own). */
function sign(name: string, text: string, serial: number): string {
  writeFileSync(join(lab.dir, `${name}.conf`), text);
  const out = join(lab.dir, `${name}.cose`);
  const r = vigilIn(null, ["config", "sign", join(lab.dir, `${name}.conf`), "--key", join(lab.dir, "fleet.key"), "--serial", String(serial), "--fleet", FLEET, "--out", out]);
  if (r.code !== 0) throw new Error(`sign ${name}: ${r.err}`);
  return out;
}

/** `vigil fleet rollout` from the client namespace, where the operator's side of the broker is. */
function rollout(...args: string[]) {
  return vigilIn(lab.ns("client"), ["fleet", "rollout", ...args, "--broker", BROKER, "--fleet", FLEET, "--settle-ms", "800", "--state", join(lab.dir, `rollout-${Date.now()}.json`)]);
}

const rowOf = (out: string, node: string) => out.split("\n").find((l) => l.startsWith(`${node} `))?.split(/\s{2,}/);

async function configState(node: string, pred: (b: Record<string, unknown>) => boolean, from: number) {
  const m = await watcher.waitFor((m) => m.topic === `vigil/v1/${FLEET}/${node}/config/state` && m.body.length > 0 && pred(decodeBody(m.body).ok ? (decodeBody(m.body) as { value: Record<string, unknown> }).value : {}), 15_000, from);
  return (decodeBody(m.body) as { value: Record<string, unknown> }).value;
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 4 });
  const k = vigilIn(null, ["config", "keygen", "--out", join(lab.dir, "fleet")]);
  if (k.code !== 0) throw new Error(`keygen: ${k.err}`);
  // the broker on the client's address (every router reaches it on eth0); the test reads it through a unix socket
  const sock = join(lab.dir, "mq.sock");
  writeFileSync(join(lab.dir, "mosquitto.conf"), [`listener 1883 198.18.0.250`, `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root", "log_dest stderr", "log_type error"].join("\n") + "\n");
  broker = spawn(["ip", "netns", "exec", lab.ns("client"), "mosquitto", "-c", join(lab.dir, "mosquitto.conf")], { stdout: "ignore", stderr: "ignore" });
  if (!(await waitUntil(() => existsSync(sock), 5000, 50))) throw new Error("mosquitto did not start");
  watcher = await Watcher.open({ protocol: "mqtt", unixSocket: true, path: sock } as import("mqtt").IClientOptions, [`vigil/v1/${FLEET}/#`]);
  // the director's real servers: two listeners on the client
  lab.spawn("client", [process.execPath, "-e", "for (const port of [8080, 8081]) Bun.listen({ hostname: '198.18.0.250', port, socket: { data() {} } }); setInterval(() => {}, 1e6);"], "rs");
  // gw2's spare link where VI_A hears nobody: a veth whose peer stays silent
  lab.exec(2, ["ip", "link", "add", "vt0", "type", "veth", "peer", "name", "vt1"]);
  lab.exec(2, ["ip", "addr", "add", "198.18.50.2/24", "dev", "vt0"]);
  for (const l of ["vt0", "vt1"]) lab.exec(2, ["ip", "link", "set", l, "up"]);
  for (const r of [1, 2, 3, 4]) routers.set(r, await startVigil(lab, r, routerConf(r)));
  const want = [1, 2, 3, 4].map((r) => [routers.get(r)!, pairOf(r).name, r % 2 ? "MASTER" : "BACKUP"] as [VigilHandle, string, "MASTER" | "BACKUP"]);
  const seen = await waitStates(want, 10_000);
  if (seen.join() !== want.map((w) => w[2]).join()) throw new Error(`routers did not settle: ${seen.join()}`);
  // every node's report with its LAN, and gw3's real servers up, retained at the broker
  for (const r of [1, 2, 3, 4]) await watcher.waitFor((m) => m.topic === `vigil/v1/${FLEET}/gw${r}/vrrp/${pairOf(r).name}`, 10_000);
}, 60_000);

afterAll(async () => {
  if (process.env.FLEET_DEBUG) for (const p of lab?.procs ?? []) console.log(p.log, lab.logOf(p).slice(-3000));
  await watcher?.close().catch(() => {});
  await lab?.cleanup();
  if (broker) {
    broker.kill("SIGKILL");
    await broker.exited;
  }
}, 30_000);

describe("fleet rollout through running daemons", () => {
  test("--where vrrp.instance=VI_A selects the pair; one 100% wave becomes two (never both routers at once); both apply (exit 0)", async () => {
    // equal priorities: gw1 keeps MASTER (no preemption on a tie, RFC 5798 §6.4.2)
    const blob = sign("pair-a", routerConf(1, { fleet: false, prio: 120 }), 1);
    const r = rollout(blob, "--where", "vrrp.instance=VI_A", "--waves", "100%", "--soak", "1", "--timeout", "15", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.spec.waves).toEqual([["gw1"], ["gw2"]]);
    expect([doc.nodes.gw1.result, doc.nodes.gw2.result]).toEqual(["applied", "applied"]);
    // gw2 was sent its blob only after gw1 had passed its probation and its soak
    expect(doc.nodes.gw2.sentAt).toBeGreaterThanOrEqual(doc.nodes.gw1.finishedAt);
    expect((await instanceStatus(routers.get(1)!, "VI_A"))).toMatchObject({ state: "MASTER", priority: 120 });
    expect((await instanceStatus(routers.get(2)!, "VI_A"))).toMatchObject({ state: "BACKUP", priority: 120 });
  }, 45_000);

  test("commit-confirm: a config binding VI_A where it hears nobody is rolled back by the node (lost-peer); the rollout counts it failed", async () => {
    const from = watcher.msgs.length;
    const blob = sign("deaf", routerConf(2, { fleet: false, prio: 120, iface: "vt0" }), 2);
    const r = rollout(blob, "--node", "gw2", "--soak", "1", "--timeout", "15");
    expect(r.code).toBe(1);
    expect(rowOf(r.out, "gw2")?.slice(0, 3)).toEqual(["gw2", "1", "rolled back by node"]);
    expect(rowOf(r.out, "gw2")?.[3]).toMatch(/confirm-failed: lost-peer: VI_A \(VRID 71\) no longer hears (198.18.0.1|the master it heard): MASTER now, BACKUP before/);
    expect(await configState("gw2", (b) => b.state === "rolled-back" && b.serial === 2, from)).toMatchObject({ reason: "confirm-failed", running_serial: 1 });
    expect(await waitStates([[routers.get(2)!, "VI_A", "BACKUP"]], 5000)).toEqual(["BACKUP"]);
    expect(lab.holders("198.18.0.171")).toEqual([1]);
    const log = lab.logOf(routers.get(2)!.proc).split("\n").filter((l) => l.includes("serial 2"));
    expect(log.filter((l) => l.includes("rolled back to serial 1: confirm-failed: lost-peer"))).toHaveLength(1);
  }, 45_000);

  test("commit-confirm: a config that points every real server at a closed port is rolled back by the node (checkers-down)", async () => {
    const blob = sign("no-rs", routerConf(3, { fleet: false, rsPorts: [9090, 9091] }), 3);
    const r = rollout(blob, "--node", "gw3", "--soak", "1", "--timeout", "15");
    expect(r.code).toBe(1);
    expect(rowOf(r.out, "gw3")?.slice(0, 3)).toEqual(["gw3", "1", "rolled back by node"]);
    expect(rowOf(r.out, "gw3")?.[3]).toContain("checkers-down: virtual server 198.18.0.172:80/TCP: all 2 real server(s) down, 2 were up");
    const s = JSON.parse(vigilIn(null, ["status", "--socket", routers.get(3)!.socket, "--json"]).out);
    expect(s.configSerial ?? 0).toBe(0);
    expect(s.lvs?.[0]?.fault).toContain("IPVS");
    expect(readFileSync(lab.procs.find((p) => p.pid === routers.get(3)!.proc.pid)!.log, "utf8")).toContain("fleet: config serial 3 (kid ");
  }, 45_000);
});
