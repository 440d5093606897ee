// What a running vigil tells about itself, compared with keepalived 2.2.7's data
// dump. Router r1 runs an instance that tracks everything keepalived can track
// (an interface, two vrrp_scripts, a track_file, a vrrp_track_process), holds a
// VIP, a /24 VIP and an excluded VIP, and checks two real servers (one
// listening). `vigil status --json` must carry all of it: each tracked item's
// reading and weight, the resulting priority, each VIP with the kernel's
// remaining lifetime, each real server with its checker's last result and
// latency. SIGUSR1/SIGUSR2 write keepalived.data / keepalived_check.data /
// keepalived.stats where keepalived does ($TMPDIR), and keepalived itself,
// given the same config in the same namespace, writes files that read the same
// way: the same stats layout line for line, and in the data file the same
// instance, VIP and script facts as a reader of keepalived's format sees them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { queryStatus, STATUS_BRIEF } from "../../src/daemon/status-client.ts";
import type { DaemonStatus } from "../../src/daemon/status-types.ts";
import { keepalivedArgv } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { instanceStatus, startVigil, vigilCommand, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const BUN = join(import.meta.dir, "..", "..", "node_modules", ".bin", "bun");

let lab: Lab;
let vigilDir: string;
let kaDir: string;
let h: VigilHandle;

function config(dir: string, withLvs: boolean): string {
  return vigilConf({
    routerId: "r1",
    global: ["vip_lifetime 3"],
    blocks: [
      "vrrp_script chk_ok {", "  script /bin/true", "  interval 1", "  weight 5", "}",
      "vrrp_script chk_bad {", "  script /bin/false", "  interval 1", "  weight -20", "}",
      "track_file tf1 {", `  file ${dir}/tf1`, "  weight 2", "}",
      "vrrp_track_process tp1 {", "  process sleep", "  weight 4", "}",
      ...(withLvs ? [
        "virtual_server 198.18.0.230 80 {", "  delay_loop 1", "  lb_algo wrr", "  lb_kind DR", "  protocol TCP",
        "  real_server 198.18.0.250 8080 {", "    weight 3", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }",
        "  real_server 198.18.0.250 8081 {", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }", "}",
      ] : []),
    ],
    instances: [{
      name: "VI_1", vrid: 71, priority: 100, advertInt: 1, version: 2, vips: ["198.18.0.171"],
      extra: [
        "track_interface {", "  trk0 weight -10", "}", "track_script {", "  chk_ok", "  chk_bad", "}",
        "track_file {", "  tf1", "}", "track_process {", "  tp1", "}",
        "virtual_ipaddress_excluded {", "  198.18.0.173/32", "}",
        "garp_lower_prio_delay 3",
      ],
    }],
  }).replace("    198.18.0.171/32 dev eth0\n", "    198.18.0.171/32 dev eth0\n    198.18.0.172/24 dev eth0\n");
}

/** Reads keepalived's data file the way its consumers do: " VRRP Instance = X" opens a block of "   Key = value" lines; a "   Key (n):" / "   Key :" line opens a list of deeper-indented entries. */
function readDataFile(text: string): { instances: Record<string, Record<string, string | string[]>>; scripts: Record<string, Record<string, string>> } {
  const instances: Record<string, Record<string, string | string[]>> = {};
  const scripts: Record<string, Record<string, string>> = {};
  let inst: Record<string, string | string[]> | null = null;
  let script: Record<string, string> | null = null;
  let list: string[] | null = null;
  for (const line of text.split("\n")) {
    const head = /^ (VRRP Instance|VRRP Script) = (.+)$/.exec(line);
    if (head) {
      inst = head[1] === "VRRP Instance" ? (instances[head[2]!] = {}) : null;
      script = head[1] === "VRRP Script" ? (scripts[head[2]!] = {}) : null;
      list = null;
      continue;
    }
    if (!line.startsWith("   ")) {
      inst = script = null;
      list = null;
      continue;
    }
    if (line.startsWith("     ") && list) {
      list.push(line.trim());
      continue;
    }
    const kv = /^ {3}([^=]+?) = (.*)$/.exec(line);
    const ls = /^ {3}([^=:]+?)(?: \(\d+\))? ?:$/.exec(line);
    if (kv) {
      list = null;
      if (inst) inst[kv[1]!] = kv[2]!;
      if (script) script[kv[1]!] = kv[2]!;
    } else if (ls && inst) {
      list = [];
      inst[ls[1]!] = list;
    }
  }
  return { instances, scripts };
}

