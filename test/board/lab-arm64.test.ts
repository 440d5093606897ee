// Board tier, arm64: the shipped dist/vigil-linux-arm64 under qemu-aarch64-static
// (user mode, the cross sysroot as its root for the loader), copied out of the
// checkout and run with the checkout hidden, as one router of a three-router netns
// lab. Every vigil command the test runs as an operator on that node (status,
// config keygen/sign/push, status --broker) is the arm64 binary too.
//
//   r1 vigil arm64 (qemu)  priority 100, fleet node gwa
//   r2 vigil x64           priority 150
//   r3 keepalived          priority 50
//   client                 mosquitto on 198.18.0.250:1883
//
// Same three instances as the x64 lab (VRRPv2 PASS, VRRPv3 IPv4 and IPv6), at
// advert_int 1. The story: the arm64 router is BACKUP to the x64 master (it hears
// and validates its adverts); SIGKILL the x64 master and the arm64 router takes
// over, announces, and keepalived stays BACKUP on its adverts; a signed push then
// lowers the arm64 priority below keepalived's and it yields.
//
// What qemu-user cannot do here (README, "Board tier"): it does not translate
// IP_MULTICAST_ALL, IP_MULTICAST_IF, IPV6_MULTICAST_ALL, IPV6_MULTICAST_IF
// (ENOPROTOOPT) and drops the ifindex of a 12-byte ip_mreqn; the VRRP socket runs
// without the first four and retries the join with a 16-byte ip_mreqn. The
// allocator re-exec of /proc/self/exe fails (ENOEXEC) without binfmt_misc.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_VIP_LIFETIME_MS } from "../../src/config/model.ts";
import { boardCliOk, boardStatusTable, fleetBlock, fleetView, LabBroker, pollUntil, startBoardVigil, vipLifetimes, withVigilGlobals } from "../helpers/board-lab.ts";
import { boardTier, keepalivedVersion } from "../helpers/board-tier.ts";
import { boardInstances, boardInstanceSpecs, keepalivedStatesIn } from "../helpers/board-instances.ts";
import { keepalivedConf, type RouterHandle, startRouter } from "../helpers/keepalived.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, type Frame, garps, nas } from "../helpers/pcap.ts";
import { instanceStatus, type VigilHandle, vigilStatus, waitStates } from "../helpers/vigil.ts";

const ARCH = "arm64";
const FLEET = "board";
const NODE = "gwa";
const PRIO: Record<number, number> = { 1: 100, 2: 150, 3: 50 };
/** the priority the pushed config gives the arm64 router: below keepalived's */
const PUSHED_PRIO = 40;
const INSTANCES = boardInstances(31);
const VIPS = INSTANCES.map((i) => i.vip);
const NAMES = INSTANCES.map((i) => i.name);
const isV6 = (a: string) => a.includes(":");
/** generous: qemu-user runs the arm64 daemon several times slower than native, on a loaded 2-core host */
const SETTLE_MS = 30_000;
/** keepalived's Master_Down_Interval at priority 50, advert_int 1 (RFC 5798 §6.1), ms */
const KEEPALIVED_MDI_MS = 3000 + ((256 - PRIO[3]) * 1000) / 256;

let lab: Lab;
let broker: LabBroker;
let keepalived: RouterHandle;
/** when keepalived entered BACKUP: it stays there only if it accepts the master's adverts for a Master_Down_Interval */
let keepalivedUpAt = 0;
let arm: VigilHandle;
let x64: VigilHandle;

const instances = (prio: number) => boardInstanceSpecs(INSTANCES, prio);
const armConf = (prio: number, fleet = true) =>
  withVigilGlobals(keepalivedConf({ routerId: NODE, instances: instances(prio) }), [],
    fleet ? [fleetBlock({ url: broker.url, fleet: FLEET, node: NODE, trustKey: join(lab.dir, "fleet.pub"), stateDir: join(lab.dir, "state-r1") })] : []);

const keepalivedStates = () => keepalivedStatesIn(lab.logOf(keepalived.proc), NAMES);
const holdersOf = () => VIPS.map((v) => lab.holders(v).join(","));
const all = <T>(x: T) => VIPS.map(() => x);
const statesOf = (h: VigilHandle, st: "MASTER" | "BACKUP") => NAMES.map((n) => [h, n, st] as [VigilHandle, string, typeof st]);
const srcOf = (r: number, vip: string) => (isV6(vip) ? lab.router(r).linkLocal : lab.router(r).ipv4);

