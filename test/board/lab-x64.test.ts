// Board tier, x64: the shipped dist/vigil-linux-x64, copied out of the checkout and
// run with the checkout hidden (no node_modules, no Bun), as two routers of a
// three-router netns lab beside Debian's keepalived 2.2.7. Every vigil command the
// test runs as an operator (status, config keygen/sign/push, status --broker) is
// that same binary, hidden, inside a lab namespace.
//
//   r1 vigil      priority 150, fleet node gw1
//   r2 vigil      priority 120, fleet node gw2
//   r3 keepalived priority 100
//   client        mosquitto on 198.18.0.250:1883 (the fleet broker)
//
// Each router runs the same three instances: VRRPv2 with auth_type PASS
// (RFC 3768), VRRPv3 over IPv4 and over IPv6 (RFC 5798). The story: r1 wins the
// election; SIGKILL r1 and r2 takes over while keepalived stays BACKUP, and r1's
// VIPs leave its interface by their kernel lifetime; then a signed push lowers
// r2's priority below keepalived's, and keepalived takes everything over.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_VIP_LIFETIME_MS } from "../../src/config/model.ts";
import { boardCliOk, boardStatus, boardStatusTable, fleetBlock, fleetView, LabBroker, pollUntil, startBoardVigil, vipLifetimes, withVigilGlobals } from "../helpers/board-lab.ts";
import { boardTier, keepalivedVersion } from "../helpers/board-tier.ts";
import { boardInstances, boardInstanceSpecs, keepalivedStatesIn } from "../helpers/board-instances.ts";
import { keepalivedConf, type RouterHandle, startRouter } from "../helpers/keepalived.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, type Frame, garps, nas } from "../helpers/pcap.ts";
import { type VigilHandle, vigilStatus, waitStates } from "../helpers/vigil.ts";

const ARCH = "x64";
const FLEET = "board";
const PRIO: Record<number, number> = { 1: 150, 2: 120, 3: 100 };
/** the priority the pushed config gives r2: below keepalived's */
const PUSHED_PRIO = 90;
const INSTANCES = boardInstances(21);
const VIPS = INSTANCES.map((i) => i.vip);
const NAMES = INSTANCES.map((i) => i.name);
const isV6 = (a: string) => a.includes(":");
/** the kernel drops an unrefreshed VIP within its lifetime; it checks lifetimes about once a second */
const VIP_GONE_BOUND_MS = DEFAULT_VIP_LIFETIME_MS + 1500;
/** election/takeover bound: several Master_Down_Intervals (≈ 3.5 s at advert_int 1) on a loaded host */
const SETTLE_MS = 20_000;
/** keepalived's Master_Down_Interval at its priority, advert_int 1 (RFC 5798 §6.1), ms */
const KEEPALIVED_MDI_MS = 3000 + ((256 - PRIO[3]) * 1000) / 256;

let lab: Lab;
let broker: LabBroker;
let keepalived: RouterHandle;
/** when keepalived entered BACKUP: it stays there only if it accepts the master's adverts for a Master_Down_Interval */
let keepalivedUpAt = 0;
const vigils = new Map<number, VigilHandle>();
let tier: ReturnType<typeof boardTier>;
/** filled by the failover test: ms after the SIGKILL at which each of r1's VIPs was seen gone (null: still there at the end) */
let vipsLeft: Promise<Record<string, number | null>>;

const instances = (prio: number) => boardInstanceSpecs(INSTANCES, prio);

/** r's config as keepalived.conf text; vigil routers get their fleet block unless `fleet` is false (a pushed config keeps the booted one). */
function vigilConfText(r: number, prio: number, fleet = true): string {
  const base = keepalivedConf({ routerId: `gw${r}`, instances: instances(prio) });
  return withVigilGlobals(base, [], fleet ? [fleetBlock({ url: broker.url, fleet: FLEET, node: `gw${r}`, trustKey: join(lab.dir, "fleet.pub"), stateDir: join(lab.dir, `state-r${r}`) })] : []);
}

