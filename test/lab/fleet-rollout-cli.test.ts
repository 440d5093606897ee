// `vigil fleet rollout` (the CLI, as a subprocess) against a real mosquitto and
// several real node agents (test/unit/fleet/node-agent.ts: the daemon's fleet
// path, signature check, store, commit-confirm and rollbacks, with a simulated
// kernel): canary then waves, a pair never in the same wave, a bad config that
// stops at the canary (rolled back by the node, or by the rollout with
// --rollback-on-abort), a node that does not answer, --dry-run, and resume
// after an interrupt.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Mosquitto, Watcher } from "../helpers/mosquitto.ts";
import { BUN, ROOT } from "../helpers/netns.ts";
import { NodeAgent, SimulatedLan } from "../unit/fleet/node-agent.ts";

const FLEET = "edge";
const broker = new Mosquitto();
const dir = mkdtempSync("/tmp/vigil-rollout-cli-");
const agents = new Map<string, NodeAgent>();
let watcher: Watcher;

/** a node's bootstrap config: one instance on eth0 with its pair's VRID and VIP */
function conf(node: string, o: { vrid: number; prio: number; iface?: string; vip: string }) {
  return `global_defs {\n  router_id ${node}\n}\nvrrp_instance VI_1 {\n  interface ${o.iface ?? "eth0"}\n  virtual_router_id ${o.vrid}\n  priority ${o.prio}\n  advert_int 1\n  virtual_ipaddress {\n    ${o.vip}/32\n  }\n}\n`;
}

/** pairs: x1 (198.18.<n>.1, priority 150) MASTER, x2 (.2, priority 100) BACKUP, on LAN 198.18.<n>.0/24 with VRID 50+n */
const PAIRS = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["h1"]] as const;
const lans = new Map<number, SimulatedLan>();
function pairOf(node: string) {
  const n = PAIRS.findIndex((p) => (p as readonly string[]).includes(node)) + 1;
  if (!lans.has(n)) lans.set(n, new SimulatedLan(`198.18.${n}.0/24`));
  return { n, vrid: 50 + n, vip: `198.18.${n}.100`, lan: lans.get(n)!, address: `198.18.${n}.${node.endsWith("1") ? 1 : 2}` };
}

async function cli(args: string[], o: { timeoutMs?: number; onStderr?: (text: string, proc: ReturnType<typeof spawn>) => void } = {}) {
  const proc = spawn([BUN, `${ROOT}/src/main.ts`, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: dir } });
  let err = "";
  const errDone = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      err += dec.decode(chunk);
      o.onStderr?.(err, proc);
    }
  })();
  const timer = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs ?? 60_000);
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  clearTimeout(timer);
  await errDone;
  return { code, out, err };
}

function sign(name: string, text: string, serial: number, ...extra: string[]) {
  const f = join(dir, `${name}.conf`);
  writeFileSync(f, text);
  const r = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "config", "sign", f, "--key", join(dir, "fleet.key"), "--serial", String(serial), "--fleet", FLEET, ...extra, "--out", join(dir, `${name}.cose`)]);
  if (r.exitCode !== 0) throw new Error(`sign: ${r.stderr.toString()}`);
  return join(dir, `${name}.cose`);
}

const base = (...more: string[]) => ["fleet", "rollout", "--broker", broker.url, "--fleet", FLEET, "--settle-ms", "600", ...more];

function startAgent(node: string, o: { prio?: number; confirmMs?: number; hang?: boolean; mqtt4?: boolean } = {}) {
  const p = pairOf(node);
  const a = NodeAgent.start({
    node, fleet: FLEET, broker: broker.url, trustKey: join(dir, "fleet.pub"), dir: join(dir, `state-${node}`),
    conf: conf(node, { vrid: p.vrid, prio: o.prio ?? (node.endsWith("1") ? 150 : 100), vip: p.vip }),
    lan: p.lan, address: p.address, confirmMs: o.confirmMs ?? 300, ...(o.hang ? { hang: true } : {}), ...(o.mqtt4 ? { protocolVersion: 4 as const } : {}),
  });
  agents.set(node, a);
  return a;
}

async function allOnline(nodes: string[]) {
  await Promise.all(nodes.map((n) => watcher.waitFor((m) => m.topic === `vigil/v1/${FLEET}/${n}/vrrp/VI_1`, 10_000)));
}