/** The facts a reader of the data file takes from an instance (keepalived-exporter reads these). */
function facts(d: ReturnType<typeof readDataFile>) {
  const i = d.instances.VI_1!;
  return {
    state: i.State, wantstate: i.Wantstate, interface: i.Interface, vrid: i["Virtual Router ID"], garpDelay: i["Gratuitous ARP delay"],
    lowerPrio: [i["Gratuitous ARP lower priority delay"], i["Gratuitous ARP lower priority repeat"]],
    priority: i.Priority, advert: i["Advert interval"], auth: i["Authentication type"], preempt: i.Preempt,
    vips: (i["Virtual IP"] as string[]).map((v) => v.split(" ").slice(0, 3).join(" ")),
    excluded: (i["Virtual IP Excluded"] as string[]).map((v) => v.split(" ").slice(0, 3).join(" ")),
    trackedInterfaces: i["Tracked interfaces"], trackedScripts: i["Tracked scripts"], trackedFiles: i["Tracked files"], trackedProcesses: i["Tracked processes"],
    scripts: Object.fromEntries(Object.entries(d.scripts).map(([n, s]) => [n, { status: s.Status, state: s.State, weight: s.Weight, rise: s.Rise, fall: s.Fall }])),
  };
}

const mode = (p: string) => statSync(p).mode & 0o777;