const keepalivedStates = () => keepalivedStatesIn(lab.logOf(keepalived.proc), NAMES);
const holdersOf = () => VIPS.map((v) => lab.holders(v).join(","));
const all = (s: string) => VIPS.map(() => s);
const statesOf = (h: VigilHandle, st: "MASTER" | "BACKUP") => NAMES.map((n) => [h, n, st] as [VigilHandle, string, typeof st]);

beforeAll(async () => {
  lab = await Lab.create({ routers: 3 });
  broker = await LabBroker.start(lab);
  await boardCliOk(lab, "client", ARCH, ["config", "keygen", "--out", join(lab.dir, "fleet")]);
  const [h1, h2] = await Promise.all([1, 2].map((r) => startBoardVigil(lab, r, ARCH, vigilConfText(r, PRIO[r]))));
  vigils.set(1, h1).set(2, h2);
  // last: started before the vigils answer, keepalived's Master_Down timer could fire first and flap it
  keepalived = await startRouter(lab, 3, "keepalived", { routerId: "gw3", instances: instances(PRIO[3]) });
  keepalivedUpAt = Date.now();
}, 90_000);

afterAll(async () => {
  await lab?.cleanup();
}, 30_000);

test("the tier states what it ran: the shipped x64 binary, checkout hidden, reports its version and target", () => {
  tier = boardTier(ARCH, `${keepalivedVersion()} and vigil`);
  expect(tier.version).toMatch(/^vigil \d+\.\d+\.\d+ \(linux-x64, /);
  console.log(tier.line);
}, 90_000);

test("election across implementations (RFC 3768 §6.4, RFC 5798 §6.4): vigil 150 is MASTER of v2 PASS, v3 IPv4 and v3 IPv6; vigil 120 and keepalived 100 stay BACKUP on its adverts", async () => {
  const [h1, h2] = [vigils.get(1)!, vigils.get(2)!];
  expect(await pollUntil(holdersOf, (h) => h.join() === all("1").join(), SETTLE_MS)).toEqual(all("1"));
  expect(await waitStates([...statesOf(h1, "MASTER"), ...statesOf(h2, "BACKUP")], 5000)).toEqual([...all("MASTER"), ...all("BACKUP")]);

  // On the wire only the master advertises (§6.4.2), as each protocol version says.
  const cap = await lab.capture({ filter: ["ip", "proto", "112", "or", "ip6", "proto", "112"] });
  await sleep(2300);
  const frames = await cap.stop();
  for (const i of INSTANCES) {
    const a = adverts(frames, i.vrid);
    expect(a.length).toBeGreaterThanOrEqual(2);
    const src = isV6(i.vip) ? lab.router(1).linkLocal : lab.router(1).ipv4;
    const keys = new Set(a.map((x) => `${x.srcMac} ${x.d.src} v${x.d.version} prio${x.d.priority} ttl${x.d.ttl} auth${x.d.authType}:${x.d.authPass ?? ""} [${x.d.addrs}]`));
    expect([...keys]).toEqual([`${lab.mac(1)} ${src} v${i.version} prio150 ttl255 auth${i.authPass ? 1 : 0}:${i.authPass ?? ""} [${i.vip}]`]);
  }
  // keepalived would have taken over one Master_Down_Interval after its start had it dropped them
  await sleep(Math.max(0, keepalivedUpAt + KEEPALIVED_MDI_MS + 1000 - Date.now()));
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "BACKUP"])));
  expect(holdersOf()).toEqual(all("1"));
}, 60_000);

test("`vigil status` (shipped binary, --socket) shows r1 MASTER and r2 BACKUP with r1 as master, and r2 dropped none of the adverts", async () => {
  const t1 = await boardStatusTable(lab, vigils.get(1)!, ARCH);
  const t2 = await boardStatusTable(lab, vigils.get(2)!, ARCH);
  expect(NAMES.map((n) => [t1.get(n)?.STATE, t1.get(n)?.PRIO])).toEqual(NAMES.map(() => ["MASTER", "150"]));
  expect(NAMES.map((n) => [t2.get(n)?.STATE, t2.get(n)?.PRIO, t2.get(n)?.MASTER])).toEqual(
    INSTANCES.map((i) => ["BACKUP", "120", isV6(i.vip) ? lab.router(1).linkLocal : lab.router(1).ipv4]));
  const s2 = await boardStatus(lab, vigils.get(2)!, ARCH);
  for (const i of s2.instances) {
    expect(i.counters.advertsReceived).toBeGreaterThan(0);
    expect(Object.entries(i.counters).filter(([k, n]) => k.startsWith("drop_") && n > 0)).toEqual([]);
  }
}, 60_000);