beforeAll(async () => {
  await broker.start();
  const k = Bun.spawnSync([BUN, `${ROOT}/src/main.ts`, "config", "keygen", "--out", join(dir, "fleet")]);
  if (k.exitCode !== 0) throw new Error(`keygen: ${k.stderr.toString()}`);
  watcher = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt" }, [`vigil/v1/${FLEET}/#`]);
  // a2 speaks MQTT 3.1.1: no Response Topic, no Correlation Data; config/get falls back to the body's reply and id
  for (const [x, y] of PAIRS.slice(0, 3)) { startAgent(x!); startAgent(y!, { mqtt4: y === "a2" }); }
  await allOnline(PAIRS.slice(0, 3).flat());
}, 30_000);

afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => a.stop().catch(() => {})));
  await watcher?.close().catch(() => {});
  await broker.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** the same config as the node's own with another priority for the instance */
const withPrio = (node: string, prio: number, iface = "eth0") => { const p = pairOf(node); return conf(node, { vrid: p.vrid, prio, vip: p.vip, iface }); };

describe("vigil fleet rollout", () => {
  test("--dry-run: per node what would change against the config it runs (MQTT 5 and 3.1.1 requests); nothing is published", async () => {
    // one blob for the whole fleet would not fit every pair: the canary pair's config, for a1 and a2
    const blob = sign("dry", withPrio("a1", 160).replace("198.18.1.100/32", "198.18.1.100/32\n    198.18.1.101/32"), 5);
    const from = watcher.msgs.length;
    const r = await cli(base(blob, "--node", "a1", "--node", "a2", "--node", "b1", "--dry-run"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("dry run: serial 5");
    expect(r.out).toContain("nothing published");
    expect(r.out).toMatch(/^wave 1: a1$/m);
    expect(r.out).toContain("a1 (wave 1, runs serial 0): 2 change(s)\n  vrrp_instance VI_1 changed: priority 150 → 160\n  VIP 198.18.1.101/32 of vrrp_instance VI_1 added\n");
    // b1 runs another pair's config: its VRID and VIP change too
    expect(r.out).toMatch(/b1 \(wave \d, runs serial 0\): \d change\(s\)\n {2}vrrp_instance VI_1 changed: priority 150 → 160, virtualRouterId 52 → 51\n/);
    await Bun.sleep(300);
    expect(watcher.msgs.slice(from).filter((m) => m.topic.endsWith("/config/set"))).toEqual([]);
    expect([...agents.values()].map((a) => a.running.serial)).toEqual([0, 0, 0, 0, 0, 0]);
    // MQTT 3.1.1 end to end: the operator's session as well as the node's
    const j = await cli(base(blob, "--node", "a2", "--dry-run", "--json", "--mqtt-version", "4"));
    expect(JSON.parse(j.out)).toMatchObject({ dryRun: true, serial: 5, waves: [["a2"]], nodes: [{ node: "a2", result: "changes", running: { serial: 0 } }] });
  }, 30_000);

  test("canary then waves, a pair never in the same wave; every target applied (exit 0, --json)", async () => {
    // each pair keeps its own VRID and VIP: one blob per pair, rolled out to that pair; here pair a
    const blob = sign("good-a", withPrio("a2", 110), 10, "--node", "a2");
    const seenBefore = watcher.msgs.length;
    const r = await cli(base(blob, "--node", "a2", "--soak", "2.5", "--timeout", "10", "--json"));
    expect(r.code).toBe(0);
    // the retained record is sent again only when the rollout changed (not every second of the soak)
    const records = watcher.msgs.slice(seenBefore).filter((m) => /\/rollout\/[^/]+$/.test(m.topic) && m.body.length > 0)
      .map((m) => JSON.stringify((JSON.parse(m.body.toString()) as { engine: unknown }).engine));
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.filter((e, i) => i > 0 && e === records[i - 1])).toEqual([]);
    expect(JSON.parse(r.out)).toMatchObject({ status: "done", tally: { applied: 1, failed: 0 } });
    expect(agents.get("a2")!.priority).toBe(110);
    // both routers of pair b take one config (equal priorities: the greater address stays MASTER)
    const all = sign("good-all", withPrio("b1", 150), 11, "--node", "b1", "--node", "b2");
    const w = await cli(base(all, "--node", "b1", "--node", "b2", "--waves", "100%", "--soak", "0.5", "--timeout", "10", "--json"));
    const doc = JSON.parse(w.out);
    // one 100% wave asked, two waves run: b1 and b2 back each other up
    expect(doc.spec.waves).toEqual([["b1"], ["b2"]]);
    expect(doc.spec.notes).toContain("1 wave(s) added at the end: routers that back each other up are never changed in the same wave");
    expect(doc.nodes.b2.result).toBe("applied");
    expect(w.code).toBe(0);
    // the canary wave came first, in the progress lines
    expect(w.err.indexOf("wave 1/2: 1 node(s): b1")).toBeGreaterThan(-1);
    expect(w.err.indexOf("wave 2/2: 1 node(s): b2")).toBeGreaterThan(w.err.indexOf("b1: applied"));
    expect(w.err).toContain(`rollout ${doc.id}: state in ${dir}/.vigil/rollouts/${doc.id}.json`);
  }, 40_000);

  test("a bad config stops at the canary: the node rolls it back by itself, the others stay untouched (exit 1, table)", async () => {
    const blob = sign("bad-iface", withPrio("c1", 150, "missing0"), 20, "--node", "c1", "--node", "c2");
    const r = await cli(base(blob, "--node", "c1", "--node", "c2", "--waves", "1,100%", "--soak", "0.5", "--timeout", "10"));
    expect(r.code).toBe(1);
    const row = (n: string) => r.out.split("\n").find((l) => l.startsWith(`${n} `))?.split(/\s{2,}/);
    expect(row("c1")?.slice(0, 3)).toEqual(["c1", "1", "rolled back by node"]);
    expect(row("c1")?.[3]).toContain("confirm-failed: new-fault: VI_1 is FAULT (interface missing0 does not exist), was MASTER");
    expect(row("c2")?.slice(0, 3)).toEqual(["c2", "2", "untouched"]);
    expect(r.out).toContain("aborted (1 node(s) failed, more than --max-failed 0)");
    expect(agents.get("c1")!.running.serial).toBe(0);
    expect(agents.get("c2")!.running.serial).toBe(0);
    // the node's own log says it, once
    expect(agents.get("c1")!.logs.filter((l) => l.includes("serial 20"))).toEqual([expect.stringContaining("rolled back to serial 0: confirm-failed: new-fault")]);
  }, 40_000);

  test("--rollback-on-abort: a config the node confirms but the fleet gate fails (two MASTERs) is rolled back by a signed request", async () => {
    // c2 on eth1 (it hears nobody) at a raised priority: MASTER beside c1. Its own probation
    // passes (a raised priority may take over), the fleet gate does not.
    const blob = sign("two-masters", withPrio("c2", 200, "eth1"), 21, "--node", "c2");
    const r = await cli(base(blob, "--node", "c2", "--soak", "3", "--hold", "0.5", "--timeout", "10", "--rollback-on-abort", "--key", join(dir, "fleet.key")));
    expect(r.code).toBe(1);
    expect(r.err).toContain("c2: unhealthy: one-master: VRID 53 (VI_1) has 2 MASTERs: c1, c2");
    expect(r.err).toContain("rolling back wave 1: c2");
    const row = r.out.split("\n").find((l) => l.startsWith("c2 "))!.split(/\s{2,}/);
    expect(row.slice(0, 3)).toEqual(["c2", "1", "rolled back"]);
    expect(agents.get("c2")!.running.serial).toBe(0);
    expect(agents.get("c2")!.priority).toBe(100);
    expect(agents.get("c2")!.logs).toEqual([expect.stringContaining("config serial 21 (kid ")]);
    expect(agents.get("c2")!.logs[0]).toContain("rolled back to serial 0: rollback-requested");
  }, 40_000);

  test("a node that does not answer times out", async () => {
    startAgent("h1", { hang: true });
    await allOnline(["h1"]);
    const blob = sign("hang", conf("h1", { vrid: 54, prio: 150, vip: "198.18.4.100" }), 30);
    const r = await cli(base(blob, "--node", "h1", "--timeout", "2", "--json"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).nodes.h1).toMatchObject({ outcome: "timed-out", reason: "no answer within 2 s", result: "timed out" });
  }, 30_000);

  test("resume after an interrupt: the state file and the retained record show where it stood; --resume finishes it", async () => {
    const blob = sign("resume", withPrio("b1", 151), 40, "--node", "b1", "--node", "b2");
    const state = join(dir, "resume-state.json");
    let sent = false;
    const first = await cli(base(blob, "--node", "b1", "--node", "b2", "--waves", "1,100%", "--soak", "2", "--timeout", "10", "--state", state), {
      onStderr: (text, proc) => {
        // interrupted while the canary soaks
        if (!sent && text.includes("b1: applied serial 40; soaking")) { sent = true; proc.kill("SIGINT"); }
      },
    });
    expect(first.code).toBe(130);
    expect(first.err).toContain("interrupted (SIGINT)");
    expect(existsSync(state)).toBe(true);
    const id = /--resume (\S+)/.exec(first.err)![1]!;
    const shown = await cli(["fleet", "show", state]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^b1\s+1\s+soaking/m);
    expect(shown.out).toMatch(/^b2\s+2\s+pending/m);
    const retained = await cli(["fleet", "show", id, "--broker", broker.url, "--fleet", FLEET, "--json"]);
    expect(JSON.parse(retained.out)).toMatchObject({ id, status: "running" });
    const again = await cli(["fleet", "rollout", "--resume", state, "--settle-ms", "600"]);
    expect(again.err).toContain(`resuming rollout ${id}`);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^b1\s+1\s+applied/m);
    expect(again.out).toMatch(/^b2\s+2\s+applied/m);
    expect([agents.get("b1")!.running.serial, agents.get("b2")!.running.serial]).toEqual([40, 40]);
    // the retained record ends as the state file does
    const done = await cli(["fleet", "show", id, "--broker", broker.url, "--fleet", FLEET, "--json"]);
    expect(JSON.parse(done.out)).toMatchObject({ status: "done", tally: { applied: 2 } });
    // an id alone is looked up under ~/.vigil/rollouts, where this one (--state elsewhere) is not
    const missing = await cli(["fleet", "show", id]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("to read the retained record give --broker and --fleet");
  }, 60_000);

  test("the broker restarts empty in the middle: nodes and the rollout reconnect, retained state comes back, the rollout finishes", async () => {
    const blob = sign("restart", withPrio("a1", 150), 50, "--node", "a1", "--node", "a2");
    let restarted: Promise<void> | null = null;
    const r = await cli(base(blob, "--node", "a1", "--node", "a2", "--waves", "1,100%", "--soak", "3", "--timeout", "15", "--json"), { timeoutMs: 30_000,
      onStderr: (text) => {
        if (!restarted && text.includes("a1: applied serial 50; soaking")) restarted = broker.restart();
      },
    });
    await restarted;
    if (process.env.FLEET_DEBUG) console.log(r.code, r.err, r.out.slice(0, 3000));
    expect(r.err).toContain("broker connection back");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: "done", tally: { applied: 2, failed: 0 } });
    expect([agents.get("a1")!.running.serial, agents.get("a2")!.running.serial]).toEqual([50, 50]);
    // the watcher's session died with the broker: a fresh one for the tests after this one
    await watcher.close().catch(() => {});
    watcher = await Watcher.open({ host: "127.0.0.1", port: broker.port, protocol: "mqtt" }, [`vigil/v1/${FLEET}/#`]);
  }, 45_000);

  test("usage errors name what is wrong", async () => {
    const r = await cli(["fleet", "rollout", join(dir, "dry.cose"), "--broker", broker.url, "--fleet", FLEET]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("say which nodes: --all, --node N... or --where KEY=VALUE...");
    const k = await cli(base(join(dir, "dry.cose"), "--all", "--rollback-on-abort"));
    expect(k.err).toContain("--rollback-on-abort needs --key PREFIX.key");
    const f = await cli(["fleet", "rollout", join(dir, "dry.cose"), "--broker", broker.url, "--fleet", "other", "--all", "--settle-ms", "0"]);
    expect(f.err).toContain("is signed for fleet 'edge', not 'other'");
    expect(f.code).toBe(2);
  }, 30_000);
});