beforeAll(async () => {
  lab = await Lab.create({ routers: 1 });
  vigilDir = join(lab.dir, "vigil-tmp");
  kaDir = join(lab.dir, "ka-tmp");
  mkdirSync(vigilDir);
  mkdirSync(kaDir);
  writeFileSync(join(lab.dir, "tf1"), "3\n");
  lab.exec(1, ["ip", "link", "add", "trk0", "type", "veth", "peer", "name", "trk0p"]);
  lab.exec(1, ["ip", "link", "set", "trk0p", "up"]);
  lab.exec(1, ["ip", "link", "set", "trk0", "up"]);
  lab.spawn(1, ["sleep", "300"], "sleep");
  lab.spawn("client", [BUN, "-e", "Bun.listen({ hostname: '198.18.0.250', port: 8080, socket: { open(s) { s.end(); }, data() {} } })"], "tcp-8080");
  h = await startVigil(lab, 1, config(lab.dir, true), { env: { TMPDIR: vigilDir } });
  if (!(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.state === "MASTER", 8000))) throw new Error("r1 not MASTER");
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("vigil status --json", () => {
  test("every tracked item with its reading and weight, the priority they make, VIPs with the kernel's lifetime, real servers with their checkers' last result", async () => {
    let st: DaemonStatus | null = null;
    // wait for the first check of each real server and for the scripts' first results
    expect(await waitUntil(async () => {
      const r = Bun.spawnSync([...vigilCommand(), "status", "--socket", h.socket, "--json"], { stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) return false;
      st = JSON.parse(r.stdout.toString()) as DaemonStatus;
      const i = st.instances[0]!;
      return i.tracking!.every((t) => t.kind === "file" || t.up !== null) && st.virtualServers![0]!.realServers.every((r) => r.checkers[0]!.attempts > 0);
    }, 10_000, 200)).toBe(true);
    const s = st as unknown as DaemonStatus;
    const i = s.instances[0]!;
    expect(i.tracking).toEqual([
      { kind: "interface", name: "trk0", weight: -10, up: true },
      { kind: "script", name: "chk_ok", weight: 5, up: true },
      { kind: "script", name: "chk_bad", weight: -20, up: false },
      { kind: "process", name: "tp1", weight: 4, up: true },
      { kind: "file", name: "tf1", weight: 2, value: 3 },
    ]);
    // keepalived's rules: +5 (chk_ok up), -20 (chk_bad down), +4 (tp1 up), 3 x 2 (tf1); trk0 is up (its -10 applies when down)
    expect(i.effectivePriority).toBe(100 + 5 - 20 + 4 + 6);
    expect(i.vipsInKernel!.map((v) => [`${v.address}/${v.prefix}`, v.dev])).toEqual([["198.18.0.171/32", "eth0"], ["198.18.0.172/24", "eth0"], ["198.18.0.173/32", "eth0"]]);
    for (const v of i.vipsInKernel!) expect(v.validLifetime === "forever" ? -1 : v.validLifetime).toBeGreaterThanOrEqual(1);
    expect(i.vipsInKernel!.every((v) => v.validLifetime !== "forever" && v.validLifetime <= 3)).toBe(true);
    expect(i.settings).toMatchObject({ advertIntMs: 1000, preempt: true, authType: "none", vipLifetime: 3000, excludedVips: ["198.18.0.173/32"], unicastPeers: [] });
    expect(i.counters.vipRenewals).toBeGreaterThanOrEqual(3);
    const vs = s.virtualServers![0]!;
    expect(vs.virtualServer).toBe("198.18.0.230:80/TCP");
    const [up, down] = vs.realServers;
    expect([up!.realServer, up!.alive, up!.weight, up!.checkers[0]!.type, up!.checkers[0]!.lastResult]).toEqual(["198.18.0.250:8080", true, 3, "TCP_CHECK", "ok"]);
    expect(up!.checkers[0]!.latencyMs).toBeGreaterThan(0);
    expect([down!.realServer, down!.alive, down!.checkers[0]!.lastResult]).toEqual(["198.18.0.250:8081", false, "fail"]);
    expect(down!.checkers[0]!.reason).toMatch(/refused|ECONNREFUSED/i);
    expect(s.ipvs).toBeDefined();
  }, 30_000);

  test("the brief status (`vigil status`'s table) is the same document without the kernel's VIPs, and the table shows the instance", async () => {
    const full = (await queryStatus(h.socket, "status")) as DaemonStatus;
    const brief = (await queryStatus(h.socket, STATUS_BRIEF)) as DaemonStatus;
    expect(full.instances[0]!.vipsInKernel!.length).toBe(3);
    expect(brief.instances.map((i) => i.vipsInKernel)).toEqual([undefined]);
    expect(brief.instances.map((i) => [i.name, i.state, i.settings?.vipLifetime])).toEqual(full.instances.map((i) => [i.name, i.state, i.settings?.vipLifetime]));
    expect(brief.virtualServers?.map((v) => v.virtualServer)).toEqual(["198.18.0.230:80/TCP"]);
    const r = Bun.spawnSync([...vigilCommand(), "status", "--socket", h.socket], { stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toMatch(/\nVI_1 +eth0 +71 +2\/v4 +MASTER /);
  }, 30_000);

  test("memory: the main thread's JS heap and the VRRP worker's, each read by its own thread (what a soak watches for growth)", async () => {
    const r = Bun.spawnSync([...vigilCommand(), "status", "--socket", h.socket, "--json"], { stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(0);
    const m = (JSON.parse(r.stdout.toString()) as DaemonStatus).memory!;
    // each thread's process.memoryUsage() reads its own JSC heap: two readings, not one twice
    expect(m.heapUsed).toBeGreaterThan(1 << 20);
    expect(m.workerHeapUsed).toBeGreaterThan(64 << 10);
    expect(m.workerHeapUsed).not.toBe(m.heapUsed);
  }, 30_000);

  test("a tracked item that changes shows at once: trk0 down takes its weight off, the track file's new number counts", async () => {
    lab.exec(1, ["ip", "link", "set", "trk0", "down"]);
    writeFileSync(join(lab.dir, "tf1"), "-1\n");
    try {
      expect(await waitUntil(async () => {
        const i = await instanceStatus(h, "VI_1");
        return i?.tracking?.find((t) => t.name === "trk0")?.up === false && i.tracking.find((t) => t.name === "tf1")?.value === -1;
      }, 5000)).toBe(true);
      expect((await instanceStatus(h, "VI_1"))!.effectivePriority).toBe(100 + 5 - 20 + 4 - 2 - 10);
    } finally {
      lab.exec(1, ["ip", "link", "set", "trk0", "up"]);
      writeFileSync(join(lab.dir, "tf1"), "3\n");
    }
    expect(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.effectivePriority === 95, 5000)).toBe(true);
  }, 30_000);
});

describe("SIGUSR1 / SIGUSR2: keepalived's files, read as keepalived's", () => {
  test("vigil writes keepalived.data, keepalived_check.data and keepalived.stats in $TMPDIR, mode 0600; keepalived 2.2.7 with the same config writes files that read the same", async () => {
    process.kill(h.proc.pid, "SIGUSR1");
    process.kill(h.proc.pid, "SIGUSR2");
    const files = ["keepalived.data", "keepalived_check.data", "keepalived.stats"].map((f) => join(vigilDir, f));
    expect(await waitUntil(() => files.every(existsSync), 5000)).toBe(true);
    await sleep(200);
    expect(files.map(mode)).toEqual([0o600, 0o600, 0o600]);
    const vData = readFileSync(files[0]!, "utf8");
    const vCheck = readFileSync(files[1]!, "utf8");
    const vStats = readFileSync(files[2]!, "utf8");
    process.kill(h.proc.pid, "SIGTERM");
    await h.proc.exited;

    // keepalived, VRRP only (this kernel has no IP_VS for its checker), same config, its own TMPDIR
    const base = join(lab.dir, "ka");
    writeFileSync(`${base}.conf`, config(lab.dir, false));
    const ka = lab.spawn(1, ["env", `TMPDIR=${kaDir}`, ...keepalivedArgv(`${base}.conf`, base)], "keepalived");
    try {
      expect(await waitUntil(() => /\(VI_1\) Entering MASTER STATE/.test(lab.logOf(ka)), 10_000)).toBe(true);
      await sleep(2500); // scripts' results in
      process.kill(ka.pid, "SIGUSR1");
      process.kill(ka.pid, "SIGUSR2");
      expect(await waitUntil(() => existsSync(join(kaDir, "keepalived.data")) && existsSync(join(kaDir, "keepalived.stats")), 5000)).toBe(true);
      await sleep(300);
    } finally {
      process.kill(ka.pid, "SIGTERM");
      await Promise.race([ka.exited, sleep(5000)]);
    }
    const kData = readFileSync(join(kaDir, "keepalived.data"), "utf8");
    const kStats = readFileSync(join(kaDir, "keepalived.stats"), "utf8");

    // stats: the same layout, line for line, numbers aside
    const shape = (t: string) => t.trim().split("\n").map((l) => l.replace(/\d+/g, "N"));
    expect(shape(vStats)).toEqual(shape(kStats));
    expect(vStats).toMatch(/^ {2}Became master: [1-9]/m);

    // data: the facts a reader takes from it are keepalived's
    const v = facts(readDataFile(vData));
    const k = facts(readDataFile(kData));
    expect(v).toEqual(k);
    expect(v.state).toBe("MASTER");
    // garp_lower_prio_delay as set, its repeat resolved to the global vrrp_garp_master_repeat (keepalived vrrp_complete_init)
    expect(v.lowerPrio).toEqual(["3", "5"]);
    expect(v.vips).toEqual(["198.18.0.171 dev eth0", "198.18.0.172/24 dev eth0"]);
    expect(v.scripts).toEqual({ chk_ok: { status: "GOOD", state: "idle", weight: "5", rise: "1", fall: "1" }, chk_bad: { status: "BAD", state: "idle", weight: "-20", rise: "1", fall: "1" } });
    // every key vigil writes is one keepalived writes, apart from vigil's own facts
    const keys = (t: string) => new Set(t.split("\n").map((l) => /^ {1,3}([A-Za-z][^=:]*?) (=|:)/.exec(l)?.[1]).filter((x): x is string => !!x));
    const vigilOnly = ["VIP lifetime", "Daemon", "Metrics", "Master router", "Fault reason", "Max processes", "Script user", "Default script user"];
    expect([...keys(vData)].filter((x) => !keys(kData).has(x) && !vigilOnly.includes(x))).toEqual([]);
    // the LVS side as keepalived's checker writes it (check_data.c), with each checker's last result
    expect(vCheck).toContain(" VS VIP = 198.18.0.230, VPORT = 80");
    expect(vCheck).toContain("   RIP = 198.18.0.250, RPORT = 8080, WEIGHT = 3 EFF WEIGHT = 3");
    expect(vCheck).toMatch(/RPORT = 8081[^]*alive = 0\n {3}Checker = TCP_CHECK, attempts \d+, failures \d+, last down/);
    // keepalived's defaults for alert mails: a real server mails (smtp_alert unset), a virtual server does not
    expect(vCheck).toMatch(/RPORT = 8080[^]*Using smtp notification = yes/);
    expect(vCheck).toMatch(/quorum_state_up = \d\n {3}Using smtp notification = no/);
    expect(vData).toContain("   Notify deleted = Fault");
    expect(kData).toContain("   Notify deleted = Fault");
  }, 60_000);
});
