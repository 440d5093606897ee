// test/fixtures/every-construct.conf run by the daemon as r1 (-i r1) of a lab:
// on this kernel there is no IP_VS, so LVS reports a fault while everything else
// runs — VRRP (five instances, two from ~SEQ in a sync group with its own
// tracking), track_file and vrrp_track_process moving the priority, static and virtual routes/rules in the kernel, the five
// checkers against the lab's client, the notify FIFOs and the metrics endpoint.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { kernelHasIpvs } from "../helpers/ipvs-kernel.ts";
import { Lab } from "../helpers/lab.ts";
import { instanceStatus, startVigil, type VigilHandle, vigilStatus, waitUntil } from "../helpers/vigil.ts";

const FIXTURES = `${import.meta.dir}/../fixtures`;
let lab: Lab;
let h: VigilHandle;
let run: string;
let sleeper: ReturnType<typeof Bun.spawn> | undefined;

const priority = async () => (await instanceStatus(h, "VI_MAIN"))?.effectivePriority;

beforeAll(async () => {
  lab = await Lab.create({ routers: 1 });
  run = `${lab.dir}/run`;
  Bun.spawnSync(["mkdir", "-p", run]);
  // the tracked process: `sleep 60.<our pid>` (the fixture's `sleep 60.125` made unique, so a
  // concurrent run of this test, whose own sleeper lives machine-wide in /proc, cannot satisfy it)
  const sleepArg = `60.${process.pid}`;
  sleeper = Bun.spawn(["sleep", sleepArg], { stdout: "ignore", stderr: "ignore" });
  // the fixture as shipped, with $RUN pointed at this lab; its include beside it
  const text = readFileSync(`${FIXTURES}/every-construct.conf`, "utf8").replace(/^\$RUN=.*$/m, `$RUN=${run}`);
  cpSync(`${FIXTURES}/every-construct.d`, `${lab.dir}/every-construct.d`, { recursive: true });
  const tracking = `${lab.dir}/every-construct.d/tracking.conf`;
  writeFileSync(tracking, readFileSync(tracking, "utf8").replace("process sleep 60.125", `process sleep ${sleepArg}`));
  h = await startVigil(lab, 1, text, { args: ["-i", "r1"] });
}, 60_000);

afterAll(async () => {
  if (sleeper) { sleeper.kill("SIGKILL"); await sleeper.exited; }
  await lab?.cleanup();
});

