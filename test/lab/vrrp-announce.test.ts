// What a vigil master puts on the box and on the wire beyond the advert itself:
// several VIPs with keepalived's address attributes (prefix, label, other dev),
// virtual_ipaddress_excluded (installed, announced, not advertised), the
// gratuitous ARP schedule (garp_master_repeat, garp_master_delay,
// garp_interval), garp_extra_if's periodic GARP on a VIP interface that
// carries no adverts, and the STOP notification and VIP removal on SIGTERM; then
// garp_group spacing two instances' GARPs on one interface, as keepalived 2.2.7 does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, type LabProc, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, type Frame, garps, readPcap } from "../helpers/pcap.ts";
import { spawnKeepalived } from "../helpers/keepalived.ts";
import { instanceStatus, startVigil, stopVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const V1 = "198.18.0.140";
const V2 = "198.18.0.141";
const EXCL = "198.18.0.142";
const LABELLED = "198.18.0.143";
const OTHER_DEV = "198.18.1.144";
const VRID = 141;
const REPEAT = 2;
const DELAY_S = 1;
const GARP_INTERVAL_S = 0.02;
/** keepalived garp_extra_if: the shortest it takes, whole seconds */
const EXTRA_IF_S = 1;

let lab: Lab;
let h1: VigilHandle;
let notifyLog: string;

interface IpAddr { local: string; prefixlen: number; label?: string }
function addrsOf(dev: string): IpAddr[] {
  const j = JSON.parse(lab.exec(1, ["ip", "-4", "-j", "addr", "show", "dev", dev]) || "[]") as Array<{ addr_info?: IpAddr[] }>;
  return j.flatMap((l) => l.addr_info ?? []);
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 1 });
  // a second interface on r1 for a VIP with `dev`
  lab.exec(1, ["ip", "link", "add", "lan1", "type", "veth", "peer", "name", "lan1p"]);
  for (const d of ["lan1p", "lan1"]) lab.exec(1, ["ip", "link", "set", d, "up"]);
  notifyLog = join(lab.dir, "notify.log");
  const script = join(lab.dir, "notify.sh");
  writeFileSync(script, `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
  chmodSync(script, 0o755);
  const conf = [
    "global_defs {", "  router_id r1", "  vip_lifetime 3", "}",
    "vrrp_instance VI_A {", "  state BACKUP", "  interface eth0", `  virtual_router_id ${VRID}`, "  priority 150", "  advert_int 0.1", "  version 3",
    `  garp_master_repeat ${REPEAT}`, `  garp_master_delay ${DELAY_S}`, `  garp_interval ${GARP_INTERVAL_S}`, `  garp_extra_if all ${EXTRA_IF_S}`,
    `  notify "${script}"`, `  notify_stop "${script} specific-stop"`,
    "  virtual_ipaddress {", `    ${V1}/32 dev eth0`, `    ${V2}/32 dev eth0`, `    ${LABELLED}/24 dev eth0 label eth0:vip`, "  }",
    "  virtual_ipaddress_excluded {", `    ${EXCL}/32 dev eth0`, `    ${OTHER_DEV}/32 dev lan1`, "  }",
    "}", "",
  ].join("\n");
  capture = await lab.capture();
  // lan1's segment is the veth peer inside r1's namespace: tcpdump there, ready before vigil starts
  lan1Pcap = join(lab.dir, "lan1.pcap");
  lan1Dump = lab.spawn(1, ["tcpdump", "-i", "lan1p", "--immediate-mode", "-U", "-n", "-Z", "root", "--time-stamp-precision=nano", "-w", lan1Pcap, "arp"], "tcpdump-lan1");
  expect(await waitUntil(() => lab.logOf(lan1Dump).includes("listening on"), 5000)).toBe(true);
  h1 = await startVigil(lab, 1, conf);
}, 60_000);
let capture: Awaited<ReturnType<Lab["capture"]>>;
let lan1Pcap: string;
let lan1Dump: LabProc;

afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil master announcements", () => {
  test("every VIP is installed with its attributes; adverts carry virtual_ipaddress only, not the excluded ones", async () => {
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_A"))?.state === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => addrsOf("eth0").some((a) => a.local === EXCL) && addrsOf("lan1").some((a) => a.local === OTHER_DEV), 2000)).toBe(true);
    const eth0 = addrsOf("eth0");
    expect(eth0.find((a) => a.local === V1)?.prefixlen).toBe(32);
    expect(eth0.find((a) => a.local === V2)?.prefixlen).toBe(32);
    expect(eth0.find((a) => a.local === LABELLED)).toMatchObject({ prefixlen: 24, label: "eth0:vip" });
    expect(eth0.find((a) => a.local === EXCL)?.prefixlen).toBe(32);
    expect(addrsOf("lan1").find((a) => a.local === OTHER_DEV)?.prefixlen).toBe(32);
    const c = await lab.capture();
    await sleep(400);
    const ads = adverts(await c.stop(), VRID);
    expect(ads.length).toBeGreaterThan(0);
    // RFC 5798 §5.2.5/§5.2.9: count and list of the instance's addresses, excluded ones left out
    expect(ads[0].d.count).toBe(3);
    expect(ads[0].d.addrs.sort()).toEqual([V1, V2, LABELLED].sort());
  }, 30_000);

  test("keepalived garp_master_repeat/garp_master_delay/garp_interval: two bursts of REPEAT GARPs per VIP, excluded ones included, spaced by garp_interval, the second after the delay; a `dev lan1` VIP is announced on lan1, and garp_extra_if all adds periodic ones there but none on eth0 (its adverts keep the MAC known)", async () => {
    await sleep(DELAY_S * 1000 + 500);
    const frames = await capture.stop();
    lab.kill(1, "SIGTERM"); // tcpdump flushes; vigil stops too, which the next test checks
    await Promise.race([lan1Dump.exited, sleep(3000)]);
    const lan1 = garps(readPcap(new Uint8Array(readFileSync(lan1Pcap))));
    const lan1Mac = JSON.parse(lab.exec(1, ["ip", "-j", "link", "show", "lan1"]))[0].address as string;
    const onLan1 = lan1.filter((x) => x.d.senderIp === OTHER_DEV && x.srcMac === lan1Mac && x.d.senderMac === lan1Mac);
    // the two bursts, then garp_extra_if's: the capture runs > EXTRA_IF_S past the takeover (sleeps above)
    expect(onLan1.length).toBeGreaterThan(2 * REPEAT);
    expect(lan1.filter((x) => x.d.senderIp !== OTHER_DEV)).toEqual([]);
    const g = garps(frames).filter((x) => x.srcMac === lab.mac(1));
    const eth0Vips = [V1, V2, LABELLED, EXCL];
    for (const vip of eth0Vips) expect(g.filter((x) => x.d.senderIp === vip).length).toBe(2 * REPEAT);
    expect(new Set(g.map((x) => x.d.senderIp))).toEqual(new Set(eth0Vips));
    // garp_interval: one message at a time, never two closer than the interval (minus scheduling noise)
    for (let i = 1; i < g.length; i++) expect(g[i].t - g[i - 1].t).toBeGreaterThanOrEqual(GARP_INTERVAL_S * 1000 - 5);
    // the second burst starts garp_master_delay after the first
    const perBurst = eth0Vips.length * REPEAT;
    expect(g[perBurst].t - g[0].t).toBeGreaterThanOrEqual(DELAY_S * 1000 - 20);
  }, 30_000);

  test("SIGTERM: every VIP goes (excluded and other-dev ones too) and notify/notify_stop report STOP", async () => {
    const tStop = nowMs();
    lab.kill(1, "SIGTERM"); // again, in case the previous test stopped early
    expect(await Promise.race([h1.proc.exited, sleep(5000).then(() => "timeout")])).toBe(0);
    const left = [...addrsOf("eth0"), ...addrsOf("lan1")].map((a) => a.local).filter((a) => [V1, V2, LABELLED, EXCL, OTHER_DEV].includes(a));
    expect(left).toEqual([]);
    const lines = () => (existsSync(notifyLog) ? readFileSync(notifyLog, "utf8").split("\n").filter(Boolean) : []);
    expect(await waitUntil(() => lines().includes("specific-stop") && lines().includes("INSTANCE VI_A STOP 150"), 3000)).toBe(true);
    expect(nowMs() - tStop).toBeLessThan(10_000);
  }, 30_000);

  test("keepalived garp_group: two instances taking over on one interface together send their GARPs at least garp_interval apart, in turn — the sequence keepalived 2.2.7 sends with the same config", async () => {
    const GROUP_S = 0.1;
    const PA = "198.18.0.145";
    const PB = "198.18.0.146";
    // two address owners: both take over at start, in the same pass; without the group their bursts would overlap
    const conf = vigilConf({
      routerId: "r1g",
      blocks: ["garp_group {", `  garp_interval ${GROUP_S}`, "  interface eth0", "}"],
      instances: [PA, PB].map((vip, k) => ({ name: `VI_P${k}`, vrid: 145 + k, priority: 255, advertInt: 1, vips: [vip], extra: ["garp_master_repeat 2", "garp_master_delay 0"] })),
    });
    const ours = (frames: Frame[]) => garps(frames).filter((x) => x.srcMac === lab.mac(1) && (x.d.senderIp === PA || x.d.senderIp === PB));
    const cap = await lab.capture();
    const h = await startVigil(lab, 1, conf);
    expect(await waitUntil(async () => (await instanceStatus(h, "VI_P0"))?.state === "MASTER" && (await instanceStatus(h, "VI_P1"))?.state === "MASTER", 5000)).toBe(true);
    await sleep(GROUP_S * 1000 * 4 + 300);
    const g = ours(await cap.stop());
    await stopVigil(lab, h);
    // both instances' VIPs went out, one lane: a repeat of a VIP still waiting is not queued twice (as keepalived)
    expect(new Set(g.map((x) => x.d.senderIp))).toEqual(new Set([PA, PB]));
    // a lower bound only (minus the capture's timestamp noise): load makes the gaps longer, never shorter
    for (let i = 1; i < g.length; i++) expect(g[i].t - g[i - 1].t).toBeGreaterThanOrEqual(GROUP_S * 1000 - 5);

    // keepalived 2.2.7 itself, same config, same interface
    const kcap = await lab.capture();
    const ka = spawnKeepalived(lab, 1, "garp-group-keepalived", conf);
    try {
      expect(await waitUntil(() => (lab.logOf(ka).match(/Entering MASTER STATE/g) ?? []).length === 2, 10_000)).toBe(true);
      await sleep(GROUP_S * 1000 * 4 + 300);
    } finally {
      lab.kill(1, "SIGTERM");
      await lab.reap(1, 3000);
    }
    const k = ours(await kcap.stop());
    expect(g.map((x) => x.d.senderIp)).toEqual(k.map((x) => x.d.senderIp));
    for (let i = 1; i < k.length; i++) expect(k[i].t - k[i - 1].t).toBeGreaterThanOrEqual(GROUP_S * 1000 - 5);
  }, 40_000);
});
