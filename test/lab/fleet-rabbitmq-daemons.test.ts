// Two `vigil run` routers (lab namespaces, real VRRP) reporting to a 2-node
// RabbitMQ cluster (MQTT 3.1.1) that runs in the lab's client namespace: the
// routers connect to cluster node 1, the operator's CLI (from the client
// namespace) to cluster node 2, which keeps none of the routers' retained
// messages. status --broker, config push with commit-confirm and a rollout work
// across it because the readers ask the routers for their report.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab } from "../helpers/lab.ts";
import { RabbitCluster } from "../helpers/rabbitmq.ts";
import { instanceStatus, startVigil, vigilCommand, vigilConf, type VigilHandle, waitStates, waitUntil } from "../helpers/vigil.ts";

const FLEET = "rmqlab";
const CONFIRM_S = 2;
let lab: Lab;
let cluster: RabbitCluster | undefined;
const routers = new Map<number, VigilHandle>();

function routerConf(r: number, o: { fleet?: boolean; prio?: number } = {}): string {
  const fleet = `vigil_fleet {\n  broker ${cluster!.url(0)}\n  protocol_version 4\n  fleet ${FLEET}\n  node gw${r}\n  trust_key ${lab.dir}/fleet.pub\n  state_dir ${lab.dir}/state-r${r}\n  confirm_timeout ${CONFIRM_S}\n}`;
  return vigilConf({
    routerId: `gw${r}`, global: ["vip_lifetime 3"], blocks: o.fleet === false ? [] : [fleet],
    instances: [{ name: "VI_R", vrid: 81, priority: o.prio ?? (r === 1 ? 150 : 100), advertInt: 0.2, vips: ["198.18.0.181"], extra: ["garp_master_delay 0"] }],
  });
}

function vigilIn(ns: string | null, args: string[]) {
  const r = Bun.spawnSync([...(ns ? ["ip", "netns", "exec", ns] : []), ...vigilCommand(), ...args], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** the operator's side: cluster node 2, from the client namespace */
const operator = (args: string[]) => vigilIn(lab.ns("client"), [...args, "--broker", cluster!.url(1), "--fleet", FLEET, "--mqtt-version", "4"]);

function sign(name: string, text: string, serial: number, ...extra: string[]): string {
  writeFileSync(join(lab.dir, `${name}.conf`), text);
  const out = join(lab.dir, `${name}.cose`);
  const r = vigilIn(null, ["config", "sign", join(lab.dir, `${name}.conf`), "--key", join(lab.dir, "fleet.key"), "--serial", String(serial), "--fleet", FLEET, ...extra, "--out", out]);
  if (r.code !== 0) throw new Error(`sign ${name}: ${r.err}`);
  return out;
}

type View = { nodes: Record<string, { status?: Record<string, unknown>; vrrp: Record<string, Record<string, unknown>>; config?: Record<string, unknown> }> };
async function statusUntil(pred: (v: View) => boolean): Promise<View> {
  let v: View = { nodes: {} };
  await waitUntil(() => {
    const r = operator(["status", "--json", "--wait-ms", "1500"]);
    if (r.code === 0) v = JSON.parse(r.out);
    return pred(v);
  }, 20_000, 100);
  return v;
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  const k = vigilIn(null, ["config", "keygen", "--out", join(lab.dir, "fleet")]);
  if (k.code !== 0) throw new Error(`keygen: ${k.err}`);
  cluster = await new RabbitCluster(2, { netns: lab.ns("client"), host: "198.18.0.250" }).start();
  console.log(`RabbitMQ 2-node cluster in the lab's client namespace: up and joined ${Math.round(cluster.startMs)} ms after spawn`);
  for (const r of [1, 2]) routers.set(r, await startVigil(lab, r, routerConf(r)));
  const seen = await waitStates([[routers.get(1)!, "VI_R", "MASTER"], [routers.get(2)!, "VI_R", "BACKUP"]], 15_000);
  if (seen.join() !== "MASTER,BACKUP") throw new Error(`routers did not settle: ${seen.join()}`);
}, 120_000);

afterAll(async () => {
  await lab?.cleanup();
  await cluster?.dispose();
}, 30_000);

test("status --broker through the other cluster node shows both routers with their VRRP states", async () => {
  const v = await statusUntil((v) => v.nodes.gw1?.vrrp.VI_R?.state === "MASTER" && v.nodes.gw2?.vrrp.VI_R?.state === "BACKUP");
  expect(v.nodes.gw1!.status).toMatchObject({ status: "online" });
  expect(v.nodes.gw2!.vrrp.VI_R).toMatchObject({ state: "BACKUP", vrid: 81 });
}, 60_000);

test("config push with commit-confirm through the other cluster node: applied, then confirmed on the router", async () => {
  const blob = sign("push", routerConf(2, { fleet: false, prio: 110 }), 1, "--node", "gw2");
  const p = operator(["config", "push", blob, "--node", "gw2"]);
  expect(p.err).toBe("");
  expect(p.code).toBe(0);
  const v = await statusUntil((v) => v.nodes.gw2?.config?.state === "applied");
  expect(v.nodes.gw2!.config).toMatchObject({ state: "applied", serial: 1, running_serial: 1 });
  expect(await instanceStatus(routers.get(2)!, "VI_R")).toMatchObject({ state: "BACKUP", priority: 110 });
}, 60_000);

test("fleet rollout through the other cluster node: the pair in two waves, both applied (exit 0)", async () => {
  // equal priorities: gw1 keeps MASTER (no preemption on a tie, RFC 5798 §6.4.2)
  const blob = sign("roll", routerConf(1, { fleet: false, prio: 120 }), 2);
  const r = operator(["fleet", "rollout", blob, "--all", "--waves", "100%", "--soak", "1", "--timeout", "20", "--settle-ms", "1500", "--json", "--state", join(lab.dir, "rollout.json")]);
  if (r.code !== 0) throw new Error(`rollout exit ${r.code}: ${r.err}\n${r.out}`);
  const doc = JSON.parse(r.out);
  expect(doc.spec.waves).toHaveLength(2);
  expect(doc.spec.waves.flat().sort()).toEqual(["gw1", "gw2"]);
  expect([doc.nodes.gw1.result, doc.nodes.gw2.result]).toEqual(["applied", "applied"]);
  expect(await instanceStatus(routers.get(1)!, "VI_R")).toMatchObject({ state: "MASTER", priority: 120 });
  expect(await instanceStatus(routers.get(2)!, "VI_R")).toMatchObject({ state: "BACKUP", priority: 120 });
}, 60_000);