beforeAll(async () => {
  lab = await Lab.create({ routers: 3 });
  broker = await LabBroker.start(lab);
  // the node's trust key exists before it boots: made by the arm64 binary itself
  await boardCliOk(lab, "client", ARCH, ["config", "keygen", "--out", join(lab.dir, "fleet")]);
  [arm, x64] = await Promise.all([
    startBoardVigil(lab, 1, "arm64", armConf(PRIO[1])),
    startBoardVigil(lab, 2, "x64", keepalivedConf({ routerId: "gw2", instances: instances(PRIO[2]) })),
  ]);
  // last: started before the vigils answer, keepalived's Master_Down timer could fire first and flap it
  keepalived = await startRouter(lab, 3, "keepalived", { routerId: "gw3", instances: instances(PRIO[3]) });
  keepalivedUpAt = Date.now();
}, 180_000);

afterAll(async () => {
  await lab?.cleanup();
}, 30_000);

test("the tier states what it ran: the shipped arm64 binary under qemu-user, checkout hidden, reports its version and target", () => {
  const tier = boardTier(ARCH, `x64 vigil and ${keepalivedVersion()}`);
  expect(tier.version).toMatch(/^vigil \d+\.\d+\.\d+ \(linux-arm64, /);
  console.log(tier.line);
}, 90_000);

test("election: the arm64 vigil (100) hears and validates the x64 vigil's (150) adverts for v2 PASS, v3 IPv4 and v3 IPv6 and stays BACKUP; keepalived (50) too", async () => {
  expect(await pollUntil(holdersOf, (h) => h.join() === all("2").join(), SETTLE_MS)).toEqual(all("2"));
  expect(await waitStates([...statesOf(x64, "MASTER"), ...statesOf(arm, "BACKUP")], SETTLE_MS)).toEqual([...all("MASTER"), ...all("BACKUP")]);
  // The receive path under qemu-user: group joins, cmsgs and checks all work, nothing is dropped.
  const s = await pollUntil(() => vigilStatus(arm), (st) => !!st && st.instances.every((i) => i.counters.advertsReceived >= 2), 10_000);
  for (const i of s!.instances) {
    expect([i.name, i.masterAddress]).toEqual([i.name, srcOf(2, i.vips[0])]);
    expect(Object.entries(i.counters).filter(([k, n]) => k.startsWith("drop_") && n > 0)).toEqual([]);
  }
  await sleep(Math.max(0, keepalivedUpAt + KEEPALIVED_MDI_MS + 1000 - Date.now()));
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "BACKUP"])));
}, 60_000);

test("`vigil status` from the arm64 binary under qemu shows its three instances BACKUP at priority 100 with the x64 router as master", async () => {
  const t = await boardStatusTable(lab, arm, ARCH);
  expect(INSTANCES.map((i) => [t.get(i.name)?.STATE, t.get(i.name)?.PRIO, t.get(i.name)?.MASTER])).toEqual(
    INSTANCES.map((i) => ["BACKUP", String(PRIO[1]), srcOf(2, i.vip)]));
}, 90_000);