describe("every construct in one daemon", () => {
  test("VRRP: the five instances (three written out, one with auth_type AH, one unicast; two from ~SEQ) become MASTER and hold their VIPs", async () => {
    expect(await waitUntil(async () => { const s = await vigilStatus(h); return s?.instances.length === 5 && s.instances.every((i) => i.state === "MASTER"); }, 8000)).toBe(true);
    const addrs = lab.exec(1, ["ip", "-br", "addr", "show", "eth0"]);
    for (const vip of ["198.18.0.61/24", "198.18.0.62/24", "198.18.0.63/24", "198.18.0.64/24", "198.18.0.65/24", "198.18.60.1/24"]) expect(addrs).toContain(vip);
    // VI_UC's address vmacs: its own-flagged VIP and its other-family eVIP
    expect(lab.exec(1, ["ip", "-br", "addr", "show", "vrrp.65"])).toContain("198.18.0.66/24");
    expect(lab.exec(1, ["ip", "-br", "addr", "show", "vrrp6.65"])).toContain("fd00:198:18::65/64");
  }, 15_000);

  test("address options: the kernel holds the VIPs and static addresses with keepalived 2.2.7's flags and preferred lifetimes (ip -d addr)", () => {
    type IpAddr = { local: string; prefixlen: number; nodad?: boolean; home?: boolean; mngtmpaddr?: boolean; noprefixroute?: boolean; deprecated?: boolean; preferred_life_time: number; valid_life_time: number };
    const all = (JSON.parse(lab.exec(1, ["ip", "-j", "-d", "addr", "show", "eth0"])) as { addr_info: IpAddr[] }[])[0]!.addr_info;
    const one = (a: string) => all.find((x) => x.local === a)!;
    const flags = (a: string) => ["nodad", "home", "mngtmpaddr", "noprefixroute", "deprecated"].filter((f) => one(a)[f as keyof IpAddr] === true);
    expect(flags("198.18.0.69")).toEqual(["noprefixroute"]);
    // -nodad: DAD runs, so no nodad; preferred_lft 30 counts down from the takeover, within the VIP's 3 s lifetime
    expect(flags("fd00:198:18::61")).toEqual(["home", "mngtmpaddr", "noprefixroute"]);
    expect(one("fd00:198:18::61").preferred_life_time).toBeLessThanOrEqual(one("fd00:198:18::61").valid_life_time);
    expect(one("fd00:198:18::61").valid_life_time).toBeLessThanOrEqual(3);
    expect(flags("fd00:198:18::62")).toEqual(["nodad", "deprecated"]);
    expect(one("fd00:198:18::62").preferred_life_time).toBe(0);
    expect(flags("fd00:198:18::63")).toEqual(["nodad"]);
    expect(one("fd00:198:18::63").preferred_life_time).toBeGreaterThan(0);
    // static: permanent (valid forever), preferred_lft 0 makes it deprecated
    expect(flags("fd00:198:60::1")).toEqual(["nodad", "noprefixroute", "deprecated"]);
    expect(one("fd00:198:60::1").valid_life_time).toBe(4294967295);
    // noprefixroute: no fd00:198:60::/64 route from the static address (the lab itself has fd00:198:18::/64 on eth0)
    const routes6 = lab.exec(1, ["ip", "-6", "route", "show", "dev", "eth0"]);
    expect(routes6).not.toContain("fd00:198:60::/64");
  });

  test("peer: the eVIPs and the static address are point-to-point (ip addr: local peer PEER/32), and the VIPs' lease renewals keep them so past their 3 s lifetime", async () => {
    type IpAddr = { local: string; address?: string; prefixlen: number; valid_life_time: number };
    const held = () => (JSON.parse(lab.exec(1, ["ip", "-j", "addr", "show", "eth0"])) as { addr_info: IpAddr[] }[])[0]!.addr_info;
    const peers = () => held().filter((x) => ["198.18.0.70", "fd00:198:18::64", "198.18.60.2"].includes(x.local)).map((x) => `${x.local} peer ${x.address}/${x.prefixlen}`).sort();
    const want = ["198.18.0.70 peer 198.18.0.71/32", "198.18.60.2 peer 198.18.60.3/32", "fd00:198:18::64 peer fd00:198:18::74/128"];
    expect(peers()).toEqual(want);
    expect(lab.exec(1, ["ip", "addr", "show", "eth0"])).toContain("inet 198.18.0.70 peer 198.18.0.71/32");
    // a renewal that named another address would leave this one to expire (or add a second)
    await Bun.sleep(4000);
    expect(peers()).toEqual(want);
    expect(held().find((x) => x.local === "198.18.0.70")!.valid_life_time).toBeLessThanOrEqual(3);
  }, 10_000);

  // with IP_VS in the kernel the scenario proves nothing
  test.skipIf(kernelHasIpvs())("no IP_VS here: LVS reports the fault and the daemon keeps running", async () => {
    const s = await vigilStatus(h);
    expect((s?.lvs?.[0] as { fault?: string } | undefined)?.fault).toContain("IPVS");
    expect(h.proc.proc.exitCode).toBeNull();
  });

  test("routes and rules: static ones at start, virtual ones on MASTER", async () => {
    expect(await waitUntil(() => lab.exec(1, ["ip", "route", "show", "table", "100"], true).includes("198.18.50.0/24"), 3000)).toBe(true);
    expect(lab.exec(1, ["ip", "route", "show", "table", "101"])).toContain("198.18.61.0/24 via 198.18.60.254");
    expect(lab.exec(1, ["ip", "-6", "route", "show"])).toContain("fd00:50::/64");
    const rules = lab.exec(1, ["ip", "rule", "show"]);
    expect(rules).toContain("1000:\tfrom 198.18.50.0/24 lookup 100");
    expect(rules).toContain("2000:\tfrom 198.18.61.0/24 iif eth0 lookup 101");
  });

  test("tracking: the process (+7) and the file (value × -10) move VI_MAIN's priority from 150", async () => {
    expect(await waitUntil(async () => (await priority()) === 157, 5000)).toBe(true);
    writeFileSync(`${run}/maint`, "2\n");
    expect(await waitUntil(async () => (await priority()) === 137, 5000)).toBe(true);
    sleeper!.kill("SIGKILL");
    await sleeper!.exited;
    sleeper = undefined;
    expect(await waitUntil(async () => (await priority()) === 130, 5000)).toBe(true);
  }, 20_000);

  test("checkers: PING, UDP, SMTP and DNS each ran against the client (ping answered, SMTP with nothing listening failed); FILE_CHECK's file sets the weight", async () => {
    const servers = async () => ((await vigilStatus(h))?.virtualServers ?? []).flatMap((v) => v.realServers);
    const byType = async () => new Map((await servers()).flatMap((r) => r.checkers).map((c) => [c.type, c]));
    const polled = ["DNS_CHECK", "PING_CHECK", "SMTP_CHECK", "UDP_CHECK"];
    const ran = await waitUntil(async () => { const c = await byType(); return polled.every((t) => (c.get(t)?.attempts ?? 0) > 0); }, 8000);
    const c = await byType();
    expect({ ran, types: [...c.keys()].sort() }).toEqual({ ran: true, types: ["DNS_CHECK", "FILE_CHECK", "PING_CHECK", "SMTP_CHECK", "UDP_CHECK"] });
    expect(c.get("PING_CHECK")?.lastResult).toBe("ok");
    expect(c.get("SMTP_CHECK")?.lastResult).toBe("fail");
    // FILE_CHECK reads its file (not polled): weight 1 + value 5 x track_file weight 2, then 1 x 2 when the file says 1
    const webWeight = async () => (await servers()).find((r) => r.checkers.some((k) => k.type === "FILE_CHECK"))?.weight;
    expect(await webWeight()).toBe(11);
    writeFileSync(`${run}/rs-weight`, "1\n");
    expect(await waitUntil(async () => (await webWeight()) === 3, 5000)).toBe(true);
  }, 20_000);

  test("notify FIFOs are named pipes and the metrics endpoint answers with the instances", () => {
    for (const f of ["notify.fifo", "vrrp.fifo", "lvs.fifo"]) expect(statSync(`${run}/${f}`).isFIFO()).toBe(true);
    const body = lab.exec(1, ["curl", "-s", "--max-time", "3", "http://127.0.0.1:9651/metrics"]);
    expect(body).toContain('instance="VI_MAIN"');
    expect(body).toContain('instance="VI_3"');
  });

  test("sync group SG's own track_file (weight 0) saying 1 puts both its members (VI_2, VI_3) in FAULT, VI_MAIN not; 0 brings them back", async () => {
    const st = async () => Object.fromEntries(((await vigilStatus(h))?.instances ?? []).map((i) => [i.name, i.state]));
    expect(lab.exec(1, ["ip", "addr", "show", "eth0"])).toMatch(/198\.18\.0\.73 peer 198\.18\.0\.83\/32/);
    writeFileSync(`${run}/sg-gate`, "1\n");
    expect(await waitUntil(async () => { const s = await st(); return s.VI_2 === "FAULT" && s.VI_3 === "FAULT"; }, 5000)).toBe(true);
    expect((await st()).VI_MAIN).toBe("MASTER");
    // their point-to-point eVIPs went on leaving MASTER (an IPv4 RTM_DELADDR must name the peer, or the kernel keeps the address)
    expect(lab.exec(1, ["ip", "addr", "show", "eth0"])).not.toMatch(/198\.18\.0\.7[23] peer/);
    writeFileSync(`${run}/sg-gate`, "0\n");
    expect(await waitUntil(async () => { const s = await st(); return s.VI_2 === "MASTER" && s.VI_3 === "MASTER"; }, 8000)).toBe(true);
    expect(await waitUntil(() => /198\.18\.0\.72 peer 198\.18\.0\.82\/32/.test(lab.exec(1, ["ip", "addr", "show", "eth0"])), 3000)).toBe(true);
  }, 20_000);
});
