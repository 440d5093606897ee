// Board tier, IPVS VM: the shipped dist/vigil-linux-x64 as the LVS director of the
// end-to-end lab (test/vm/e2e-lab.ts), run the way a board runs it. The binary is
// copied into the guest's own tmpfs and started in a mount namespace pivoted onto a
// root that holds only it, the C libraries it links against, busybox and its config:
// the host's root, the checkout (node_modules, Bun) and the run directory, all 9p
// shares, are detached there. One boot: vigil becomes VRRP MASTER for the NAT VIP
// (adverts on the bridge), programs the virtual server, its HTTP_GET and TCP_CHECK
// checkers admit and drop real servers as they stop and start (ipvsadm -Ln in the
// guest is the oracle, a client's HTTP through the VIP the proof), and SIGTERM
// takes the VIP and the virtual server away. How the VM differs from a real board:
// board/vm/README.md.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CHECKOUT, GUEST_SERVE_COMMANDS, GUEST_STOP_DAEMON, startVm, vmAvailable, type VmHandle, type VmResult } from "../helpers/vm.ts";
import { BOARD_LOG, BOARD_PID_FILE, BOARD_ROOT, BOARD_VIGIL, buildBoardRoot, onBoard, startOnBoard } from "../vm/board-root.ts";
import { natAnswer, virtualServerConf } from "../vm/e2e-config.ts";
import { DIRECTOR_SETUP, E2eLab } from "../vm/e2e-lab.ts";
import { DIRECTOR, DIRECTOR2, RS1, RS2, VIP_NAT } from "../vm/e2e-topology.ts";
import { parseIpvsadm } from "../vm/ipvsadm-parse.ts";
import type { DaemonStatus } from "../../src/daemon/status-types.ts";

// copied straight from dist into the VM's run directory (removed with the run)
const BINARY = join(CHECKOUT, "dist", "vigil-linux-x64");
const VRID = 51;
const PRIORITY = 150;
const config = `global_defs {
    router_id board-director
}
vrrp_instance VI_BOARD {
    state BACKUP
    interface eth0
    virtual_router_id ${VRID}
    priority ${PRIORITY}
    advert_int 1
    virtual_ipaddress {
        ${VIP_NAT}/32
    }
}
${virtualServerConf({
  vip: VIP_NAT, port: 80, kind: "NAT",
  reals: [{ address: RS1, port: 8080, weight: 1, check: "HTTP_GET" }, { address: RS2, port: 8080, weight: 1, check: "TCP_CHECK" }],
})}`;

// The director's own address and the NAT segment stay static (the real servers'
// gateway); the VIP is VRRP's to add and remove.
const script = `set -e
${DIRECTOR_SETUP([`${DIRECTOR2}/24`])}
${buildBoardRoot("vigil", config)}
${startOnBoard("run -f /etc/vigil/vigil.conf")}
${GUEST_SERVE_COMMANDS}
pid=$(cat ${BOARD_PID_FILE})
${GUEST_STOP_DAEMON}
echo "ADDR-AFTER-STOP"
ip -4 -o addr show dev eth0
cat ${BOARD_ROOT}${BOARD_LOG} >&2
`;

const lab = new E2eLab("bv");
let vm: VmHandle | undefined;
let result: VmResult | undefined;
let adverts: Subprocess<"ignore", "pipe", "pipe"> | undefined;
const both = new Set([natAnswer("rs1", RS1), natAnswer("rs2", RS2)]);