test("failover on SIGKILL of the x64 master (RFC 5798 §6.4.2): the arm64 vigil takes all three over, announces with GARP and unsolicited NA from its MAC, and keepalived stays BACKUP on its adverts", async () => {
  const cap = await lab.capture({ filter: ["arp", "or", "icmp6", "or", "ip", "proto", "112", "or", "ip6", "proto", "112"] });
  const tKill = nowMs();
  lab.kill(2, "SIGKILL");
  expect(await waitStates(statesOf(arm, "MASTER"), SETTLE_MS)).toEqual(all("MASTER"));
  // the x64 router's VIPs leave by their lifetime; then only the arm64 router holds them
  expect(await pollUntil(holdersOf, (h) => h.join() === all("1").join(), DEFAULT_VIP_LIFETIME_MS + 5000)).toEqual(all("1"));
  // keepalived would take over one Master_Down_Interval after the last advert it accepted:
  // wait past that from the arm64 takeover, so only accepted adverts keep it BACKUP.
  const since = Math.max(...(await Promise.all(NAMES.map(async (n) => (await instanceStatus(arm, n))!.since))));
  await sleep(Math.max(0, since + KEEPALIVED_MDI_MS + 1500 - Date.now()));
  const frames = await cap.stop();
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "BACKUP"])));
  expect(holdersOf()).toEqual(all("1"));
  const mac1 = lab.mac(1);
  for (const i of INSTANCES) {
    const announced: Frame[] = isV6(i.vip) ? nas(frames, i.vip).filter((f) => f.d.override) : garps(frames, i.vip);
    expect(announced.filter((f) => f.t > tKill).map((f) => f.srcMac)).toContain(mac1);
    const a = adverts(frames, i.vrid).filter((x) => x.t > tKill && x.srcMac === mac1);
    expect(a.length).toBeGreaterThanOrEqual(2);
    expect(new Set(a.map((x) => `${x.d.src} v${x.d.version} prio${x.d.priority} ttl${x.d.ttl} auth${x.d.authType}:${x.d.authPass ?? ""} [${x.d.addrs}]`)))
      .toEqual(new Set([`${srcOf(1, i.vip)} v${i.version} prio${PRIO[1]} ttl255 auth${i.authPass ? 1 : 0}:${i.authPass ?? ""} [${i.vip}]`]));
  }
}, 90_000);

test("VIP lifetimes under qemu: the arm64 master's VIPs have a finite valid_lft within vip_lifetime (not forever)", () => {
  const lft = vipLifetimes(lab, 1, VIPS);
  for (const v of VIPS) {
    expect(lft[v]).toBeDefined();
    expect(lft[v]!).toBeGreaterThan(0);
    expect(lft[v]!).toBeLessThanOrEqual(DEFAULT_VIP_LIFETIME_MS / 1000);
  }
}, 30_000);

test("signed config push to the arm64 node (keygen, sign, push by the arm64 binary): accepted as serial 1 on the broker, priority 40 hands all three to keepalived 50", async () => {
  const conf = join(lab.dir, "push1.conf");
  const blob = join(lab.dir, "push1.cose");
  // No vigil_fleet block: the node keeps the one it booted with.
  writeFileSync(conf, armConf(PUSHED_PRIO, false));
  await boardCliOk(lab, "client", ARCH, ["config", "sign", conf, "--key", join(lab.dir, "fleet.key"), "--serial", "1", "--fleet", FLEET, "--node", NODE, "--out", blob]);
  await boardCliOk(lab, "client", ARCH, ["config", "push", blob, "--broker", broker.url, "--fleet", FLEET, "--node", NODE]);

  const s = await pollUntil(() => vigilStatus(arm), (st) => st?.configSerial === 1, SETTLE_MS, 200);
  expect([s?.configSerial, ...(s?.instances.map((i) => i.priority) ?? [])]).toEqual([1, ...all(PUSHED_PRIO)]);
  // keepalived drops adverts below its priority and takes over; the arm64 router, MASTER at 40,
  // yields to keepalived's higher-priority adverts (RFC 5798 §6.4.3) and removes its VIPs.
  expect(await pollUntil(holdersOf, (h) => h.join() === all("3").join(), SETTLE_MS)).toEqual(all("3"));
  expect(await waitStates(statesOf(arm, "BACKUP"), SETTLE_MS)).toEqual(all("BACKUP"));
  expect(keepalivedStates()).toEqual(Object.fromEntries(NAMES.map((n) => [n, "MASTER"])));

  const want = (n: Awaited<ReturnType<typeof fleetView>>) => n[NODE]?.config?.serial === 1 && n[NODE]?.status?.config_serial === 1 && NAMES.every((i) => n[NODE]?.vrrp[i]?.state === "BACKUP");
  const nodes = await pollUntil(() => fleetView(lab, ARCH, broker.url, FLEET), want, SETTLE_MS, 200);
  expect(nodes[NODE]?.config).toMatchObject({ accepted: true, serial: 1 });
  expect(nodes[NODE]?.status).toMatchObject({ status: "online", config_serial: 1 });
  expect(NAMES.map((i) => [nodes[NODE]?.vrrp[i]?.state, nodes[NODE]?.vrrp[i]?.priority])).toEqual(all(["BACKUP", PUSHED_PRIO]));
}, 120_000);