test("VIP lifetimes: the master's VIPs have a finite valid_lft within vip_lifetime (not forever), so a dead master loses them", () => {
  const lft = vipLifetimes(lab, 1, VIPS);
  for (const v of VIPS) {
    expect(lft[v]).toBeDefined();
    expect(lft[v]!).toBeGreaterThan(0);
    expect(lft[v]!).toBeLessThanOrEqual(DEFAULT_VIP_LIFETIME_MS / 1000);
  }
}, 30_000);

test("fleet: status and per-instance VRRP state are retained on the broker; `vigil status --broker` shows gw1 MASTER and gw2 BACKUP", async () => {
  const want = (n: Awaited<ReturnType<typeof fleetView>>) =>
    n.gw1?.status?.status === "online" && n.gw2?.status?.status === "online" &&
    NAMES.every((i) => n.gw1.vrrp[i]?.state === "MASTER" && n.gw2.vrrp[i]?.state === "BACKUP");
  const nodes = await pollUntil(() => fleetView(lab, ARCH, broker.url, FLEET), want, 15_000, 200);
  expect(NAMES.map((i) => [nodes.gw1?.vrrp[i]?.state, nodes.gw2?.vrrp[i]?.state])).toEqual(NAMES.map(() => ["MASTER", "BACKUP"]));
  expect(nodes.gw1.status).toMatchObject({ status: "online", version: tier.version.split(" ")[1], config_serial: 0 });
  expect(nodes.gw1.vrrp.V2_PASS).toMatchObject({ vrid: 21, priority: 150 });
}, 60_000);

test("failover on SIGKILL of the master (RFC 5798 §6.4.2): the backup vigil takes all three over and announces with GARP (IPv4) and unsolicited NA (IPv6) from its MAC; keepalived stays BACKUP", async () => {
  const h2 = vigils.get(2)!;
  const cap = await lab.capture({ filter: ["arp", "or", "icmp6", "or", "ip", "proto", "112", "or", "ip6", "proto", "112"] });
  const tKill = nowMs();
  lab.kill(1, "SIGKILL");
  vigils.delete(1);
  vipsLeft = watchVipsLeave(1, tKill);
  expect(await waitStates(statesOf(h2, "MASTER"), SETTLE_MS)).toEqual(all("MASTER"));
  expect(await pollUntil(holdersOf, (h) => h.join() === all("2").join(), VIP_GONE_BOUND_MS + 1000)).toEqual(all("2"));
  await sleep(500);
  const frames = await cap.stop();
  const mac2 = lab.mac(2);
  for (const i of INSTANCES) {
    const announced: Frame[] = isV6(i.vip) ? nas(frames, i.vip).filter((f) => f.d.override) : garps(frames, i.vip);
    expect(announced.filter((f) => f.t > tKill).map((f) => f.srcMac)).toContain(mac2);
    // the new master's adverts carry its own priority
    expect(adverts(frames, i.vrid).filter((a) => a.t > tKill && a.srcMac === mac2).at(-1)?.d.priority).toBe(PRIO[2]);
  }
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "BACKUP"])));
}, 60_000);

/** Polls router r's eth0 (bounded) and records when each VIP was first seen gone, in ms after t0. */
async function watchVipsLeave(r: number, t0: number): Promise<Record<string, number | null>> {
  const left: Record<string, number | null> = Object.fromEntries(VIPS.map((v) => [v, null]));
  for (let i = 0; i < 1000 && nowMs() - t0 < VIP_GONE_BOUND_MS + 2000; i++) {
    const have = lab.addrs(r);
    const now = nowMs();
    for (const v of VIPS) if (left[v] === null && !have.includes(v)) left[v] = Math.round(now - t0);
    if (VIPS.every((v) => left[v] !== null)) break;
    await sleep(50);
  }
  return left;
}

