// The notify FIFO's priority lines (keepalived notify_priority_changes) against
// keepalived 2.2.7 itself. Router r1 runs keepalived, then vigil, with the same
// keepalived.conf: VI_1 and VI_2 track a file (track_file weight -10), VI_1 says
// notify_priority_changes, VI_2 says notify_priority_changes false; VI_3 says
// nothing and is alone in a sync group that tracks the file itself and says
// notify_priority_changes true (global_defs does not: the group's counts). The same changes are driven for both — the file
// says 2 and 0 while MASTER, then (r2, a vigil peer of priority 200, holding them
// in BACKUP) 1 and 0 — with a `cat` reading the FIFO, and the lines each wrote
// are compared per instance. Then MASTER_RX_LOWER_PRI: both unicast, r1 sending to
// an address nobody has, r2 (priority 50) to r1: r2 hears nothing and is master
// too, and r1, master, hears its adverts: each one is a FIFO line and a run of
// notify_master_rx_lower_pri.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { linesReach, readLines, stopPid } from "../helpers/fifo-lines.ts";
import { spawnKeepalived } from "../helpers/keepalived.ts";
import { Lab, type LabProc, sleep } from "../helpers/lab.ts";
import { startVigil, vigilConf, waitUntil } from "../helpers/vigil.ts";

const ADV = 0.1;
const NAMES = ["VI_1", "VI_2", "VI_3"];
let lab: Lab;
let file: string;

const r1Conf = (fifo: string) =>
  vigilConf({
    routerId: "r1",
    global: [`vrrp_notify_fifo ${fifo}`],
    blocks: [
      "track_file prio {", `  file "${file}"`, "}",
      "vrrp_sync_group G3 {", "  group {", "    VI_3", "  }", "  track_file {", "    prio weight -10", "  }", "  sync_group_tracking_weight", "  notify_priority_changes true", "}",
    ],
    instances: [
      { name: "VI_1", vrid: 111, priority: 100, advertInt: ADV, vips: ["198.18.0.111"], extra: ["track_file {", "  prio weight -10", "}", "notify_priority_changes"] },
      { name: "VI_2", vrid: 112, priority: 100, advertInt: ADV, vips: ["198.18.0.112"], extra: ["track_file {", "  prio weight -10", "}", "notify_priority_changes false"] },
      { name: "VI_3", vrid: 113, priority: 100, advertInt: ADV, vips: ["198.18.0.113"] },
    ],
  });

const peerConf = vigilConf({
  routerId: "r2",
  instances: NAMES.map((name, k) => ({ name, vrid: 111 + k, priority: 200, advertInt: ADV, vips: [`198.18.0.${111 + k}`] })),
});


/** The scenario of the header on r1; returns the lines read from the FIFO. */
async function scenario(tag: string, start: (conf: string) => Promise<LabProc>): Promise<string[]> {
  const fifo = join(lab.dir, `${tag}.fifo`);
  const out = join(lab.dir, `${tag}.out`);
  writeFileSync(file, "0\n");
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  const reader = lab.spawn(1, ["sh", "-c", `exec cat ${fifo} > ${out}`], `cat-${tag}`);
  const daemon = await start(r1Conf(fifo));
  // each step waits for lines written after the previous step's
  let seen = 0;
  const has = (...xs: string[]) => (l: string[]) => {
    const ok = xs.every((x) => l.slice(seen).includes(x));
    if (ok) seen = l.length;
    return ok;
  };
  try {
    await linesReach(out, has('INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_3" MASTER 100'), `${tag} alone to MASTER`);
    writeFileSync(file, "2\n");
    await linesReach(out, has('INSTANCE "VI_1" MASTER_PRIORITY 80', 'INSTANCE "VI_3" MASTER_PRIORITY 80'), `${tag} file 2 while MASTER`);
    writeFileSync(file, "0\n");
    await linesReach(out, has('INSTANCE "VI_1" MASTER_PRIORITY 100', 'INSTANCE "VI_3" MASTER_PRIORITY 100'), `${tag} file 0 while MASTER`);
    const peer = await startVigil(lab, 2, peerConf);
    try {
      await linesReach(out, has('INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_3" BACKUP 100'), `${tag} preempted by r2`);
      writeFileSync(file, "1\n");
      await linesReach(out, has('INSTANCE "VI_1" BACKUP_PRIORITY 90', 'INSTANCE "VI_3" BACKUP_PRIORITY 90'), `${tag} file 1 while BACKUP`);
      writeFileSync(file, "0\n");
      await linesReach(out, has('INSTANCE "VI_1" BACKUP_PRIORITY 100', 'INSTANCE "VI_3" BACKUP_PRIORITY 100'), `${tag} file 0 while BACKUP`);
      // VI_2's priority moved too, without a line; time for any late line before the peer stops
      await sleep(300);
    } finally {
      await stopPid(peer.proc);
    }
    await linesReach(out, has('INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_3" MASTER 100'), `${tag} MASTER again after r2 stopped`);
  } finally {
    await stopPid(daemon);
    await Promise.race([reader.exited, sleep(3000)]);
    reader.proc.kill();
  }
  return readLines(out);
}