/** ipvsadm -Ln in the guest, as "address:port forward weight" per real server of the NAT VIP */
async function natDests(): Promise<string[]> {
  const r = await vm!.exec("ipvsadm -Ln");
  expect(r.code).toBe(0);
  const svc = parseIpvsadm(r.out).find((s) => s.address === VIP_NAT && s.port === 80);
  return (svc?.dests ?? []).map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`).sort();
}

/** Polls ipvsadm in the guest (bounded) until the NAT VIP's real servers are `want`. */
async function untilDests(want: string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: string[] = [];
  for (let i = 0; i < 200 && performance.now() < deadline; i++) {
    last = await natDests();
    if (JSON.stringify(last) === JSON.stringify(want)) return;
    await Bun.sleep(200);
  }
  throw new Error(`ipvsadm -Ln: real servers of ${VIP_NAT}:80 are ${JSON.stringify(last)}, want ${JSON.stringify(want)}`);
}

/**
 * Waits (bounded) until the client gets both real servers through the VIP; fails at
 * once, with the daemon's log, if the daemon on the board is gone.
 */
async function untilServing(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let i = 0; i < 100; i++) {
    try {
      await lab.until(VIP_NAT, both, 4, 5_000);
      return;
    } catch (e) {
      if (performance.now() > deadline) throw e;
    }
    // the guest serves commands once the daemon is on the board (startOnBoard waits for it)
    const alive = await vm!.exec(`kill -0 "$(cat ${BOARD_PID_FILE})"`, Math.max(1_000, deadline - performance.now()));
    if (alive.code !== 0) throw new Error(`vigil on the board exited; its log:\n${(await vm!.exec(`cat ${BOARD_ROOT}${BOARD_LOG}`)).out}`);
  }
  throw new Error(`the NAT VIP did not serve both real servers within ${timeoutMs} ms`);
}

async function stopVm(): Promise<VmResult | undefined> {
  if (!vm || result) return result;
  result = await vm.finish(60_000);
  return result;
}

describe.skipIf(!vmAvailable())("board, IPVS VM: the shipped binary alone in the guest is the VRRP + LVS director", () => {
  beforeAll(async () => {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run make build`);
    lab.build();
    await lab.startServer("rs1", [8080]);
    await lab.startServer("rs2", [8080]);
    // the first adverts on the bridge (bounded by count and time)
    adverts = Bun.spawn([...lab.lan.prefix(), "timeout", "60", "tcpdump", "-c", "2", "-nn", "-l", "-i", "br0", "ip proto 112"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    vm = startVm({ script, files: { vigil: BINARY }, net: { netns: lab.lan.name, tap: "vmtap0", ip: `${DIRECTOR}/24` }, timeoutMs: 180_000 });
    const t0 = performance.now();
    await untilServing(120_000);
    console.log(`board director serving the NAT VIP ${Math.round(performance.now() - t0)} ms after the VM started`);
  }, 150_000);

  afterAll(async () => {
    try {
      adverts?.kill("SIGKILL");
      const r = await stopVm();
      if (r && r.exitCode !== 0) console.error(`board VM exit ${r.exitCode}:\n${r.stderr.slice(-3000)}\n${r.console.slice(-1500)}`);
    } finally {
      await lab.cleanup();
    }
  }, 90_000);

  test("the daemon runs from the board root alone: no 9p share in its mounts, no checkout, no Bun, every mapped file a board file", async () => {
    const files = await vm!.exec(onBoard("find / -xdev -type f"));
    expect(files.code).toBe(0);
    const boardFiles = files.out.trim().split("\n").sort();
    // the binary, its config, its log, busybox and the C libraries (a board's glibc): nothing else
    const other = boardFiles.filter((f) => ![BOARD_VIGIL, "/etc/vigil/vigil.conf", BOARD_LOG, "/bin/busybox"].includes(f) && !/^\/lib(64)?\/.*\.so[.\d]*$/.test(f));
    expect(other).toEqual([]);
    expect(boardFiles).toContain(BOARD_VIGIL);

    const mounts = await vm!.exec(onBoard("cat /proc/$VIGIL_PID/mountinfo"));
    const fsTypes = mounts.out.trim().split("\n").map((l) => l.split(" - ")[1]!.split(" ")[0]!);
    expect([...new Set(fsTypes)].sort()).toEqual(["devtmpfs", "proc", "sysfs", "tmpfs"]);

    const absent = await vm!.exec(onBoard(`test -e ${CHECKOUT} && echo checkout-present; command -v bun || echo no-bun; readlink /proc/$VIGIL_PID/exe`));
    expect(absent.out).toBe(`no-bun\n${BOARD_VIGIL}\n`);

    const maps = await vm!.exec(onBoard("cat /proc/$VIGIL_PID/maps"));
    const mapped = new Set(maps.out.split("\n").map((l) => l.trim().split(/\s+/)[5] ?? "").filter((p) => p.startsWith("/") && !p.startsWith("/memfd:") && !p.startsWith("/dev/")));
    expect([...mapped].filter((p) => !boardFiles.includes(p))).toEqual([]);
    expect(mapped.has(BOARD_VIGIL)).toBe(true);
  }, 60_000);

  test("VRRP: the binary's own `vigil status` says MASTER, the VIP is on eth0, its adverts are on the bridge", async () => {
    const st = await vm!.exec(onBoard(`${BOARD_VIGIL} status --json`));
    expect(st.code).toBe(0);
    const status = JSON.parse(st.out) as DaemonStatus;
    expect(status.instances.map((i) => `${i.name} ${i.state} ${i.priority}`)).toEqual([`VI_BOARD MASTER ${PRIORITY}`]);
    const addr = await vm!.exec("ip -4 -o addr show dev eth0");
    expect(addr.out).toContain(` ${VIP_NAT}/32 `);
    const [out, code] = await Promise.all([new Response(adverts!.stdout).text(), adverts!.exited]);
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toContain(`${DIRECTOR} > 224.0.0.18: VRRPv2, Advertisement, vrid ${VRID}, prio ${PRIORITY}`);
  }, 60_000);

  test("IPVS: both real servers pass their checks (HTTP_GET, TCP_CHECK) and are in the kernel; HTTP through the VIP reaches both", async () => {
    expect(await natDests()).toEqual([`${RS1}:8080 masq 1`, `${RS2}:8080 masq 1`]);
    expect(new Set(lab.getMany(VIP_NAT, 6))).toEqual(both);
  }, 60_000);

  test("rs1 stopped: its HTTP_GET fails and ipvsadm no longer lists it; HTTP lands on rs2 only", async () => {
    await lab.stopServer("rs1");
    await untilDests([`${RS2}:8080 masq 1`], 30_000);
    await lab.until(VIP_NAT, new Set([natAnswer("rs2", RS2)]), 4, 30_000);
  }, 90_000);

  test("rs1 back and rs2 stopped: HTTP_GET readmits rs1, TCP_CHECK drops rs2; HTTP lands on rs1 only", async () => {
    await lab.startServer("rs1", [8080]);
    await lab.stopServer("rs2");
    await untilDests([`${RS1}:8080 masq 1`], 30_000);
    await lab.until(VIP_NAT, new Set([natAnswer("rs1", RS1)]), 4, 30_000);
  }, 90_000);

  test("SIGTERM: the daemon exits 0 and takes its virtual server and the VIP with it", async () => {
    const r = (await stopVm())!;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("DAEMON-EXIT 0\n");
    expect(parseIpvsadm(r.stdout.split("TABLE-AFTER-STOP\n")[1]!.split("ADDR-AFTER-STOP")[0]!)).toEqual([]);
    const addr = r.stdout.split("ADDR-AFTER-STOP\n")[1]!;
    expect(addr).toContain(` ${DIRECTOR}/24 `);
    expect(addr).not.toContain(VIP_NAT);
    const size = statSync(BINARY).size;
    console.log(`board tier (IPVS VM): dist/vigil-linux-x64 (${(size / 1e6).toFixed(1)} MB) from a tmpfs root without the checkout, Debian kernel ${readFileSync(`${CHECKOUT}/.cache/vm/kernel-version`, "utf8").trim()} under qemu TCG, boot ${Math.round(r.bootMs ?? -1)} ms, whole run ${Math.round(r.wallMs)} ms`);
  }, 90_000);
});