test(`split-brain guarantee: the SIGKILLed vigil's VIPs leave its interface within vip_lifetime + 1.5 s (${VIP_GONE_BOUND_MS} ms) by their kernel lifetime`, async () => {
  const left = await vipsLeft;
  console.log(`x64 lab: the SIGKILLed master's VIPs gone after ${VIPS.map((v) => `${v} ${left[v] ?? "never"}`).join(", ")} ms (bound ${VIP_GONE_BOUND_MS} ms)`);
  for (const v of VIPS) {
    expect({ vip: v, goneAfterMs: left[v] }).toEqual({ vip: v, goneAfterMs: expect.any(Number) });
    expect(left[v]!).toBeLessThanOrEqual(VIP_GONE_BOUND_MS);
  }
  expect(lab.addrs(1).filter((a) => VIPS.includes(a))).toEqual([]);
}, 30_000);

test("fleet: the killed node's Last Will marks it offline and the new master's state is retained", async () => {
  const want = (n: Awaited<ReturnType<typeof fleetView>>) => n.gw1?.status?.status === "offline" && NAMES.every((i) => n.gw2?.vrrp[i]?.state === "MASTER");
  const nodes = await pollUntil(() => fleetView(lab, ARCH, broker.url, FLEET), want, 15_000, 200);
  expect(nodes.gw1?.status?.status).toBe("offline");
  expect(NAMES.map((i) => nodes.gw2?.vrrp[i]?.state)).toEqual(all("MASTER"));
}, 60_000);

test("signed config push (shipped keygen, sign, push): gw2 accepts serial 1 on config/state, runs priority 90, and keepalived 100 takes all three over from it", async () => {
  const h2 = vigils.get(2)!;
  const conf = join(lab.dir, "push1.conf");
  const blob = join(lab.dir, "push1.cose");
  // No vigil_fleet block: the node keeps the one it booted with.
  writeFileSync(conf, vigilConfText(2, PUSHED_PRIO, false));
  await boardCliOk(lab, "client", ARCH, ["config", "sign", conf, "--key", join(lab.dir, "fleet.key"), "--serial", "1", "--fleet", FLEET, "--node", "gw2", "--out", blob]);
  await boardCliOk(lab, "client", ARCH, ["config", "push", blob, "--broker", broker.url, "--fleet", FLEET, "--node", "gw2"]);

  const nodes = await pollUntil(() => fleetView(lab, ARCH, broker.url, FLEET), (n) => n.gw2?.config?.serial === 1 && n.gw2?.status?.config_serial === 1, 15_000, 200);
  expect(nodes.gw2?.config).toMatchObject({ accepted: true, serial: 1 });
  // the retained birth names the serial the node runs now
  expect(nodes.gw2?.status).toMatchObject({ status: "online", config_serial: 1 });
  expect(String(nodes.gw2.config!.hash)).toMatch(/^[0-9a-f]{64}$/);
  const s = await vigilStatus(h2);
  expect([s?.configSerial, ...(s?.instances.map((i) => i.priority) ?? [])]).toEqual([1, ...NAMES.map(() => PUSHED_PRIO)]);

  // keepalived drops adverts below its priority (preempt) and takes over after Master_Down_Interval;
  // vigil, MASTER at 90, yields to its higher-priority adverts (RFC 5798 §6.4.3) and removes its VIPs.
  expect(await pollUntil(holdersOf, (h) => h.join() === all("3").join(), SETTLE_MS)).toEqual(all("3"));
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "MASTER"])));
  expect(await waitStates(statesOf(h2, "BACKUP"), 5000)).toEqual(all("BACKUP"));
  const table = await boardStatusTable(lab, h2, ARCH);
  expect(INSTANCES.map((i) => [table.get(i.name)?.STATE, table.get(i.name)?.PRIO, table.get(i.name)?.MASTER])).toEqual(
    INSTANCES.map((i) => ["BACKUP", String(PUSHED_PRIO), isV6(i.vip) ? lab.router(3).linkLocal : lab.router(3).ipv4]));
}, 60_000);