/** The MASTER_RX_LOWER_PRI scenario of the header; returns the FIFO's lines and how often the script ran. */
async function lowerScenario(tag: string, start: (conf: string) => Promise<LabProc>): Promise<{ lines: string[]; runs: number }> {
  const fifo = join(lab.dir, `${tag}-lower.fifo`);
  const out = join(lab.dir, `${tag}-lower.out`);
  const ran = join(lab.dir, `${tag}-lower.ran`);
  const script = join(lab.dir, `${tag}-lower.sh`);
  writeFileSync(script, `#!/bin/sh\necho "ran $*" >> ${ran}\n`);
  chmodSync(script, 0o755);
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  const reader = lab.spawn(1, ["sh", "-c", `exec cat ${fifo} > ${out}`], `cat-lower-${tag}`);
  const conf = vigilConf({
    routerId: "r1",
    global: [`vrrp_notify_fifo ${fifo}`],
    instances: [{ name: "VI_L", vrid: 121, priority: 100, advertInt: ADV, vips: ["198.18.0.121"], extra: [`notify_master_rx_lower_pri "${script}"`, "unicast_src_ip 198.18.0.1", "unicast_peer {", "  198.18.0.99", "}"] }],
  });
  const daemon = await start(conf);
  const lower = 'INSTANCE "VI_L" MASTER_RX_LOWER_PRI 100';
  try {
    await linesReach(out, (l) => l.includes('INSTANCE "VI_L" MASTER 100'), `${tag} MASTER`);
    // r2 hears nothing (r1 sends to 198.18.0.99): it becomes master too, at priority 50, and sends to r1
    const peer = await startVigil(lab, 2, vigilConf({
      routerId: "r2",
      instances: [{ name: "VI_L", vrid: 121, priority: 50, advertInt: ADV, vips: ["198.18.0.121"], extra: ["unicast_src_ip 198.18.0.2", "unicast_peer {", "  198.18.0.1", "}"] }],
    }));
    try {
      await linesReach(out, (l) => l.filter((x) => x === lower).length >= 3, `${tag} lower adverts heard`);
      expect(await waitUntil(() => existsSync(ran), 3000)).toBe(true);
    } finally {
      await stopPid(peer.proc);
    }
  } finally {
    await stopPid(daemon);
    await Promise.race([reader.exited, sleep(3000)]);
    reader.proc.kill();
  }
  return { lines: readLines(out), runs: readLines(ran).length };
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  file = join(lab.dir, "prio");
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("notify_priority_changes: vigil writes keepalived 2.2.7's priority lines", () => {
  let ka: string[] = [];

  test("keepalived 2.2.7 through the scenario (the reference)", async () => {
    ka = await scenario("keepalived", async (conf) => {
      return spawnKeepalived(lab, 1, "ka", conf);
    });
    expect(ka.some((l) => l.includes("_PRIORITY "))).toBe(true);
  }, 60_000);

  test("vigil through the same scenario: the same lines per instance, in the same order; none for VI_2 (notify_priority_changes false)", async () => {
    const vg = await scenario("vigil", async (conf) => (await startVigil(lab, 1, conf)).proc);
    const of = (lines: string[], n: string) => lines.filter((l) => l.startsWith(`INSTANCE "${n}" `));
    for (const n of NAMES) expect({ n, lines: of(vg, n) }).toEqual({ n, lines: of(ka, n) });
    expect(of(vg, "VI_2").some((l) => l.includes("_PRIORITY"))).toBe(false);
    expect(of(vg, "VI_3").some((l) => l.includes("_PRIORITY"))).toBe(true);
    expect(of(vg, "VI_1").filter((l) => l.includes("_PRIORITY"))).toEqual([
      'INSTANCE "VI_1" MASTER_PRIORITY 80', 'INSTANCE "VI_1" MASTER_PRIORITY 100', 'INSTANCE "VI_1" BACKUP_PRIORITY 90', 'INSTANCE "VI_1" BACKUP_PRIORITY 100',
    ]);
  }, 60_000);
});

describe("notify_master_rx_lower_pri and MASTER_RX_LOWER_PRI: vigil as keepalived 2.2.7", () => {
  test("a master hearing a lower-priority master writes a line and runs the script for each advert, as keepalived does", async () => {
    const ka = await lowerScenario("keepalived", async (conf) => {
      return spawnKeepalived(lab, 1, "ka-lower", conf);
    });
    const vg = await lowerScenario("vigil", async (conf) => (await startVigil(lab, 1, conf)).proc);
    const distinct = (l: string[]) => [...new Set(l)];
    expect(distinct(vg.lines)).toEqual(distinct(ka.lines));
    expect(distinct(vg.lines)).toContain('INSTANCE "VI_L" MASTER_RX_LOWER_PRI 100');
    // one run per line, no arguments added
    for (const [who, r] of [["keepalived", ka], ["vigil", vg]] as const) {
      expect({ who, runs: r.runs > 0 && r.runs <= r.lines.filter((x) => x.includes("LOWER")).length + 1 }).toEqual({ who, runs: true });
    }
  }, 60_000);
});
