// The fleet suite against brokers that do not keep (or share) retained state:
//   - mosquitto 2.x whose retained messages were wiped after the nodes reported;
//   - mosquitto 2.x with `retain_available false` (MQTT 5: the CONNACK says so,
//     and a retained Will or publish costs the connection);
//   - RabbitMQ 3.10 with its MQTT plugin (MQTT 3.1.1; retained messages are kept
//     per cluster node and reach only subscriptions without wildcards);
//   - a 2-node RabbitMQ cluster where the routers connect to one node and the
//     operator's CLI to the other.
// In each, `vigil status --broker`, `vigil config push` with commit-confirm and
// `vigil fleet rollout` must work: the readers ask every node for its report
// (vigil/v1/<fleet>/all/report) besides reading what the broker retained.
// Routers are node agents (test/unit/fleet/node-agent.ts: the daemon's fleet
// path, signature check, store and commit-confirm; only the kernel is simulated).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBody } from "../../src/fleet/payload.ts";
import { Mosquitto, Watcher } from "../helpers/mosquitto.ts";
import { RabbitCluster } from "../helpers/rabbitmq.ts";
import { BUN, ROOT } from "../helpers/netns.ts";
import { NodeAgent, SimulatedLan } from "../unit/fleet/node-agent.ts";

const dir = mkdtempSync("/tmp/vigil-brokers-");
beforeAll(() => {
  const k = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "config", "keygen", "--out", join(dir, "fleet")]);
  if (k.exitCode !== 0) throw new Error(`keygen: ${k.stderr.toString()}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mqttOf = (url: string) => { const u = new URL(url); return { host: u.hostname, port: Number(u.port), protocol: "mqtt" as const }; };

async function cli(args: string[], timeoutMs = 60_000) {
  const proc = Bun.spawn([BUN, `${ROOT}/src/main.ts`, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, out, err };
}

const conf = (node: string, prio: number, iface = "eth0") =>
  `global_defs {\n  router_id ${node}\n}\nvrrp_instance VI_1 {\n  interface ${iface}\n  virtual_router_id 61\n  priority ${prio}\n  advert_int 1\n  virtual_ipaddress {\n    198.18.6.100/32\n  }\n}\n`;

function sign(fleet: string, name: string, text: string, serial: number, ...extra: string[]) {
  const f = join(dir, `${fleet}-${name}.conf`);
  writeFileSync(f, text);
  const out = join(dir, `${fleet}-${name}.cose`);
  const r = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "config", "sign", f, "--key", join(dir, "fleet.key"), "--serial", String(serial), "--fleet", fleet, ...extra, "--out", out]);
  if (r.exitCode !== 0) throw new Error(`sign: ${r.stderr.toString()}`);
  return out;
}

interface Setup {
  name: string;
  fleet: string;
  /** what `status --broker` shows of a router killed with SIGKILL: its retained Last Will, or nothing (the broker keeps none, or not for wildcard subscribers) */
  deadRouter: "offline" | "absent";
  /** MQTT version both sides speak */
  version: 4 | 5;
  /** the broker loses retained messages when restarted: test the nodes' republish */
  restartable?: boolean;
  start(): Promise<{ nodeUrl: string; cliUrl: string; stop(): Promise<void>; afterReports?(): Promise<void>; restart?(): Promise<number> }>;
}

/** Empties every retained topic the nodes published (a zero-length retained message clears one, MQTT 3.3.1.3). */
async function wipeRetained(port: number, fleet: string) {
  const w = await Watcher.open({ host: "127.0.0.1", port, protocol: "mqtt", protocolVersion: 5 }, [`vigil/v1/${fleet}/#`]);
  try {
    await Bun.sleep(300);
    const topics = [...new Set(w.msgs.filter((m) => m.retain && m.body.length > 0).map((m) => m.topic))];
    expect(topics.length).toBeGreaterThanOrEqual(4); // each node's birth and vrrp/VI_1
    for (const t of topics) await w.client.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true });
  } finally {
    await w.close();
  }
  const check = await Watcher.open({ host: "127.0.0.1", port, protocol: "mqtt", protocolVersion: 5 }, [`vigil/v1/${fleet}/#`]);
  await Bun.sleep(300);
  const left = check.msgs.filter((m) => m.retain && m.body.length > 0).map((m) => m.topic);
  await check.close();
  expect(left).toEqual([]);
}

