// vrrp_track_process and track_file on a running daemon (keepalived 2.2.7
// semantics): a tracked process with weight 0 that is not running is FAULT, and
// its start/exit moves the instance in and out of FAULT; a track_file's number
// times the weight moves the priority, and -254 or below is FAULT. vigil runs in
// a network namespace, where the kernel's process events connector is not
// available (it lives in the initial namespace only), so this also proves the
// /proc polling fallback and its log line.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab } from "../helpers/lab.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const VIP = "198.18.0.104";
let lab: Lab;
let h: VigilHandle;
let procName: string;
let procBin: string;
let trackFile: string;
const running: Array<ReturnType<typeof Bun.spawn>> = [];

const st = () => instanceStatus(h, "VI_P");

function startTracked(): ReturnType<typeof Bun.spawn> {
  // its comm is the file name: unique to this test run
  const p = Bun.spawn([procBin, "30"], { stdout: "ignore", stderr: "ignore" });
  running.push(p);
  return p;
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 1 });
  procName = `vtp${process.pid % 100000}`;
  procBin = join(lab.dir, procName);
  copyFileSync("/bin/sleep", procBin);
  Bun.spawnSync(["chmod", "755", procBin]);
  trackFile = join(lab.dir, "weight");
  const blocks = [
    "vrrp_track_process daemon_up {", `  process ${procName}`, "  quorum 1", "}",
    "track_file offset {", `  file "${trackFile}"`, "  weight -10", "  init_file 0", "}",
  ];
  h = await startVigil(lab, 1, vigilConf({
    routerId: "r1", global: ["vip_lifetime 2"], blocks,
    instances: [{ name: "VI_P", vrid: 73, priority: 150, advertInt: 0.1, vips: [VIP], extra: ["track_process {", "  daemon_up", "}", "track_file {", "  offset", "}"] }],
  }));
}, 60_000);

afterAll(async () => {
  for (const p of running) p.kill("SIGKILL");
  await lab?.cleanup();
});

describe("vrrp_track_process and track_file (keepalived 2.2.7 semantics)", () => {
  test("not running (weight 0, quorum 1) is FAULT; in the namespace the daemon says it polls /proc instead of the connector", async () => {
    expect(await waitUntil(async () => (await st())?.state === "FAULT", 5000)).toBe(true);
    expect(lab.holders(VIP)).toEqual([]);
    expect(lab.logOf(h.proc)).toContain("process events connector is unavailable");
    expect(lab.logOf(h.proc)).toContain("tracked through /proc polling");
  });

  test("the process starts: the instance leaves FAULT and becomes MASTER; it exits: FAULT again and the VIP goes", async () => {
    const p = startTracked();
    expect(await waitUntil(async () => (await st())?.state === "MASTER" && lab.holders(VIP).join() === "1", 6000)).toBe(true);
    p.kill("SIGKILL");
    await p.exited;
    expect(await waitUntil(async () => (await st())?.state === "FAULT" && lab.holders(VIP).length === 0, 6000)).toBe(true);
  });

  test("track_file: the number times the weight (-10) moves the priority; -254 or below is FAULT; a deleted file reads 0", async () => {
    startTracked();
    expect(await waitUntil(async () => (await st())?.state === "MASTER", 6000)).toBe(true);
    expect((await st())?.effectivePriority).toBe(150);
    writeFileSync(trackFile, "3\n");
    expect(await waitUntil(async () => (await st())?.effectivePriority === 120, 3000)).toBe(true);
    writeFileSync(trackFile, "0x2\n"); // strtol base 0, as keepalived reads it
    expect(await waitUntil(async () => (await st())?.effectivePriority === 130, 3000)).toBe(true);
    writeFileSync(trackFile, "26\n"); // -260 <= -254: FAULT
    expect(await waitUntil(async () => (await st())?.state === "FAULT", 3000)).toBe(true);
    Bun.spawnSync(["rm", "-f", trackFile]);
    expect(await waitUntil(async () => (await st())?.state === "MASTER" && (await st())?.effectivePriority === 150, 6000)).toBe(true);
  });
});