const setups: Setup[] = [
  {
    name: "mosquitto 2.x, retained messages wiped", fleet: "mosq", version: 5, restartable: true, deadRouter: "offline",
    async start() {
      const b = await new Mosquitto().start();
      return {
        nodeUrl: b.url, cliUrl: b.url, stop: () => b.dispose(),
        // `persistence false`: a restarted mosquitto has lost every retained message
        restart: async () => { await b.restart(); return b.port; },
        afterReports: () => wipeRetained(b.port, "mosq"),
      };
    },
  },
  {
    name: "mosquitto 2.x with retain_available false (MQTT 5)", fleet: "noret", version: 5, deadRouter: "absent",
    async start() {
      const b = await new Mosquitto({ extra: ["retain_available false"] }).start();
      return {
        nodeUrl: b.url, cliUrl: b.url, stop: () => b.dispose(),
        // the nodes connected (a retained Will would have been refused) and retain nothing
        afterReports: async () => {
          const w = await Watcher.open({ host: "127.0.0.1", port: b.port, protocol: "mqtt", protocolVersion: 5 }, ["vigil/v1/noret/#"]);
          await Bun.sleep(300);
          await w.close();
          expect(w.msgs).toEqual([]);
        },
      };
    },
  },
  {
    name: "RabbitMQ 3.10 single node (MQTT 3.1.1)", fleet: "rmq1", version: 4, deadRouter: "absent",
    async start() {
      const r = await new RabbitCluster(1).start();
      console.log(`RabbitMQ single node: MQTT up ${Math.round(r.startMs)} ms after spawn`);
      return { nodeUrl: r.url(0), cliUrl: r.url(0), stop: () => r.dispose() };
    },
  },
  {
    name: "RabbitMQ 3.10 cluster of 2, routers on node 1, operator on node 2", fleet: "rmqc", version: 4, deadRouter: "absent",
    async start() {
      const r = await new RabbitCluster(2).start();
      console.log(`RabbitMQ 2-node cluster: both nodes up and joined ${Math.round(r.startMs)} ms after spawn`);
      return { nodeUrl: r.url(0), cliUrl: r.url(1), stop: () => r.dispose() };
    },
  },
];

for (const s of setups) {
  describe(s.name, () => {
    let env: Awaited<ReturnType<Setup["start"]>> | undefined;
    const agents = new Map<string, NodeAgent>();
    const lan = new SimulatedLan("198.18.6.0/24");
    const mqtt = ["--mqtt-version", String(s.version)];

    beforeAll(async () => {
      env = await s.start();
      for (const [node, prio, address] of [["g1", 150, "198.18.6.1"], ["g2", 100, "198.18.6.2"]] as const) {
        agents.set(node, NodeAgent.start({
          node, fleet: s.fleet, broker: env.nodeUrl, trustKey: join(dir, "fleet.pub"), dir: join(dir, `${s.fleet}-state-${node}`),
          conf: conf(node, prio), lan, address, confirmMs: 400, protocolVersion: s.version,
        }));
      }
      for (let i = 0; i < 200 && [...agents.values()].some((a) => a.reporter.stats().publishedStates === 0); i++) await Bun.sleep(50);
      await env.afterReports?.();
    }, 120_000);

    afterAll(async () => {
      await Promise.all([...agents.values()].map((a) => a.stop().catch(() => {})));
      await env?.stop();
    }, 30_000);

    const status = async () => {
      const r = await cli(["status", "--broker", env!.cliUrl, "--fleet", s.fleet, "--json", "--wait-ms", "1500", ...mqtt]);
      if (r.code !== 0) throw new Error(`status exit ${r.code}: ${r.err}`);
      return JSON.parse(r.out) as { nodes: Record<string, { status?: Record<string, unknown>; vrrp: Record<string, Record<string, unknown>>; config?: Record<string, unknown> }> };
    };

    test("status --broker shows every node, online, with its VRRP state and running serial, from the nodes' report answers", async () => {
      // answers arrive spread over the window: on a loaded host one may miss a window, so
      // ask again (bounded) as an operator would, rather than widen every window
      let v = await status();
      for (let i = 0; i < 4 && Object.keys(v.nodes).length < 2; i++) v = await status();
      expect(Object.keys(v.nodes).sort()).toEqual(["g1", "g2"]);
      expect(v.nodes.g1!.status).toMatchObject({ status: "online", config_serial: 0 });
      expect(v.nodes.g1!.vrrp.VI_1).toMatchObject({ state: "MASTER", vrid: 61 });
      expect(v.nodes.g2!.vrrp.VI_1).toMatchObject({ state: "BACKUP", masterAddress: "198.18.6.1" });
    }, 30_000);

    test("config push with commit-confirm: a good config is applied, one that loses the peer is rolled back by the node", async () => {
      const good = sign(s.fleet, "good", conf("g2", 110), 3, "--node", "g2");
      const p = await cli(["config", "push", good, "--broker", env!.cliUrl, "--fleet", s.fleet, "--node", "g2", ...mqtt]);
      expect(p.err).toBe("");
      expect(p.code).toBe(0);
      let v = await status();
      for (let i = 0; i < 10 && v.nodes.g2?.config?.state !== "applied"; i++) v = await status();
      expect(v.nodes.g2!.config).toMatchObject({ state: "applied", serial: 3, running_serial: 3 });
      expect(agents.get("g2")!.priority).toBe(110);
      // eth1: g2 hears nobody there and becomes MASTER alone: lost-peer, the node undoes it
      const bad = sign(s.fleet, "bad", conf("g2", 110, "eth1"), 4, "--node", "g2");
      const b = await cli(["config", "push", bad, "--broker", env!.cliUrl, "--fleet", s.fleet, "--node", "g2", ...mqtt]);
      expect(b.code).toBe(0);
      v = await status();
      for (let i = 0; i < 10 && v.nodes.g2?.config?.state !== "rolled-back"; i++) v = await status();
      expect(v.nodes.g2!.config).toMatchObject({ state: "rolled-back", serial: 4, running_serial: 3 });
      expect(String(v.nodes.g2!.config!.message ?? v.nodes.g2!.config!.reason)).toContain("lost-peer");
    }, 60_000);

    test("fleet rollout: canary then the rest, the pair in two waves, both applied (exit 0)", async () => {
      const blob = sign(s.fleet, "roll", conf("gx", 120), 5);
      const r = await cli(["fleet", "rollout", blob, "--broker", env!.cliUrl, "--fleet", s.fleet, "--all", "--waves", "100%", "--soak", "0.5",
        "--timeout", "15", "--settle-ms", "1500", "--json", "--state", join(dir, `${s.fleet}-rollout.json`), ...mqtt]);
      if (r.code !== 0) throw new Error(`rollout exit ${r.code}: ${r.err}\n${r.out}`);
      const doc = JSON.parse(r.out);
      expect(doc.spec.waves).toHaveLength(2);
      expect(doc.spec.waves.flat().sort()).toEqual(["g1", "g2"]);
      expect(doc).toMatchObject({ status: "done", tally: { applied: 2, failed: 0 } });
      expect([...agents.values()].map((a) => a.running.serial)).toEqual([5, 5]);
    }, 60_000);

    test("fleet show ID --broker on the routers' broker node finds a running rollout started through the operator's node (the rollout answers rollout/<id>/get)", async () => {
      const blob = sign(s.fleet, "show", conf("gx", 121), 6);
      const proc = Bun.spawn([BUN, `${ROOT}/src/main.ts`, "fleet", "rollout", blob, "--broker", env!.cliUrl, "--fleet", s.fleet, "--all", "--soak", "3",
        "--timeout", "15", "--settle-ms", "1000", "--json", "--state", join(dir, `${s.fleet}-show.json`), ...mqtt], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
      const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      try {
        let err = "";
        const dec = new TextDecoder();
        const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
        for (let i = 0; i < 100 && !/rollout (\S+): state in/.test(err); i++) {
          const { value, done } = await reader.read();
          if (done) break;
          err += dec.decode(value);
        }
        const id = /rollout (\S+): state in/.exec(err)?.[1];
        expect(id).toBeDefined();
        const show = await cli(["fleet", "show", id!, "--broker", env!.nodeUrl, "--fleet", s.fleet, "--json", "--wait-ms", "3000", ...mqtt]);
        expect(show.err).toBe("");
        expect(show.code).toBe(0);
        expect(JSON.parse(show.out)).toMatchObject({ id, spec: { serial: 6 } });
        reader.releaseLock();
        expect(await proc.exited).toBe(0);
      } finally {
        clearTimeout(killer);
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
    }, 60_000);

    test(`a router killed with SIGKILL: its Last Will reaches a live subscriber on the operator's node; status --broker shows it ${s.deadRouter}`, async () => {
      const w = await Watcher.open({ ...mqttOf(env!.cliUrl), protocolVersion: s.version }, ["vigil/v1/edge/dead/status"]);
      const child = Bun.spawn([BUN, `${ROOT}/test/unit/fleet/reporter-child.ts`, env!.nodeUrl, "dead", String(s.version)], { stdout: "ignore", stderr: "ignore" });
      try {
        const online = await w.waitFor((m) => decodeBody(m.body).ok && (decodeBody(m.body) as { value: { status?: string } }).value.status === "online", 15_000);
        child.kill("SIGKILL");
        await child.exited;
        const off = await w.waitFor((m) => decodeBody(m.body).ok && (decodeBody(m.body) as { value: { status?: string } }).value.status === "offline", 15_000, w.msgs.indexOf(online) + 1);
        expect(off.topic).toBe("vigil/v1/edge/dead/status");
        const r = await cli(["status", "--broker", env!.cliUrl, "--fleet", "edge", "--json", "--wait-ms", "1000", ...mqtt]);
        const shown = r.code === 0 ? (JSON.parse(r.out) as { nodes: Record<string, { status?: { status?: string } }> }).nodes.dead?.status?.status : undefined;
        expect(shown ?? "absent").toBe(s.deadRouter);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        await w.close();
      }
    }, 60_000);

    test.if(!!s.restartable)("a broker restart loses every retained message: each node publishes its birth and state again on reconnect", async () => {
      const connects = [...agents.values()].map((a) => a.reporter.stats().connects);
      const port = await env!.restart!();
      for (let i = 0; i < 200 && [...agents.values()].some((a, k) => a.reporter.stats().connects === connects[k] || !a.reporter.stats().connected); i++) await Bun.sleep(50);
      await Bun.sleep(300);
      // exact topics, as a RabbitMQ client would have to ask
      const w = await Watcher.open({ host: "127.0.0.1", port, protocol: "mqtt", protocolVersion: 5 },
        ["g1", "g2"].flatMap((n) => [`vigil/v1/${s.fleet}/${n}/status`, `vigil/v1/${s.fleet}/${n}/vrrp/VI_1`, `vigil/v1/${s.fleet}/${n}/config/state`]));
      try {
        for (const n of ["g1", "g2"]) {
          const birth = await w.waitFor((m) => m.topic === `vigil/v1/${s.fleet}/${n}/status`, 5000);
          expect(birth.retain).toBe(true);
          expect(decodeBody(birth.body)).toMatchObject({ ok: true, value: { status: "online", config_serial: agents.get(n)!.running.serial } });
          expect((await w.waitFor((m) => m.topic === `vigil/v1/${s.fleet}/${n}/vrrp/VI_1`, 5000)).retain).toBe(true);
          expect((await w.waitFor((m) => m.topic === `vigil/v1/${s.fleet}/${n}/config/state`, 5000)).retain).toBe(true);
        }
      } finally {
        await w.close();
      }
    }, 30_000);
  });
}
